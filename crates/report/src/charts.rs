//! Charts as inline SVG drawn at build time: no script is needed to read them. Every chart has a
//! `<title>` and a description for screen readers, and holds at most about [`MAX_MARKS`] marks.

use maud::{Markup, html};
use northstar_output::figures::{compact, percent};

/// Most marks (points, bars) a chart draws.
pub const MAX_MARKS: usize = 1_000;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// A chart's frame: its title for assistive technology and the plotting area's scales.
struct Frame {
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x.0) / (self.x.1 - self.x.0).max(f64::EPSILON) * (WIDTH - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        HEIGHT - BOTTOM - (y - self.y.0) / (self.y.1 - self.y.0).max(f64::EPSILON) * (HEIGHT - TOP - BOTTOM)
    }
}

/// An SVG element with its title and description.
fn svg(id: &str, title: &str, description: &str, height: f64, body: Markup) -> Markup {
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    html! {
        svg class="chart" id=(id) viewBox=(format!("0 0 {WIDTH} {height}")) role="img"
            aria-labelledby=(format!("{title_id} {desc_id}")) xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { (title) }
            desc id=(desc_id) { (description) }
            (body)
        }
    }
}

/// The whale curve: cumulative share of profit by share of accounts ranked by profit, with the
/// 80% point and the peak marked. `cumulative` is the running share in rank order; the curve is
/// sampled to at most [`MAX_MARKS`] points, the marked points exact.
pub fn whale_curve(cumulative: &[f64], eighty: (f64, f64), peak: (f64, f64)) -> Markup {
    let n = cumulative.len().max(1);
    let step = n.div_ceil(MAX_MARKS).max(1);
    let mut points: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    points.extend(
        cumulative
            .iter()
            .enumerate()
            .filter(|(i, _)| (i + 1) % step == 0 || i + 1 == n)
            .map(|(i, y)| ((i + 1) as f64 / n as f64, *y)),
    );
    let low = points.iter().map(|p| p.1).fold(0.0, f64::min);
    let high = points.iter().map(|p| p.1).fold(1.0, f64::max);
    let frame = Frame {
        x: (0.0, 1.0),
        y: (low, high),
    };
    let line: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", frame.px(*x), frame.py(*y)))
        .collect();
    let body = html! {
        (axes(&frame, &[0.0, 0.25, 0.5, 0.75, 1.0], &y_ticks(low, high), percent, percent))
        line class="reference" x1=(frame.px(0.0)) x2=(frame.px(1.0)) y1=(frame.py(1.0)) y2=(frame.py(1.0)) {}
        polyline class="series" points=(line.join(" ")) {}
        circle class="mark" cx=(frame.px(eighty.0)) cy=(frame.py(eighty.1)) r="5" {
            title { "80% of profit at the top " (percent(eighty.0)) " of accounts" }
        }
        circle class="mark peak" cx=(frame.px(peak.0)) cy=(frame.py(peak.1)) r="5" {
            title { "peak: " (percent(peak.1)) " of profit at the top " (percent(peak.0)) " of accounts" }
        }
    };
    svg(
        "whale-curve",
        "Whale curve: cumulative profit by accounts ranked from most to least profitable",
        &format!(
            "The top {} of accounts make 80% of profit; the curve peaks at {} of profit at the top {} of accounts, and the rest destroy the difference.",
            percent(eighty.0),
            percent(peak.1),
            percent(peak.0)
        ),
        HEIGHT,
        body,
    )
}

/// One horizontal bar with an interval.
pub struct Bar {
    /// What it is, in words.
    pub label: String,
    /// Its value.
    pub value: f64,
    /// Its interval, when it has one.
    pub interval: Option<[f64; 2]>,
    /// The value in words, shown beside the bar.
    pub text: String,
}

