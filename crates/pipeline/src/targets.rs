//! The score stage: every prospect ranked by the ICP with exact reasons, the way to tier 1, its
//! nearest profitable customer and its intent, kept apart from fit; and the market sized from
//! TAM to SOM over customers and prospects.
//!
//! The prospects are the `prospects` table and the accounts whose status is `prospect` (a CRM
//! export's leads), once each: an account in both is read from the prospects table and its
//! `source` says both.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use northstar_economics::Economics;
use northstar_engine::Engine;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_facts::{SignalRow, shared_texts, texts};
use northstar_profile::{Account, Drafted, Icp, Lookalike};
use northstar_score::market::{self, Customer, ExpectedValues, Listed, MarketSize};
use northstar_score::{Candidate, Event, Intent, IntentSettings, Nearest, Scored, Scorer};
use rayon::prelude::*;

use crate::{Result, Settings};

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

/// What the score stage made of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// The prospects' attribute columns, as `prospects_scored.csv` writes them after the scores.
    pub columns: Vec<String>,
    /// Every prospect, in reading order.
    pub prospects: Vec<Prospect>,
    /// Whether intent was measured (a signals table was given).
    pub intent_measured: bool,
    /// Signals dated after the as-of date, not counted.
    pub signals_after_as_of: u64,
    /// TAM, the funnel to SAM, and SOM.
    pub market: MarketSize,
}

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
    events: Option<HashMap<String, Vec<Event>>>,
    as_of: i32,
}

impl ProspectScorer {
    /// A scorer of `icp`; intent from `signals` (none: not measured) decayed to day `as_of`.
    pub fn new(icp: Icp, intent: IntentSettings, signals: Option<Vec<SignalRow>>, as_of: i32) -> Self {
        let events = signals.map(|rows| {
            let mut by_account: HashMap<String, Vec<Event>> = HashMap::new();
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
    let slices: Vec<RecordBatch> = slices(batch, SLICE_ROWS).collect();
    let judged: Vec<Vec<T>> = slices.into_par_iter().map(&judge).collect::<Result<_>>()?;
    Ok(judged.into_iter().flatten().collect())
}

/// The ICP's reference customers: the best profitable customer of each set of signals met;
/// `customers` is the customers' attribute batch.
pub(crate) fn reference(
    engine: &Engine,
    economics: &Economics,
    customers: &RecordBatch,
    icp: &Icp,
) -> Result<Vec<Lookalike>> {
    let showcase = northstar_facts::showcase(engine, &economics.accounts)?;
    let scorer = Scorer::new(icp.clone());
    // Only the signals met are kept of each customer's verdicts.
    let met = by_slices(customers, |slice| {
        Ok(scorer.verdicts(&slice)?.into_iter().map(|v| v.signals).collect())
    })?;
    let candidates: Vec<Candidate> = economics
        .accounts
        .iter()
        .zip(showcase)
        .zip(met)
        .map(|((a, (name, case_study_url)), met)| Candidate {
            account_id: a.account_id.clone(),
            name,
            case_study_url,
            profit: a.profit,
            met,
        })
        .collect();
    Ok(northstar_score::nearest::reference(&candidates))
}

/// Scores the prospects of the engine's tables and sizes the market of customers (their
/// attribute batch in `build`) and prospects.
pub(crate) fn score(
    engine: &Engine,
    build: (&Economics, &RecordBatch, &Drafted),
    settings: &Settings,
    as_of: i32,
    signals_given: bool,
    win_rate: Option<f64>,
) -> Result<Targets> {
    let (economics, customers, drafted) = build;
    // In a stated order: the engine scans a table's parts side by side.
    let listed_prospects = engine.query("SELECT * FROM prospects ORDER BY account_id")?;
    let listed_accounts =
        engine.query("SELECT * FROM accounts WHERE status = 'prospect' ORDER BY account_id")?;
    let columns = prospect_columns(&listed_prospects, &listed_accounts);
    let signals = signals_given
        .then(|| northstar_facts::signal_rows(engine))
        .transpose()?;
    let scorer = ProspectScorer::new(drafted.icp.clone(), settings.intent.clone(), signals, as_of);
    let mut prospects = scorer.score(&listed_prospects, &columns, "prospects")?;
    let in_prospects: HashSet<String> = prospects.iter().map(|p| p.account_id.clone()).collect();
    let mut both = HashSet::new();
    for p in scorer.score(&listed_accounts, &columns, "accounts")? {
        if in_prospects.contains(&p.account_id) {
            both.insert(p.account_id);
        } else {
            prospects.push(p);
        }
    }
    for p in prospects.iter_mut().filter(|p| both.contains(&p.account_id)) {
        p.source = "prospects and accounts";
    }
    let signals_after_as_of = prospects
        .iter()
        .filter_map(|p| p.intent.as_ref())
        .map(|i| i.after_as_of)
        .sum();
    // The lists read are scored: their memory goes before the market is sized.
    drop((listed_prospects, listed_accounts));
    let market = size_market(economics, customers, drafted, &prospects, settings, win_rate)?;
    Ok(Targets {
        columns,
        prospects,
        intent_measured: signals_given,
        signals_after_as_of,
        market,
    })
}

/// The attribute columns of the listed prospects: the prospects table's, then the accounts
/// table's others.
fn prospect_columns(prospects: &[RecordBatch], accounts: &[RecordBatch]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for batch in prospects.iter().take(1).chain(accounts.iter().take(1)) {
        for field in batch.schema().fields() {
            let name = field.name();
            if !NOT_PROSPECT_COLUMNS.contains(&name.as_str()) && !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    columns
}

/// TAM, SAM and SOM of the customers and the prospects.
fn size_market(
    economics: &Economics,
    customer_batch: &RecordBatch,
    drafted: &Drafted,
    prospects: &[Prospect],
    settings: &Settings,
    win_rate: Option<f64>,
) -> Result<MarketSize> {
    let icp = &drafted.icp;
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
    let scorer = Scorer::new(icp.clone());
    let mut listed: Vec<Listed> = by_slices(customer_batch, |slice| Ok(scorer.verdicts(&slice)?))?
        .into_iter()
        .zip(&drafted.customers)
        .map(|(verdicts, assessed)| Listed {
            verdicts,
            tier: assessed.tier,
            customer: true,
        })
        .collect();
    listed.extend(prospects.iter().map(|p| Listed {
        verdicts: p.scored.verdicts.clone(),
        tier: p.scored.assessment.tier,
        customer: false,
    }));
    let capacity = match (settings.market.reps, settings.market.deals_per_rep) {
        (Some(reps), Some(deals)) => Some(f64::from(reps) * deals),
        _ => None,
    };
    Ok(market::size(
        icp,
        &listed,
        ExpectedValues::from_customers(&customers),
        win_rate,
        capacity,
    ))
}
