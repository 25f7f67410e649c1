//! `--audit-log FILE`: the library's audit events (target `vobiz::audit`,
//! documented in the crate docs) written as JSON lines, with a `time`, so
//! that the CLI's trail and a library user's are one schema. A write that
//! fails is remembered, and the command stops changing anything.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tracing_subscriber::layer::Context;

/// The file the events go to, and the first write that failed.
pub struct AuditLog {
    path: PathBuf,
    /// The profile whose credentials the command uses, in every line.
    profile: std::sync::OnceLock<String>,
    file: Mutex<std::fs::File>,
    failure: Mutex<Option<String>>,
}

impl AuditLog {
    /// Opens `path` for appending.
    pub fn open(path: &Path) -> Result<Arc<Self>, String> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the audit log {}: {e}", path.display()))?;
        Ok(Arc::new(AuditLog {
            path: path.to_owned(),
            profile: std::sync::OnceLock::new(),
            file: Mutex::new(file),
            failure: Mutex::new(None),
        }))
    }

    /// Names the profile in every line from now on.
    pub fn set_profile(&self, profile: String) {
        let _ = self.profile.set(profile);
    }

    /// Why a line could not be written, if one could not.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn write(&self, line: &str) {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // One write per line: `File` is unbuffered, so a full disk says so
        // here, on the line it could not keep.
        if let Err(e) = file.write_all(format!("{line}\n").as_bytes()) {
            let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
            failure.get_or_insert_with(|| {
                format!("cannot write the audit log {}: {e}", self.path.display())
            });
        }
    }
}

/// The layer that hands each audit event to the log.
pub struct AuditLayer(pub Arc<AuditLog>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for AuditLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = vobiz::audit_fields(event);
        fields.insert(
            "time".to_owned(),
            Value::from(humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()),
        );
        if let Some(profile) = self.0.profile.get() {
            fields.insert("vobiz.profile".to_owned(), Value::from(profile.as_str()));
        }
        self.0.write(&Value::Object(fields).to_string());
    }
}
