//! `validation.json`: the score backtested on customers it was not learnt from.
//!
//! - **k-fold by account**: each customer falls in one of 5 folds by a hash of its account id
//!   (FNV-1a, so runs repeat); the ICP is learnt again without each fold and scores it.
//! - **Time split**: the ICP is learnt from the customers acquired first (the earliest 70%) and
//!   scores those acquired after. Recent customers have had less time to make profit, so they
//!   are labelled by predicted lifetime value where every one of them has one, else by the
//!   objective, and the file says which.
//! - Each reports the AUC for "in the top fifth", the objective captured by tier 1 and tiers
//!   1–2, lift and recall per tier and calibration by score decile, beside rankings by annual
//!   revenue and by employees cut at the same depths. An account outside the SAM is not ranked.
//! - Folds learn from at most [`TRAIN_LIMIT`] customers, a sample by the same hash, stated.

use rayon::prelude::*;

use northstar_discover::{Base, Values, top_accounts};
use northstar_engine::arrow::array::UInt32Array;
use northstar_engine::arrow::compute::take_record_batch;
use northstar_engine::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use northstar_score::Scorer;
use northstar_score::validation::{Backtest, Held, RankingFigures, Validation, figures};

use crate::analyse::analyse;
use crate::{Result, Settings};

/// Folds of the k-fold backtest.
pub const FOLDS: u64 = 5;
/// Share of customers, by acquisition order, the time split learns from.
const TIME_TRAIN_SHARE: f64 = 0.7;
/// Most customers a fold learns from.
pub const TRAIN_LIMIT: usize = 20_000;
/// Fewest customers whose validation can be trusted.
const TRUSTED: usize = 100;

/// Backtests the ICP of `base`, learnt with `settings`; `account_ids` are the customers' ids.
pub fn validate(base: &Base, settings: &Settings, account_ids: &[String]) -> Result<Validation> {
    let customers = northstar_score::attribute_batch(&base.attributes, base.objective.len())?;
    validate_batch(base, &customers, settings, account_ids)
}

/// [`validate`], with the customers' attribute batch already made.
pub(crate) fn validate_batch(
    base: &Base,
    customers: &RecordBatch,
    settings: &Settings,
    account_ids: &[String],
) -> Result<Validation> {
    let n = base.objective.len();
    let caveat = (n < TRUSTED).then(|| {
        format!("only {n} customers: with fewer than {TRUSTED}, the validation cannot be trusted yet")
    });
    // Each backtest learns and scores apart from the others: they run side by side.
    let (k_fold, time_split) = rayon::join(
        || k_fold(base, customers, settings, account_ids),
        || time_split(base, customers, settings, account_ids),
    );
    let (time_split, time_split_not_run) = match time_split? {
        Ok(b) => (Some(b), None),
        Err(why) => (None, Some(why)),
    };
    Ok(Validation {
        schema: "northstar.validation/v1",
        objective: settings.discover.objective.name().to_owned(),
        customers: n as u64,
        caveat,
        k_fold: k_fold?,
        time_split,
        time_split_not_run,
    })
}

/// In-SAM flag, score and tier of a customer.
type Scored = Option<(bool, i64, Option<u8>)>;

/// Each customer held out for a test, by index, with its verdict.
type TestScores = Vec<(usize, Scored)>;

/// What the ICP learnt from the customers `train` says of the customers `test`: each test
/// customer's index with its verdict.
fn learn_and_score(
    base: &Base,
    customers: &RecordBatch,
    settings: &Settings,
    train: &[usize],
    test: &[usize],
) -> Result<TestScores> {
    let learnt = analyse(&base.subset(train), settings).profile.icp;
    // Only the customers held out are scored: the scorer reads each row on its own.
    let held = Scorer::new(learnt).scores(&rows_of(customers, test)?)?;
    Ok(test
        .iter()
        .enumerate()
        .map(|(k, &i)| (i, Some((held.in_sam[k], held.score[k], held.tier[k]))))
        .collect())
}

/// The rows `rows` of `batch`, in that order (a batch of no column keeps its row count).
fn rows_of(batch: &RecordBatch, rows: &[usize]) -> Result<RecordBatch> {
    if batch.num_columns() == 0 {
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        return Ok(RecordBatch::try_new_with_options(
            batch.schema(),
            Vec::new(),
            &options,
        )?);
    }
    let rows = UInt32Array::from_iter_values(rows.iter().map(|&i| i as u32));
    Ok(take_record_batch(batch, &rows)?)
}

