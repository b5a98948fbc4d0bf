//! The score stage: every prospect ranked by the ICP with exact reasons, the way to tier 1, its
//! nearest profitable customer and its intent, kept apart from fit; and the market sized from
//! TAM to SOM over customers and prospects.
//!
//! The prospects are the `prospects` table and the accounts whose status is `prospect` (a CRM
//! export's leads), once each: an account in both is read from the prospects table and its
//! `source` says both. They stream from the engine a group at a time: each group's rows go to
//! `prospects_scored.csv` as it is scored, and only the target list (tiers 1 and 2), the counts
//! and the market's sums are kept.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use northstar_economics::Economics;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::{Engine, Order};
use northstar_facts::{SignalRow, shared_texts, texts};
use northstar_output::BuildFolder;
use northstar_profile::{Account, Drafted, Icp, Lookalike};
use northstar_score::market::{Customer, ExpectedValues, MarketSize, MarketTally};
use northstar_score::{Candidate, Event, Intent, IntentSettings, Nearest, Scored, Scorer};
use rayon::prelude::*;
use serde::Serialize;

use crate::outputs::tables::{write_header, write_texts};
use crate::outputs::targets::{prospect_header, prospect_rows};
use crate::outputs::write_with;
use crate::overlap::alongside;
use crate::{PipelineError, Result, Settings};

/// Columns of the accounts table that are not a prospect's attributes.
const NOT_PROSPECT_COLUMNS: &[&str] = &[
    "account_id",
    "status",
    "customer_since",
    "churned_at",
    "referred_by",
];

/// One scored prospect.
#[derive(Debug, Clone, PartialEq)]
pub struct Prospect {
    /// Its record id.
    pub account_id: String,
    /// Where it was listed: `prospects`, `accounts` (status prospect) or both.
    pub source: &'static str,
    /// SAM, fit score, tier, reasons and the way to tier 1.
    pub scored: Scored,
    /// Its intent, when a signals table was given.
    pub intent: Option<Intent>,
    /// In tier 1 or 2 with intent at or above the threshold.
    pub timing: bool,
    /// The nearest profitable customer, shared by every prospect it is nearest to, and the
    /// signal points they share.
    pub nearest: Option<(Arc<Lookalike>, i64)>,
    /// Its attribute values, in the order of [`Targets::columns`]; a text is shared by the
    /// prospects of one batch that hold it.
    pub values: Vec<Option<Arc<str>>>,
}

impl Prospect {
    /// The value of attribute column `name` of `columns`.
    pub fn value<'a>(&'a self, columns: &[String], name: &str) -> Option<&'a str> {
        let at = columns.iter().position(|c| c == name)?;
        self.values[at].as_deref()
    }

    /// Its attribute values as the outputs write them, an unknown one empty.
    pub fn value_cells(&self) -> impl Iterator<Item = String> + '_ {
        self.values
            .iter()
            .map(|v| v.as_deref().unwrap_or_default().to_owned())
    }
}

/// How many accounts were scored, how many are inside the SAM, and how many are in each tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TierCounts {
    /// Accounts scored.
    pub accounts: u64,
    /// Of them, inside the SAM.
    pub in_sam: u64,
    /// Accounts in tiers 1, 2 and 3.
    pub tiers: [u64; 3],
}

impl TierCounts {
    /// Counts an account scored, inside the SAM or not, in `tier`.
    pub(crate) fn count(&mut self, in_sam: bool, tier: Option<u8>) {
        self.accounts += 1;
        self.in_sam += u64::from(in_sam);
        if let Some(t @ 1..=3) = tier {
            self.tiers[usize::from(t) - 1] += 1;
        }
    }
}

