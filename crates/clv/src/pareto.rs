//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie 2005):
//! Poisson purchasing with gamma-distributed rates and an exponential lifetime with
//! gamma-distributed dropout rates.
//!
//! The likelihood's awkward part is the chance of dying between the last purchase and the end of
//! calibration, s ∫ from t_x to T of (α+τ)^-(r+x) (β+τ)^-(s+1) dτ. Expanding the factor with the
//! smaller shift around the larger one gives a hypergeometric series in |α−β| / (max(α,β)+t) < 1;
//! Euler's transformation makes its terms positive and falling from the first. It is summed
//! relative to its first term, so nothing under- or overflows, and differentiated term by term
//! for the analytic gradient.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::data::{Customer, RepeatData, Row};
use crate::fit::{self, Fit, Likelihood};
use crate::special::{digamma, ln_gamma};
use crate::{ClvError, PurchaseModel};

/// Most series terms per integral before giving up on the parameters tried.
const MAX_TERMS: usize = 100_000;

/// A fitted Pareto/NBD model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ParetoNbd {
    /// Shape of the gamma distribution of purchase rates.
    pub r: f64,
    /// Rate of the gamma distribution of purchase rates.
    pub alpha: f64,
    /// Shape of the gamma distribution of dropout rates.
    pub s: f64,
    /// Rate of the gamma distribution of dropout rates.
    pub beta: f64,
}

impl ParetoNbd {
    /// Fits the model to `data` by maximum likelihood.
    pub fn fit(data: &RepeatData) -> Result<(Self, Fit), ClvError> {
        data.require_repeat_buyers(2.0)?;
        let (mean_x, mean_t) = data.means();
        let rate = (mean_x / mean_t.max(1e-9)).max(1e-6);
        let starts = [
            vec![1.0, 1.0 / rate, 1.0, mean_t],
            vec![0.5, 0.5 / rate, 0.5, 0.5 * mean_t],
            vec![2.0, 2.0 / rate, 2.0, 2.0 * mean_t],
        ];
        let fit = fit::maximise(&Objective::new(data), "pareto", &starts)?;
        let p = &fit.params;
        let model = ParetoNbd {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        };
        Ok((model, fit))
    }

    /// ln L for one customer and its gradient in (r, α, s, β), with P(alive) as a by-product.
    fn customer_terms(&self, c: &Customer) -> Option<CustomerTerms> {
        let x = f64::from(c.frequency);
        let integral = self.death_integral(x, c.recency, c.age)?;
        Some(self.terms(&self.by_frequency(x), &self.by_age(c.age), integral))
    }

    /// The parts of a customer's terms that depend on its repeat purchases `x` alone.
    fn by_frequency(&self, x: f64) -> ByFrequency {
        let ParetoNbd { r, alpha, s, beta } = *self;
        ByFrequency {
            rx: r + x,
            base: ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln(),
            d_base: [
                digamma(r + x) - digamma(r) + alpha.ln(),
                r / alpha,
                beta.ln(),
                s / beta,
            ],
            ln_s: s.ln(),
        }
    }

    /// The parts of a customer's terms that depend on its age `t` alone.
    fn by_age(&self, t: f64) -> ByAge {
        ByAge {
            ln_alpha: (self.alpha + t).ln(),
            inverse_alpha: 1.0 / (self.alpha + t),
            ln_beta: (self.beta + t).ln(),
            inverse_beta: 1.0 / (self.beta + t),
        }
    }

