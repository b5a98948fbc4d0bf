//! Score: the ICP compiled into a columnar scorer.
//!
//! Each rule of the ICP (filter, anti-ICP condition, signal) becomes a test on one column of an
//! Arrow batch: a set of categories, a numeric range, a set of list elements or a value. Numbers
//! are compared as numbers, read from the column as they are stored, never formatted as text;
//! an attribute the batch lacks, or a null, is unknown. The verdicts go through the ICP's own
//! [`Icp::assessment`], so the compiled scorer and [`Icp::assess`] agree on every account, and
//! the reasons add up to the score.
//!
//! Around the scorer: what would lift an account to tier 1 ([`to_tier_1`]), its nearest
//! profitable customer ([`nearest`]), its intent, kept apart from fit ([`intent`]), the market
//! sized from TAM to SOM ([`market`]), the page a visitor sees ([`personalise`]), how well a ranking finds the best accounts
//! ([`validation`]), and the scorer as SQL ([`sql`]).

mod column;
mod effect;
pub mod intent;
mod kind;
pub mod market;
pub mod nearest;
pub mod personalise;
mod reach;
pub mod sql;
mod tiers;
pub mod validation;

pub use intent::{Event, Intent, IntentSettings};
pub use nearest::{Candidate, Nearest};
pub use personalise::{PersonaliseSettings, Personalised};
pub use reach::{Step, ToTier1, to_tier_1};
pub use sql::{Dialect, scorer_sql};

use std::sync::Arc;

use northstar_discover::{Attribute, Values};
use northstar_engine::arrow::array::{ArrayRef, Float64Array, StringArray};
use northstar_engine::arrow::datatypes::Schema;
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use northstar_profile::{Account, Assessment, Descriptions, Icp, UnknownValues, VerdictColumns, Verdicts};
use rayon::prelude::*;

use column::Plan;
use effect::{Effect, Role};
use tiers::TierCuts;

/// An ICP compiled for batches of accounts.
#[derive(Debug, Clone)]
pub struct Scorer {
    icp: Icp,
    /// The filters, then each anti-ICP segment's conditions, then the signals.
    plan: Plan,
    /// What each rule of the plan does to the fit.
    roles: Vec<Role>,
    /// The bits of each anti-ICP segment excluded from the SAM; none when there are too many
    /// conditions for a bit each.
    excluding: Option<Vec<u64>>,
    /// The rules in words, shared by the reasons of every row assessed.
    descriptions: Descriptions,
    /// The tiers' minimums, for the tier of each score.
    tiers: TierCuts,
}

/// An in-memory attribute table (discover's customers) as an Arrow batch the scorer reads:
/// categories as text, numbers as doubles, lists `;`-joined.
pub fn attribute_batch(attributes: &[Attribute], rows: usize) -> Result<RecordBatch, ArrowError> {
    let columns: Vec<(String, ArrayRef)> = attributes
        .par_iter()
        .map(|a| {
            let column: ArrayRef = match &a.values {
                Values::Categorical(v) => Arc::new(v.iter().map(Option::as_deref).collect::<StringArray>()),
                Values::Numeric(v) => Arc::new(v.iter().copied().collect::<Float64Array>()),
                Values::List(v) => Arc::new(
                    v.iter()
                        .map(|e| (!e.is_empty()).then(|| e.join(";")))
                        .collect::<StringArray>(),
                ),
            };
            (a.name.clone(), column)
        })
        .collect();
    if columns.is_empty() {
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        return RecordBatch::try_new_with_options(Arc::new(Schema::empty()), Vec::new(), &options);
    }
    RecordBatch::try_from_iter(columns)
}

/// What the ICP says of one account, with the verdicts behind it and the way to tier 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Every rule's verdict.
    pub verdicts: Verdicts,
    /// SAM, score, tier and reasons.
    pub assessment: Assessment,
    /// What would lift it to tier 1.
    pub to_tier_1: ToTier1,
}

/// The fit of a batch of accounts, one entry per row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    /// Whether each account is inside the SAM.
    pub in_sam: Vec<bool>,
    /// Each account's fit score.
    pub score: Vec<i64>,
    /// Each account's tier, inside the SAM.
    pub tier: Vec<Option<u8>>,
}

impl Scorer {
    /// Compiles `icp`.
    pub fn new(icp: Icp) -> Self {
        let (roles, excluding) = roles(&icp);
        Self {
            plan: Plan::new(icp.rules()),
            roles,
            excluding,
            descriptions: icp.descriptions(),
            tiers: TierCuts::new(&icp.tiers),
            icp,
        }
    }

    /// The ICP compiled.
    pub fn icp(&self) -> &Icp {
        &self.icp
    }

    /// Every rule's verdict for each row of `batch`.
    pub fn verdicts(&self, batch: &RecordBatch) -> Result<Vec<Verdicts>, ArrowError> {
        let columns = self.columns(batch)?;
        Ok((0..batch.num_rows()).map(|r| columns.row(r)).collect())
    }

    /// What the ICP says of each row of `batch`, with reasons.
    pub fn assess(&self, batch: &RecordBatch) -> Result<Vec<Assessment>, ArrowError> {
        Ok(self
            .verdicts(batch)?
            .iter()
            .map(|v| self.icp.described_assessment(v, &self.descriptions))
            .collect())
    }

