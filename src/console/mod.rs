//! The moderator console (feature `console`): the hang-up page's admin
//! panel, as an axum [`Router`].
//!
//! - **Live rooms**, from verified callbacks merged with Vobiz's list,
//!   redrawn over server-sent events as callbacks arrive.
//! - **A room**: its members (caller numbers masked but for the last 4
//!   digits), mute, deafen, kick (confirmed), play audio, recording.
//! - **Ending a room** through a confirmation dialog: the room's name,
//!   member count and run time, an optional notice and wait, and for a room
//!   of 2 or more members its name typed to confirm. Cancel sends nothing.
//! - **Schedules** ("end R at T, with a notice N minutes before") and
//!   **rules** (a maximum duration; an abandoned room), each rule dry-run
//!   before it is enabled. Both are stored, and survive a restart.
//! - **The audit trail**: the library's own `vobiz::audit` events (the CLI's
//!   `--audit-log` schema), each with `vobiz.moderator`, filterable by room.
//!
//! Storage is one SQLite file ([`Store`]). Every state-changing request is
//! a POST carrying a CSRF token; every answer carries a
//! Content-Security-Policy with no inline script and `frame-ancestors
//! 'none'`. The Vobiz token never reaches a browser.
//!
//! Two ways to run it:
//! - [`Console::router`] for an application to mount behind its own
//!   authentication: a tower layer of its own inserts a [`Moderator`] into
//!   each request's extensions (without one, a page redirects to
//!   `/signin`, which the application serves). `/callbacks` (signed by
//!   Vobiz) and `/assets/…` are open: let them through.
//! - [`Console::router_with_sign_in`], the standalone console (`vobiz
//!   console`): moderators added with [`Console::add_moderator`] sign in
//!   with a password (argon2 hash stored), or once with
//!   [`Console::sign_in_link`]. Sessions are HttpOnly, SameSite=Strict
//!   cookies (Secure over https); sign-in attempts are bounded.
//!
//! Either way, spawn [`Console::background`]: it reads Vobiz's list and
//! carries out schedules and rules. [`Console::serve`] does both, on the
//! bounded serve loop the simulator uses.
//!
//! Stable hooks for automation: each live room's row carries
//! `data-room="NAME"`; its end button is `data-action="end"`; the dialog's
//! confirmation input is named `confirm` and its button is
//! `data-action="confirm-end"`; a member's row carries `data-member="ID"`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceExt;

use crate::Client;
use crate::callbacks::NonceCache;
use crate::serve::{Dropped, ServeLimits};

mod actions;
mod capture;
mod guard;
mod html;
mod live;
mod pages;
mod planner;
mod plans_view;
mod rooms_view;
mod sessions;
mod signin;
mod state;
mod store;
mod stream;
mod trail;

pub use state::Moderator;
pub use store::{Store, StoreError};

use state::{CallbackCheck, Settings, Shared};

/// The console's server bounds: heads and bodies within 10 s, forms of at
/// most 64 KiB, at most 256 connections.
const LIMITS: ServeLimits = ServeLimits::new(Duration::from_secs(10), 64 * 1024, 256);

/// How long a nonce is remembered: the window Vobiz suggests.
const REPLAY_WINDOW: Duration = Duration::from_secs(300);

/// Why a console could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleError {
    /// The database could not be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A setting is out of range; the message says which.
    #[error("console setting: {0}")]
    Setting(String),
}

/// Builds a [`Console`]; its settings are checked at [`build`](Self::build).
#[derive(Debug)]
#[must_use]
pub struct ConsoleBuilder {
    client: Client,
    store: Store,
    callbacks: Option<(String, String)>,
    secure_cookies: bool,
    list_every: Duration,
    rules_every: Duration,
    audit_retention: Duration,
    max_streams: usize,
}

impl ConsoleBuilder {
    /// Receive conference callbacks at `POST /callbacks`, verified with the
    /// account's `auth_token` against `public_url`: the URL Vobiz calls the
    /// console at (`https://moderate.example.com`, without `/callbacks`).
    /// Without it, `/callbacks` answers 404 and only Vobiz's list feeds
    /// the live rooms.
    pub fn callbacks(
        mut self,
        auth_token: impl Into<String>,
        public_url: impl Into<String>,
    ) -> Self {
        self.callbacks = Some((auth_token.into(), public_url.into()));
        self
    }

