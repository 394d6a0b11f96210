//! Ctrl-C: the command stops with a message saying what was and was not written. Files
//! being written are temporary files until complete (report::atomic), so they are removed
//! and named; stores are written in transactions, so an interrupted one is absent.

use std::io::Write;
use std::sync::Mutex;

/// What an interruption leaves behind, as the running command last described it.
static STATE: Mutex<String> = Mutex::new(String::new());

/// Describes what an interruption now would leave behind (replacing the last description).
pub fn note(text: impl Into<String>) {
    if let Ok(mut s) = STATE.lock() {
        *s = text.into();
    }
}

/// Installs the handler (once, at start).
pub fn install() {
    // Without a handler Ctrl-C still stops the process; the message is what is lost.
    let _ = ctrlc::set_handler(|| {
        let not_written = report::atomic::remove_pending();
        let state = STATE.lock().map(|s| s.clone()).unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\ninterrupted");
        if !state.is_empty() {
            let _ = write!(err, ": {state}");
        }
        let _ = writeln!(err);
        for f in not_written {
            let _ = writeln!(err, "  not written: {} (left as it was)", f.display());
        }
        std::process::exit(130);
    });
}
