//! The console's SQLite file: moderators, schedules, rules and the audit
//! trail. Every write is committed (WAL, `synchronous=FULL`) before the
//! page that asked for it is answered, so a crash loses nothing a
//! moderator saw acknowledged. The schema is versioned: `PRAGMA
//! user_version` counts the [`MIGRATIONS`] applied.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

/// The schema, one step per version; a step is never edited once
/// released, only followed by another.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE moderators (
         name TEXT PRIMARY KEY,
         hash TEXT NOT NULL,
         created_ms INTEGER NOT NULL
     );
     CREATE TABLE schedules (
         id INTEGER PRIMARY KEY,
         room TEXT NOT NULL,
         at_ms INTEGER NOT NULL,
         notice_url TEXT,
         notice_before_s INTEGER NOT NULL DEFAULT 0,
         created_by TEXT NOT NULL,
         state TEXT NOT NULL DEFAULT 'pending',
         outcome TEXT
     );
     CREATE TABLE rules (
         id INTEGER PRIMARY KEY,
         kind TEXT NOT NULL,
         pattern TEXT NOT NULL,
         minutes INTEGER NOT NULL,
         enabled INTEGER NOT NULL DEFAULT 0,
         created_by TEXT NOT NULL
     );
     CREATE TABLE audit (
         id INTEGER PRIMARY KEY,
         time_ms INTEGER NOT NULL,
         moderator TEXT NOT NULL,
         room TEXT,
         operation TEXT NOT NULL,
         outcome TEXT NOT NULL,
         api_id TEXT,
         event TEXT NOT NULL
     );
     CREATE INDEX audit_room ON audit (room, time_ms);
     CREATE INDEX audit_time ON audit (time_ms);",
];

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
#[error("console database: {0}")]
pub struct StoreError(#[from] rusqlite::Error);

/// A schedule: end `room` at `at_ms`, optionally after a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Schedule {
    pub id: i64,
    pub room: String,
    pub at_ms: i64,
    pub notice_url: Option<String>,
    pub notice_before_s: i64,
    pub created_by: String,
    /// `pending`, `noticed`, `done` or `cancelled`.
    pub state: String,
    pub outcome: Option<String>,
}

/// A rule: `max_duration` (end rooms that ran longer than `minutes`) or
/// `abandoned` (end rooms with at most one member for `minutes`), for the
/// rooms whose names match `pattern` (`*` matches any run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub id: i64,
    pub kind: String,
    pub pattern: String,
    pub minutes: i64,
    pub enabled: bool,
    pub created_by: String,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditRow {
    pub time_ms: i64,
    pub moderator: String,
    pub room: Option<String>,
    pub operation: String,
    pub outcome: String,
    pub api_id: Option<String>,
    /// The library's `vobiz::audit` event, as JSON (the CLI's schema).
    pub event: String,
}

