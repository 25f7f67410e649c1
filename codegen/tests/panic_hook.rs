//! Generation turns progenitor's panics into errors without touching what
//! other threads' panics do: many generating threads at once stay quiet,
//! and a panic elsewhere still reaches the hook that was installed.
//!
//! Its own test binary, because it installs a process-wide panic hook.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const PANICS_IN_PROGENITOR: &str = r#"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /a/{id}/:
    get:
      operationId: get-a
      responses: {'204': {description: ok}}
"#;

#[test]
fn generating_threads_are_quiet_and_others_are_not() {
    let reported = Arc::new(AtomicUsize::new(0));
    let count = reported.clone();
    std::panic::set_hook(Box::new(move |_| {
        count.fetch_add(1, Ordering::SeqCst);
    }));
    let file = Path::new("openapi/panics.yaml");
    let spec = vobiz_codegen::parse_spec(file, PANICS_IN_PROGENITOR).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..25 {
                    let err = vobiz_codegen::generate(file, &spec).unwrap_err();
                    assert!(err.problem.contains("missing path name mapping"), "{err}");
                }
            });
        }
    });
    assert_eq!(
        reported.load(Ordering::SeqCst),
        0,
        "generation panics were reported"
    );
    let elsewhere = std::thread::spawn(|| panic!("an ordinary panic")).join();
    assert!(elsewhere.is_err());
    assert_eq!(
        reported.load(Ordering::SeqCst),
        1,
        "an ordinary panic was not reported"
    );
}
