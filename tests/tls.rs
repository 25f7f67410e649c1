//! A real HTTPS round trip against a loopback TLS server whose certificate is
//! made at test time.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Empty;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

async fn tls_server(key: &rcgen::CertifiedKey<rcgen::KeyPair>) -> (std::net::SocketAddr, Seen) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![key.cert.der().clone()],
            PrivateKeyDer::try_from(key.signing_key.serialize_der()).unwrap(),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, record) = (acceptor.clone(), record.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let token = req
                        .headers()
                        .get("x-auth-token")
                        .map(|v| v.to_str().unwrap().to_owned());
                    record.lock().unwrap().push((req.uri().to_string(), token));
                    let mut response = hyper::Response::new(Empty::<Bytes>::new());
                    *response.status_mut() = hyper::StatusCode::NO_CONTENT;
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(TokioIo::new(tls), service)
                .await;
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn https_round_trip_with_a_certificate_made_now() {
    let key = rcgen::generate_simple_self_signed(vec!["vobiz.test".to_owned()]).unwrap();
    let (addr, seen) = tls_server(&key).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_only([reqwest::Certificate::from_der(key.cert.der()).unwrap()])
        .resolve("vobiz.test", addr)
        .build()
        .unwrap();
    let client = vobiz::Client::builder("MA_TLS", "tls-token")
        .base_url(format!("https://vobiz.test:{}", addr.port()))
        .http_client(http)
        .build()
        .unwrap();

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
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve("vobiz.test", addr)
        .build()
        .unwrap();
    let client = vobiz::Client::builder("MA_TLS", "tls-token")
        .base_url(format!("https://vobiz.test:{}", addr.port()))
        .http_client(http)
        .build()
        .unwrap();
    let err = client.hangup_conference("room").await.unwrap_err();
    assert!(matches!(err, vobiz::Error::Transport { .. }), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
}
