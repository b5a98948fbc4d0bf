//! The economics tables: accounts.csv, whale_curve.csv, cost_to_serve.csv, rejects.csv, and the
//! per-customer predictions of `clv --out`.

use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use northstar_economics::PurchaseForecast;
use northstar_engine::Engine;
use northstar_output::numbers::{money, optional, quantity, ratio};
use northstar_profile::Assessment;

use crate::overlap::alongside;
use crate::{Build, PipelineError};

/// The columns of `accounts.csv` (SPEC §4), then payback_months, orders and reasons.
pub const ACCOUNT_COLUMNS: &[&str] = &[
    "account_id",
    "revenue",
    "direct_cost",
    "gross_margin",
    "cost_to_serve",
    "cac",
    "profit",
    "profit_rank",
    "cumulative_profit_share",
    "tenure_months",
    "repeat_purchase_rate",
    "churned",
    "ltv_historical",
    "ltv_predicted",
    "p_alive",
    "cohort",
    "segment",
    "in_sam",
    "fit_score",
    "tier",
    "payback_months",
    "orders",
    "reasons",
];

/// A CSV writer over `out` with `header` written.
pub(crate) fn csv_writer<'a>(
    out: &'a mut dyn Write,
    header: &[&str],
) -> io::Result<csv::Writer<&'a mut dyn Write>> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header).map_err(io_of)?;
    Ok(w)
}

/// Writes the header record `header` alone.
pub(crate) fn write_header(out: &mut dyn Write, header: &[&str]) -> io::Result<()> {
    csv_writer(out, header)?.flush()
}

/// A CSV writer's error as an I/O error of the same kind, so that a full disk is told as one.
fn io_of(e: csv::Error) -> io::Error {
    match e.kind() {
        csv::ErrorKind::Io(io) => io::Error::new(io.kind(), e),
        _ => io::Error::other(e),
    }
}

/// Records formatted together by one thread.
const BLOCK_ROWS: usize = 4096;
/// Blocks formatted at once, then written in order before the next ones are begun, which bounds
/// the memory the formatted text takes.
const BLOCKS_AT_ONCE: usize = 16;

/// Writes a CSV of `header` and then, in order, the record `row(i)` for each `i` below `count`.
/// Blocks of records are formatted in parallel and written in turn, so a table of a million rows
/// uses every core; the bytes are those of writing the records one by one.
pub(crate) fn write_table<R, T>(
    out: &mut dyn Write,
    header: &[&str],
    count: usize,
    row: impl Fn(usize) -> R + Sync,
) -> io::Result<()>
where
    R: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    write_header(out, header)?;
    write_blocks(out, count, |rows, w| {
        rows.into_iter().try_for_each(|i| w.write_record(row(i)))
    })?;
    out.flush()
}

/// Writes, in order, the CSV records that `block` formats for each block of the rows below
/// `count`. Blocks are formatted in parallel, a window of them at a time, while the window
/// before is written.
pub(crate) fn write_blocks(
    out: &mut dyn Write,
    count: usize,
    block: impl Fn(Range<usize>, &mut csv::Writer<Vec<u8>>) -> csv::Result<()> + Sync,
) -> io::Result<()> {
    let mut writer = BlockWriter::new(out);
    for window in (0..count).step_by(BLOCK_ROWS * BLOCKS_AT_ONCE) {
        writer.push(window..count.min(window + BLOCK_ROWS * BLOCKS_AT_ONCE), &block)?;
    }
    writer.finish()
}

/// A CSV writer whose rows are formatted in parallel blocks on the thread pool while the rows
/// formatted before them are written: it holds one window of formatted text at most.
pub(crate) struct BlockWriter<'w> {
    out: &'w mut dyn Write,
    formatted: Vec<Vec<u8>>,
}

impl<'w> BlockWriter<'w> {
    /// A writer into `out`.
    pub(crate) fn new(out: &'w mut dyn Write) -> Self {
        Self {
            out,
            formatted: Vec::new(),
        }
    }

    /// Formats the records that `block` makes of `rows`, while the rows formatted before are
    /// written.
    pub(crate) fn push(
        &mut self,
        rows: Range<usize>,
        block: impl Fn(Range<usize>, &mut csv::Writer<Vec<u8>>) -> csv::Result<()> + Sync,
    ) -> io::Result<()> {
        let before = std::mem::take(&mut self.formatted);
        let out = &mut *self.out;
        let (formatted, written) = alongside(|| format_blocks(rows, &block), || write_texts(out, &before));
        written?;
        self.formatted = formatted?;
        Ok(())
    }

    /// Writes the rows formatted last.
    pub(crate) fn finish(self) -> io::Result<()> {
        write_texts(self.out, &self.formatted)
    }
}

/// Writes `texts` in order.
pub(crate) fn write_texts(out: &mut dyn Write, texts: &[Vec<u8>]) -> io::Result<()> {
    texts.iter().try_for_each(|text| out.write_all(text))
}

/// The CSV text that `block` formats for each block of the rows of `rows`, in order; the
/// blocks are formatted in parallel.
pub(crate) fn format_blocks(
    rows: Range<usize>,
    block: impl Fn(Range<usize>, &mut csv::Writer<Vec<u8>>) -> csv::Result<()> + Sync,
) -> io::Result<Vec<Vec<u8>>> {
    let end = rows.end;
    rows.step_by(BLOCK_ROWS)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|start| {
            let mut w = csv::Writer::from_writer(Vec::new());
            block(start..end.min(start + BLOCK_ROWS), &mut w).map_err(io_of)?;
            w.into_inner().map_err(|e| e.into_error())
        })
        .collect()
}

