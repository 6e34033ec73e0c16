//! The progress bar on stderr: bytes, pages, MB/s and ETA; hidden when stderr is not a terminal
//! or with `--quiet`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A progress bar shared by the stages of one command.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    pages: Arc<AtomicU64>,
}

impl Progress {
    /// A bar drawn on stderr when `enabled` and stderr is a terminal.
    pub fn new(enabled: bool) -> Progress {
        let target = if enabled { ProgressDrawTarget::stderr_with_hz(8) } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(None, target);
        Progress { bar, pages: Arc::default() }
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
        self.bar.set_style(style);
        self.bar.set_prefix(label);
        self.bar.reset();
        self.bar.set_position(0);
        self.bar.set_length(total.unwrap_or(0));
        if total.is_none() {
            self.bar.enable_steady_tick(Duration::from_millis(120));
        } else {
            self.bar.disable_steady_tick();
        }
    }

    /// Adds scanned bytes.
    pub fn inc(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    /// Adds pages found.
    pub fn add_pages(&self, n: u64) {
        self.pages.fetch_add(n, Ordering::Relaxed);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
