//! Promise: the simulator survives running out of file descriptors. When
//! `accept` fails, it logs a warning and keeps accepting; once descriptors
//! are free again, clients are served. (Its own binary: it lowers the
//! process's descriptor limit and installs a global subscriber.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt;
use vobiz::testing::FakeVobiz;

/// Lowers this process's soft limit on open files to what is open now plus
/// `headroom`.
fn limit_descriptors(headroom: u64) {
    let open = std::fs::read_dir("/proc/self/fd").map_or(64, |d| d.count() as u64);
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    limit.rlim_cur = (open + headroom).min(limit.rlim_max);
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

/// Signals the first WARN event: the simulator saying `accept` failed.
struct Warned(Arc<tokio::sync::Notify>, Arc<AtomicBool>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warned {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            self.1.store(true, Ordering::SeqCst);
            self.0.notify_one();
        }
    }
}

#[tokio::test]
async fn the_simulator_serves_again_after_running_out_of_descriptors() {
    let (notify, warned) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(AtomicBool::new(false)),
    );
    let subscriber = tracing_subscriber::registry().with(Warned(notify.clone(), warned.clone()));
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let fake = FakeVobiz::start().await.unwrap();
    let client = fake
        .client_builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client.list_conferences().await.unwrap();
    let addr = fake.base_url().trim_start_matches("http://").to_owned();

    limit_descriptors(32);
    // Fill the table but for one descriptor, which the connection takes:
    // it waits in the simulator's accept queue with no descriptor left to
    // accept it with.
    let mut files = Vec::new();
    while let Ok(file) = std::fs::File::open("/dev/null") {
        files.push(file);
    }
    files.pop();
    let waiting = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let saw_warning = tokio::time::timeout(Duration::from_secs(5), async {
        while !warned.load(Ordering::SeqCst) {
            notify.notified().await;
        }
    })
    .await;
    drop(files);
    drop(waiting);
    assert!(saw_warning.is_ok(), "the failed accept was not reported");
    let served = client.list_conferences().await;
    assert!(served.is_ok(), "{served:?}");
}
