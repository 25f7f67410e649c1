//! A real HTTPS round trip against a loopback TLS server whose certificate is
//! made at test time.

mod common;

use common::tls_server;
use tokio_rustls::rustls;

/// reqwest is built without a default crypto provider (vobiz configures
/// its own client with ring); clients built by hand here use ring too.
fn install_ring() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A vobiz client for `https://vobiz.test:<port>` resolving to `addr`,
/// through a supplied reqwest client that trusts `root` only (or the
/// system roots).
fn client_for(addr: std::net::SocketAddr, root: Option<&rcgen::Certificate>) -> vobiz::Client {
    install_ring();
    let mut http = common::http_client_builder().resolve("vobiz.test", addr);
    if let Some(root) = root {
        http = http.tls_certs_only([reqwest::Certificate::from_der(root.der()).unwrap()]);
    }
    vobiz::Client::builder("MA_TLS", "tls-token")
        .base_url(format!("https://vobiz.test:{}", addr.port()))
        .http_client(http.build().unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_round_trip_with_a_certificate_made_now() {
    let key = rcgen::generate_simple_self_signed(vec!["vobiz.test".to_owned()]).unwrap();
    let (addr, seen) = tls_server(&key).await;
    let client = client_for(addr, Some(&key.cert));

    client.hangup_conference("secure room").await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![(
            "/api/v1/Account/MA_TLS/Conference/secure%20room/".to_owned(),
            Some("tls-token".to_owned())
        )]
    );
}

#[tokio::test]
async fn untrusted_certificate_is_a_transport_error_and_sends_nothing() {
    let key = rcgen::generate_simple_self_signed(vec!["vobiz.test".to_owned()]).unwrap();
    let (addr, seen) = tls_server(&key).await;
    let client = client_for(addr, None);
    let err = client.hangup_conference("room").await.unwrap_err();
    assert!(matches!(err, vobiz::Error::Transport { .. }), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
}
