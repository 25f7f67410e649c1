//! The library's own audit events (`vobiz::audit`), caught while an action
//! runs, so that the console's trail holds the very events the library and
//! the CLI write, with the moderator's name beside them. Everything else
//! the action traces still goes to the application's subscriber.

use std::future::Future;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

/// The target the library writes its audit events on.
const AUDIT_TARGET: &str = "vobiz::audit";

/// Runs `action`, returning its output and the audit events it wrote, each
/// as a JSON object of its fields.
pub(crate) async fn audited<T>(action: impl Future<Output = T>) -> (T, Vec<Map<String, Value>>) {
    let caught = Arc::new(Mutex::new(Vec::new()));
    let inner = tracing::dispatcher::get_default(Dispatch::clone);
    let dispatch = Dispatch::new(Catch {
        inner,
        caught: caught.clone(),
    });
    let output = action.with_subscriber(dispatch).await;
    let events = std::mem::take(&mut *caught.lock().unwrap_or_else(|e| e.into_inner()));
    (output, events)
}

/// A subscriber that keeps audit events and hands everything on to the
/// application's.
struct Catch {
    inner: Dispatch,
    caught: Arc<Mutex<Vec<Map<String, Value>>>>,
}

fn is_audit(metadata: &Metadata<'_>) -> bool {
    metadata.target() == AUDIT_TARGET
}

impl Subscriber for Catch {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_audit(metadata) {
            Interest::always()
        } else {
            // Asked again per event: the application's subscriber decides.
            Interest::sometimes()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_audit(metadata) || self.inner.enabled(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        None
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.inner.record(span, values)
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.inner.record_follows_from(span, follows)
    }

    fn event(&self, event: &Event<'_>) {
        if is_audit(event.metadata()) {
            let fields = crate::audit::audit_fields(event);
            self.caught
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(fields);
        }
        if self.inner.enabled(event.metadata()) {
            self.inner.event(event)
        }
    }

    fn enter(&self, span: &Id) {
        self.inner.enter(span)
    }

    fn exit(&self, span: &Id) {
        self.inner.exit(span)
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: Id) -> bool {
        self.inner.try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.inner.current_span()
    }
}
