//! Model fit evidence: predicted against actual purchases in a holdout period.

use crate::{ClvError, Customer, PurchaseModel};

/// Customers grouped by their calibration repeat purchases, with mean predicted and actual
/// holdout purchases.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HoldoutGroup {
    /// Calibration repeat purchases: the exact count, or `"N+"` for the last, open group.
    pub frequency: String,
    /// Customers in the group.
    pub customers: u64,
    /// Mean purchases they made in the holdout period.
    pub actual: f64,
    /// Mean purchases the model expected of them.
    pub predicted: f64,
}

/// Compares `model`'s expected purchases over `duration` time units with what each customer
/// actually bought, grouped by calibration frequency 0, 1, …, `cap`−1 and `cap`+.
pub fn by_frequency(
    model: &dyn PurchaseModel,
    customers: &[(Customer, u32)],
    duration: f64,
    cap: u32,
) -> Result<Vec<HoldoutGroup>, ClvError> {
    let predictions = crate::forecast::per_unique_customer(customers.iter().map(|(c, _)| c), |c| {
        model.expected_purchases(duration, c)
    })?;
    let mut sums = vec![(0u64, 0.0, 0.0); cap as usize + 1];
    for ((customer, actual), predicted) in customers.iter().zip(predictions) {
        let group = customer.frequency.min(cap) as usize;
        let entry = &mut sums[group];
        entry.0 += 1;
        entry.1 += f64::from(*actual);
        entry.2 += predicted;
    }
    Ok(sums
        .into_iter()
        .enumerate()
        .filter(|(_, (n, _, _))| *n > 0)
        .map(|(group, (n, actual, predicted))| HoldoutGroup {
            frequency: if group == cap as usize {
                format!("{cap}+")
            } else {
                group.to_string()
            },
            customers: n,
            actual: actual / n as f64,
            predicted: predicted / n as f64,
        })
        .collect())
}
