//! Where the room names a batch acts on come from: a names file (or
//! stdin), and a receiver's `/rooms`. Names are checked here, before
//! anything is sent.

use std::io::BufRead;
use std::time::Duration;

use crate::output::Failure;

/// Room names, one per line: a UTF-8 byte order mark at the start and the
/// spaces around each name left out, blank lines skipped. A name holding a
/// control character refuses the whole file (nothing is sent): it is no
/// room's name, and a `\r` or `\n` in it says the file is not what it
/// seems.
pub fn read_names(file: &str) -> Result<Vec<String>, Failure> {
    let read = |reader: &mut dyn BufRead| -> std::io::Result<Vec<(usize, String)>> {
        let mut names = Vec::new();
        for (number, line) in reader.lines().enumerate() {
            let line = line?;
            let line = if number == 0 {
                line.strip_prefix('\u{feff}').unwrap_or(&line).to_owned()
            } else {
                line
            };
            let name = line.trim();
            if !name.is_empty() {
                names.push((number + 1, name.to_owned()));
            }
        }
        Ok(names)
    };
    let names = if file == "-" {
        read(&mut std::io::stdin().lock())
    } else {
        std::fs::File::open(file).and_then(|f| read(&mut std::io::BufReader::new(f)))
    };
    let names = names.map_err(|e| Failure::Usage(format!("cannot read {file}: {e}")))?;
    names
        .into_iter()
        .map(|(line, name)| match name.chars().find(|c| c.is_control()) {
            Some(c) => Err(Failure::Usage(format!(
                "{file}, line {line}: a room name holding the control character {}; \
                 nothing was sent",
                c.escape_unicode()
            ))),
            None => Ok(name),
        })
        .collect()
}

/// How long reading a receiver's live rooms may take.
const ROOMS_FROM_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read from a receiver, as the library bounds Vobiz's.
const ROOMS_FROM_MAX: usize = 4 * 1024 * 1024;

/// The live rooms a `vobiz callbacks serve` receiver knows, from its
/// `/rooms` URL, asked with `VOBIZ_ROOMS_TOKEN` as the receiver wants it.
pub async fn rooms_from(url: &str) -> Result<Vec<String>, Failure> {
    let failed = |e: String| Failure::Failed(format!("cannot read the rooms at {url}: {e}"));
    // Bounded: a receiver that hangs must not hang a cron job's pass.
    let http = reqwest::Client::builder()
        .timeout(ROOMS_FROM_TIMEOUT)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let mut request = http.get(url);
    if let Some(token) = crate::receiver::rooms_token()? {
        request = request.bearer_auth(token);
    }
    let mut answer = request.send().await.map_err(|e| failed(e.to_string()))?;
    match answer.status() {
        s if s.is_success() => {}
        s if s == reqwest::StatusCode::UNAUTHORIZED => {
            return Err(failed(format!(
                "HTTP {s}; set VOBIZ_ROOMS_TOKEN to the receiver's"
            )));
        }
        s => return Err(failed(format!("HTTP {s}"))),
    }
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| failed(e.to_string()))? {
        if body.len() + chunk.len() > ROOMS_FROM_MAX {
            return Err(failed(format!("the answer is over {ROOMS_FROM_MAX} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| failed(e.to_string()))?;
    let rooms = doc["rooms"]
        .as_array()
        .ok_or_else(|| failed("no `rooms` list".to_owned()))?;
    rooms
        .iter()
        .map(|r| {
            r.as_str()
                .map(str::to_owned)
                .ok_or_else(|| failed("a room that is not a name".to_owned()))
        })
        .collect()
}
