//! Shifted-beta-geometric (sBG) retention for contractual customers (Fader & Hardie 2007): each
//! customer renews each period with a constant probability, beta-distributed across customers.

use crate::ClvError;
use crate::fit::{self, Fit, Likelihood};
use crate::special::{digamma, ln_beta};

/// A fitted sBG model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ShiftedBetaGeometric {
    /// First shape of the beta distribution of churn probabilities.
    pub alpha: f64,
    /// Second shape of the beta distribution of churn probabilities.
    pub beta: f64,
}

impl ShiftedBetaGeometric {
    /// Fits the model to a cohort's survivors: `active[0]` customers at the start, `active[t]`
    /// still active after period t.
    pub fn fit(active: &[f64]) -> Result<(Self, Fit), ClvError> {
        check_survivors(active)?;
        let last = active.len() - 1;
        let mut tenures = Tenures::default();
        for t in 1..=last {
            tenures.add(Tenure::Churned(t as u32), active[t - 1] - active[t]);
        }
        tenures.add(Tenure::Active(last as u32), active[last]);
        Self::fit_tenures(&tenures)
    }

    /// Fits the model to customers who joined at different times: each churned after some
    /// periods, or is still active after the periods observed so far (right-censored).
    pub fn fit_tenures(tenures: &Tenures) -> Result<(Self, Fit), ClvError> {
        if tenures.lost.iter().sum::<f64>() <= 0.0 {
            return Err(ClvError::InvalidSurvival(
                "no customer was lost: churn cannot be estimated".to_owned(),
            ));
        }
        let starts = [vec![1.0, 1.0], vec![0.5, 3.0], vec![3.0, 0.5]];
        let fit = fit::maximise(&Objective { tenures }, "sbg", &starts)?;
        Ok((
            ShiftedBetaGeometric {
                alpha: fit.params[0],
                beta: fit.params[1],
            },
            fit,
        ))
    }

    /// Share of the cohort still active after `t` periods, S(t) = B(α, β+t) / B(α, β).
    pub fn survival(&self, t: u32) -> f64 {
        (ln_beta(self.alpha, self.beta + f64::from(t)) - ln_beta(self.alpha, self.beta)).exp()
    }

    /// Chance that a customer active in period t − 1 renews for period t, (β+t−1)/(α+β+t−1).
    pub fn retention(&self, t: u32) -> f64 {
        let t = f64::from(t);
        (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)
    }

    /// Expected discounted number of further periods, up to `horizon`, of a customer active after
    /// `survived` periods: Σₖ₌₁..ₕ S(n+k)/S(n) / (1+d)ᵏ with d = `discount` per period.
    pub fn discounted_periods(&self, survived: u32, horizon: u32, discount: f64) -> f64 {
        let mut still = 1.0;
        let mut total = 0.0;
        for k in 1..=horizon {
            still *= self.retention(survived + k) / (1.0 + discount);
            total += still;
        }
        total
    }
}

/// How long one contractual customer has been observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenure {
    /// Churned in period t (t ≥ 1): paid for t periods and did not renew.
    Churned(u32),
    /// Still active after t periods, the last observed.
    Active(u32),
}

/// Tenures counted by length, the data of [`ShiftedBetaGeometric::fit_tenures`].
#[derive(Debug, Clone, Default)]
pub struct Tenures {
    /// `lost[t]`: customers who churned in period t.
    lost: Vec<f64>,
    /// `censored[t]`: customers still active after t periods.
    censored: Vec<f64>,
}

impl Tenures {
    /// Counts `weight` customers with this tenure; a churn in period 0 is not possible and counts
    /// as a churn in period 1.
    pub fn add(&mut self, tenure: Tenure, weight: f64) {
        let (counts, t) = match tenure {
            Tenure::Churned(t) => (&mut self.lost, t.max(1) as usize),
            Tenure::Active(t) => (&mut self.censored, t as usize),
        };
        if counts.len() <= t {
            counts.resize(t + 1, 0.0);
        }
        counts[t] += weight;
    }

    /// Customers counted.
    pub fn customers(&self) -> f64 {
        self.lost.iter().chain(&self.censored).sum()
    }
}

/// Checks a survivor series: at least two periods, a positive start, never negative or rising.
fn check_survivors(active: &[f64]) -> Result<(), ClvError> {
    let bad = |reason: String| Err(ClvError::InvalidSurvival(reason));
    if active.len() < 2 {
        return bad(format!(
            "{} period(s) given; at least the start and one period are needed",
            active.len()
        ));
    }
    if !(active[0].is_finite() && active[0] > 0.0) {
        return bad(format!("the cohort starts with {} active customers", active[0]));
    }
    for (t, pair) in active.windows(2).enumerate() {
        if !(pair[1].is_finite() && pair[1] >= 0.0 && pair[1] <= pair[0]) {
            return bad(format!(
                "period {} has {} active customers after {} in period {t}: survivors cannot rise or be negative",
                t + 1,
                pair[1],
                pair[0]
            ));
        }
    }
    if active[active.len() - 1] == active[0] {
        return bad("no customer was lost: churn cannot be estimated".to_owned());
    }
    Ok(())
}