    /// [`Self::customer_terms`] from its parts and its death integral (none when t_x = T).
    fn terms(&self, f: &ByFrequency, a: &ByAge, integral: Option<(f64, [f64; 4])>) -> CustomerTerms {
        let s = self.s;
        let alive = -f.rx * a.ln_alpha - s * a.ln_beta;
        let d_alive = [
            -a.ln_alpha,
            -f.rx * a.inverse_alpha,
            -a.ln_beta,
            -s * a.inverse_beta,
        ];
        let mut grad = [0.0; 4];
        let Some((ln_integral, d_integral)) = integral else {
            for (g, (b, a)) in grad.iter_mut().zip(f.d_base.iter().zip(d_alive)) {
                *g = b + a;
            }
            return CustomerTerms {
                log_likelihood: f.base + alive,
                grad,
                p_alive: 1.0,
            };
        };
        let dead = f.ln_s + ln_integral;
        // ln(e^alive + e^dead), and the weight of staying alive among the two ways the history
        // can end, which is P(alive), from one exponential.
        let (total, w_alive) = if alive >= dead {
            let e = (dead - alive).exp();
            (alive + e.ln_1p(), 1.0 / (1.0 + e))
        } else {
            let e = (alive - dead).exp();
            (dead + e.ln_1p(), e / (1.0 + e))
        };
        let w_dead = 1.0 - w_alive;
        for i in 0..4 {
            grad[i] = f.d_base[i] + w_alive * d_alive[i] + w_dead * d_integral[i];
        }
        grad[2] += w_dead / s;
        CustomerTerms {
            log_likelihood: f.base + total,
            grad,
            p_alive: w_alive,
        }
    }

    /// ln ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ and its gradient in (r, α, s, β); `Ok(None)`
    /// when the interval is empty. `None` when the series does not converge.
    #[allow(clippy::type_complexity)]
    fn death_integral(&self, x: f64, tx: f64, t: f64) -> Option<Option<(f64, [f64; 4])>> {
        if tx >= t {
            return Some(None);
        }
        let first = self.antiderivative(x, tx)?;
        let last = self.antiderivative(x, t)?;
        Some(self.integral_between(&first, &last))
    }

    /// The antiderivative F of the death integral's integrand for x repeat purchases, at `t`.
    fn antiderivative(&self, x: f64, t: f64) -> Option<Antiderivative> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        // g(τ) = (u+τ)^-p (v+τ)^-q with u ≥ v.
        if self.swapped() {
            Antiderivative::at(beta, s + 1.0, alpha, r + x, t)
        } else {
            Antiderivative::at(alpha, r + x, beta, s + 1.0, t)
        }
    }

    /// Whether β, not α, is the larger shift u of the integrand's expansion.
    fn swapped(&self) -> bool {
        self.alpha < self.beta
    }

    /// ln ∫ from t_x to T as F(t_x) − F(T), from F at both ends, and its gradient in
    /// (r, α, s, β); none when the two ends do not differ.
    fn integral_between(&self, first: &Antiderivative, last: &Antiderivative) -> Option<(f64, [f64; 4])> {
        // ∫ = F(t_x) − F(T) with F decreasing; δ = F(T)/F(t_x) < 1.
        let delta = (last.ln - first.ln).exp();
        if delta >= 1.0 {
            return None;
        }
        let ln_integral = first.ln + (-delta).ln_1p();
        let d = |i: usize| (first.grad[i] - delta * last.grad[i]) / (1.0 - delta);
        // Roles (p, q, u, v) back to (r, α, s, β).
        let (dp, dq, du, dv) = (d(0), d(1), d(2), d(3));
        let grad = if self.swapped() {
            [dq, dv, dp, du]
        } else {
            [dp, du, dq, dv]
        };
        Some((ln_integral, grad))
    }
}

/// The parts of a customer's likelihood terms that depend on its repeat purchases x alone.
struct ByFrequency {
    /// r + x.
    rx: f64,
    /// ln Γ(r+x) − ln Γ(r) + r ln α + s ln β, and its gradient in (r, α, s, β).
    base: f64,
    d_base: [f64; 4],
    /// ln s, which is the same for every customer.
    ln_s: f64,
}

/// The parts of a customer's likelihood terms that depend on its age T alone.
struct ByAge {
    /// ln(α+T) and 1/(α+T).
    ln_alpha: f64,
    inverse_alpha: f64,
    /// ln(β+T) and 1/(β+T).
    ln_beta: f64,
    inverse_beta: f64,
}

