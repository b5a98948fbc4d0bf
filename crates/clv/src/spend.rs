//! Gamma-Gamma spend model (Fader, Hardie & Lee 2005; Colombo & Jiang 1999): each transaction's
//! value is gamma(p, ν) with the customer's ν gamma(q, γ) across customers, fitted on repeat
//! buyers' mean transaction values.

use crate::ClvError;
use crate::fit::{self, Fit, Likelihood};
use crate::special::{digamma, ln_gamma};

/// Repeat buyers' mean spend, compressed to unique (x, mean) rows with weights, grouped by x so
/// that the terms of a frequency are computed once per evaluation.
#[derive(Debug, Clone)]
pub struct SpendData {
    /// Distinct frequencies x, ascending.
    frequencies: Vec<f64>,
    rows: Vec<SpendRow>,
    customers: f64,
}

#[derive(Debug, Clone, Copy)]
struct SpendRow {
    /// Index into `frequencies`.
    group: usize,
    mean_spend: f64,
    ln_mean_spend: f64,
    weight: f64,
}

impl SpendData {
    /// Compresses (repeat purchases x, mean value of those purchases) pairs; customers with x = 0
    /// carry no spend information and are skipped. A mean that is not positive and finite is refused.
    pub fn new(customers: impl IntoIterator<Item = (u32, f64)>) -> Result<Self, ClvError> {
        let mut pairs: Vec<(u32, u64)> = Vec::new();
        for (index, (frequency, mean_spend)) in customers.into_iter().enumerate() {
            if frequency == 0 {
                continue;
            }
            if !(mean_spend.is_finite() && mean_spend > 0.0) {
                return Err(ClvError::InvalidCustomer {
                    index,
                    reason: format!(
                        "mean spend {mean_spend} of a repeat buyer must be positive for the Gamma-Gamma model"
                    ),
                });
            }
            // Positive floats order as their bits do.
            pairs.push((frequency, mean_spend.to_bits()));
        }
        pairs.sort_unstable();
        let mut frequencies: Vec<f64> = Vec::new();
        let mut rows: Vec<SpendRow> = Vec::new();
        for run in pairs.chunk_by(|a, b| a == b) {
            let (x, bits) = run[0];
            if frequencies.last() != Some(&f64::from(x)) {
                frequencies.push(f64::from(x));
            }
            let mean_spend = f64::from_bits(bits);
            rows.push(SpendRow {
                group: frequencies.len() - 1,
                mean_spend,
                ln_mean_spend: mean_spend.ln(),
                weight: run.len() as f64,
            });
        }
        Ok(SpendData {
            frequencies,
            rows,
            customers: pairs.len() as f64,
        })
    }

    /// Repeat buyers included.
    pub fn customers(&self) -> f64 {
        self.customers
    }
}

/// A fitted Gamma-Gamma model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GammaGamma {
    /// Shape of each transaction's value.
    pub p: f64,
    /// Shape of the distribution of customers' rate ν.
    pub q: f64,
    /// Rate of the distribution of customers' rate ν.
    pub gamma: f64,
}

impl GammaGamma {
    /// Fits the model to repeat buyers' mean spend.
    pub fn fit(data: &SpendData) -> Result<(Self, Fit), ClvError> {
        if data.customers < 2.0 {
            return Err(ClvError::TooFewRepeatBuyers {
                found: data.customers as u64,
                needed: 2,
            });
        }
        let mean = data.rows.iter().map(|r| r.weight * r.mean_spend).sum::<f64>() / data.customers;
        let starts = [
            vec![1.0, 2.0, mean],
            vec![5.0, 3.0, 0.4 * mean],
            vec![0.5, 5.0, 8.0 * mean],
        ];
        let fit = fit::maximise(&Objective { data }, "gamma-gamma", &starts)?;
        let p = &fit.params;
        Ok((
            GammaGamma {
                p: p[0],
                q: p[1],
                gamma: p[2],
            },
            fit,
        ))
    }

    /// Expected value of a customer's future transactions given x repeat purchases of mean value
    /// `mean_spend`; for x = 0 the population mean p γ / (q − 1). An error when that mean is
    /// infinite (q ≤ 1).
    pub fn expected_spend(&self, frequency: u32, mean_spend: f64) -> Result<f64, ClvError> {
        let GammaGamma { p, q, gamma } = *self;
        let x = f64::from(frequency);
        let denominator = p * x + q - 1.0;
        if denominator <= 0.0 {
            return Err(ClvError::InfiniteMeanSpend { q });
        }
        Ok(p * (gamma + x * mean_spend) / denominator)
    }
}

struct Objective<'a> {
    data: &'a SpendData,
}

impl Likelihood for Objective<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["p", "q", "gamma"]
    }

    fn observations(&self) -> f64 {
        self.data.customers
    }

    fn evaluate(&self, params: &[f64], grad: &mut [f64]) -> Option<f64> {
        let (p, q, gamma) = (params[0], params[1], params[2]);
        let (ln_gamma_q, psi_q, ln_g) = (ln_gamma(q), digamma(q), gamma.ln());
        // Per frequency: the terms of ln L and its gradient that do not involve the mean spend.
        let by_x: Vec<[f64; 3]> = self
            .data
            .frequencies
            .iter()
            .map(|&x| {
                let px = p * x;
                let psi_all = digamma(px + q);
                [
                    ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + q * ln_g + px * x.ln(),
                    x * (psi_all - digamma(px) + x.ln()),
                    psi_all - psi_q + ln_g,
                ]
            })
            .collect();
        let frequencies = &self.data.frequencies;
        // ln L = Σ w [ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)]
        fit::sum_rows(&self.data.rows, grad, |row, g| {
            let x = frequencies[row.group];
            let [constant, d_p, d_q] = by_x[row.group];
            let (px, total) = (p * x, gamma + x * row.mean_spend);
            let ln_total = total.ln();
            let w = row.weight;
            g[0] += w * (d_p + x * (row.ln_mean_spend - ln_total));
            g[1] += w * (d_q - ln_total);
            g[2] += w * (q / gamma - (px + q) / total);
            Some(w * (constant + (px - 1.0) * row.ln_mean_spend - (px + q) * ln_total))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::tests::assert_gradient;

    #[test]
    fn gradients_match_finite_differences() {
        let data = SpendData::new([(1, 12.0), (3, 40.5), (0, 0.0), (7, 8.25), (2, 100.0)]).unwrap();
        assert_eq!(data.customers(), 4.0);
        assert_gradient(&Objective { data: &data }, &[6.25, 3.74, 15.44]);
        assert_gradient(&Objective { data: &data }, &[0.5, 12.0, 300.0]);
    }

    #[test]
    fn expected_spend_shrinks_towards_the_population_mean() {
        let model = GammaGamma {
            p: 6.0,
            q: 4.0,
            gamma: 15.0,
        };
        let population = model.expected_spend(0, 0.0).unwrap();
        assert!((population - 30.0).abs() < 1e-12);
        // One purchase of 100: (15 + 100)·6 / (6 + 3) = 76.67, between 30 and 100.
        assert!((model.expected_spend(1, 100.0).unwrap() - 690.0 / 9.0).abs() < 1e-12);
        assert!(matches!(
            GammaGamma { q: 0.9, ..model }.expected_spend(0, 0.0),
            Err(ClvError::InfiniteMeanSpend { .. })
        ));
    }
}
