//! Per-account repeat-purchase summaries, the input of the CLV models, with the conventions of
//! the literature (and of the `lifetimes` package): purchases on one day are one transaction, the
//! first purchase is left out of frequency and mean spend, time runs from the first purchase.
//! A day is a purchase when at least one of its transactions is not a refund (amount ≥ 0; a
//! free order counts); its value is the day's net amount. Sums are rounded to 1e-6 so that the
//! order the engine adds in cannot change the figures.

use northstar_clv::{Customer, TimeUnit};
use northstar_engine::arrow::array::{Float64Array, Int64Array};
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::{Engine, Order};
use rayon::slice::ParallelSliceMut;

use crate::{EconomicsError, Result, column, first_day, iso_date, texts};

/// One account's history, split at the calibration end.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatHistory {
    /// The account.
    pub account_id: String,
    /// Calibration-period repeat purchases, recency and age, in the chosen time unit.
    pub customer: Customer,
    /// Mean value of the calibration-period repeat purchases (0 without any).
    pub mean_spend: f64,
    /// Purchase days after the calibration end, up to the holdout end.
    pub holdout_purchases: u32,
}

/// Every purchasing account's history.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatSummary {
    /// Accounts whose first purchase is on or before the calibration end, by account id.
    pub histories: Vec<RepeatHistory>,
    /// The last day of calibration (ISO date).
    pub calibration_end: String,
    /// The last day of the holdout period, when there is one (ISO date).
    pub holdout_end: Option<String>,
    /// Length of the holdout period in the time unit (0 without one).
    pub holdout_length: f64,
}

/// Summarises the `transactions` table in `engine`. Calibration ends on `calibration_end` (days
/// since 1970-01-01) or, by default, on the last transaction's day; the transactions after it, to the last
/// one, form the holdout period.
pub fn repeat_summary(
    engine: &Engine,
    unit: TimeUnit,
    calibration_end: Option<i32>,
) -> Result<RepeatSummary> {
    let Some(last) = first_day(&engine.query("SELECT CAST(max(date) AS INT) FROM transactions")?)? else {
        return Err(EconomicsError::NoTransactions);
    };
    let end = calibration_end.unwrap_or(last);
    // One pass over the purchase days per account: the first day's value is taken out of the
    // calibration sum rather than joined back (sums are rounded to 1e-6, far above the error of
    // the subtraction).
    let sql = format!(
        "WITH days AS (
            SELECT account_id, CAST(date AS INT) AS day, round(sum(amount), 6) AS amount
            FROM transactions GROUP BY account_id, CAST(date AS INT)
            HAVING max(amount) >= 0
        )
        SELECT account_id,
               CAST(count(CASE WHEN day <= {end} THEN 1 END) - 1 AS BIGINT) AS frequency,
               CAST(max(CASE WHEN day <= {end} THEN day END) - min(day) AS DOUBLE) AS recency_days,
               CAST({end} - min(day) AS DOUBLE) AS age_days,
               CAST(round(sum(CASE WHEN day <= {end} THEN amount END)
                          - arg_min(amount, day), 6) AS DOUBLE) AS repeat_spend,
               CAST(count(CASE WHEN day > {end} AND day <= {last} THEN 1 END) AS BIGINT)
                   AS holdout_purchases
        FROM days
        GROUP BY account_id
        HAVING min(day) <= {end}"
    );
    let days = unit.days();
    let mut histories = Vec::new();
    engine.stream(&sql, Order::Any, |batch| {
        add_histories(&mut histories, &batch, days)
    })?;
    // Ordered here, as they come: the engine's sort would hold every row twice over.
    histories.par_sort_unstable_by(|a, b| a.account_id.cmp(&b.account_id));
    let holdout_days = f64::from(last - end);
    let has_holdout = holdout_days > 0.0;
    Ok(RepeatSummary {
        histories,
        calibration_end: iso_date(end)?,
        holdout_end: has_holdout.then(|| iso_date(last)).transpose()?,
        holdout_length: if has_holdout { holdout_days / days } else { 0.0 },
    })
}

/// Adds the accounts of `batch`, a batch of the summary's plan, to `histories`, in `days` per
/// time unit.
fn add_histories(histories: &mut Vec<RepeatHistory>, batch: &RecordBatch, days: f64) -> Result<()> {
    let id = texts(batch, "account_id")?;
    let frequency = column::<Int64Array>(batch, 1)?;
    let (recency, age, spend) = (
        column::<Float64Array>(batch, 2)?,
        column::<Float64Array>(batch, 3)?,
        column::<Float64Array>(batch, 4)?,
    );
    let holdout = column::<Int64Array>(batch, 5)?;
    for row in 0..batch.num_rows() {
        let x = frequency.value(row).max(0) as u32;
        histories.push(RepeatHistory {
            account_id: id.value(row).to_owned(),
            customer: Customer {
                frequency: x,
                recency: recency.value(row) / days,
                age: age.value(row) / days,
            },
            mean_spend: if x > 0 {
                spend.value(row) / f64::from(x)
            } else {
                0.0
            },
            holdout_purchases: holdout.value(row).max(0) as u32,
        });
    }
    Ok(())
}
