//! A real HTTPS round trip against a loopback TLS server whose certificate is
//! made at test time.

mod common;

use common::tls_server;
use proptest::prelude::*;
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

/// The reason of a transport error, as the caller gets it.
fn reason(err: &vobiz::Error) -> &str {
    match err {
        vobiz::Error::Transport { source, .. } => source.reason().unwrap_or("<none>"),
        other => panic!("not a transport error: {other:?}"),
    }
}

/// Promise: a refused certificate says so, at once. reqwest's own message
/// names only the URL; the reason names what TLS refused.
#[tokio::test]
async fn untrusted_certificate_is_a_transport_error_and_sends_nothing() {
    let key = rcgen::generate_simple_self_signed(vec!["vobiz.test".to_owned()]).unwrap();
    let (addr, seen) = tls_server(&key).await;
    let client = client_for(addr, None);
    let err = client.hangup_conference("room").await.unwrap_err();
    assert!(reason(&err).contains("certificate"), "{err}");
    assert!(err.to_string().ends_with(reason(&err)), "{err}");
    assert!(seen.lock().unwrap().is_empty());
    // Final: the client retries connection failures, but the same
    // certificate would be refused again.
    assert_eq!(err.attempts(), 1, "{err}");
    assert!(!err.is_retryable());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Promise: a certificate's names are the server's words, and are
    /// redacted like an answer's. A server that puts the token in its
    /// certificate's names (alone, or inside a longer name) never gets it
    /// shown: not by the error's `Display`, its `Debug`, nor anything in its
    /// `source()` chain, while the reason still says what was refused.
    #[test]
    fn a_certificate_naming_the_token_never_shows_it(
        token in "[a-z0-9]{12,40}",
        (before, after) in ("[a-z]{0,3}", "[a-z]{0,3}"),
    ) {
        let name = format!("{before}{token}{after}");
        let (err, seen) = common::block_on(async {
            let key = rcgen::generate_simple_self_signed(vec![name.clone(), format!("{name}.example")]).unwrap();
            let (addr, seen) = tls_server(&key).await;
            install_ring();
            let http = common::http_client_builder()
                .resolve("vobiz.test", addr)
                .tls_certs_only([reqwest::Certificate::from_der(key.cert.der()).unwrap()])
                .build()
                .unwrap();
            let client = vobiz::Client::builder("MA_TLS", &token)
                .base_url(format!("https://vobiz.test:{}", addr.port()))
                .http_client(http)
                .retry(vobiz::RetryPolicy::none())
                .build()
                .unwrap();
            let err = client.hangup_conference("room").await.unwrap_err();
            let seen = seen.lock().unwrap().len();
            (err, seen)
        });
        prop_assert_eq!(seen, 0);
        prop_assert!(reason(&err).contains("not valid for name"), "{}", err);
        prop_assert!(reason(&err).contains("<redacted>"), "{}", err);
        let mut shown = vec![err.to_string(), format!("{err:?}")];
        let mut source = std::error::Error::source(&err);
        while let Some(e) = source {
            shown.push(e.to_string());
            shown.push(format!("{e:?}"));
            source = e.source();
        }
        for text in &shown {
            prop_assert!(!text.contains(&token), "the token shown: {}", text);
        }
    }
}
