//! Customers simulated from the models' own processes in continuous time, for parameter
//! recovery tests and benchmark data.

use rand::Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};

use crate::{BetaGeo, Customer, GammaGamma, ParetoNbd, ShiftedBetaGeometric, Variant};

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

/// Customers of a cohort of `size` still active after each of `periods` periods under sBG,
/// starting with `size`.
pub fn survivors(model: &ShiftedBetaGeometric, size: usize, periods: u32, rng: &mut impl Rng) -> Vec<f64> {
    let churn = Beta::new(model.alpha, model.beta).expect("beta shapes are positive");
    let mut active = vec![0.0; periods as usize + 1];
    for _ in 0..size {
        let theta = churn.sample(rng);
        active[0] += 1.0;
        for slot in active.iter_mut().skip(1) {
            if rng.random::<f64>() < theta {
                break;
            }
            *slot += 1.0;
        }
    }
    active
}

/// Gamma with shape `shape` and rate `rate`.
fn gamma(shape: f64, rate: f64) -> Gamma<f64> {
    Gamma::new(shape, 1.0 / rate).expect("gamma parameters are positive")
}
