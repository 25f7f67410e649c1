//! What both benchmarks compare against: the hand-written reqwest client,
//! and the minimal responder on the caller's own runtime.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// The minimal responder: answers `answer` (a whole response, head and
/// body) to every request on every connection `listener` accepts, reading
/// no more of a request than the end of its head and the body its
/// `content-length` announces.
pub async fn respond(listener: tokio::net::TcpListener, answer: Vec<u8>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let _ = stream.set_nodelay(true);
        let answer = answer.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            loop {
                // One request: its head, then the body it announces.
                let head_end = loop {
                    if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at + 4;
                    }
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let body = content_length(&buf[..head_end]);
                while buf.len() < head_end + body {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                buf.drain(..head_end + body);
                if stream.write_all(&answer).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn content_length(head: &[u8]) -> usize {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    head.split("\r\n")
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}