/// FNV-1a of `text`: a hash that never changes between runs, machines or versions.
fn fnv1a(text: &str) -> u64 {
    fnv1a_on(0xcbf2_9ce4_8422_2325, text)
}

/// FNV-1a of the bytes hashed into `hash` followed by `text`.
fn fnv1a_on(hash: u64, text: &str) -> u64 {
    text.bytes()
        .fold(hash, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Each customer's place in the training samples: FNV-1a of `sample:` and its account id, a hash
/// independent of the folds'.
fn sample_keys(account_ids: &[String]) -> Vec<u64> {
    let prefix = fnv1a("sample:");
    account_ids.iter().map(|id| fnv1a_on(prefix, id)).collect()
}

/// Keeps at most [`TRAIN_LIMIT`] of the customers `train`, those first by `sample_keys`; says
/// whether it sampled.
fn sample_of(train: &mut Vec<usize>, sample_keys: &[u64]) -> bool {
    if train.len() <= TRAIN_LIMIT {
        return false;
    }
    train.sort_unstable_by_key(|&i| (sample_keys[i], i));
    train.truncate(TRAIN_LIMIT);
    train.sort_unstable();
    true
}

/// The 5-fold backtest.
fn k_fold(
    base: &Base,
    customers: &RecordBatch,
    settings: &Settings,
    account_ids: &[String],
) -> Result<Backtest> {
    let n = base.objective.len();
    let fold: Vec<u64> = account_ids.iter().map(|id| fnv1a(id) % FOLDS).collect();
    let sample_keys = sample_keys(account_ids);
    let objective_name = settings.discover.objective.name();
    let top = top_accounts(&base.objective, 0.2);
    // The folds learn and score apart: side by side.
    let folds: Vec<(usize, bool, TestScores)> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let mut train: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
            let sampled = sample_of(&mut train, &sample_keys);
            let test: Vec<usize> = (0..n).filter(|&i| fold[i] == f).collect();
            let scored = learn_and_score(base, customers, settings, &train, &test)?;
            Ok((train.len(), sampled, scored))
        })
        .collect::<Result<_>>()?;
    let mut scores: Vec<Scored> = vec![None; n];
    let (mut trained_on, mut sampled) = (0, false);
    for (train, fold_sampled, scored) in folds {
        trained_on = trained_on.max(train);
        sampled |= fold_sampled;
        for (i, score) in scored {
            scores[i] = score;
        }
    }
    let everyone: Vec<usize> = (0..n).collect();
    let label = format!("in the top fifth of all customers by {objective_name}");
    Ok(backtest(
        base,
        &everyone,
        &scores,
        (&base.objective, &top),
        Heading {
            method: format!("{FOLDS}-fold by a hash (FNV-1a) of account_id"),
            label,
            trained_on,
            sample: sampled.then(|| format!("each fold learnt from a sample of {TRAIN_LIMIT} customers")),
        },
    ))
}

