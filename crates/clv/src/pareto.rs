//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie 2005):
//! Poisson purchasing with gamma-distributed rates and an exponential lifetime with
//! gamma-distributed dropout rates.
//!
//! The likelihood's awkward part is the chance of dying between the last purchase and the end of
//! calibration, s ∫ from t_x to T of (α+τ)^-(r+x) (β+τ)^-(s+1) dτ. Expanding the factor with the
//! smaller shift around the larger one gives a hypergeometric series in |α−β| / (max(α,β)+t) < 1
//! whose terms are all positive; it is summed relative to its first term, so nothing under- or
//! overflows, and differentiated term by term for the analytic gradient.

use crate::data::{Customer, RepeatData};
use crate::fit::{self, Fit, Likelihood};
use crate::special::{digamma, ln_gamma, log_add_exp, logistic};
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
        let fit = fit::maximise(&Objective { data }, "pareto", &starts)?;
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
        let ParetoNbd { r, alpha, s, beta } = *self;
        let x = f64::from(c.frequency);
        let (t, tx) = (c.age, c.recency);
        let base = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let d_base = [
            digamma(r + x) - digamma(r) + alpha.ln(),
            r / alpha,
            beta.ln(),
            s / beta,
        ];
        let alive = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
        let d_alive = [
            -(alpha + t).ln(),
            -(r + x) / (alpha + t),
            -(beta + t).ln(),
            -s / (beta + t),
        ];
        let mut grad = [0.0; 4];
        let Some((ln_integral, d_integral)) = self.death_integral(x, tx, t)? else {
            for (g, (b, a)) in grad.iter_mut().zip(d_base.iter().zip(d_alive)) {
                *g = b + a;
            }
            return Some(CustomerTerms {
                log_likelihood: base + alive,
                grad,
                p_alive: 1.0,
            });
        };
        let dead = s.ln() + ln_integral;
        let total = log_add_exp(alive, dead);
        let w_alive = (alive - total).exp();
        let w_dead = 1.0 - w_alive;
        for i in 0..4 {
            grad[i] = d_base[i] + w_alive * d_alive[i] + w_dead * d_integral[i];
        }
        grad[2] += w_dead / s;
        Some(CustomerTerms {
            log_likelihood: base + total,
            grad,
            p_alive: logistic(alive - dead),
        })
    }

    /// ln ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ and its gradient in (r, α, s, β); `Ok(None)`
    /// when the interval is empty. `None` when the series does not converge.
    #[allow(clippy::type_complexity)]
    fn death_integral(&self, x: f64, tx: f64, t: f64) -> Option<Option<(f64, [f64; 4])>> {
        if tx >= t {
            return Some(None);
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        // g(τ) = (u+τ)^-p (v+τ)^-q with u ≥ v; remember which parameter each role holds.
        let swapped = alpha < beta;
        let (u, p, v, q) = if swapped {
            (beta, s + 1.0, alpha, r + x)
        } else {
            (alpha, r + x, beta, s + 1.0)
        };
        let first = Antiderivative::at(u, p, v, q, tx)?;
        let last = Antiderivative::at(u, p, v, q, t)?;
        // ∫ = F(t_x) − F(T) with F decreasing; δ = F(T)/F(t_x) < 1.
        let delta = (last.ln - first.ln).exp();
        if delta >= 1.0 {
            return Some(None);
        }
        let ln_integral = first.ln + (-delta).ln_1p();
        let d = |i: usize| (first.grad[i] - delta * last.grad[i]) / (1.0 - delta);
        // Roles (p, q, u, v) back to (r, α, s, β).
        let (dp, dq, du, dv) = (d(0), d(1), d(2), d(3));
        let grad = if swapped {
            [dq, dv, dp, du]
        } else {
            [dp, du, dq, dv]
        };
        Some(Some((ln_integral, grad)))
    }
}

/// One customer's likelihood terms.
struct CustomerTerms {
    log_likelihood: f64,
    grad: [f64; 4],
    p_alive: f64,
}

