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
        let starts = [vec![1.0, 1.0], vec![0.5, 3.0], vec![3.0, 0.5]];
        let fit = fit::maximise(&Objective { active }, "sbg", &starts)?;
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
    active: &'a [f64],
}

impl Likelihood for Objective<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["alpha", "beta"]
    }

    fn observations(&self) -> f64 {
        self.active[0]
    }

    fn evaluate(&self, p: &[f64], grad: &mut [f64]) -> Option<f64> {
        let (a, b) = (p[0], p[1]);
        let ln_b0 = ln_beta(a, b);
        let (psi_ab, psi_a, psi_b) = (digamma(a + b), digamma(a), digamma(b));
        let (d_b0_a, d_b0_b) = (psi_a - psi_ab, psi_b - psi_ab);
        let mut ll = 0.0;
        grad.fill(0.0);
        for t in 1..self.active.len() {
            let tf = t as f64;
            let lost = self.active[t - 1] - self.active[t];
            let psi_end = digamma(a + b + tf);
            // P(T = t) = B(α+1, β+t−1) / B(α, β)
            ll += lost * (ln_beta(a + 1.0, b + tf - 1.0) - ln_b0);
            grad[0] += lost * (digamma(a + 1.0) - psi_end - d_b0_a);
            grad[1] += lost * (digamma(b + tf - 1.0) - psi_end - d_b0_b);
        }
        let last = self.active.len() - 1;
        let (tf, survivors) = (last as f64, self.active[last]);
        // S(t) = B(α, β+t) / B(α, β)
        let psi_end = digamma(a + b + tf);
        ll += survivors * (ln_beta(a, b + tf) - ln_b0);
        grad[0] += survivors * (psi_a - psi_end - d_b0_a);
        grad[1] += survivors * (digamma(b + tf) - psi_end - d_b0_b);
        ll.is_finite().then_some(ll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::tests::assert_gradient;

    #[test]
    fn gradients_match_finite_differences() {
        let active = [1000.0, 631.0, 468.0, 382.0, 326.0];
        assert_gradient(&Objective { active: &active }, &[0.7, 1.2]);
        assert_gradient(&Objective { active: &active }, &[4.0, 0.3]);
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