/// What the score stage made of a build. Every prospect's scores are in
/// `prospects_scored.csv`, written as they were scored; the target list alone is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// The prospects' attribute columns, as `prospects_scored.csv` writes them after the scores.
    pub columns: Vec<String>,
    /// The prospects of tiers 1 and 2, best first: by tier, then fit score, then intent, then
    /// id; the order of reading among equals.
    pub target_list: Vec<Prospect>,
    /// The prospects scored, inside the SAM, and by tier.
    pub counts: TierCounts,
    /// Whether intent was measured (a signals table was given).
    pub intent_measured: bool,
    /// Signals dated after the as-of date, not counted.
    pub signals_after_as_of: u64,
    /// TAM, the funnel to SAM, and SOM.
    pub market: MarketSize,
}

/// Each account's intent signals, looked up once per prospect.
type EventsByAccount = foldhash::HashMap<String, Vec<Event>>;

/// Scores accounts of Arrow batches: fit through the compiled ICP, the nearest customer from
/// its reference, intent from the accounts' signals.
pub struct ProspectScorer {
    judges: Judges,
    /// The nearest-customer search, with the answers found so far.
    nearest: Nearest,
}

/// What a prospect is judged by, apart from the nearest-customer search, which remembers its
/// answers and so is held by each thread on its own.
struct Judges {
    scorer: Scorer,
    intent: IntentSettings,
    events: Option<EventsByAccount>,
    as_of: i32,
}

impl ProspectScorer {
    /// A scorer of `icp`; intent from `signals` (none: not measured) decayed to day `as_of`.
    pub fn new(icp: Icp, intent: IntentSettings, signals: Option<Vec<SignalRow>>, as_of: i32) -> Self {
        let events = signals.map(|rows| {
            let mut by_account = EventsByAccount::default();
            for r in rows {
                by_account.entry(r.account_id).or_default().push(Event {
                    signal: r.signal,
                    value: r.value,
                    day: r.day,
                });
            }
            by_account
        });
        Self {
            nearest: Nearest::new(&icp),
            judges: Judges {
                scorer: Scorer::new(icp),
                intent,
                events,
                as_of,
            },
        }
    }

    /// Every account of `batches`, in their order, with its values of `columns`, listed in
    /// `source`; the batches are scored side by side on the threads there are.
    pub fn score(
        &self,
        batches: &[RecordBatch],
        columns: &[String],
        source: &'static str,
    ) -> Result<Vec<Prospect>> {
        let scored: Vec<Vec<Prospect>> = batches
            .par_iter()
            .map_init(
                || self.nearest.clone(),
                |nearest, batch| self.judges.score(nearest, batch, columns, source),
            )
            .collect::<Result<_>>()?;
        Ok(scored.into_iter().flatten().collect())
    }

    /// One account read by name, with no attribute values kept: what [`ProspectScorer::score`]
    /// says of a row, without building a batch.
    pub fn score_account(
        &mut self,
        account_id: String,
        account: &dyn Account,
        source: &'static str,
    ) -> Prospect {
        let scored = self.judges.scorer.assess_account(account);
        self.judges
            .prospect(&mut self.nearest, account_id, source, scored, Vec::new())
    }
}

impl Judges {
    /// Every account of `batch`, with its values of `columns`, listed in `source`.
    fn score(
        &self,
        nearest: &mut Nearest,
        batch: &RecordBatch,
        columns: &[String],
        source: &'static str,
    ) -> Result<Vec<Prospect>> {
        let schema = batch.schema();
        let ids = account_ids(batch)?;
        let values: Vec<Option<Vec<Option<Arc<str>>>>> = columns
            .iter()
            .map(|c| {
                schema
                    .column_with_name(c)
                    .map(|(at, _)| shared_texts(batch, at))
                    .transpose()
            })
            .collect::<std::result::Result<_, _>>()?;
        let scored = self.scorer.assess_with_reach(batch)?;
        let mut out = Vec::with_capacity(scored.len());
        for (row, (scored, id)) in scored.into_iter().zip(ids).enumerate() {
            let values = values
                .iter()
                .map(|v| v.as_ref().and_then(|v| v[row].clone()))
                .collect();
            out.push(self.prospect(nearest, id.unwrap_or_default(), source, scored, values));
        }
        Ok(out)
    }

