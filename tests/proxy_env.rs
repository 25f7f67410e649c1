//! Proxies from the environment: over plain http (loopback, the simulator)
//! the client uses none, so no proxy sees the token in clear; over https a
//! proxy only gets a `CONNECT`, never the credentials.
//!
//! Its own test binary, with one test, because it sets the proxy variables
//! before any thread exists.

mod common;

use common::{AUTH_ID, RawServer, TOKEN};

#[test]
fn the_environment_proxy_never_sees_the_credentials() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A "proxy" that records what reaches it and answers 502 to everything.
    let proxy = rt.block_on(RawServer::start(
        "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n",
    ));
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
    ] {
        // SAFETY: the only test in this binary, before its runtime starts threads.
        unsafe { std::env::set_var(name, proxy.base_url()) };
    }
    // SAFETY: as above.
    unsafe { std::env::remove_var("NO_PROXY") };
    unsafe { std::env::remove_var("no_proxy") };

    rt.block_on(async {
        let target = RawServer::start(common::NO_CONTENT).await;
        common::client(&target.base_url())
            .hangup_conference("room")
            .await
            .unwrap();
        assert_eq!(target.count(), 1, "sent straight to the server");
        assert_eq!(
            proxy.count(),
            0,
            "nothing went through the proxy over plain http"
        );

        // Over https the proxy is asked for a tunnel, and that is all it sees.
        let client = vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url("https://vobiz.test:443")
            .retry(vobiz::RetryPolicy::none())
            .build()
            .unwrap();
        client.hangup_conference("room").await.unwrap_err();
        let heads = proxy.heads();
        assert_eq!(heads.len(), 1, "{heads:?}");
        assert!(
            heads[0].starts_with("CONNECT vobiz.test:443"),
            "{}",
            heads[0]
        );
        assert!(
            !heads[0].to_ascii_lowercase().contains("x-auth"),
            "{}",
            heads[0]
        );
    });
}
