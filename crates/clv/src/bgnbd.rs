//! BG/NBD (Fader, Hardie & Lee 2005) and its modification MBG/NBD (Batislam, Denizel & Filiztekin
//! 2007): Poisson purchasing with gamma-distributed rates, and a beta-distributed chance of
//! dropping out after each repeat purchase (BG/NBD) or after every purchase, the first included
//! (MBG/NBD).

use crate::data::{Customer, RepeatData};
use crate::fit::{self, Fit, Likelihood};
use crate::special::{digamma, hyp2f1, ln_gamma, log_add_exp, logistic};
use crate::{ClvError, PurchaseModel};

/// Which of the two beta-geometric dropout processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Variant {
    /// Dropout only after repeat purchases.
    BgNbd,
    /// Dropout after any purchase, the first included; customers with no repeat purchase may be dead.
    MbgNbd,
}

impl Variant {
    /// Extra dropout opportunities counted beyond the repeat purchases: 0 for BG/NBD, 1 for MBG/NBD.
    fn shift(self) -> f64 {
        match self {
            Variant::BgNbd => 0.0,
            Variant::MbgNbd => 1.0,
        }
    }

    /// The model's short name.
    pub fn name(self) -> &'static str {
        match self {
            Variant::BgNbd => "bgnbd",
            Variant::MbgNbd => "mbgnbd",
        }
    }
}

/// A fitted BG/NBD or MBG/NBD model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BetaGeo {
    /// Which dropout process.
    pub variant: Variant,
    /// Shape of the gamma distribution of purchase rates.
    pub r: f64,
    /// Rate (inverse scale) of the gamma distribution of purchase rates.
    pub alpha: f64,
    /// First shape of the beta distribution of dropout probabilities.
    pub a: f64,
    /// Second shape of the beta distribution of dropout probabilities.
    pub b: f64,
}

impl BetaGeo {
    /// Fits the model to `data` by maximum likelihood.
    pub fn fit(variant: Variant, data: &RepeatData) -> Result<(Self, Fit), ClvError> {
        data.require_repeat_buyers(2.0)?;
        let (mean_x, mean_t) = data.means();
        // A purchase-rate start from the mean repeat rate, and beta starts either side of a
        // typical dropout chance.
        let rate = (mean_x / mean_t.max(1e-9)).max(1e-6);
        let starts = [
            vec![1.0, 1.0 / rate, 1.0, 1.0],
            vec![0.5, 0.5 / rate, 0.5, 3.0],
            vec![2.0, 2.0 / rate, 2.0, 0.5],
        ];
        let fit = fit::maximise(&Objective { variant, data }, variant.name(), &starts)?;
        let p = &fit.params;
        let model = BetaGeo {
            variant,
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
        };
        Ok((model, fit))
    }

    /// Expected purchases in the next `t` of a customer with history `c` who is still active.
    ///
    /// The paper's form is (a+b+x+k−1)/(a−1) · (1 − (1−z)^(r+x) ₂F₁(r+x, b+x+k; a+b+x+k−1; z))
    /// with z = t/(α+T+t). Euler's transformation ₂F₁(p, q; s; z) = (1−z)^(s−p−q) ₂F₁(s−p,
    /// s−q; s; z) turns the product into (1−z)^(a−1) ₂F₁(a+b+k−1−r, a−1; a+b+x+k−1; z): the
    /// same value, from a series whose terms shrink faster the more purchases x there are,
    /// where the paper's grow with x before they fall.
    fn purchases_if_alive(&self, t: f64, c: &Customer) -> Result<f64, ClvError> {
        let BetaGeo { r, alpha, a, b, .. } = *self;
        let x = f64::from(c.frequency);
        let k = self.variant.shift();
        let z = t / (alpha + c.age + t);
        let series =
            hyp2f1(a + b + k - 1.0 - r, a - 1.0, a + b + x + k - 1.0, z).ok_or(ClvError::Series {
                what: "expected purchases",
                z,
            })?;
        let ratio = ((alpha + c.age) / (alpha + c.age + t)).powf(a - 1.0);
        Ok((a + b + x + k - 1.0) / (a - 1.0) * (1.0 - ratio * series))
    }