/// Writes one record.
pub(crate) fn record<I, T>(w: &mut csv::Writer<&mut dyn Write>, row: I) -> io::Result<()>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    w.write_record(row).map_err(io_of)
}

/// Writes `accounts.csv`: each customer's economics, adopter cohort, best segment (its rank in
/// `segments.csv`) and what the ICP says of it, with the reasons.
pub fn write_accounts(out: &mut dyn Write, build: &Build) -> io::Result<()> {
    let profile = &build.profile;
    let accounts = &build.economics.accounts;
    let cohorts = &build.discovery.cohorts;
    let count = accounts
        .len()
        .min(cohorts.len())
        .min(build.segments.len())
        .min(profile.customers.len());
    // Customers assessed alike share one assessment (found by its address), explained once.
    let shared = |assessed: &Arc<Assessment>| Arc::as_ptr(assessed) as usize;
    let mut explained: foldhash::HashMap<usize, String> = foldhash::HashMap::default();
    for assessed in &profile.customers {
        explained
            .entry(shared(assessed))
            .or_insert_with(|| assessed.explain(profile.icp.base_score));
    }
    write_table(out, ACCOUNT_COLUMNS, count, |i| {
        let (a, cohort, segment, assessed) =
            (&accounts[i], cohorts[i], build.segments[i], &profile.customers[i]);
        [
            a.account_id.clone(),
            money(a.revenue),
            optional(a.direct_cost, money),
            money(a.gross_margin),
            optional(a.cost_to_serve, money),
            optional(a.cac, money),
            money(a.profit),
            a.profit_rank.to_string(),
            ratio(a.cumulative_profit_share),
            optional(a.tenure_months, ratio),
            optional(a.repeat_purchase_rate, ratio),
            a.churned.to_string(),
            money(a.ltv_historical),
            optional(a.ltv_predicted, money),
            optional(a.p_alive, ratio),
            cohort.map(|c| c.name().to_owned()).unwrap_or_default(),
            segment.map(|s| s.to_string()).unwrap_or_default(),
            assessed.in_sam.to_string(),
            assessed.score.to_string(),
            assessed.tier.map(|t| t.to_string()).unwrap_or_default(),
            optional(a.payback_months, ratio),
            a.orders.to_string(),
            explained[&shared(assessed)].clone(),
        ]
    })
}

/// Writes `whale_curve.csv`: the cumulative profit by account rank.
pub fn write_whale_curve(out: &mut dyn Write, build: &Build) -> io::Result<()> {
    let header = [
        "profit_rank",
        "account_id",
        "profit",
        "account_share",
        "cumulative_profit_share",
    ];
    let accounts = &build.economics.accounts;
    let n = accounts.len() as f64;
    write_table(out, &header, accounts.len(), |i| {
        let a = &accounts[i];
        [
            a.profit_rank.to_string(),
            a.account_id.clone(),
            money(a.profit),
            ratio(a.profit_rank as f64 / n),
            ratio(a.cumulative_profit_share),
        ]
    })
}

/// Writes `cost_to_serve.csv`, whose place is `path`: cost to serve per account and activity,
/// by account then activity, as `engine` gives the lines.
pub fn write_cost_lines(out: &mut dyn Write, path: &Path, engine: &Engine) -> crate::Result<()> {
    let io = |e: io::Error| PipelineError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    write_header(out, &["account_id", "activity", "quantity", "rate", "cost"]).map_err(io)?;
    let mut writer = BlockWriter::new(out);
    northstar_economics::each_cost_lines(engine, |lines| {
        writer
            .push(0..lines.len(), |rows, w| {
                lines[rows].iter().try_for_each(|l| {
                    w.write_field(&l.account_id)?;
                    w.write_field(&l.activity)?;
                    w.write_field(quantity(l.quantity))?;
                    w.write_field(l.rate.map(ratio).unwrap_or_default())?;
                    w.write_field(money(l.cost))?;
                    w.write_record(None::<&[u8]>)
                })
            })
            .map_err(io)
    })?;
    writer.finish().map_err(io)?;
    out.flush().map_err(io)
}

/// The columns of the `clv --out` file.
const CLV_COLUMNS: &[&str] = &[
    "account_id",
    "frequency",
    "recency",
    "age",
    "mean_spend",
    "holdout_purchases",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
];

/// Writes each customer's repeat-purchase summary and predictions, unrounded: they are the
/// models' own figures, compared with other tools' to many decimals.
pub fn write_clv_predictions(out: &mut dyn Write, result: &PurchaseForecast) -> io::Result<()> {
    let histories = &result.summary.histories;
    let count = histories.len().min(result.predictions.len());
    write_table(out, CLV_COLUMNS, count, |i| {
        let (h, p) = (&histories[i], &result.predictions[i]);
        [
            h.account_id.clone(),
            h.customer.frequency.to_string(),
            quantity(h.customer.recency),
            quantity(h.customer.age),
            quantity(h.mean_spend),
            h.holdout_purchases.to_string(),
            quantity(p.p_alive),
            quantity(p.expected_purchases),
            optional(p.expected_spend, quantity),
            optional(p.value, quantity),
        ]
    })
}