    /// The prospect of an account's fit, with its intent and its nearest customer by `nearest`.
    fn prospect(
        &self,
        nearest: &mut Nearest,
        account_id: String,
        source: &'static str,
        scored: Scored,
        values: Vec<Option<Arc<str>>>,
    ) -> Prospect {
        let intent = self.events.as_ref().map(|events| {
            let none = Vec::new();
            self.intent
                .intent(events.get(&account_id).unwrap_or(&none), self.as_of)
        });
        let timing = intent
            .as_ref()
            .is_some_and(|i| self.intent.timing(scored.assessment.tier, i.score));
        let nearest = nearest.find(&scored.verdicts.signals);
        Prospect {
            account_id,
            source,
            timing,
            intent,
            nearest,
            values,
            scored,
        }
    }
}

/// The account ids of `batch`, as text; none where the batch has no `account_id` column.
pub(crate) fn account_ids(batch: &RecordBatch) -> Result<Vec<Option<String>>> {
    match batch.schema_ref().column_with_name("account_id") {
        Some((at, _)) => Ok(texts(batch, at)?),
        None => Ok(vec![None; batch.num_rows()]),
    }
}

/// The rows of a batch of customers judged at once, on one thread.
const SLICE_ROWS: usize = 16_384;

/// `batch` cut into slices of at most `rows` rows, in order.
pub(crate) fn slices(batch: &RecordBatch, rows: usize) -> impl Iterator<Item = RecordBatch> + '_ {
    (0..batch.num_rows())
        .step_by(rows)
        .map(move |start| batch.slice(start, rows.min(batch.num_rows() - start)))
}

/// `judge` applied to slices of `batch`, side by side on the threads there are, its rows'
/// results in the batch's order.
fn by_slices<T: Send>(
    batch: &RecordBatch,
    judge: impl Fn(RecordBatch) -> Result<Vec<T>> + Sync,
) -> Result<Vec<T>> {
    let mut all = Vec::with_capacity(batch.num_rows());
    each_judged(batch, judge, |row| all.push(row))?;
    Ok(all)
}

/// `judge` applied to slices of `batch`, a few per thread at a time, side by side, and each
/// row's result handed to `take` in the batch's order: only a window of results is held.
fn each_judged<T: Send>(
    batch: &RecordBatch,
    judge: impl Fn(RecordBatch) -> Result<Vec<T>> + Sync,
    mut take: impl FnMut(T),
) -> Result<()> {
    let slices: Vec<RecordBatch> = slices(batch, SLICE_ROWS).collect();
    for window in slices.chunks(2 * rayon::current_num_threads()) {
        let judged: Vec<Vec<T>> = window.par_iter().cloned().map(&judge).collect::<Result<_>>()?;
        judged.into_iter().flatten().for_each(&mut take);
    }
    Ok(())
}

/// The ICP's reference customers: the best profitable customer of each set of signals met;
/// `customers` is the customers' attribute batch.
pub(crate) fn reference(
    engine: &Engine,
    economics: &Economics,
    customers: &RecordBatch,
    icp: &Icp,
) -> Result<Vec<Lookalike>> {
    let case_studies = northstar_facts::case_studies(engine)?;
    let scorer = Scorer::new(icp.clone());
    // Only the signals met are kept of each customer's verdicts.
    let met = by_slices(customers, |slice| {
        Ok(scorer.verdicts(&slice)?.into_iter().map(|v| v.signals).collect())
    })?;
    let candidates: Vec<Candidate> = economics
        .accounts
        .par_iter()
        .zip(met)
        .map(|(a, met)| Candidate {
            account_id: a.account_id.clone(),
            case_study: case_studies.contains(&a.account_id),
            profit: a.profit,
            met,
        })
        .collect();
    let mut chosen = northstar_score::nearest::reference(&candidates);
    let ids = chosen.iter().map(|l| l.account_id.as_str()).collect();
    let mut shown = northstar_facts::showcase(engine, &ids)?;
    for l in &mut chosen {
        (l.name, l.case_study_url) = shown.remove(&l.account_id).unwrap_or_default();
    }
    Ok(chosen)
}