    /// Mark the session cookie `Secure`: set it when the console is served
    /// over https (the standalone console does when `--public-url` is).
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// How often Vobiz's list is read (default 15 s).
    pub fn list_every(mut self, every: Duration) -> Self {
        self.list_every = every;
        self
    }

    /// How often enabled rules are checked (default 30 s).
    pub fn rules_every(mut self, every: Duration) -> Self {
        self.rules_every = every;
        self
    }

    /// How long audit lines are kept (default 90 days).
    pub fn audit_retention(mut self, keep: Duration) -> Self {
        self.audit_retention = keep;
        self
    }

    /// The most pages open on the live event stream at once (default 64).
    pub fn max_streams(mut self, max: usize) -> Self {
        self.max_streams = max;
        self
    }

    /// Checks the settings and builds the console.
    pub fn build(self) -> Result<Console, ConsoleError> {
        let bad = |what: &str| Err(ConsoleError::Setting(what.to_owned()));
        if self.list_every < Duration::from_secs(1) || self.rules_every < Duration::from_secs(1) {
            return bad("list and rule intervals must be at least 1 s");
        }
        if self.max_streams == 0 {
            return bad("max_streams must be at least 1");
        }
        let callbacks = match self.callbacks {
            None => None,
            Some((token, public_url)) => {
                crate::callbacks::check_key(&token)
                    .map_err(|e| ConsoleError::Setting(format!("callback token: {e}")))?;
                let url = url::Url::parse(&public_url).ok().filter(|u| {
                    matches!(u.scheme(), "http" | "https")
                        && u.host_str().is_some()
                        && u.query().is_none()
                        && u.username().is_empty()
                });
                if url.is_none() {
                    return bad(
                        "the public URL must be an http(s) URL with a host, no query or user",
                    );
                }
                Some(CallbackCheck {
                    token,
                    public_url: public_url.trim_end_matches('/').to_owned(),
                    seen: NonceCache::new(REPLAY_WINDOW),
                })
            }
        };
        let settings = Settings {
            secure_cookies: self.secure_cookies,
            list_every: self.list_every,
            rules_every: self.rules_every,
            audit_retention: self.audit_retention,
        };
        let shared = Shared::new(
            self.client,
            self.store,
            callbacks,
            settings,
            self.max_streams,
        );
        Ok(Console {
            shared: Arc::new(shared),
        })
    }
}

/// The moderator console. Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct Console {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").finish_non_exhaustive()
    }
}

impl Console {
    /// A console acting with `client` and keeping its state in `store`.
    pub fn builder(client: Client, store: Store) -> ConsoleBuilder {
        ConsoleBuilder {
            client,
            store,
            callbacks: None,
            secure_cookies: false,
            list_every: Duration::from_secs(15),
            rules_every: Duration::from_secs(30),
            audit_retention: Duration::from_secs(90 * 24 * 3600),
            max_streams: 64,
        }
    }

    /// Adds `name` as a moderator (or sets their password): only the
    /// argon2 hash of `password` is stored.
    pub fn add_moderator(store: &Store, name: &str, password: &str) -> Result<(), ConsoleError> {
        if name.trim().is_empty() || name.len() > 64 {
            return Err(ConsoleError::Setting(
                "a moderator's name is 1 to 64 bytes".to_owned(),
            ));
        }
        if password.chars().count() < 12 {
            return Err(ConsoleError::Setting(
                "a password is at least 12 characters".to_owned(),
            ));
        }
        let hash = sessions::hash_password(password).map_err(ConsoleError::Setting)?;
        Ok(store.put_moderator(name.trim(), &hash)?)
    }

    /// A path (`/signin/link?token=…`) that signs `moderator` in once,
    /// within 15 minutes, on [`router_with_sign_in`](Self::router_with_sign_in).
    pub fn sign_in_link(&self, moderator: &str) -> String {
        format!(
            "/signin/link?token={}",
            self.shared.sessions.link(moderator)
        )
    }

