//! Predictive customer lifetime value: pure numerics, no engine.
//!
//! Summaries of repeat purchases ([`Customer`], compressed into [`RepeatData`]) are fitted by
//! maximum likelihood with analytic gradients to BG/NBD, MBG/NBD ([`BetaGeo`]) or Pareto/NBD
//! ([`ParetoNbd`]); spend to Gamma-Gamma ([`GammaGamma`]); contractual survival to sBG
//! ([`ShiftedBetaGeometric`]). Each fit reports its log-likelihood, standard errors and
//! convergence diagnostics ([`Fit`]); every failure is a typed [`ClvError`], never a NaN.

mod bgnbd;
mod data;
mod fit;
mod forecast;
pub mod holdout;
mod pareto;
mod retention;
pub mod simulate;
mod special;
mod spend;

pub use bgnbd::{BetaGeo, Variant};
pub use data::{Customer, RepeatData, TimeUnit};
pub use fit::{Diagnostics, Fit};
pub use forecast::{Fitted, Horizon, Model, Prediction, SpendFit, fit, fit_purchases};
pub use pareto::ParetoNbd;
pub use retention::{ShiftedBetaGeometric, Tenure, Tenures};
pub use spend::{GammaGamma, SpendData};

/// Why a model could not be fitted or evaluated.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClvError {
    /// A customer's summary is impossible.
    #[error("customer {index}: {reason}")]
    InvalidCustomer {
        /// Position of the customer in the input.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// There is nobody to fit.
    #[error("no customers to fit")]
    NoCustomers,
    /// Too few customers bought again for the rates to be identified.
    #[error(
        "only {found} customer(s) made a repeat purchase; at least {needed} are needed to tell \
         purchase rates from dropout (use a longer calibration period or a coarser time unit)"
    )]
    TooFewRepeatBuyers {
        /// Repeat buyers found.
        found: u64,
        /// Repeat buyers needed.
        needed: u64,
    },
    /// The optimiser found no usable optimum.
    #[error("{model}: {detail}")]
    NotConverged {
        /// Model name.
        model: String,
        /// What happened.
        detail: String,
    },
    /// A hypergeometric series did not settle (its argument is too close to 1).
    #[error("the series for {what} did not converge at z = {z}; the fitted parameters are extreme")]
    Series {
        /// The quantity being computed.
        what: &'static str,
        /// The series argument.
        z: f64,
    },
    /// The Gamma-Gamma population mean spend is infinite.
    #[error("the fitted spend distribution has no finite mean (q = {q} ≤ 1)")]
    InfiniteMeanSpend {
        /// The fitted q.
        q: f64,
    },
    /// A survival series cannot be fitted.
    #[error("survival data: {0}")]
    InvalidSurvival(String),
}

/// What every fitted model of repeat purchasing predicts for a customer.
pub trait PurchaseModel: Sync {
    /// The model's short name (`bgnbd`, `mbgnbd`, `pareto`).
    fn name(&self) -> &'static str;

    /// Chance that the customer is still active at the end of calibration.
    fn p_alive(&self, c: &Customer) -> f64;

    /// Expected purchases in the next `t` time units, given the customer's history.
    fn expected_purchases(&self, t: f64, c: &Customer) -> Result<f64, ClvError>;

    /// Expected purchases in `t` time units by a customer who has just made a first purchase, E[X(t)].
    fn population_purchases(&self, t: f64) -> Result<f64, ClvError> {
        let newcomer = Customer {
            frequency: 0,
            recency: 0.0,
            age: 0.0,
        };
        self.expected_purchases(t, &newcomer)
    }

    /// Expected purchases in each of `steps` periods of `step` time units, discounted at
    /// `discount` per period: Σᵢ (E[X(i·step)] − E[X((i−1)·step)]) / (1+discount)ⁱ. Times the
    /// expected spend, it is the customer's discounted value.
    fn discounted_purchases(
        &self,
        c: &Customer,
        step: f64,
        steps: u32,
        discount: f64,
    ) -> Result<f64, ClvError> {
        discounted(|t| self.expected_purchases(t, c), step, steps, discount)
    }
}

/// Σᵢ (E(i·step) − E((i−1)·step)) / (1+discount)ⁱ for i in 1..=`steps`, E being `expected`:
/// expected purchases by the end of each period, discounted per period.
pub(crate) fn discounted(
    expected: impl Fn(f64) -> Result<f64, ClvError>,
    step: f64,
    steps: u32,
    discount: f64,
) -> Result<f64, ClvError> {
    let mut total = 0.0;
    let mut before = 0.0;
    let mut factor = 1.0;
    for i in 1..=steps {
        let upto = expected(f64::from(i) * step)?;
        factor /= 1.0 + discount;
        total += (upto - before) * factor;
        before = upto;
    }
    Ok(total)
}