struct Objective<'a> {
    tenures: &'a Tenures,
}

impl Likelihood for Objective<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["alpha", "beta"]
    }

    fn observations(&self) -> f64 {
        self.tenures.customers()
    }

    fn evaluate(&self, p: &[f64], grad: &mut [f64]) -> Option<f64> {
        let (a, b) = (p[0], p[1]);
        let ln_b0 = ln_beta(a, b);
        let (psi_ab, psi_a, psi_b) = (digamma(a + b), digamma(a), digamma(b));
        let (d_b0_a, d_b0_b) = (psi_a - psi_ab, psi_b - psi_ab);
        let mut ll = 0.0;
        grad.fill(0.0);
        for (t, &lost) in self.tenures.lost.iter().enumerate().filter(|(_, n)| **n > 0.0) {
            let tf = t as f64;
            let psi_end = digamma(a + b + tf);
            // P(T = t) = B(α+1, β+t−1) / B(α, β)
            ll += lost * (ln_beta(a + 1.0, b + tf - 1.0) - ln_b0);
            grad[0] += lost * (digamma(a + 1.0) - psi_end - d_b0_a);
            grad[1] += lost * (digamma(b + tf - 1.0) - psi_end - d_b0_b);
        }
        for (t, &active) in self
            .tenures
            .censored
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0.0)
        {
            let tf = t as f64;
            // S(t) = B(α, β+t) / B(α, β)
            let psi_end = digamma(a + b + tf);
            ll += active * (ln_beta(a, b + tf) - ln_b0);
            grad[0] += active * (psi_a - psi_end - d_b0_a);
            grad[1] += active * (digamma(b + tf) - psi_end - d_b0_b);
        }
        ll.is_finite().then_some(ll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::tests::assert_gradient;

    #[test]
    fn gradients_match_finite_differences() {
        let mut tenures = Tenures::default();
        for (tenure, n) in [
            (Tenure::Churned(1), 369.0),
            (Tenure::Churned(3), 86.0),
            (Tenure::Active(2), 40.0),
        ] {
            tenures.add(tenure, n);
        }
        tenures.add(Tenure::Active(5), 326.0);
        assert_gradient(&Objective { tenures: &tenures }, &[0.7, 1.2]);
        assert_gradient(&Objective { tenures: &tenures }, &[4.0, 0.3]);
    }

    #[test]
    fn survival_and_retention_agree() {
        let model = ShiftedBetaGeometric {
            alpha: 0.7,
            beta: 1.2,
        };
        assert!((model.survival(0) - 1.0).abs() < 1e-12);
        // S(1) = 1 − α/(α+β), and S(t) = S(t−1) · retention(t).
        assert!((model.survival(1) - 1.2 / 1.9).abs() < 1e-12);
        for t in 2..10 {
            assert!((model.survival(t) - model.survival(t - 1) * model.retention(t)).abs() < 1e-12);
        }
    }

    #[test]
    fn discounted_periods_sum_to_the_hypergeometric_closed_form() {
        let model = ShiftedBetaGeometric {
            alpha: 0.7,
            beta: 1.2,
        };
        // Σₖ≥₀ (β+n)ₖ/(α+β+n)ₖ xᵏ = ₂F₁(1, β+n; α+β+n; x), x = 1/(1+d).
        for (n, d) in [(0u32, 0.1), (4, 0.01), (12, 0.25)] {
            let x = 1.0 / (1.0 + d);
            let closed =
                crate::special::hyp2f1(1.0, 1.2 + f64::from(n), 1.9 + f64::from(n), x).unwrap() - 1.0;
            let summed = model.discounted_periods(n, 5000, d);
            assert!(
                (summed - closed).abs() < 1e-9 * closed,
                "n {n} d {d}: {summed} vs {closed}"
            );
        }
        // One period ahead: the chance to renew once, discounted.
        assert!((model.discounted_periods(3, 1, 0.1) - model.retention(4) / 1.1).abs() < 1e-15);
    }

    #[test]
    fn impossible_series_are_refused() {
        for bad in [
            vec![1000.0],
            vec![0.0, 0.0],
            vec![100.0, 120.0],
            vec![100.0, 100.0],
            vec![100.0, -1.0],
        ] {
            assert!(
                matches!(ShiftedBetaGeometric::fit(&bad), Err(ClvError::InvalidSurvival(_))),
                "{bad:?}"
            );
        }
    }
}