    /// What the ICP says of each row of `batch`, with the verdicts behind it and what would
    /// lift it to tier 1.
    pub fn assess_with_reach(&self, batch: &RecordBatch) -> Result<Vec<Scored>, ArrowError> {
        let columns = self.columns(batch)?;
        Ok((0..batch.num_rows()).map(|r| self.scored(&columns, r)).collect())
    }

    /// What the ICP says of one account read by name, as [`Scorer::assess_with_reach`] says
    /// of a row: for a single account, where building a batch would cost more than judging it.
    pub fn assess_account(&self, account: &dyn Account) -> Scored {
        let rules = self.icp.rules().map(|rule| vec![rule.verdict(account)]).collect();
        self.scored(&VerdictColumns::new(&self.icp, rules, 1), 0)
    }

    /// Account `r` of `columns` assessed, with the verdicts behind it and what would lift it to
    /// tier 1.
    fn scored(&self, columns: &VerdictColumns, r: usize) -> Scored {
        let verdicts = columns.row(r);
        let assessment = self.icp.described_assessment(&verdicts, &self.descriptions);
        let unknown: Vec<bool> = columns.signals.iter().map(|s| s[r].is_none()).collect();
        let to_tier_1 = to_tier_1(
            &self.icp,
            &self.descriptions,
            &assessment,
            &verdicts.signals,
            &unknown,
        );
        Scored {
            verdicts,
            assessment,
            to_tier_1,
        }
    }

    /// The SAM verdict, score and tier of each row of `batch`, without reasons: computed column
    /// by column, what a column's rules do worked out once per distinct text or numeric region,
    /// with no value per row but the three results and the excluding conditions met.
    pub fn scores(&self, batch: &RecordBatch) -> Result<Scores, ArrowError> {
        let n = batch.num_rows();
        let mut score = vec![self.icp.base_score; n];
        let mut in_sam = vec![true; n];
        let mut met = vec![0u64; n];
        let unknown_passes = self.icp.market.unknown_values == UnknownValues::Unverified;
        // A column's effects are added in a loop of their own for each kind, each run only
        // where some value of the column has that effect: most columns only bring points.
        let outside = |e: &Effect| e.fails || (e.unknown && !unknown_passes);
        self.plan.effects(batch, &self.roles, |table, index| {
            gather(table, index, &mut score, |e| e.points, |s, p| *s += p);
            gather(table, index, &mut in_sam, outside, |inside, out| *inside &= !out);
            gather(table, index, &mut met, |e| e.met, |m, bits| *m |= bits);
        })?;
        match &self.excluding {
            Some(segments) => {
                for (inside, met) in in_sam.iter_mut().zip(&met) {
                    *inside &= segments.iter().all(|conditions| met & conditions != *conditions);
                }
            }
            None => {
                let members = self.columns(batch)?.anti;
                for (anti, members) in self.icp.anti_icp.iter().zip(&members) {
                    if anti.excluded_from_sam {
                        for (inside, member) in in_sam.iter_mut().zip(members) {
                            *inside &= !member;
                        }
                    }
                }
            }
        }
        let mut tier = vec![None; n];
        for ((tier, inside), s) in tier.iter_mut().zip(&in_sam).zip(&score) {
            *tier = inside.then(|| self.tiers.tier(*s));
        }
        Ok(Scores { in_sam, score, tier })
    }
}

/// Adds to each of `rows` the part `of` its effect (row r meets `table[index[r]]`) with `add`;
/// nothing when no effect of the table has such a part (the part's default).
fn gather<T: Copy + Default + PartialEq, R>(
    table: &[Effect],
    index: &[u32],
    rows: &mut [R],
    of: impl Fn(&Effect) -> T,
    add: impl Fn(&mut R, T),
) {
    let parts: Vec<T> = table.iter().map(of).collect();
    if parts.iter().all(|p| *p == T::default()) {
        return;
    }
    for (row, at) in rows.iter_mut().zip(index) {
        add(row, parts[*at as usize]);
    }
}

/// Each rule's role, in the order of [`Icp::rules`] (filters, anti-ICP conditions, signals),
/// and the bits of each anti-ICP segment excluded from the SAM; with more excluding conditions
/// than bits, the conditions have no role and the segments no bits.
fn roles(icp: &Icp) -> (Vec<Role>, Option<Vec<u64>>) {
    let excluding = icp.anti_icp.iter().filter(|a| a.excluded_from_sam);
    let bits = excluding.map(|a| a.conditions.len()).sum::<usize>() <= 64;
    let mut bit = 0;
    let mut segments = Vec::new();
    let anti: Vec<Role> = icp
        .anti_icp
        .iter()
        .flat_map(|a| {
            let excluding = bits && a.excluded_from_sam;
            if !excluding {
                return vec![Role::Ignored; a.conditions.len()];
            }
            let first = bit;
            bit += a.conditions.len() as u32;
            segments.push((first..bit).fold(0u64, |mask, b| mask | 1 << b));
            (first..bit).map(Role::Excluding).collect()
        })
        .collect();
    let filters = icp.filters.iter().map(|_| Role::Filter);
    let signals = icp.signals.iter().map(|s| Role::Signal(s.points));
    let roles = filters.chain(anti).chain(signals).collect();
    (roles, bits.then_some(segments))
}

impl Scorer {
    /// Every rule's verdicts over the rows of `batch`, a column read once for all its rules.
    fn columns(&self, batch: &RecordBatch) -> Result<VerdictColumns, ArrowError> {
        let verdicts = self.plan.apply(batch)?;
        Ok(VerdictColumns::new(&self.icp, verdicts, batch.num_rows()))
    }
}