/// One customer's likelihood terms.
struct CustomerTerms {
    log_likelihood: f64,
    grad: [f64; 4],
    p_alive: f64,
}

/// F(t) = Σₙ (q)ₙ/n! (u−v)ⁿ (u+t)^-(m+n) / (m+n), m = p+q−1: the antiderivative (up to sign) of
/// (u+τ)^-p (v+τ)^-q for u ≥ v, as its log and the gradient of its log in (p, q, u, v).
///
/// With z = (u−v)/(u+t), F = (u+t)^-m / m · ₂F₁(q, m; m+1; z), and Euler's transformation turns
/// that into (u+t)^-m / m · (1−z)^(1−q) · ₂F₁(p, 1; m+1; z). The second series has no hump: its
/// terms ρₙ = (p)ₙ / (m+1)ₙ zⁿ fall from the first, each ratio z (p+n)/(m+1+n) below z, while the
/// first's terms grow like n^(q−1) zⁿ before they fall, hundreds of terms for a frequent buyer.
struct Antiderivative {
    ln: f64,
    grad: [f64; 4],
}

impl Antiderivative {
    fn at(u: f64, p: f64, v: f64, q: f64, t: f64) -> Option<Self> {
        let m = p + q - 1.0;
        let (ln_u, ln_v) = ((u + t).ln(), (v + t).ln());
        let z = (u - v) / (u + t);
        // Every ratio is below z, so the tail after ρₙ is below ρₙ z / (1−z); 1−z = (v+t)/(u+t).
        let tail = (u - v) / (v + t);
        // ρₙ with the derivatives of its log in p and q; running sums of ρₙ and of its
        // derivatives in p, q and z.
        let (mut rho, mut d_p, mut d_q) = (1.0f64, 0.0f64, 0.0f64);
        let (mut sum, mut sum_p, mut sum_q, mut sum_z) = (1.0, 0.0, 0.0, 0.0);
        let mut converged = false;
        for n in 0..MAX_TERMS {
            let k = n as f64;
            let step = (p + k) / (m + 1.0 + k);
            // ∂ρₙ₊₁/∂z = (n+1) ρₙ₊₁ / z, computed from ρₙ so that z = 0 needs no division.
            sum_z += rho * step * (k + 1.0);
            d_p += 1.0 / (p + k) - 1.0 / (m + 1.0 + k);
            d_q -= 1.0 / (m + 1.0 + k);
            rho *= step * z;
            sum += rho;
            sum_p += rho * d_p;
            sum_q += rho * d_q;
            if rho * tail <= f64::EPSILON * 0.25 * sum {
                converged = true;
                break;
            }
        }
        if !converged {
            return None;
        }
        let inverse_m = 1.0 / m;
        Some(Antiderivative {
            ln: -m * ln_u - m.ln() + (1.0 - q) * (ln_v - ln_u) + sum.ln(),
            grad: [
                -ln_u - inverse_m + sum_p / sum,
                -ln_v - inverse_m + sum_q / sum,
                -p / (u + t) + sum_z / sum * (v + t) / ((u + t) * (u + t)),
                (1.0 - q) / (v + t) - sum_z / sum / (u + t),
            ],
        })
    }
}

impl PurchaseModel for ParetoNbd {
    fn name(&self) -> &'static str {
        "pareto"
    }

    fn p_alive(&self, c: &Customer) -> f64 {
        self.customer_terms(c).map_or(f64::NAN, |terms| terms.p_alive)
    }

    fn expected_purchases(&self, t: f64, c: &Customer) -> Result<f64, ClvError> {
        Ok(self.purchases_if_alive(t, c) * self.checked_p_alive(c)?)
    }

    fn discounted_purchases(
        &self,
        c: &Customer,
        step: f64,
        steps: u32,
        discount: f64,
    ) -> Result<f64, ClvError> {
        // P(alive), the costly part, is the same at every step.
        let p_alive = self.checked_p_alive(c)?;
        crate::discounted(
            |t| Ok(self.purchases_if_alive(t, c) * p_alive),
            step,
            steps,
            discount,
        )
    }
}