/// F(t) = Σₙ (q)ₙ/n! (u−v)ⁿ (u+t)^-(m+n) / (m+n), m = p+q−1: the antiderivative (up to sign) of
/// (u+τ)^-p (v+τ)^-q for u ≥ v, as its log and the gradient of its log in (p, q, u, v).
struct Antiderivative {
    ln: f64,
    grad: [f64; 4],
}

impl Antiderivative {
    fn at(u: f64, p: f64, v: f64, q: f64, t: f64) -> Option<Self> {
        let m = p + q - 1.0;
        let z = (u - v) / (u + t);
        // ρₙ = term n / term 0; running sums of ρₙ and of its derivatives.
        let (mut rho, mut harmonic) = (1.0f64, 0.0f64);
        let (mut sum, mut sum_p, mut sum_q, mut sum_z) = (1.0, 0.0, 0.0, 0.0);
        let mut converged = z == 0.0;
        for n in 1..=MAX_TERMS {
            let k = n as f64;
            // ∂ρₙ/∂z = n ρₙ / z, computed from ρₙ₋₁ so that z = 0 needs no division.
            let zeta = rho * (q + k - 1.0) * (m + k - 1.0) / (m + k);
            harmonic += 1.0 / (q + k - 1.0);
            rho = zeta * z / k;
            let tail = 1.0 / m - 1.0 / (m + k);
            sum += rho;
            sum_p += rho * tail;
            sum_q += rho * (harmonic + tail);
            sum_z += zeta;
            let ratio = (q + k) / (k + 1.0) * z * (m + k) / (m + k + 1.0);
            if ratio < 1.0 && rho <= f64::EPSILON * 0.25 * sum * (1.0 - ratio) {
                converged = true;
                break;
            }
        }
        if !converged {
            return None;
        }
        let ln_u = (u + t).ln();
        let common = -ln_u - 1.0 / m;
        Some(Antiderivative {
            ln: -m * ln_u - m.ln() + sum.ln(),
            grad: [
                common + sum_p / sum,
                common + sum_q / sum,
                -m / (u + t) + sum_z / sum * (v + t) / ((u + t) * (u + t)),
                -sum_z / sum / (u + t),
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
        let ParetoNbd { r, alpha, s, beta } = *self;
        let x = f64::from(c.frequency);
        let terms = self.customer_terms(c).ok_or(ClvError::Series {
            what: "P(alive)",
            z: (alpha - beta).abs() / (alpha.max(beta) + c.recency),
        })?;
        // (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)], continuous through s = 1.
        let ln_y = ((beta + c.age) / (beta + c.age + t)).ln();
        let shrink = if (s - 1.0).abs() < 1e-12 {
            -ln_y
        } else {
            -((s - 1.0) * ln_y).exp_m1() / (s - 1.0)
        };
        Ok((r + x) * (beta + c.age) / (alpha + c.age) * shrink * terms.p_alive)
    }
}

/// The log-likelihood of the model over compressed data.
struct Objective<'a> {
    data: &'a RepeatData,
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
        fit::sum_rows(&data.rows, grad, |row, g| {
            let customer = Customer {
                frequency: data.frequencies[row.frequency as usize] as u32,
                recency: data.recencies[row.recency as usize],
                age: data.ages[row.age as usize],
            };
            let terms = model.customer_terms(&customer)?;
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
        ] {
            let model = ParetoNbd { r, alpha, s, beta };
            let (x, tx, t) = (3.0, 4.0, 39.0);
            let (ln, _) = model.death_integral(x, tx, t).unwrap().unwrap();
            let numeric = simpson(
                |tau| (alpha + tau).powf(-(r + x)) * (beta + tau).powf(-(s + 1.0)),
                tx,
                t,
            );
            assert!(
                (ln.exp() / numeric - 1.0).abs() < 1e-9,
                "{} vs {numeric}",
                ln.exp()
            );
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
        let objective = Objective { data: &data };
        assert_gradient(&objective, &[0.55, 10.6, 0.61, 11.7]);
        assert_gradient(&objective, &[0.55, 11.6, 0.61, 10.7]);
        assert_gradient(&objective, &[2.0, 1.0, 0.3, 50.0]);
        assert_gradient(&objective, &[1.0, 5.0, 1.0, 5.0]);
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