/// The time-based backtest, or why there is none.
fn time_split(
    base: &Base,
    customers: &RecordBatch,
    settings: &Settings,
    account_ids: &[String],
) -> Result<std::result::Result<Backtest, String>> {
    let mut dated: Vec<usize> = (0..base.acquired.len())
        .filter(|&i| base.acquired[i].is_some())
        .collect();
    if dated.len() < TRUSTED {
        return Ok(Err(format!(
            "{} customers with an acquisition date (customer_since or a first transaction): at least {TRUSTED} are needed",
            dated.len()
        )));
    }
    dated.sort_by_key(|&i| (base.acquired[i], i));
    let cut_day = base.acquired[dated[(dated.len() as f64 * TIME_TRAIN_SHARE) as usize]];
    let (mut train, test): (Vec<usize>, Vec<usize>) =
        dated.iter().partition(|&&i| base.acquired[i] < cut_day);
    if train.is_empty() || test.is_empty() {
        return Ok(Err("every customer was acquired on the same day".to_owned()));
    }
    let trained_on = train.len();
    let mut sample = None;
    if sample_of(&mut train, &sample_keys(account_ids)) {
        sample = Some(format!("learnt from a sample of {TRAIN_LIMIT} of them"));
    }
    let mut scores: Vec<Scored> = vec![None; base.objective.len()];
    for (i, score) in learn_and_score(base, customers, settings, &train, &test)? {
        scores[i] = score;
    }
    let predicted: Option<Vec<f64>> = test.iter().map(|&i| base.outcomes.ltv_predicted[i]).collect();
    let objective_name = settings.discover.objective.name();
    let (values, label) = match predicted {
        Some(v) => (
            v,
            "in the top fifth of the later customers by predicted lifetime value (ltv_predicted), \
             since they have had less time to make profit"
                .to_owned(),
        ),
        None => (
            test.iter().map(|&i| base.objective[i]).collect(),
            format!(
                "in the top fifth of the later customers by {objective_name} to date (no predicted lifetime \
                 value for all of them): recent customers have had less time, which the label does not correct"
            ),
        ),
    };
    let day = cut_day.map_or_else(String::new, |d| northstar_ingest::values::format_days(d as i32));
    let mut objective = vec![0.0; base.objective.len()];
    for (&i, v) in test.iter().zip(&values) {
        objective[i] = *v;
    }
    let top_test = top_accounts(&values, 0.2);
    let mut top = vec![false; base.objective.len()];
    for (&i, t) in test.iter().zip(top_test) {
        top[i] = t;
    }
    Ok(Ok(backtest(
        base,
        &test,
        &scores,
        (&objective, &top),
        Heading {
            method: format!(
                "learnt from the {trained_on} customers acquired before {day}, tested on the {} acquired from then on",
                test.len()
            ),
            label,
            trained_on: train.len(),
            sample,
        },
    )))
}

/// How a backtest was made.
struct Heading {
    method: String,
    label: String,
    trained_on: usize,
    sample: Option<String>,
}

/// The figures of the accounts `tested`, scored as `scores` says, with `truth` (objective and
/// top flags, by base index).
fn backtest(
    base: &Base,
    tested: &[usize],
    scores: &[Scored],
    truth: (&[f64], &[bool]),
    heading: Heading,
) -> Backtest {
    let (objective, top) = truth;
    let held = |rank_value: Vec<Option<f64>>, tier: Vec<Option<u8>>| Held {
        rank_value,
        tier,
        objective: tested.iter().map(|&i| objective[i]).collect(),
        top: tested.iter().map(|&i| top[i]).collect(),
    };
    let assessed: Vec<(bool, i64, Option<u8>)> = tested
        .iter()
        .map(|&i| scores[i].unwrap_or((false, 0, None)))
        .collect();
    let icp = held(
        assessed
            .iter()
            .map(|&(inside, score, _)| inside.then_some(score as f64))
            .collect(),
        assessed.iter().map(|&(_, _, tier)| tier).collect(),
    );
    let count = |t: u8| assessed.iter().filter(|a| a.2 == Some(t)).count();
    let depth = [count(1), count(2)];
    let by = |name: &str| -> Option<RankingFigures> {
        let attribute = base.attributes.iter().find(|a| a.name == name)?;
        let Values::Numeric(values) = &attribute.values else {
            return None;
        };
        let ranked = held(
            tested.iter().map(|&i| values[i]).collect(),
            vec![None; tested.len()],
        );
        Some(figures(&ranked, depth, false))
    };
    // The three rankings are measured side by side.
    let (icp, (by_annual_revenue, by_employees)) = rayon::join(
        || figures(&icp, depth, true),
        || rayon::join(|| by("annual_revenue"), || by("employees")),
    );
    Backtest {
        method: heading.method,
        label: heading.label,
        trained_on: heading.trained_on as u64,
        tested_on: tested.len() as u64,
        sample: heading.sample,
        icp,
        by_annual_revenue,
        by_employees,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_is_the_published_64_bit_hash() {
        // The reference values of the FNV-1a 64-bit test suite.
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn sample_keys_hash_the_prefix_and_the_id_as_one_text() {
        let ids = ["A1".to_owned(), "acct-00042".to_owned(), String::new()];
        let expected: Vec<u64> = ids.iter().map(|id| fnv1a(&format!("sample:{id}"))).collect();
        assert_eq!(sample_keys(&ids), expected);
    }
}