impl ParetoNbd {
    /// P(alive), or an error when its series does not converge.
    fn checked_p_alive(&self, c: &Customer) -> Result<f64, ClvError> {
        let ParetoNbd { alpha, beta, .. } = *self;
        let terms = self.customer_terms(c).ok_or(ClvError::Series {
            what: "P(alive)",
            z: (alpha - beta).abs() / (alpha.max(beta) + c.recency),
        })?;
        Ok(terms.p_alive)
    }

    /// Expected purchases in the next `t` time units of a customer known to be alive.
    fn purchases_if_alive(&self, t: f64, c: &Customer) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let x = f64::from(c.frequency);
        // (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)], continuous through s = 1.
        let ln_y = ((beta + c.age) / (beta + c.age + t)).ln();
        let shrink = if (s - 1.0).abs() < 1e-12 {
            -ln_y
        } else {
            -((s - 1.0) * ln_y).exp_m1() / (s - 1.0)
        };
        (r + x) * (beta + c.age) / (alpha + c.age) * shrink
    }
}

/// The log-likelihood of the model over compressed data.
///
/// The death integral of a row runs from its t_x to its T, and its antiderivative at either end
/// depends on the row only through (x, t_x) or (x, T). Far fewer such pairs than rows exist (here
/// 67,000 against 655,000 rows for a million customers in days), so each evaluation finds the
/// antiderivative once per distinct pair, then combines the two per row.
struct Objective<'a> {
    data: &'a RepeatData,
    /// Distinct (frequency index, t_x) lower ends.
    starts: Vec<(u32, f64)>,
    /// Distinct (frequency index, T) upper ends.
    ends: Vec<(u32, f64)>,
    /// Each row of `data` with the indices of its ends in `starts` and `ends`.
    rows: Vec<(Row, u32, u32)>,
}

impl<'a> Objective<'a> {
    /// The objective over `data`, with the distinct ends of its rows' integrals.
    fn new(data: &'a RepeatData) -> Self {
        let mut start_at: HashMap<(u32, u32), u32> = HashMap::new();
        let mut end_at: HashMap<(u32, u32), u32> = HashMap::new();
        let (mut starts, mut ends) = (Vec::new(), Vec::new());
        let rows = data
            .rows
            .iter()
            .map(|&row| {
                let start = *start_at.entry((row.frequency, row.recency)).or_insert_with(|| {
                    starts.push((row.frequency, data.recencies[row.recency as usize]));
                    (starts.len() - 1) as u32
                });
                let end = *end_at.entry((row.frequency, row.age)).or_insert_with(|| {
                    ends.push((row.frequency, data.ages[row.age as usize]));
                    (ends.len() - 1) as u32
                });
                (row, start, end)
            })
            .collect();
        Objective {
            data,
            starts,
            ends,
            rows,
        }
    }
}

