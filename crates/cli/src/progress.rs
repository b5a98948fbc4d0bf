//! The build's progress on stderr: a bar per file read and a spinner per step, shown only when
//! stderr is a terminal; notes always.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use northstar_pipeline::{Observer, Step};

fn target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A spinner with a message, for a step of unknown length.
fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, target());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Draws a build's progress.
#[derive(Default)]
pub struct Bars {
    current: Mutex<Option<(ProgressBar, Arc<AtomicBool>)>>,
}

impl Bars {
    fn show(&self, bar: ProgressBar, done: Arc<AtomicBool>) {
        self.stop();
        if let Ok(mut current) = self.current.lock() {
            *current = Some((bar, done));
        }
    }

    fn stop(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some((bar, done)) = current.take()
        {
            done.store(true, Ordering::Relaxed);
            bar.finish_and_clear();
        }
    }
}

impl Observer for Bars {
    fn started(&self, step: Step) {
        if step != Step::Ingest {
            self.show(spinner(step.describe()), Arc::default());
        }
    }

    fn finished(&self, _step: Step, _elapsed: Duration) {
        self.stop();
    }

    fn reading(&self, table: &str, bytes: u64, read: Arc<AtomicU64>) {
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
        self.show(bar, done);
    }

    fn read(&self, _table: &str) {
        self.stop();
    }

    fn note(&self, text: &str) {
        self.stop();
        eprint!("{text}");
    }
}