/// Accepted rows gathered before they are scored together, on every core, and written, unless
/// the options say otherwise.
pub(crate) const GROUP_ROWS: usize = 65_536;

/// Batches gathered into groups of at least a given number of rows, in their order.
pub(crate) struct Groups {
    pending: Vec<RecordBatch>,
    rows: usize,
    /// The rows that fill a group.
    full: usize,
}

impl Groups {
    /// Groups of at least `rows` rows (one at least).
    pub(crate) fn of(rows: usize) -> Self {
        Self {
            pending: Vec::new(),
            rows: 0,
            full: rows.max(1),
        }
    }

    /// Adds `batch`: the group it fills, if it fills one.
    pub(crate) fn push(&mut self, batch: RecordBatch) -> Option<Vec<RecordBatch>> {
        self.rows += batch.num_rows();
        self.pending.push(batch);
        (self.rows >= self.full).then(|| self.rest())
    }

    /// The batches not yet in a full group.
    pub(crate) fn rest(&mut self) -> Vec<RecordBatch> {
        self.rows = 0;
        std::mem::take(&mut self.pending)
    }
}

/// The two lists of prospects, each with the `source` it gives: the prospects table, then the
/// accounts table's prospects (a CRM export's leads).
const LISTS: [(&str, &str); 2] = [
    ("prospects", "SELECT * FROM prospects"),
    ("accounts", "SELECT * FROM accounts WHERE status = 'prospect'"),
];

/// The lists that may hold a row: the accounts table's only when it has leads (`leads`).
fn lists(leads: &HashSet<String>) -> Vec<(&'static str, &'static str)> {
    LISTS
        .into_iter()
        .filter(|(source, _)| *source != "accounts" || !leads.is_empty())
        .collect()
}

/// Where a prospect in both lists is listed.
const IN_BOTH: &str = "prospects and accounts";

/// Scores the prospects of the engine's tables, `group_rows` at least at a time, writing each
/// into `prospects_scored.csv` of `folder` (`out` when committed) as it is scored, and sizes
/// the market of customers (their attribute batch in `build`) and prospects.
pub(crate) fn score(
    engine: &Engine,
    build: (&Economics, &RecordBatch, &Drafted),
    settings: &Settings,
    intent: (i32, bool),
    win_rate: Option<f64>,
    (folder, out): (&mut BuildFolder, &Path),
    group_rows: usize,
) -> Result<Targets> {
    let (economics, customers, drafted) = build;
    let signals_given = intent.1;
    let icp = &drafted.icp;
    let mut market = MarketTally::new(icp, expected_values(economics, drafted));
    let scorer = Scorer::new(icp.clone());
    let mut assessed = drafted.customers.iter();
    // The customers are tallied while the prospects' judge reads what it needs.
    let (tallied, judge) = rayon::join(
        || {
            each_judged(
                customers,
                |slice| Ok(scorer.verdicts(&slice)?),
                |verdicts| {
                    let tier = assessed.next().and_then(|a| a.tier);
                    market.add(&verdicts, tier, true);
                },
            )
        },
        || Judge::read(engine, icp, settings, intent),
    );
    tallied?;
    let mut listing = Listing {
        judge: judge?,
        tally: Tally {
            path: out.join("prospects_scored.csv"),
            market,
            counts: TierCounts::default(),
            target_list: Vec::new(),
            signals_after_as_of: 0,
            found_in_both: Vec::new(),
        },
        pending: None,
    };
    write_with(folder, "prospects_scored.csv", |w| {
        let header = prospect_header(&listing.judge.columns);
        write_header(w, &header).map_err(|e| listing.tally.io(e))?;
        for (source, list) in lists(&listing.judge.leads) {
            let mut groups = Groups::of(group_rows);
            // In a stated order, one sorted stream: the engine scans a table's parts side by side.
            let sql = format!("{list} ORDER BY account_id");
            engine.stream(&sql, Order::Any, |batch| match groups.push(batch) {
                Some(group) => listing.take(&group, source, w),
                None => Ok(()),
            })?;
            listing.take(&groups.rest(), source, w)?;
            listing.finish_list(w)?;
        }
        w.flush().map_err(|e| listing.tally.io(e))
    })?;
    let Listing { judge, tally, .. } = listing;
    // The scorer's signals by account are a map of many small parts: they are freed on the
    // thread pool while the build goes on.
    rayon::spawn(move || drop(judge.scorer));
    let mut target_list = tally.target_list;
    target_list.sort_by(best_first);
    Ok(Targets {
        columns: judge.columns,
        target_list,
        counts: tally.counts,
        intent_measured: signals_given,
        signals_after_as_of: tally.signals_after_as_of,
        market: tally.market.size(win_rate, capacity(settings)),
    })
}

