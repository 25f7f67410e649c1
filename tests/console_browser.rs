//! The moderator console in a real browser: headless Chromium (Debian's
//! `chromium` and `chromium-driver`, which `.ci/run` installs), driven over
//! WebDriver against the library's console on a loopback server, with the
//! simulator behind it sending its signed callbacks. Every check is what
//! the page showed and what the simulator received.

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client as Browser, ClientBuilder, Locator};
use tokio::io::AsyncBufReadExt;
mod common;

use vobiz::console::{Console, Store};
use vobiz::testing::{FAKE_AUTH_TOKEN, FakeVobiz};

/// The moderator the tests sign in as (a test fixture, not a secret).
const NAME: &str = "ada";
const PASSWORD: &str = "test-password-ada-1";

/// How long anything on a page may take to appear.
const PATIENCE: Duration = Duration::from_secs(15);

/// One browser at a time: five Chromiums on CI's two cores made pages slow
/// enough to time out, and one after another is faster in all (13 s
/// against 19 s here).
static ONE_BROWSER: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

struct Harness {
    fake: FakeVobiz,
    base: String,
    browser: Browser,
    _driver: tokio::process::Child,
    _serving: tokio::task::JoinHandle<()>,
    /// Last, so that it is given back after the browser and driver go.
    _turn: tokio::sync::SemaphorePermit<'static>,
}

/// chromedriver on a port it picks, and that port. Started again (at most
/// 3 times) if it exits first: with several started at once, one can lose
/// the port it picked to another before it binds it.
async fn chromedriver() -> (tokio::process::Child, u16) {
    let mut said = String::new();
    for _ in 0..3 {
        match start_chromedriver().await {
            Ok(started) => return started,
            Err(stderr) => said = stderr,
        }
    }
    panic!("chromedriver exited before it listened, three times; last it said: {said}");
}

async fn start_chromedriver() -> Result<(tokio::process::Child, u16), String> {
    let mut driver = tokio::process::Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver is not installed: apt-get install chromium chromium-driver");
    let stdout = driver.stdout.take().expect("piped");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.expect("chromedriver's output") {
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            let port = rest.trim_end_matches('.').trim().parse().expect("a port");
            // Keep reading (and dropping) its output so that it never blocks.
            let stderr = driver.stderr.take();
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            if let Some(stderr) = stderr {
                tokio::spawn(async move {
                    let mut err = tokio::io::BufReader::new(stderr).lines();
                    while let Ok(Some(_)) = err.next_line().await {}
                });
            }
            return Ok((driver, port));
        }
    }
    let mut stderr = String::new();
    if let Some(mut err) = driver.stderr.take() {
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut err, &mut stderr).await;
    }
    Err(stderr)
}

impl Harness {
    /// The console (with its sign-in) on 127.0.0.1, the simulator sending
    /// it callbacks, and a browser that has not signed in.
    async fn start() -> Harness {
        let turn = ONE_BROWSER.acquire().await.expect("never closed");
        let fake = FakeVobiz::start().await.unwrap();
        let store = Store::in_memory().unwrap();
        Console::add_moderator(&store, NAME, PASSWORD).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let console = Console::builder(fake.client(), store)
            .callbacks(FAKE_AUTH_TOKEN, &base)
            .build()
            .unwrap();
        let serving = tokio::spawn(async move { console.serve(listener).await });
        fake.send_callbacks_to(format!("{base}/callbacks")).unwrap();
        let (driver, port) = chromedriver().await;
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,860"]
            }
        });
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let browser = ClientBuilder::new(connector)
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Harness {
            fake,
            base,
            browser,
            _driver: driver,
            _serving: serving,
            _turn: turn,
        }
    }

    async fn goto(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The first element `locator` finds, waited for at most [`PATIENCE`].
    async fn appear(
        &self,
        locator: Locator<'_>,
    ) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
        self.browser
            .wait()
            .at_most(PATIENCE)
            .for_element(locator)
            .await
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.appear(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never showed: {e}"))
    }

    /// Clicks the first element `css` finds, found again if the live table
    /// replaced it in between.
    async fn click(&self, css: &str) {
        loop {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(e) if replaced(&e) => continue,
                Err(e) => panic!("{css}: {e}"),
            }
        }
    }

    /// The text of the first element `css` finds. The live table is
    /// redrawn as events arrive, which can replace an element between
    /// finding and reading it: then it is found again.
    async fn text(&self, css: &str) -> String {
        loop {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(e) if replaced(&e) => continue,
                Err(e) => panic!("{css}: {e}"),
            }
        }
    }

    /// Signs in, and returns once a signed-in page is shown: a test that
    /// went on at once could navigate away before the sign-in's answer (and
    /// its cookie) arrived, and be sent back to the sign-in page.
    async fn sign_in(&self) {
        self.submit_sign_in(PASSWORD).await;
        self.find("[data-moderator]").await;
    }

    /// Fills and submits the sign-in form; waits for nothing.
    async fn submit_sign_in(&self, password: &str) {
        self.goto("/signin").await;
        self.find("input[name=name]")
            .await
            .send_keys(NAME)
            .await
            .unwrap();
        self.find("input[name=password]")
            .await
            .send_keys(password)
            .await
            .unwrap();
        self.click("[data-action=sign-in]").await;
    }

    /// Waits until the page shows `needle` anywhere in its text: a click
    /// that submits a form leaves the old page up until the answer comes.
    async fn until_page_says(&self, needle: &str) {
        let xpath = format!("//body[contains(., '{needle}')]");
        self.appear(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("the page never said {needle:?}: {e}"));
    }

    /// Waits until an action's outcome on the page reads `expected`: the
    /// page before the answer may show another outcome (a refusal) until
    /// the new one replaces it.
    async fn until_outcome(&self, expected: &str) {
        let xpath = format!("//*[@data-outcome][normalize-space(.)='{expected}']");
        if let Err(e) = self.appear(Locator::XPath(&xpath)).await {
            let shown = self.text("[data-outcome]").await;
            panic!("the outcome never read {expected:?} ({e}); the page shows {shown:?}");
        }
    }

    /// Loads `path` again until the first element `css` finds has some
    /// text, and returns it: for what the console writes after a request
    /// the test can only see arrive at the simulator.
    async fn reload_until_filled(&self, path: &str, css: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            self.goto(path).await;
            let text = self.text(css).await;
            if !text.is_empty() {
                return text;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css} on {path} stayed empty"
            );
        }
    }

    /// The requests the simulator received that change state.
    fn changes(&self) -> Vec<String> {
        common::changes(&self.fake)
    }

    async fn close(self) {
        let _ = self.browser.close().await;
    }
}