    /// ln of the odds that the customer has dropped out, against alive; `None` when alive for sure.
    fn log_dead_odds(&self, c: &Customer) -> Option<f64> {
        let x = f64::from(c.frequency);
        let k = x + self.variant.shift();
        (k > 0.0).then(|| {
            self.a.ln() - (self.b + k - 1.0).ln()
                + (self.r + x) * ((self.alpha + c.age).ln() - (self.alpha + c.recency).ln())
        })
    }
}

impl PurchaseModel for BetaGeo {
    fn name(&self) -> &'static str {
        self.variant.name()
    }

    fn p_alive(&self, c: &Customer) -> f64 {
        self.log_dead_odds(c).map_or(1.0, |odds| logistic(-odds))
    }

    fn expected_purchases(&self, t: f64, c: &Customer) -> Result<f64, ClvError> {
        Ok(self.purchases_if_alive(t, c)? * self.p_alive(c))
    }

    fn discounted_purchases(
        &self,
        c: &Customer,
        step: f64,
        steps: u32,
        discount: f64,
    ) -> Result<f64, ClvError> {
        // P(alive) is the same at every step.
        let p_alive = self.p_alive(c);
        crate::discounted(
            |t| Ok(self.purchases_if_alive(t, c)? * p_alive),
            step,
            steps,
            discount,
        )
    }
}

/// The log-likelihood of the model over compressed data.
struct Objective<'a> {
    variant: Variant,
    data: &'a RepeatData,
}

/// Per distinct frequency x: the terms that depend on x and the parameters only.
struct FrequencyTerms {
    /// r + x
    rx: f64,
    /// ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+k) − ln B(a, b)
    constant: f64,
    /// ∂constant/∂r, ∂/∂α, ∂/∂a, ∂/∂b
    d_constant: [f64; 4],
    /// ln a − ln(b + x + k − 1), when the customer could have dropped out
    dead: Option<f64>,
    /// 1 / (b + x + k − 1)
    inv_b: f64,
}