impl Likelihood for Objective<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "s", "beta"]
    }

    fn observations(&self) -> f64 {
        self.data.customers()
    }

    fn evaluate(&self, p: &[f64], grad: &mut [f64]) -> Option<f64> {
        let model = ParetoNbd {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        };
        let data = self.data;
        // An end that does not converge fails only the rows that need it.
        let at = |ends: &[(u32, f64)]| -> Vec<Option<Antiderivative>> {
            ends.par_iter()
                .map(|&(frequency, t)| model.antiderivative(data.frequencies[frequency as usize], t))
                .collect()
        };
        let (starts, ends) = (at(&self.starts), at(&self.ends));
        let frequencies: Vec<ByFrequency> = data.frequencies.iter().map(|&x| model.by_frequency(x)).collect();
        let ages: Vec<ByAge> = data.ages.iter().map(|&t| model.by_age(t)).collect();
        fit::sum_rows(&self.rows, grad, |&(row, start, end), g| {
            let integral = if data.recencies[row.recency as usize] >= data.ages[row.age as usize] {
                None
            } else {
                let first = starts[start as usize].as_ref()?;
                let last = ends[end as usize].as_ref()?;
                model.integral_between(first, last)
            };
            let terms = model.terms(
                &frequencies[row.frequency as usize],
                &ages[row.age as usize],
                integral,
            );
            for (gi, d) in g.iter_mut().zip(terms.grad) {
                *gi += row.weight * d;
            }
            Some(row.weight * terms.log_likelihood)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::tests::assert_gradient;

    /// ∫ₐᵇ f by composite Simpson's rule with many panels, for checking the series.
    fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
        let n = 20_000;
        let h = (b - a) / n as f64;
        let inner: f64 = (1..n)
            .map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
            .sum();
        (f(a) + f(b) + inner) * h / 3.0
    }

    #[test]
    fn death_integral_matches_quadrature_either_way_round() {
        for (r, alpha, s, beta) in [
            (0.55, 10.6, 0.61, 11.7),
            (2.0, 30.0, 0.4, 2.0),
            (0.3, 1.5, 3.0, 40.0),
            // Shifts far apart, so that z is near 1 at t_x = 0.
            (0.7, 31.9, 0.49, 3000.0),
            (0.7, 3000.0, 0.49, 2.0),
        ] {
            let model = ParetoNbd { r, alpha, s, beta };
            // A frequent buyer too, whose series used to swell before it converged.
            for (x, tx, t) in [(3.0, 4.0, 39.0), (0.0, 0.0, 30.0), (25.0, 0.5, 60.0)] {
                let (ln, _) = model.death_integral(x, tx, t).unwrap().unwrap();
                // In y = ln(c+τ), c the smaller shift, the steep integrand is smooth.
                let c = alpha.min(beta);
                let numeric = simpson(
                    |y| {
                        let tau = y.exp() - c;
                        (alpha + tau).powf(-(r + x)) * (beta + tau).powf(-(s + 1.0)) * (c + tau)
                    },
                    (c + tx).ln(),
                    (c + t).ln(),
                );
                assert!(
                    (ln.exp() / numeric - 1.0).abs() < 1e-11,
                    "x {x}, t_x {tx}, T {t}: {} vs {numeric}",
                    ln.exp()
                );
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let customers = [
            (0, 0.0, 30.0),
            (1, 5.5, 30.0),
            (3, 20.0, 25.0),
            (7, 24.0, 26.0),
            (2, 9.0, 9.0),
        ];
        let data = RepeatData::from_customers(&customers.map(|(frequency, recency, age)| Customer {
            frequency,
            recency,
            age,
        }))
        .unwrap();
        let objective = Objective::new(&data);
        assert_gradient(&objective, &[0.55, 10.6, 0.61, 11.7]);
        assert_gradient(&objective, &[0.55, 11.6, 0.61, 10.7]);
        assert_gradient(&objective, &[2.0, 1.0, 0.3, 50.0]);
        assert_gradient(&objective, &[1.0, 5.0, 1.0, 5.0]);
        assert_gradient(&objective, &[0.7, 31.9, 0.49, 225.0]);
    }

    #[test]
    fn p_alive_matches_the_closed_form_when_alpha_equals_beta() {
        // With α = β the integral is closed: ∫ (α+τ)^-(r+s+x+1) = [(α+t_x)^-m − (α+T)^-m] / m.
        let (r, a, s) = (0.8, 6.0, 1.3);
        let model = ParetoNbd {
            r,
            alpha: a,
            s,
            beta: a,
        };
        let c = Customer {
            frequency: 2,
            recency: 10.0,
            age: 30.0,
        };
        let m = r + s + 2.0;
        let integral = ((a + 10.0f64).powf(-m) - (a + 30.0f64).powf(-m)) / m;
        let alive = (a + 30.0f64).powf(-(r + 2.0)) * (a + 30.0f64).powf(-s);
        let expected = alive / (alive + s * integral);
        assert!((model.p_alive(&c) / expected - 1.0).abs() < 1e-12);
    }
}