    /// The console's pages, for a request that carries a [`Moderator`]
    /// extension (the application's authentication puts it there).
    pub fn router(&self) -> Router {
        self.routes(Router::new())
            .with_state(self.shared.clone())
            .layer(from_fn(guard::headers))
    }

    /// The standalone console: the pages behind its own sign-in.
    pub fn router_with_sign_in(&self) -> Router {
        let sign_in = Router::new()
            .route("/signin", get(signin::page).post(signin::sign_in))
            .route("/signin/link", get(signin::link_page).post(signin::link))
            .layer(from_fn(signin::same_origin_posts));
        self.routes(sign_in)
            .layer(from_fn_with_state(self.shared.clone(), guard::session))
            .with_state(self.shared.clone())
            .layer(from_fn(guard::headers))
    }

    fn routes(&self, open: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
        let pages = Router::new()
            .route("/", get(pages::rooms))
            .route("/live/rows", get(pages::rows))
            .route("/events", get(stream::events))
            .route("/rooms/{name}", get(pages::room))
            .route("/rooms/{name}/end", post(actions::end))
            .route("/rooms/{name}/members", post(actions::member))
            .route("/rooms/{name}/record", post(actions::record))
            .route("/schedules", get(pages::schedules).post(actions::schedule))
            .route("/schedules/{id}/cancel", post(actions::cancel_schedule))
            .route("/rules", get(pages::rules).post(actions::add_rule))
            .route("/rules/{id}/{action}", post(actions::rule))
            .route("/audit", get(pages::audit))
            .route("/signout", post(signin::sign_out))
            .layer(from_fn_with_state(self.shared.clone(), guard::csrf))
            .layer(from_fn(guard::moderator_only));
        open.merge(pages)
            .route("/callbacks", post(stream::callback))
            .route("/assets/console.js", get(|| asset(JS, "text/javascript")))
            .route("/assets/console.css", get(|| asset(CSS, "text/css")))
    }

    /// Reads Vobiz's list now, rather than at the next
    /// [`list_every`](ConsoleBuilder::list_every) (the background does it
    /// on that interval).
    pub async fn read_list(&self) {
        let listed = self.shared.client.list_conferences().await;
        self.shared.live.listed(listed.map_err(|e| e.to_string()));
    }

    /// Reads Vobiz's list and carries out schedules and rules, until
    /// dropped. Spawn it once beside the router.
    pub fn background(&self) -> impl Future<Output = ()> + Send + 'static {
        let shared = self.shared.clone();
        async move {
            let listing = list_forever(shared.clone());
            tokio::join!(listing, planner::run(shared));
        }
    }

    /// Serves the standalone console on `listener` (and runs
    /// [`background`](Self::background)) until dropped, within bounds:
    /// heads and bodies in 10 s, forms of 64 KiB, 256 connections.
    pub async fn serve(&self, listener: tokio::net::TcpListener) {
        let router = self.router_with_sign_in();
        let serving =
            crate::serve::serve_streaming_answers(listener, LIMITS, move |parts, body| {
                let router = router.clone();
                async move {
                    let Ok(body) = body else {
                        return Ok::<_, Dropped>(too_large());
                    };
                    let request = Request::from_parts(parts, Body::from(body));
                    match router.oneshot(request).await {
                        Ok(response) => Ok(response),
                        Err(never) => match never {},
                    }
                }
            });
        tokio::join!(serving, self.background());
    }
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
}

async fn list_forever(shared: Arc<Shared>) {
    loop {
        let listed = shared
            .client
            .list_conferences()
            .await
            .map_err(|e| e.to_string());
        shared.live.listed(listed);
        tokio::time::sleep(shared.settings.list_every).await;
    }
}

const JS: &str = include_str!("assets/console.js");
const CSS: &str = include_str!("assets/console.css");

async fn asset(text: &'static str, kind: &'static str) -> Response {
    let mut response = text.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=300"),
    );
    response
}
