//! HTTPS through the client vobiz builds itself (rustls with ring and the
//! platform verifier), not one supplied by the test. The platform verifier
//! reads the system roots, which on Linux honour `SSL_CERT_FILE`: pointing
//! it at a certificate made now makes that the one trusted root.
//!
//! Its own test binary, with one test, because it sets an environment
//! variable before any thread exists.

mod common;

#[test]
fn own_client_verifies_and_completes_an_https_round_trip() {
    // SAFETY: the only test in this binary, and no thread exists yet.
    let (key, _roots, rt) = unsafe { common::trusting_a_new_certificate() };
    rt.block_on(async {
        common::own_client_https(&key, "tls-token-own").await;
    });
}
