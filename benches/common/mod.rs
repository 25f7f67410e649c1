//! What both benchmarks compare against.

/// The hand-written reqwest client, configured as a careful hand-written
/// client would be, and as ours is: no redirects, the same User-Agent and
/// the same timeouts (a timeout costs a timer per request; leaving it out
/// of the raw caller only would measure that choice, not this crate).
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(vobiz::DEFAULT_USER_AGENT)
        .timeout(vobiz::DEFAULT_TIMEOUT)
        .connect_timeout(vobiz::DEFAULT_CONNECT_TIMEOUT)
        .build()
        .unwrap()
}