/// The prospects as they are scored, group by group: each group is judged on the thread pool
/// while the one before it is written and counted.
struct Listing<'a> {
    judge: Judge<'a>,
    tally: Tally<'a>,
    /// The group judged last, not yet written.
    pending: Option<Judged>,
}

impl Listing<'_> {
    /// Judges `group`, listed in `source`, while the group before it is written to `out`.
    fn take(&mut self, group: &[RecordBatch], source: &'static str, out: &mut dyn Write) -> Result<()> {
        let Listing {
            judge,
            tally,
            pending,
        } = self;
        let before = pending.take();
        let (judged, written) = alongside(
            || judge.judge(group, source),
            || before.map_or(Ok(()), |b| tally.settle(b, out)),
        );
        written?;
        *pending = Some(judged?);
        Ok(())
    }

    /// Writes the last group of a list; the prospects table's leads are then known, and left
    /// out of the accounts table's list.
    fn finish_list(&mut self, out: &mut dyn Write) -> Result<()> {
        if let Some(last) = self.pending.take() {
            self.tally.settle(last, out)?;
        }
        self.judge.in_both.extend(self.tally.found_in_both.drain(..));
        Ok(())
    }
}

/// What a prospect is judged by; unchanged while a list is read.
struct Judge<'a> {
    icp: &'a Icp,
    scorer: ProspectScorer,
    /// The prospects' attribute columns, written after the scores.
    columns: Vec<String>,
    /// The ids of the accounts table's prospects.
    leads: HashSet<String>,
    /// The ids of the prospects table found among the leads, once that table is read.
    in_both: HashSet<String>,
}

impl<'a> Judge<'a> {
    /// The judge of `icp` over the engine's tables: the leads, the listed prospects' columns,
    /// and intent from the signals when given, decayed to the as-of day (`intent`).
    fn read(engine: &Engine, icp: &'a Icp, settings: &Settings, intent: (i32, bool)) -> Result<Self> {
        let (as_of, signals_given) = intent;
        let signals = signals_given
            .then(|| northstar_facts::signal_rows(engine))
            .transpose()?;
        let leads = listed_ids(engine)?;
        Ok(Judge {
            columns: prospect_columns(engine, &leads)?,
            icp,
            scorer: ProspectScorer::new(icp.clone(), settings.intent.clone(), signals, as_of),
            leads,
            in_both: HashSet::new(),
        })
    }

    /// The prospects of `group`, listed in `source`, and their rows' text: a lead already read
    /// from the prospects table is left out, and one of the prospects table that is a lead too
    /// is listed in both.
    fn judge(&self, group: &[RecordBatch], source: &'static str) -> Result<Judged> {
        let mut prospects = self.scorer.score(group, &self.columns, source)?;
        if source == "accounts" {
            prospects.retain(|p| !self.in_both.contains(&p.account_id));
        } else {
            for p in prospects
                .iter_mut()
                .filter(|p| self.leads.contains(&p.account_id))
            {
                p.source = IN_BOTH;
            }
        }
        let rows = prospect_rows(&prospects, self.icp);
        Ok(Judged { prospects, rows })
    }
}

/// A group of prospects judged, with the text of their rows (or why it could not be made).
struct Judged {
    prospects: Vec<Prospect>,
    rows: std::io::Result<Vec<Vec<u8>>>,
}