impl Likelihood for Objective<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "a", "b"]
    }

    fn observations(&self) -> f64 {
        self.data.customers()
    }

    fn evaluate(&self, p: &[f64], grad: &mut [f64]) -> Option<f64> {
        let (r, alpha, a, b) = (p[0], p[1], p[2], p[3]);
        let k = self.variant.shift();
        let (psi_r, psi_ab, psi_b) = (digamma(r), digamma(a + b), digamma(b));
        let (ln_gamma_r, ln_gamma_ab, ln_gamma_b) = (ln_gamma(r), ln_gamma(a + b), ln_gamma(b));
        let terms: Vec<FrequencyTerms> = self
            .data
            .frequencies
            .iter()
            .map(|&x| {
                let (bx, abx) = (b + x + k, a + b + x + k);
                let constant = ln_gamma(r + x) - ln_gamma_r + r * alpha.ln() + ln_gamma_ab + ln_gamma(bx)
                    - ln_gamma_b
                    - ln_gamma(abx);
                let psi_abx = digamma(abx);
                FrequencyTerms {
                    rx: r + x,
                    constant,
                    d_constant: [
                        digamma(r + x) - psi_r + alpha.ln(),
                        r / alpha,
                        psi_ab - psi_abx,
                        psi_ab + digamma(bx) - psi_b - psi_abx,
                    ],
                    dead: (x + k > 0.0).then(|| a.ln() - (bx - 1.0).ln()),
                    inv_b: 1.0 / (bx - 1.0),
                }
            })
            .collect();
        let logs = |values: &[f64]| -> Vec<(f64, f64)> {
            values
                .iter()
                .map(|v| ((alpha + v).ln(), 1.0 / (alpha + v)))
                .collect()
        };
        let (ages, recencies) = (logs(&self.data.ages), logs(&self.data.recencies));
        fit::sum_rows(&self.data.rows, grad, |row, g| {
            let f = &terms[row.frequency as usize];
            let (ln_age, inv_age) = ages[row.age as usize];
            let alive = -f.rx * ln_age;
            let (total, w_dead) = match f.dead {
                Some(dead) => {
                    let (ln_rec, _) = recencies[row.recency as usize];
                    let dead = dead - f.rx * ln_rec;
                    let total = log_add_exp(alive, dead);
                    (total, (dead - total).exp())
                }
                None => (alive, 0.0),
            };
            let w_alive = 1.0 - w_dead;
            let (ln_rec, inv_rec) = recencies[row.recency as usize];
            let w = row.weight;
            g[0] += w * (f.d_constant[0] - w_alive * ln_age - w_dead * ln_rec);
            g[1] += w * (f.d_constant[1] - f.rx * (w_alive * inv_age + w_dead * inv_rec));
            g[2] += w * (f.d_constant[2] + w_dead / a);
            g[3] += w * (f.d_constant[3] - w_dead * f.inv_b);
            Some(w * (f.constant + total))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::tests::assert_gradient;

    fn sample() -> RepeatData {
        let customers = [
            (0, 0.0, 30.0),
            (1, 5.5, 30.0),
            (3, 20.0, 25.0),
            (7, 24.0, 26.0),
            (0, 0.0, 2.0),
        ];
        RepeatData::from_customers(&customers.map(|(frequency, recency, age)| Customer {
            frequency,
            recency,
            age,
        }))
        .unwrap()
    }

    #[test]
    fn expected_purchases_equal_the_papers_series() {
        // The paper's form, summed as written, against Euler's transformation of it, for both
        // variants, new and frequent buyers, short and long horizons.
        for variant in [Variant::BgNbd, Variant::MbgNbd] {
            let model = BetaGeo {
                variant,
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            };
            let k = variant.shift();
            for (frequency, age) in [(0, 1.0), (2, 38.86), (15, 70.0), (60, 300.0)] {
                for t in [0.5, 39.0, 156.0, 1000.0] {
                    let c = Customer {
                        frequency,
                        recency: age / 2.0,
                        age,
                    };
                    let (BetaGeo { r, alpha, a, b, .. }, x) = (model, f64::from(frequency));
                    let z = t / (alpha + age + t);
                    let paper = (a + b + x + k - 1.0) / (a - 1.0)
                        * (1.0
                            - ((alpha + age) / (alpha + age + t)).powf(r + x)
                                * hyp2f1(r + x, b + x + k, a + b + x + k - 1.0, z).unwrap());
                    let got = model.purchases_if_alive(t, &c).unwrap();
                    assert!(
                        (got - paper).abs() <= 1e-12 * paper.abs().max(1.0),
                        "{got} vs {paper}"
                    );
                }
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let data = sample();
        for variant in [Variant::BgNbd, Variant::MbgNbd] {
            let objective = Objective { variant, data: &data };
            assert_gradient(&objective, &[0.24, 4.4, 0.79, 2.4]);
            assert_gradient(&objective, &[3.0, 0.5, 5.0, 0.3]);
        }
    }

    #[test]
    fn likelihood_matches_the_closed_form_for_one_customer() {
        // One BG/NBD customer with x = 2, t_x = 5, T = 10 at r=1, α=2, a=1, b=2:
        // L = B(a,b+x)/B(a,b) Γ(r+x)α^r/(Γ(r)(α+T)^{r+x}) + B(a+1,b+x-1)/B(a,b) Γ(r+x)α^r/(Γ(r)(α+t_x)^{r+x})
        //   = (1/4)/(1/2) · 2·2/12³ + (1/12)/(1/2) · 2·2/7³
        let expected = (0.5 * 4.0 / 1728.0 + (1.0 / 6.0) * 4.0 / 343.0f64).ln();
        let data = RepeatData::from_customers(&[Customer {
            frequency: 2,
            recency: 5.0,
            age: 10.0,
        }])
        .unwrap();
        let ll = Objective {
            variant: Variant::BgNbd,
            data: &data,
        }
        .evaluate(&[1.0, 2.0, 1.0, 2.0], &mut [0.0; 4])
        .unwrap();
        assert!((ll - expected).abs() < 1e-12, "{ll} vs {expected}");
    }
}
