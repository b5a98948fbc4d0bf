//! Progress bars on stderr, shown only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

fn target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A spinner with a message, for a step of unknown length.
pub fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, target());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Byte progress of the file being read, for ingest.
#[derive(Default)]
pub struct IngestBars {
    current: Mutex<Option<(ProgressBar, Arc<AtomicBool>)>>,
}

impl northstar_ingest::Progress for IngestBars {
    fn start(&self, table: &str, bytes: u64, read: Arc<AtomicU64>) {
        self.stop();
        let bar = ProgressBar::with_draw_target(Some(bytes), target());
        let style = ProgressStyle::with_template("{msg:>14} [{bar:30}] {bytes}/{total_bytes} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(format!("reading {table}"));
        let done = Arc::new(AtomicBool::new(false));
        let (ticker, stop) = (bar.clone(), done.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                ticker.set_position(read.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        if let Ok(mut current) = self.current.lock() {
            *current = Some((bar, done));
        }
    }

    fn finish(&self, _table: &str) {
        self.stop();
    }
}

impl IngestBars {
    fn stop(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some((bar, done)) = current.take()
        {
            done.store(true, Ordering::Relaxed);
            bar.finish_and_clear();
        }
    }
}