/// Horizontal bars from zero (or the lowest value), with whiskers where bars have intervals and
/// a reference line at `reference` when given.
pub fn bars(id: &str, title: &str, description: &str, bars: &[Bar], reference: Option<f64>) -> Markup {
    let bars = &bars[..bars.len().min(MAX_MARKS / 3)];
    let row = 26.0;
    let height = TOP + BOTTOM + row * bars.len().max(1) as f64;
    let high = bars
        .iter()
        .map(|b| b.interval.map_or(b.value, |i| i[1].max(b.value)))
        .chain(reference)
        .fold(0.0, f64::max);
    let low = bars.iter().map(|b| b.value).fold(0.0, f64::min);
    let left = 250.0;
    // Room on the right for the longest value written beside its bar.
    let room = bars.iter().map(|b| b.text.chars().count()).max().unwrap_or(0) as f64 * 7.0 + 12.0;
    let span = (high - low).max(f64::EPSILON);
    let x = |v: f64| left + (v - low) / span * (WIDTH - left - room).max(60.0);
    let body = html! {
        @for (i, b) in bars.iter().enumerate() {
            @let y = TOP + row * i as f64;
            @let (start, end) = (x(b.value.min(0.0)), x(b.value.max(0.0)));
            text class="label" x=(left - 6.0) y=(y + 16.0) text-anchor="end" { (truncate(&b.label, 32)) }
            rect class=(if b.value < 0.0 { "bar negative" } else { "bar" }) x=(start) y=(y + 4.0)
                width=((end - start).max(1.0)) height=(row - 8.0) {
                title { (b.label) ": " (b.text) }
            }
            @if let Some([lo, hi]) = b.interval {
                line class="whisker" x1=(x(lo)) x2=(x(hi)) y1=(y + row / 2.0) y2=(y + row / 2.0) {}
                line class="whisker" x1=(x(lo)) x2=(x(lo)) y1=(y + 8.0) y2=(y + row - 8.0) {}
                line class="whisker" x1=(x(hi)) x2=(x(hi)) y1=(y + 8.0) y2=(y + row - 8.0) {}
            }
            text class="value" x=(x(b.interval.map_or(b.value, |i| i[1]).max(b.value.max(0.0))) + 6.0) y=(y + 16.0) { (b.text) }
        }
        @if let Some(r) = reference {
            line class="reference" x1=(x(r)) x2=(x(r)) y1=(TOP) y2=(height - BOTTOM) {}
        }
        line class="axis" x1=(x(low.min(0.0))) x2=(x(low.min(0.0))) y1=(TOP) y2=(height - BOTTOM) {}
    };
    svg(id, title, description, height, body)
}

/// A histogram of `values` in up to 20 equal-width bins.
pub fn histogram(id: &str, title: &str, description: &str, values: &[f64]) -> Markup {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bins = 20usize;
    let width = ((high - low) / bins as f64).max(f64::EPSILON);
    let mut counts = vec![0u64; bins];
    for v in values {
        let k = (((v - low) / width) as usize).min(bins - 1);
        counts[k] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let frame = Frame {
        x: (low, high.max(low + f64::EPSILON)),
        y: (0.0, most),
    };
    let ticks = [low, low + (high - low) / 2.0, high];
    let body = html! {
        (axes(&frame, &ticks, &y_ticks(0.0, most), compact, compact))
        @for (k, c) in counts.iter().enumerate() {
            @let x0 = frame.px(low + width * k as f64);
            @let x1 = frame.px(low + width * (k + 1) as f64);
            rect class=(if low + width * k as f64 + width / 2.0 < 0.0 { "bar negative" } else { "bar" })
                x=(x0 + 1.0) y=(frame.py(*c as f64)) width=((x1 - x0 - 2.0).max(1.0))
                height=((frame.py(0.0) - frame.py(*c as f64)).max(0.0)) {
                title { (c) " accounts from " (compact(low + width * k as f64)) " to " (compact(low + width * (k + 1) as f64)) }
            }
        }
    };
    svg(id, title, description, HEIGHT, body)
}

/// Axes with ticks on both.
fn axes(
    frame: &Frame,
    x_ticks: &[f64],
    y_ticks: &[f64],
    x_text: fn(f64) -> String,
    y_text: impl Fn(f64) -> String,
) -> Markup {
    html! {
        line class="axis" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(HEIGHT - BOTTOM) y2=(HEIGHT - BOTTOM) {}
        line class="axis" x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(HEIGHT - BOTTOM) {}
        @for t in x_ticks {
            text class="tick" x=(frame.px(*t)) y=(HEIGHT - BOTTOM + 18.0) text-anchor="middle" { (x_text(*t)) }
        }
        @for t in y_ticks {
            text class="tick" x=(LEFT - 6.0) y=(frame.py(*t) + 4.0) text-anchor="end" { (y_text(*t)) }
            line class="grid" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(frame.py(*t)) y2=(frame.py(*t)) {}
        }
    }
}

/// Five ticks from `low` to `high`.
fn y_ticks(low: f64, high: f64) -> Vec<f64> {
    (0..5).map(|k| low + (high - low) * k as f64 / 4.0).collect()
}

/// `text` cut to `n` characters, with an ellipsis when cut.
fn truncate(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
