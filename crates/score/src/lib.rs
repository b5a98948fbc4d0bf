//! Score: the ICP compiled into a columnar scorer.
//!
//! Each rule of the ICP (filter, anti-ICP condition, signal) becomes a test on one column of an
//! Arrow batch: a set of categories, a numeric range, a set of list elements or a value. Numbers
//! are compared as numbers, read from the column as they are stored, never formatted as text;
//! an attribute the batch lacks, or a null, is unknown. The verdicts go through the ICP's own
//! [`Icp::assessment`], so the compiled scorer and [`Icp::assess`] agree on every account, and
//! the reasons add up to the score.

mod column;
mod reach;

pub use reach::{Step, ToTier1, to_tier_1};

use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_profile::{Assessment, Icp, Rule, Verdicts};

use column::Test;

/// An ICP compiled for batches of accounts.
#[derive(Debug, Clone)]
pub struct Scorer {
    icp: Icp,
    filters: Vec<Test>,
    anti: Vec<Vec<Test>>,
    signals: Vec<Test>,
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
        let compile = |rules: &mut dyn Iterator<Item = &Rule>| rules.map(Test::new).collect::<Vec<_>>();
        Self {
            filters: compile(&mut icp.filters.iter().map(|f| &f.rule)),
            anti: icp
                .anti_icp
                .iter()
                .map(|a| compile(&mut a.conditions.iter()))
                .collect(),
            signals: compile(&mut icp.signals.iter().map(|s| &s.rule)),
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
            .map(|v| self.icp.assessment(v))
            .collect())
    }

    /// What the ICP says of each row of `batch`, and what would lift it to tier 1.
    pub fn assess_with_reach(&self, batch: &RecordBatch) -> Result<Vec<(Assessment, ToTier1)>, ArrowError> {
        let columns = self.columns(batch)?;
        Ok((0..batch.num_rows())
            .map(|r| {
                let verdicts = columns.row(r);
                let assessment = self.icp.assessment(&verdicts);
                let unknown: Vec<bool> = columns.signals.iter().map(|s| s[r].is_none()).collect();
                let reach = to_tier_1(&self.icp, &assessment, &verdicts.signals, &unknown);
                (assessment, reach)
            })
            .collect())
    }

    /// The SAM verdict, score and tier of each row of `batch`, without reasons.
    pub fn scores(&self, batch: &RecordBatch) -> Result<Scores, ArrowError> {
        let mut scores = Scores::default();
        for v in self.verdicts(batch)? {
            let inside = self.icp.inside(&v);
            let score = self.icp.score_of(&v.signals);
            scores.in_sam.push(inside);
            scores.score.push(score);
            scores.tier.push(inside.then(|| self.icp.tier_of(score)));
        }
        Ok(scores)
    }
}

impl Scorer {
    /// Every rule's verdicts over the rows of `batch`, rule by rule.
    fn columns(&self, batch: &RecordBatch) -> Result<Columns, ArrowError> {
        let mut anti = Vec::with_capacity(self.anti.len());
        for conditions in &self.anti {
            let mut member = vec![true; batch.num_rows()];
            for verdicts in columns(conditions, batch)? {
                for (m, v) in member.iter_mut().zip(verdicts) {
                    *m &= v == Some(true);
                }
            }
            anti.push(member);
        }
        Ok(Columns {
            filters: columns(&self.filters, batch)?,
            anti,
            signals: columns(&self.signals, batch)?,
        })
    }
}

/// The verdicts of a batch, one column per rule: `None` where the value is unknown.
struct Columns {
    filters: Vec<Vec<Option<bool>>>,
    anti: Vec<Vec<bool>>,
    signals: Vec<Vec<Option<bool>>>,
}

impl Columns {
    /// The verdicts of row `r`.
    fn row(&self, r: usize) -> Verdicts {
        Verdicts {
            filters: self.filters.iter().map(|f| f[r]).collect(),
            anti: self.anti.iter().map(|a| a[r]).collect(),
            signals: self.signals.iter().map(|s| s[r] == Some(true)).collect(),
        }
    }
}

/// Each test's verdicts over the rows of `batch`.
fn columns(tests: &[Test], batch: &RecordBatch) -> Result<Vec<Vec<Option<bool>>>, ArrowError> {
    tests.iter().map(|t| t.apply(batch)).collect()
}
