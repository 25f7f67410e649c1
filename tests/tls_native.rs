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
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let roots = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(roots.path(), key.cert.pem()).unwrap();
    // SAFETY: the only test in this binary, before its runtime starts threads.
    unsafe { std::env::set_var("SSL_CERT_FILE", roots.path()) };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let refused = common::own_client_https(&key, "tls-token-native").await;
        // OpenSSL said no, not rustls.
        let chain = format!("{refused:?}");
        assert!(chain.contains("certificate verify failed"), "{chain}");
    });
}
