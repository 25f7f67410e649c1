//! The standalone console's sign-in: argon2 password hashes, sessions,
//! one-time sign-in links, and the bound on sign-in attempts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// How long a session lasts.
const SESSION_LIFE: Duration = Duration::from_secs(12 * 3600);
/// The most sessions held; past it the oldest goes.
const MAX_SESSIONS: usize = 10_000;
/// How long a one-time sign-in link lasts.
const LINK_LIFE: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins a name may have within [`FAILURE_WINDOW`].
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Sign-in attempts of any name within a minute.
const MAX_ATTEMPTS_PER_MINUTE: u32 = 30;

/// 32 random bytes from the OS, in hex.
pub(crate) fn random_hex() -> String {
    hex(&random_bytes())
}

/// 32 random bytes from the OS.
pub(crate) fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    // Without OS randomness nothing here can be secret: stop rather than
    // hand out guessable sessions.
    getrandom::getrandom(&mut bytes).expect("the OS random source is unavailable");
    bytes
}

/// `bytes` in lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A password's argon2id hash (PHC string, with its salt).
pub(crate) fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the name is unknown, so that an unknown
/// name takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").unwrap_or_default())
}

/// Whether `password` is `name`'s, given the stored hash (if any).
pub(crate) fn check_password(stored: Option<&str>, password: &str) -> bool {
    match stored {
        Some(hash) => verify_password(hash, password),
        None => {
            let _ = verify_password(decoy_hash(), password);
            false
        }
    }
}

struct Session {
    moderator: String,
    expires: Instant,
}

#[derive(Default)]
struct Attempts {
    /// Failures by name: count and when the window started.
    failures: HashMap<String, (u32, Instant)>,
    /// Attempts of any name in the current minute.
    minute: (u32, Option<Instant>),
}

/// Sessions, links and attempts, in memory: a restart signs everyone out.
#[derive(Default)]
pub(crate) struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    links: Mutex<HashMap<String, (String, Instant)>>,
    attempts: Mutex<Attempts>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sessions {
    /// Starts a session for `moderator`; its id, for the cookie.
    pub(crate) fn start(&self, moderator: &str) -> String {
        let id = random_hex();
        let now = Instant::now();
        let mut sessions = lock(&self.sessions);
        sessions.retain(|_, s| s.expires > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(id, _)| id.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(
            id.clone(),
            Session {
                moderator: moderator.to_owned(),
                expires: now + SESSION_LIFE,
            },
        );
        id
    }

    /// The moderator of a live session.
    pub(crate) fn moderator(&self, id: &str) -> Option<String> {
        let sessions = lock(&self.sessions);
        let s = sessions.get(id)?;
        (s.expires > Instant::now()).then(|| s.moderator.clone())
    }

    pub(crate) fn end(&self, id: &str) {
        lock(&self.sessions).remove(id);
    }

    /// A one-time sign-in token for `moderator`.
    pub(crate) fn link(&self, moderator: &str) -> String {
        let token = random_hex();
        let mut links = lock(&self.links);
        let now = Instant::now();
        links.retain(|_, (_, expires)| *expires > now);
        links.insert(token.clone(), (moderator.to_owned(), now + LINK_LIFE));
        token
    }

    /// Spends a one-time token: its moderator, once.
    pub(crate) fn redeem(&self, token: &str) -> Option<String> {
        let (moderator, expires) = lock(&self.links).remove(token)?;
        (expires > Instant::now()).then_some(moderator)
    }

    /// Whether an attempt for `name` may be checked now; `Err` with how
    /// long to wait if not. Counts the attempt.
    pub(crate) fn may_try(&self, name: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut a = lock(&self.attempts);
        let minute_start = *a.minute.1.get_or_insert(now);
        if now.duration_since(minute_start) >= Duration::from_secs(60) {
            a.minute = (0, Some(now));
        }
        if a.minute.0 >= MAX_ATTEMPTS_PER_MINUTE {
            return Err(Duration::from_secs(60).saturating_sub(now.duration_since(minute_start)));
        }
        a.minute.0 += 1;
        if let Some((count, since)) = a.failures.get(name) {
            let age = now.duration_since(*since);
            if *count >= MAX_FAILURES && age < FAILURE_WINDOW {
                return Err(FAILURE_WINDOW - age);
            }
        }
        Ok(())
    }

    /// Records how an attempt for `name` went.
    pub(crate) fn tried(&self, name: &str, ok: bool) {
        let now = Instant::now();
        let mut a = lock(&self.attempts);
        if ok {
            a.failures.remove(name);
            return;
        }
        if a.failures.len() > MAX_SESSIONS {
            a.failures
                .retain(|_, (_, since)| now.duration_since(*since) < FAILURE_WINDOW);
        }
        let entry = a.failures.entry(name.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= FAILURE_WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_checks_against_its_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(check_password(Some(&hash), "correct horse"));
        assert!(!check_password(Some(&hash), "correct hors"));
        assert!(!check_password(None, "correct horse"));
    }

    #[test]
    fn a_name_is_locked_after_five_failures() {
        let s = Sessions::default();
        for _ in 0..MAX_FAILURES {
            assert!(s.may_try("ada").is_ok());
            s.tried("ada", false);
        }
        assert!(s.may_try("ada").is_err());
        assert!(s.may_try("bob").is_ok());
    }

    #[test]
    fn a_link_works_once() {
        let s = Sessions::default();
        let token = s.link("ada");
        assert_eq!(s.redeem(&token).as_deref(), Some("ada"));
        assert_eq!(s.redeem(&token), None);
    }
}
