//! HTTPS through the client vobiz builds itself with the `native-tls`
//! feature (OpenSSL on Linux): `cargo test --features native-tls --test
//! tls_native`, as `.ci/run` does. OpenSSL reads `SSL_CERT_FILE`: pointing it at a
//! certificate made now makes that the one trusted root.
//!
//! Its own test binary, with one test, because it sets an environment
//! variable before any thread exists.
#![cfg(feature = "native-tls")]

mod common;

#[test]
fn native_tls_verifies_and_completes_an_https_round_trip() {
    // SAFETY: the only test in this binary, and no thread exists yet.
    let (key, _roots, rt) = unsafe { common::trusting_a_new_certificate() };
    rt.block_on(async {
        let refused = common::own_client_https(&key, "tls-token-native").await;
        // OpenSSL said no, not rustls.
        let chain = format!("{refused:?}");
        assert!(chain.contains("certificate verify failed"), "{chain}");
    });
}
