//! The progress bar on stderr: bytes, pages, MB/s and ETA; hidden when stderr is not a terminal
//! or with `--quiet`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A progress bar shared by the stages of one command: each stage gets a fresh bar.
pub struct Progress {
    bar: Mutex<ProgressBar>,
    enabled: bool,
    pages: Arc<AtomicU64>,
}

impl Progress {
    /// A bar drawn on stderr when `enabled` and stderr is a terminal.
    pub fn new(enabled: bool) -> Progress {
        Progress { bar: Mutex::new(ProgressBar::hidden()), enabled, pages: Arc::default() }
    }

    fn bar(&self) -> ProgressBar {
        self.bar.lock().expect("progress lock").clone()
    }

    /// Starts a stage of `total` bytes (`None` for a stage without a known size: a spinner).
    pub fn stage(&self, label: &'static str, total: Option<u64>) {
        let pages = self.pages.clone();
        let template = match total {
            Some(_) => "{prefix:>12.bold} [{bar:32}] {bytes}/{total_bytes} {pages} {bytes_per_sec} ETA {eta}",
            None => "{prefix:>12.bold} {spinner} {pages} {elapsed}",
        };
        let style = ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> ").with_key(
            "pages",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let n = pages.load(Ordering::Relaxed);
                if n > 0 {
                    let _ = write!(w, "{n} pages");
                }
            },
        );
        let target = if self.enabled { ProgressDrawTarget::stderr_with_hz(8) } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(total, target).with_style(style).with_prefix(label);
        if total.is_none() {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        let old = std::mem::replace(&mut *self.bar.lock().expect("progress lock"), bar);
        old.finish_and_clear();
    }

    /// Adds bytes done.
    pub fn inc(&self, bytes: u64) {
        self.bar().inc(bytes);
    }

    /// Adds pages found.
    pub fn add_pages(&self, n: u64) {
        self.pages.fetch_add(n, Ordering::Relaxed);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar().finish_and_clear();
    }
}