/// What is kept of the prospects written: counts, the market's sums and the target list.
struct Tally<'a> {
    /// Where the rows go, to name in an error.
    path: PathBuf,
    market: MarketTally<'a>,
    counts: TierCounts,
    target_list: Vec<Prospect>,
    signals_after_as_of: u64,
    /// The ids of the prospects table's leads written since the list began.
    found_in_both: Vec<String>,
}

impl Tally<'_> {
    /// Counts the prospects of `judged`, writes their rows to `out` and keeps the target list's.
    fn settle(&mut self, judged: Judged, out: &mut dyn Write) -> Result<()> {
        let Judged { prospects, rows } = judged;
        for p in &prospects {
            let a = &p.scored.assessment;
            self.counts.count(a.in_sam, a.tier);
            self.market.add(&p.scored.verdicts, a.tier, false);
            self.signals_after_as_of += p.intent.as_ref().map_or(0, |i| i.after_as_of);
            if p.source == IN_BOTH {
                self.found_in_both.push(p.account_id.clone());
            }
        }
        let rows = rows.map_err(|e| self.io(e))?;
        write_texts(out, &rows).map_err(|e| self.io(e))?;
        let listed = prospects
            .into_iter()
            .filter(|p| matches!(p.scored.assessment.tier, Some(1 | 2)));
        self.target_list.extend(listed);
        Ok(())
    }

    /// An error writing the rows.
    fn io(&self, e: std::io::Error) -> PipelineError {
        PipelineError::Io {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }
}

/// The target list's order: by tier, then fit score, then intent, then id.
fn best_first(a: &Prospect, b: &Prospect) -> std::cmp::Ordering {
    let intent = |p: &Prospect| p.intent.as_ref().map_or(-1, |i| i.score);
    let (x, y) = (&a.scored.assessment, &b.scored.assessment);
    x.tier
        .cmp(&y.tier)
        .then(y.score.cmp(&x.score))
        .then(intent(b).cmp(&intent(a)))
        .then(a.account_id.cmp(&b.account_id))
}

/// The ids of the accounts table's prospects.
fn listed_ids(engine: &Engine) -> Result<HashSet<String>> {
    let mut ids = HashSet::new();
    let sql = "SELECT account_id FROM accounts WHERE status = 'prospect'";
    engine.stream(sql, Order::Any, |batch| {
        ids.extend(account_ids(&batch)?.into_iter().map(Option::unwrap_or_default));
        Ok::<_, PipelineError>(())
    })?;
    Ok(ids)
}

/// The attribute columns of the listed prospects: those of the prospects table, then the
/// accounts table's others, of each list that has a row (`leads` are the accounts table's).
fn prospect_columns(engine: &Engine, leads: &HashSet<String>) -> Result<Vec<String>> {
    let mut columns: Vec<String> = Vec::new();
    for (_, list) in lists(leads) {
        let first = engine.query(&format!("{list} LIMIT 1"))?;
        for batch in first.iter().filter(|b| b.num_rows() > 0).take(1) {
            for field in batch.schema().fields() {
                let name = field.name();
                if !NOT_PROSPECT_COLUMNS.contains(&name.as_str()) && !columns.contains(name) {
                    columns.push(name.clone());
                }
            }
        }
    }
    Ok(columns)
}

/// The expected value of an account by its tier, from the customers.
fn expected_values(economics: &Economics, drafted: &Drafted) -> ExpectedValues {
    let customers: Vec<Customer> = economics
        .accounts
        .iter()
        .zip(&drafted.customers)
        .map(|(a, assessed)| Customer {
            tier: assessed.tier,
            profit: a.profit,
            tenure_months: a.tenure_months,
        })
        .collect();
    ExpectedValues::from_customers(&customers)
}

/// The deals the sales team can close in a year, when its size is set.
fn capacity(settings: &Settings) -> Option<f64> {
    match (settings.market.reps, settings.market.deals_per_rep) {
        (Some(reps), Some(deals)) => Some(f64::from(reps) * deals),
        _ => None,
    }
}
