//! Progress on standard error, only when it is a terminal: a label and real counts.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressBarIter, ProgressDrawTarget, ProgressStyle};

const BAR: &str = "{msg:>12} [{bar:40}] {human_pos}/{human_len} {elapsed_precise}";
/// The estimate of the time left appears once a twentieth of the work is done: before,
/// it is a guess from too little (a bar that starts at "eta 11m").
const BAR_ETA: &str = "{msg:>12} [{bar:40}] {human_pos}/{human_len} {elapsed_precise}, {eta} left";
const SPINNER: &str = "{spinner} {msg} {elapsed}";

fn draw_target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// A bar of known length.
#[derive(Debug)]
pub struct Bar {
    pb: ProgressBar,
    eta_shown: AtomicBool,
}

impl Bar {
    /// Advances by `n`.
    pub fn inc(&self, n: u64) {
        self.pb.inc(n);
        let len = self.pb.length().unwrap_or(0);
        if !self.eta_shown.load(Ordering::Relaxed) && len > 0 && self.pb.position() * 20 >= len {
            self.eta_shown.store(true, Ordering::Relaxed);
            self.pb.set_style(style(BAR_ETA));
        }
    }

    /// Removes the bar.
    pub fn finish_and_clear(&self) {
        self.pb.finish_and_clear();
    }
}

/// A bar of `len` steps labelled `label`; hidden unless stderr is a terminal.
pub fn bar(len: u64, label: &str) -> Bar {
    let pb = ProgressBar::with_draw_target(Some(len), draw_target());
    pb.set_style(style(BAR));
    pb.set_message(label.to_string());
    Bar {
        pb,
        eta_shown: AtomicBool::new(false),
    }
}

/// `reader` of `len` bytes counted on a bar labelled `label` as it is read; hidden unless
/// stderr is a terminal.
pub fn reading<R: std::io::Read>(reader: R, len: u64, label: &str) -> (Bar, ProgressBarIter<R>) {
    let b = bar(len, label);
    let r = b.pb.wrap_read(reader);
    (b, r)
}

/// A spinner for work of unknown length, with its label and the time spent; hidden unless
/// stderr is a terminal.
pub fn spinner(label: &str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, draw_target());
    pb.set_style(
        ProgressStyle::with_template(SPINNER).unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(label.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Either kind, for work that may or may not know its length.
#[derive(Debug)]
pub enum Progress {
    /// Known length.
    Bar(Bar),
    /// Unknown length.
    Spinner(ProgressBar),
}

impl Progress {
    /// A bar when `total` is known, else a spinner.
    pub fn new(label: &str, total: Option<u64>) -> Self {
        match total {
            Some(n) => Progress::Bar(bar(n, label)),
            None => Progress::Spinner(spinner(label)),
        }
    }

    /// Advances by `n`.
    pub fn inc(&self, n: u64) {
        match self {
            Progress::Bar(b) => b.inc(n),
            Progress::Spinner(s) => s.inc(n),
        }
    }

    /// Removes it.
    pub fn finish_and_clear(&self) {
        match self {
            Progress::Bar(b) => b.finish_and_clear(),
            Progress::Spinner(s) => s.finish_and_clear(),
        }
    }
}
