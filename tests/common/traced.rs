//! Everything traced while a future runs, as text: what the adversarial
//! suites search for the token.

use std::io::Write;

thread_local! {
    /// What the global subscriber formatted on this thread.
    static TRACE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes into this thread's [`TRACE`].
struct ThreadSink;

impl Write for ThreadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        TRACE.with(|t| t.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything emitted at TRACE (ours, reqwest's and hyper's) while `f`
/// runs on a current-thread runtime, as text. One global subscriber for the
/// whole binary, writing per thread: scoped subscribers coming and going in
/// parallel tests make tracing's callsite cache drop events.
pub fn traced<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadSink)
            .init();
    });
    TRACE.with(|t| t.borrow_mut().clear());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = rt.block_on(f);
    drop(rt);
    let text =
        TRACE.with(|t| String::from_utf8_lossy(&std::mem::take(&mut *t.borrow_mut())).into_owned());
    (out, text)
}