/// The database, shared by the console's handlers. Calls are short and
/// serialised on one connection.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (or creates) the database at `path` and brings its schema up
    /// to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::migrated(Connection::open(path)?)
    }

    /// A database in memory, gone with the process (tests, `--simulate`).
    pub fn in_memory() -> Result<Store, StoreError> {
        Store::migrated(Connection::open_in_memory()?)
    }

    fn migrated(conn: Connection) -> Result<Store, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, step) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The schema version the file is at.
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        self.with(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        Ok(f(&conn)?)
    }

    /// Adds a moderator, or replaces their password hash.
    pub(crate) fn put_moderator(&self, name: &str, hash: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO moderators (name, hash, created_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET hash = excluded.hash",
                params![name, hash, now_ms()],
            )
            .map(drop)
        })
    }

    /// A moderator's password hash.
    pub(crate) fn moderator_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            c.query_row("SELECT hash FROM moderators WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    pub(crate) fn add_schedule(&self, s: &Schedule) -> Result<i64, StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO schedules (room, at_ms, notice_url, notice_before_s, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    s.room,
                    s.at_ms,
                    s.notice_url,
                    s.notice_before_s,
                    s.created_by
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Schedules, the pending ones first, soonest first.
    pub(crate) fn schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        self.with(|c| {
            let mut q = c.prepare(
                "SELECT id, room, at_ms, notice_url, notice_before_s, created_by, state, outcome
                 FROM schedules
                 ORDER BY state IN ('done', 'cancelled'), at_ms LIMIT 500",
            )?;
            let rows = q.query_map([], |r| {
                Ok(Schedule {
                    id: r.get(0)?,
                    room: r.get(1)?,
                    at_ms: r.get(2)?,
                    notice_url: r.get(3)?,
                    notice_before_s: r.get(4)?,
                    created_by: r.get(5)?,
                    state: r.get(6)?,
                    outcome: r.get(7)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Moves a schedule on from `from` to `to` (with the outcome); whether
    /// it was still in `from` (two moves of one schedule: one wins).
    pub(crate) fn move_schedule(
        &self,
        id: i64,
        from: &str,
        to: &str,
        outcome: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE schedules SET state = ?3, outcome = coalesce(?4, outcome)
                 WHERE id = ?1 AND state = ?2",
                params![id, from, to, outcome],
            )
            .map(|n| n == 1)
        })
    }

    pub(crate) fn add_rule(&self, rule: &Rule) -> Result<i64, StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO rules (kind, pattern, minutes, enabled, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    rule.kind,
                    rule.pattern,
                    rule.minutes,
                    rule.enabled,
                    rule.created_by
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    pub(crate) fn rules(&self) -> Result<Vec<Rule>, StoreError> {
        self.with(|c| {
            let mut q = c.prepare(
                "SELECT id, kind, pattern, minutes, enabled, created_by FROM rules ORDER BY id",
            )?;
            let rows = q.query_map([], |r| {
                Ok(Rule {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    pattern: r.get(2)?,
                    minutes: r.get(3)?,
                    enabled: r.get(4)?,
                    created_by: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }

    pub(crate) fn set_rule_enabled(&self, id: i64, enabled: bool) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE rules SET enabled = ?2 WHERE id = ?1",
                params![id, enabled],
            )
            .map(drop)
        })
    }

    pub(crate) fn delete_rule(&self, id: i64) -> Result<(), StoreError> {
        self.with(|c| c.execute("DELETE FROM rules WHERE id = ?1", [id]).map(drop))
    }

    pub(crate) fn append_audit(&self, rows: &[AuditRow]) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            for a in rows {
                tx.execute(
                    "INSERT INTO audit (time_ms, moderator, room, operation, outcome, api_id, event)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        a.time_ms,
                        a.moderator,
                        a.room,
                        a.operation,
                        a.outcome,
                        a.api_id,
                        a.event
                    ],
                )?;
            }
            tx.commit()
        })
    }

    /// The latest `limit` lines, newest first; of one room if `room` is
    /// given.
    pub(crate) fn audit(
        &self,
        room: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditRow>, StoreError> {
        self.with(|c| {
            let mut q = c.prepare(
                "SELECT time_ms, moderator, room, operation, outcome, api_id, event FROM audit
                 WHERE ?1 IS NULL OR room = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = q.query_map(params![room, limit as i64], |r| {
                Ok(AuditRow {
                    time_ms: r.get(0)?,
                    moderator: r.get(1)?,
                    room: r.get(2)?,
                    operation: r.get(3)?,
                    outcome: r.get(4)?,
                    api_id: r.get(5)?,
                    event: r.get(6)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Deletes audit lines older than `before_ms`; how many went.
    pub(crate) fn forget_audit_before(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.with(|c| c.execute("DELETE FROM audit WHERE time_ms < ?1", [before_ms]))
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_migrated_once_and_keeps_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("console.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        store.put_moderator("ada", "hash-1").unwrap();
        drop(store);
        let again = Store::open(&path).unwrap();
        assert_eq!(again.schema_version().unwrap(), MIGRATIONS.len());
        assert_eq!(
            again.moderator_hash("ada").unwrap().as_deref(),
            Some("hash-1")
        );
        assert_eq!(again.moderator_hash("bob").unwrap(), None);
    }

    #[test]
    fn a_schedule_moves_on_once() {
        let store = Store::in_memory().unwrap();
        let id = store
            .add_schedule(&Schedule {
                id: 0,
                room: "r".into(),
                at_ms: 5,
                notice_url: None,
                notice_before_s: 0,
                created_by: "ada".into(),
                state: String::new(),
                outcome: None,
            })
            .unwrap();
        assert!(
            store
                .move_schedule(id, "pending", "done", Some("ended"))
                .unwrap()
        );
        assert!(
            !store
                .move_schedule(id, "pending", "cancelled", None)
                .unwrap()
        );
        let s = &store.schedules().unwrap()[0];
        assert_eq!(
            (s.state.as_str(), s.outcome.as_deref()),
            ("done", Some("ended"))
        );
    }
}
