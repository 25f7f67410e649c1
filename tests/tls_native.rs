//! HTTPS through the client vobiz builds itself with the `native-tls`
//! feature (OpenSSL on Linux): `cargo test --features native-tls --test
//! tls_native`, as `.ci/run` does. OpenSSL reads `SSL_CERT_FILE`: pointing it at a
//! certificate made now makes that the one trusted root.
//!
//! Its own test binary, with one test, because it sets an environment
//! variable before any thread exists.
#![cfg(feature = "native-tls")]

mod common;

use common::tls_server;

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
        let (addr, seen) = tls_server(&key).await;
        let client = vobiz::Client::builder("MA_TLS", "tls-token-native")
            .base_url(format!("https://localhost:{}", addr.port()))
            .build()
            .unwrap();
        client.hangup_conference("room 1").await.unwrap();
        assert_eq!(
            seen.lock().unwrap().clone(),
            vec![(
                "/api/v1/Account/MA_TLS/Conference/room%201/".to_owned(),
                Some("tls-token-native".to_owned())
            )]
        );

        // A certificate for another name is refused before anything is sent.
        let other = rcgen::generate_simple_self_signed(vec!["elsewhere.test".to_owned()]).unwrap();
        let (addr, seen) = tls_server(&other).await;
        let client = vobiz::Client::builder("MA_TLS", "tls-token-native")
            .base_url(format!("https://localhost:{}", addr.port()))
            .retry(vobiz::RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.hangup_conference("room").await.unwrap_err();
        assert!(matches!(err, vobiz::Error::Transport { .. }), "{err:?}");
        // OpenSSL said no, not rustls.
        let chain = format!("{err:?}");
        assert!(chain.contains("certificate verify failed"), "{chain}");
        assert!(seen.lock().unwrap().is_empty());
    });
}
