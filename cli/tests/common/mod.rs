//! What the CLI's test files share: a simulator on its own runtime, the
//! real binary pointed at it, and raw loopback HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};

use assert_cmd::Command;
use serde_json::Value;
use vobiz::testing::{FAKE_AUTH_TOKEN, FakeVobiz};

/// Where the binary looks for profiles in every test: nowhere. A default
/// profile on the machine running the tests must never be picked up.
pub const NO_PROFILES: &str = "/nonexistent/vobiz-test-profiles";

/// The binary with nothing of this machine's: no environment, no profiles.
pub fn vobiz_bare() -> Command {
    let mut cmd = Command::cargo_bin("vobiz").unwrap();
    cmd.env_clear().env("VOBIZ_CONFIG_DIR", NO_PROFILES);
    cmd
}

/// [`vobiz_bare`], as a process to spawn and talk to.
pub fn vobiz_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("vobiz"));
    cmd.env_clear().env("VOBIZ_CONFIG_DIR", NO_PROFILES);
    cmd
}

/// A simulator on its own runtime, serving while a test waits on the
/// binary.
pub struct Sim {
    pub fake: FakeVobiz,
    pub rt: tokio::runtime::Runtime,
}

pub fn sim(rooms: &[(&str, usize)]) -> Sim {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = rt.block_on(FakeVobiz::start()).unwrap();
    for (room, members) in rooms {
        fake.add_conference(*room);
        for i in 0..*members {
            fake.join(room, &format!("+1555000{i:04}"));
        }
    }
    Sim { fake, rt }
}

impl Sim {
    /// The binary, pointed at this simulator, with nothing on stdin.
    pub fn vobiz(&self, args: &[&str]) -> Command {
        let mut cmd = vobiz_bare();
        cmd.env("VOBIZ_AUTH_ID", self.fake.auth_id())
            .env("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN)
            .env("VOBIZ_BASE_URL", self.fake.base_url())
            .args(args)
            .write_stdin("");
        cmd
    }

    /// `vobiz ARGS` under a pseudo-terminal, as a person runs it (through
    /// script(1)), pointed at this simulator.
    pub fn on_terminal(&self, args: &str) -> std::process::Command {
        let bin = assert_cmd::cargo::cargo_bin("vobiz");
        let line = format!("{} {args}", bin.display());
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qfec", &line, "/dev/null"])
            .env_clear()
            .env("VOBIZ_CONFIG_DIR", NO_PROFILES)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TERM", "xterm")
            .env("VOBIZ_AUTH_ID", self.fake.auth_id())
            .env("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN)
            .env("VOBIZ_BASE_URL", self.fake.base_url());
        cmd
    }

    /// Requests that could change state (anything but GET).
    pub fn changes(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count()
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut cmd: Command) -> Run {
    let output = cmd.output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(FAKE_AUTH_TOKEN) && !run.stderr.contains(FAKE_AUTH_TOKEN),
        "the token was printed: {}{}",
        run.stdout,
        run.stderr
    );
    run
}

pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A loopback port nothing listens on now, for a child process to bind.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A raw HTTP/1.1 request to 127.0.0.1:`port`; the status and body.
pub fn http(port: u16, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

/// `cmd` started with stdout and stderr piped: the child, and their lines
/// as they come.
pub fn spawned(
    cmd: &mut std::process::Command,
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<String>,
    std::sync::mpsc::Receiver<String>,
) {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(child.stdout.take().unwrap());
    let notes = lines(child.stderr.take().unwrap());
    (child, out, notes)
}

/// Lines of a child's output, as they come, with a bound on the wait.
pub fn lines(reader: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The credential the tests' receivers guard `/rooms` with.
pub const ROOMS_TOKEN: &str = "rooms-credential-0123456789";

/// `GET /rooms` with the credential.
pub fn rooms_request() -> String {
    format!(
        "GET /rooms HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {ROOMS_TOKEN}\r\nconnection: close\r\n\r\n"
    )
}

/// `cmd` with the `/rooms` credential in its environment.
pub fn with_rooms_token(mut cmd: Command) -> Command {
    cmd.env("VOBIZ_ROOMS_TOKEN", ROOMS_TOKEN);
    cmd
}

/// Whether a line holding `text` comes within 20 s, the lines before it
/// passed over.
pub fn says(lines: &std::sync::mpsc::Receiver<String>, text: &str) -> bool {
    let wait = std::time::Duration::from_secs(20);
    std::iter::from_fn(|| lines.recv_timeout(wait).ok()).any(|line| line.contains(text))
}

/// A file in `dir` naming `names`, one a line.
pub fn names_file(dir: &tempfile::TempDir, names: &[String]) -> String {
    let path = dir.path().join("names.txt");
    std::fs::write(&path, names.join("\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The `{"summary": ...}` a batch printed with `--json`.
pub fn summary(stdout: &str) -> Value {
    json_lines(stdout)
        .into_iter()
        .find_map(|l| l.get("summary").cloned())
        .unwrap_or_else(|| panic!("no summary in {stdout}"))
}

/// The value of path parameter `name` in an audit line's `vobiz.subject`
/// (`conference_name=My%20Room member_id=1%2C2`), percent-decoded.
pub fn subject_param(line: &Value, name: &str) -> Option<String> {
    let subject = line["vobiz.subject"].as_str()?;
    let raw = subject
        .split(' ')
        .find_map(|part| part.strip_prefix(name)?.strip_prefix('='))?;
    let mut bytes = Vec::new();
    let mut rest = raw.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match (b, tail.get(..2)) {
            (b'%', Some(hex)) => {
                let hex = std::str::from_utf8(hex).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &tail[2..];
            }
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).ok()
}

/// `stdout` with each run time ("running for 3s:") read as "running for
/// …:": a room made by the test has run for 0s or 1s by the time a command
/// reads it, as the machine's load decides.
pub fn without_run_times(stdout: &str) -> String {
    stdout
        .lines()
        .map(|line| match line.split_once("running for ") {
            Some((head, rest)) => {
                let tail = rest.find(':').map_or("", |i| &rest[i..]);
                format!("{head}running for …{tail}\n")
            }
            None => format!("{line}\n"),
        })
        .collect()
}
