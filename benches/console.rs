//! The moderator console's live rooms page with 1,000 live rooms (each
//! known from its signed callbacks, with a member), served and fetched
//! over loopback: the whole request, from sign-in cookie to last byte.
//! Side by side, the same page with no rooms, and the event stream's
//! rows alone.
//!
//! `cargo bench --bench console`; with `-- --check` it exits 1 when the
//! page with 1,000 rooms takes 200 ms or more (median), the issue's
//! target. `.ci/run` runs it with `--check`.

use std::time::{Duration, Instant};

use vobiz::console::{Console, Store};
use vobiz::testing::{FAKE_AUTH_TOKEN, FakeVobiz};

const ROOMS: usize = 1_000;
const ROUNDS: usize = 31;
/// The target for the page with 1,000 live rooms.
const TARGET: Duration = Duration::from_millis(200);

struct Page {
    http: reqwest::Client,
    url: String,
    cookie: String,
}

impl Page {
    async fn fetch(&self, path: &str) -> (Duration, usize) {
        let started = Instant::now();
        let answer = self
            .http
            .get(format!("{}{path}", self.url))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let bytes = answer.bytes().await.unwrap().len();
        (started.elapsed(), bytes)
    }

    /// The median of `ROUNDS` fetches, and the page's size.
    async fn median(&self, path: &str) -> (Duration, usize) {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut size = 0;
        for _ in 0..ROUNDS {
            let (time, bytes) = self.fetch(path).await;
            times.push(time);
            size = bytes;
        }
        times.sort();
        (times[ROUNDS / 2], size)
    }
}

async fn console_with(rooms: usize) -> (FakeVobiz, Page) {
    let fake = FakeVobiz::start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let console = Console::builder(fake.client(), Store::in_memory().unwrap())
        .callbacks(FAKE_AUTH_TOKEN, &url)
        .build()
        .unwrap();
    let link = console.sign_in_link("bench");
    let serving = console.clone();
    tokio::spawn(async move { serving.serve(listener).await });
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let answer = http
        .post(format!("{url}/signin/link"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    let cookie = answer.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let page = Page { http, url, cookie };
    fake.send_callbacks_to(format!("{}/callbacks", page.url))
        .unwrap();
    for i in 0..rooms {
        let room = format!("Room {i:04} <&> \"quoted\"");
        fake.join(&room, &format!("+1555{i:07}"));
    }
    // The callbacks arrive on their own; wait until every room shows.
    let wanted = rooms.max(1);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(
            Instant::now() < deadline,
            "the rooms' callbacks never all arrived"
        );
        // During the burst of callbacks the server may close this
        // connection to make room (it closes the oldest): ask again.
        let answer = page
            .http
            .get(format!("{}/live/rows", page.url))
            .header("cookie", &page.cookie)
            .send()
            .await;
        let rows = match answer {
            Ok(answer) => answer
                .text()
                .await
                .unwrap_or_default()
                .matches("<tr")
                .count(),
            Err(_) => 0,
        };
        if rows >= wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (fake, page)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let (_empty_fake, empty) = console_with(0).await;
    let (_fake, full) = console_with(ROOMS).await;
    let (none, none_size) = empty.median("/").await;
    let (page, page_size) = full.median("/").await;
    let (rows, rows_size) = full.median("/live/rows").await;
    println!("live rooms page, median of {ROUNDS} fetches over loopback");
    println!("| page | median | bytes |\n| --- | --- | --- |");
    println!("| no rooms | {} | {none_size} |", ms(none));
    println!("| {ROOMS} rooms | {} | {page_size} |", ms(page));
    println!(
        "| {ROOMS} rooms, rows only (the event stream's) | {} | {rows_size} |",
        ms(rows)
    );
    if check {
        if page < TARGET {
            println!(
                "\ncheck: {ROOMS} rooms in {} (target under {})",
                ms(page),
                ms(TARGET)
            );
        } else {
            println!(
                "\ncheck: {ROOMS} rooms took {}, over {}",
                ms(page),
                ms(TARGET)
            );
            std::process::exit(1);
        }
    }
}
