//! Customers' repeat-purchase summaries, compressed to unique rows with weights for fitting.

use crate::ClvError;

/// The unit model time is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// One day.
    Day,
    /// Seven days.
    Week,
    /// An average Gregorian month, 365.25 / 12 days.
    Month,
}

impl TimeUnit {
    /// Length of the unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => 365.25 / 12.0,
        }
    }
}

/// One customer's calibration-period history, in model time units.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Customer {
    /// Repeat purchases x (purchases after the first).
    pub frequency: u32,
    /// t_x: time from the first purchase to the last.
    pub recency: f64,
    /// T: time from the first purchase to the end of calibration.
    pub age: f64,
}

impl Customer {
    /// Checks the summary is one a model can explain: finite, 0 ≤ t_x ≤ T, and t_x = 0 when x = 0.
    pub fn check(&self) -> Result<(), String> {
        let Customer {
            frequency,
            recency,
            age,
        } = *self;
        if !(recency.is_finite() && age.is_finite()) {
            return Err(format!("recency {recency} and age {age} must be finite"));
        }
        if recency < 0.0 || recency > age {
            return Err(format!("recency {recency} must lie between 0 and the age {age}"));
        }
        if frequency == 0 && recency != 0.0 {
            return Err(format!("recency is {recency} but there is no repeat purchase"));
        }
        Ok(())
    }
}

/// One unique (x, t_x, T) with the number of customers sharing it; fields index the value tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub frequency: u32,
    pub recency: u32,
    pub age: u32,
    pub weight: f64,
}

/// Customers compressed to unique (x, t_x, T) rows with weights, each value stored once, so a
/// likelihood evaluates each logarithm once per distinct value rather than once per customer.
#[derive(Debug, Clone)]
pub struct RepeatData {
    pub(crate) frequencies: Vec<f64>,
    pub(crate) recencies: Vec<f64>,
    pub(crate) ages: Vec<f64>,
    pub(crate) rows: Vec<Row>,
    customers: f64,
    repeat_buyers: f64,
}

impl RepeatData {
    /// Compresses `customers`, each counted `weight` times (1 for raw customers).
    pub fn new(customers: impl IntoIterator<Item = (Customer, f64)>) -> Result<Self, ClvError> {
        let mut keyed: Vec<((u32, u64, u64), f64)> = Vec::new();
        for (index, (customer, weight)) in customers.into_iter().enumerate() {
            customer
                .check()
                .map_err(|reason| ClvError::InvalidCustomer { index, reason })?;
            if !(weight.is_finite() && weight > 0.0) {
                return Err(ClvError::InvalidCustomer {
                    index,
                    reason: format!("weight {weight} must be positive"),
                });
            }
            // Adding 0.0 turns -0.0 into 0.0 so that both land in one row.
            let key = (
                customer.frequency,
                (customer.recency + 0.0).to_bits(),
                (customer.age + 0.0).to_bits(),
            );
            keyed.push((key, weight));
        }
        // Non-negative floats order as their bits do; equal keys end up side by side.
        keyed.sort_unstable_by_key(|(key, _)| *key);
        let unique: Vec<((u32, u64, u64), f64)> = keyed
            .chunk_by(|a, b| a.0 == b.0)
            .map(|run| (run[0].0, run.iter().map(|(_, w)| w).sum()))
            .collect();
        if unique.is_empty() {
            return Err(ClvError::NoCustomers);
        }
        let values = |pick: fn(&(u32, u64, u64)) -> f64| {
            let mut v: Vec<f64> = unique.iter().map(|(k, _)| pick(k)).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        };
        let frequencies = values(|k| f64::from(k.0));
        let recencies = values(|k| f64::from_bits(k.1));
        let ages = values(|k| f64::from_bits(k.2));
        let index = |table: &[f64], v: f64| table.binary_search_by(|p| p.total_cmp(&v)).unwrap_or(0) as u32;
        let rows: Vec<Row> = unique
            .iter()
            .map(|&((x, tx, t), weight)| Row {
                frequency: index(&frequencies, f64::from(x)),
                recency: index(&recencies, f64::from_bits(tx)),
                age: index(&ages, f64::from_bits(t)),
                weight,
            })
            .collect();
        let customers = rows.iter().map(|r| r.weight).sum();
        let repeat_buyers = unique.iter().filter(|(k, _)| k.0 > 0).map(|(_, w)| w).sum();
        Ok(RepeatData {
            frequencies,
            recencies,
            ages,
            rows,
            customers,
            repeat_buyers,
        })
    }

    /// Compresses one weight per customer.
    pub fn from_customers(customers: &[Customer]) -> Result<Self, ClvError> {
        Self::new(customers.iter().map(|c| (*c, 1.0)))
    }

    /// Number of customers (the sum of the weights).
    pub fn customers(&self) -> f64 {
        self.customers
    }

    /// Customers with at least one repeat purchase.
    pub fn repeat_buyers(&self) -> f64 {
        self.repeat_buyers
    }

    /// Number of unique (x, t_x, T) rows.
    pub fn unique_rows(&self) -> usize {
        self.rows.len()
    }

    /// The mean repeat frequency and mean age, for starting points.
    pub(crate) fn means(&self) -> (f64, f64) {
        let (mut x, mut t) = (0.0, 0.0);
        for row in &self.rows {
            x += row.weight * self.frequencies[row.frequency as usize];
            t += row.weight * self.ages[row.age as usize];
        }
        (x / self.customers, t / self.customers)
    }

    /// Fails unless at least `needed` customers bought again: without repeat buyers the
    /// purchase and dropout rates cannot be told apart.
    pub(crate) fn require_repeat_buyers(&self, needed: f64) -> Result<(), ClvError> {
        if self.repeat_buyers < needed {
            return Err(ClvError::TooFewRepeatBuyers {
                found: self.repeat_buyers as u64,
                needed: needed as u64,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(frequency: u32, recency: f64, age: f64) -> Customer {
        Customer {
            frequency,
            recency,
            age,
        }
    }

    #[test]
    fn equal_histories_share_a_row() {
        let data = RepeatData::from_customers(&[
            customer(0, 0.0, 10.0),
            customer(2, 3.5, 10.0),
            customer(0, -0.0, 10.0),
            customer(2, 3.5, 10.0),
            customer(1, 3.5, 8.0),
        ])
        .unwrap();
        assert_eq!(data.unique_rows(), 3);
        assert_eq!(data.customers(), 5.0);
        assert_eq!(data.repeat_buyers(), 3.0);
        assert_eq!(data.frequencies, vec![0.0, 1.0, 2.0]);
        assert_eq!(data.recencies, vec![0.0, 3.5]);
        assert_eq!(data.ages, vec![8.0, 10.0]);
        let weights: Vec<f64> = data.rows.iter().map(|r| r.weight).collect();
        assert_eq!(weights, vec![2.0, 1.0, 2.0]);
    }

    #[test]
    fn impossible_histories_are_refused_with_their_index() {
        for (bad, fragment) in [
            (customer(1, 5.0, 4.0), "between 0 and the age"),
            (customer(0, 1.0, 4.0), "no repeat purchase"),
            (customer(1, f64::NAN, 4.0), "finite"),
        ] {
            let err = RepeatData::from_customers(&[customer(0, 0.0, 1.0), bad]).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("customer 1") && text.contains(fragment), "{text}");
        }
        assert!(matches!(
            RepeatData::from_customers(&[]),
            Err(ClvError::NoCustomers)
        ));
    }
}