/// Whether the element was replaced between finding and using it: the
/// WebDriver error, or Chromium's own words when the node was removed while
/// the command ran.
fn replaced(e: &fantoccini::error::CmdError) -> bool {
    e.is_stale_element_reference() || e.to_string().contains("does not belong to the document")
}

fn quoted(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_signs_in_and_rooms_appear_live_with_names_as_text() {
    let h = Harness::start().await;
    // Not signed in: the sign-in page, whatever was asked for.
    h.goto("/audit").await;
    h.find("input[name=password]").await;
    assert!(
        h.browser
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/signin")
    );
    h.submit_sign_in("not the password").await;
    assert!(h.text(".flash.bad").await.contains("do not match"));
    h.sign_in().await;
    assert_eq!(h.text("[data-moderator]").await, NAME);

    // The page is open; the simulator's callbacks bring a room in, with no
    // reload.
    h.fake.add_conference("Late Room");
    h.fake.join("Late Room", "+15550001111");
    h.fake.join("Late Room", "+15550002222");
    let members = h
        .text("tr[data-room=\"Late Room\"] td[data-members=\"2\"]")
        .await;
    assert_eq!(members, "2");

    // A name holding markup is shown as the text it is.
    let markup = "<b>Bold</b> & <script>alert(1)</script>";
    h.fake.add_conference(markup);
    h.fake.join(markup, "+15550003333");
    let css = format!("tr[data-room=\"{}\"]", quoted(markup));
    h.find(&format!("{css} td[data-members=\"1\"]")).await;
    assert_eq!(h.text(&format!("{css} td a")).await, markup);
    assert!(
        h.browser
            .find_all(Locator::Css(&format!("{css} b")))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        h.browser
            .find_all(Locator::Css(&format!("{css} script")))
            .await
            .unwrap()
            .is_empty()
    );

    let shot = h.browser.screenshot().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-live-rooms.png");
    std::fs::write(&path, shot).unwrap();
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_is_muted_from_the_room_page() {
    let h = Harness::start().await;
    h.fake.add_conference("Standup");
    let id = h.fake.join("Standup", "+15550004444");
    h.sign_in().await;
    h.goto("/rooms/Standup").await;
    let row = format!("tr[data-member=\"{id}\"]");
    // The caller's number shows its last 4 digits only.
    assert!(h.text(&row).await.contains("•••••••4444"));
    // The same form with its CSRF token taken out: 403, and nothing sent.
    h.browser
        .execute(
            "document.querySelectorAll('input[name=csrf]').forEach(function (e) { e.remove(); });",
            vec![],
        )
        .await
        .unwrap();
    h.click(&format!("{row} [data-action=mute]")).await;
    h.until_page_says("CSRF token is missing").await;
    assert!(h.changes().is_empty(), "{:?}", h.changes());
    assert!(!h.fake.members("Standup")[0].muted);

    h.goto("/rooms/Standup").await;
    h.click(&format!("{row} [data-action=mute]")).await;
    assert!(h.text(".flash.ok").await.contains("muted"));
    assert_eq!(h.text(&format!("{row} td[data-muted]")).await, "yes");
    assert!(h.fake.members("Standup")[0].muted);
    assert_eq!(h.changes().len(), 1, "{:?}", h.changes());
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_dialog_cancels_refuses_a_wrong_name_and_ends_with_the_right_one() {
    let h = Harness::start().await;
    h.fake.add_conference("Board Meeting");
    h.fake.join("Board Meeting", "+15550005555");
    h.fake.join("Board Meeting", "+15550006666");
    h.sign_in().await;
    let row = "tr[data-room=\"Board Meeting\"]";
    // Both members' callbacks are in: the table is settled.
    h.find(&format!("{row} td[data-members=\"2\"]")).await;

    // Cancel sends nothing.
    h.click(&format!("{row} [data-action=end]")).await;
    let dialog = h.text("dialog[open]").await;
    assert!(dialog.contains("2 member(s)"), "{dialog}");
    let shot = h.browser.screenshot().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-end-dialog.png");
    std::fs::write(&path, shot).unwrap();
    h.click("dialog [data-action=cancel]").await;
    h.find(row).await;
    assert!(h.changes().is_empty(), "{:?}", h.changes());

    // A wrong name is refused, and nothing is sent.
    h.click(&format!("{row} [data-action=end]")).await;
    h.find("dialog input[name=confirm]")
        .await
        .send_keys("Board Meetin")
        .await
        .unwrap();
    h.click("dialog [data-action=confirm-end]").await;
    assert!(
        h.text("dialog .flash.bad")
            .await
            .contains("not this room's")
    );
    assert!(h.changes().is_empty(), "{:?}", h.changes());
    assert!(h.fake.is_active("Board Meeting"));

    // The right name ends it; the page says so and the row goes.
    let confirm = h.find("dialog input[name=confirm]").await;
    confirm.clear().await.unwrap();
    confirm.send_keys("Board Meeting").await.unwrap();
    h.click("dialog [data-action=confirm-end]").await;
    h.until_outcome("Board Meeting: ended").await;
    assert!(!h.fake.is_active("Board Meeting"));
    assert_eq!(
        h.changes(),
        ["DELETE /api/v1/Account/MA_FAKE00001/Conference/Board%20Meeting/"]
    );
    let rows = h.browser.find_all(Locator::Css(row)).await.unwrap();
    assert!(rows.is_empty(), "the ended room's row is still shown");
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_ends_its_room_a_rule_dry_runs_and_the_audit_names_the_moderator() {
    let h = Harness::start().await;
    h.fake.add_conference("Nightly");
    h.fake.join("Nightly", "+15550007777");
    h.fake.add_conference("Marathon");
    h.fake.join("Marathon", "+15550008888");
    h.fake.backdate("Marathon", Duration::from_secs(3 * 3600));
    h.sign_in().await;

    // A schedule two seconds ahead ends its room.
    h.goto("/schedules").await;
    h.find("input[name=room]")
        .await
        .send_keys("Nightly")
        .await
        .unwrap();
    h.find("input[name=at]")
        .await
        .send_keys("in 2s")
        .await
        .unwrap();
    h.click("[data-action=schedule]").await;
    assert!(
        h.text(".flash.ok")
            .await
            .starts_with("scheduled: end Nightly at")
    );
    common::until_ended(&h.fake, "Nightly", PATIENCE).await;
    // The console stores the outcome once Vobiz's answer is back, which can
    // be after the simulator has ended the room.
    let outcome = h
        .reload_until_filled("/schedules", "tr[data-room=Nightly] td[data-outcome]")
        .await;
    assert_eq!(outcome, "ended");

    // A rule, dry-run: it lists what it would end, and sends nothing.
    h.goto("/rules").await;
    h.find("input[name=minutes]")
        .await
        .send_keys("60")
        .await
        .unwrap();
    h.click("[data-action=add-rule]").await;
    h.click("[data-action=dry-run]").await;
    h.find("li[data-would-end=Marathon]").await;
    let would = h
        .browser
        .find_all(Locator::Css("li[data-would-end]"))
        .await
        .unwrap();
    assert_eq!(would.len(), 1, "only the room over an hour");
    assert!(h.fake.is_active("Marathon"));
    let changes = h.changes();
    assert_eq!(changes.len(), 1, "only the schedule's DELETE: {changes:?}");

    // The audit trail: the schedule's end, under the schedule's name.
    h.goto("/audit?room=Nightly").await;
    let line = h.text("tr[data-audit]").await;
    assert!(
        line.contains("schedule 1") && line.contains("applied"),
        "{line}"
    );
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_view_shows_each_action_with_the_moderators_name() {
    let h = Harness::start().await;
    h.fake.add_conference("Ops");
    let id = h.fake.join("Ops", "+15550009999");
    h.sign_in().await;
    h.goto("/rooms/Ops").await;
    h.click(&format!("tr[data-member=\"{id}\"] [data-action=mute]"))
        .await;
    h.find(".flash.ok").await;
    h.goto("/audit").await;
    let row = h.find("tr[data-audit]").await;
    let text = row.text().await.unwrap();
    assert_eq!(h.text("tr[data-audit] td[data-moderator]").await, NAME);
    assert!(text.contains("applied") && text.contains("Ops"), "{text}");
    h.close().await;
}
