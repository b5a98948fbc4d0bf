//! Customers simulated from the models' own processes in continuous time, for parameter
//! recovery tests and benchmark data.

use rand::Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};

use crate::{BetaGeo, Customer, GammaGamma, ParetoNbd, ShiftedBetaGeometric, Tenure, Variant};

/// A purchasing process to simulate.
#[derive(Debug, Clone, Copy)]
pub enum Process {
    /// BG/NBD or MBG/NBD.
    BetaGeo(BetaGeo),
    /// Pareto/NBD.
    Pareto(ParetoNbd),
}

/// Times of one customer's repeat purchases within `age` time units after a first purchase at 0.
pub fn repeat_times(process: &Process, age: f64, rng: &mut impl Rng) -> Vec<f64> {
    let mut times = Vec::new();
    match *process {
        Process::BetaGeo(m) => {
            let rate = gamma(m.r, m.alpha).sample(rng);
            let dropout = Beta::new(m.a, m.b).expect("beta shapes are positive").sample(rng);
            if m.variant == Variant::MbgNbd && rng.random::<f64>() < dropout {
                return times;
            }
            let gap = Exp::new(rate).expect("rate is positive");
            let mut t = 0.0;
            loop {
                t += gap.sample(rng);
                if t > age {
                    break;
                }
                times.push(t);
                if rng.random::<f64>() < dropout {
                    break;
                }
            }
        }
        Process::Pareto(m) => {
            let rate = gamma(m.r, m.alpha).sample(rng);
            let death = gamma(m.s, m.beta).sample(rng);
            let lifetime = Exp::new(death).expect("rate is positive").sample(rng);
            let gap = Exp::new(rate).expect("rate is positive");
            let end = lifetime.min(age);
            let mut t = gap.sample(rng);
            while t <= end {
                times.push(t);
                t += gap.sample(rng);
            }
        }
    }
    times
}

/// The summary of a customer whose repeat purchases came at `times` (ascending), observed for `age`.
pub fn summarise(times: &[f64], age: f64) -> Customer {
    Customer {
        frequency: times.len() as u32,
        recency: times.last().copied().unwrap_or(0.0),
        age,
    }
}

/// `count` transaction values of one customer drawn from a Gamma-Gamma model.
pub fn spend(model: &GammaGamma, count: usize, rng: &mut impl Rng) -> Vec<f64> {
    let nu = gamma(model.q, model.gamma).sample(rng);
    let value = gamma(model.p, nu);
    (0..count).map(|_| value.sample(rng)).collect()
}

/// Survivors of a cohort of `size` customers over `periods` periods: `active[0]` = size,
/// `active[t]` still active after period t.
pub fn survivors(model: &ShiftedBetaGeometric, size: usize, periods: u32, rng: &mut impl Rng) -> Vec<f64> {
    let mut active = vec![0.0; periods as usize + 1];
    for _ in 0..size {
        let paid = match tenure(model, periods, rng) {
            Tenure::Churned(t) => t as usize,
            Tenure::Active(t) => t as usize + 1,
        };
        active[..paid].iter_mut().for_each(|a| *a += 1.0);
    }
    active
}

/// One contractual customer's tenure, observed for `observed` periods.
pub fn tenure(model: &ShiftedBetaGeometric, observed: u32, rng: &mut impl Rng) -> Tenure {
    let theta = Beta::new(model.alpha, model.beta)
        .expect("beta shapes are positive")
        .sample(rng);
    for t in 1..=observed {
        if rng.random::<f64>() < theta {
            return Tenure::Churned(t);
        }
    }
    Tenure::Active(observed)
}

/// Gamma with shape `shape` and rate `rate`.
fn gamma(shape: f64, rate: f64) -> Gamma<f64> {
    Gamma::new(shape, 1.0 / rate).expect("gamma parameters are positive")
}
