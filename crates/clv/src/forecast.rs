//! From customers' histories to per-customer predictions: fit a purchase model and the
//! Gamma-Gamma spend model, then P(alive), expected purchases, expected spend and discounted
//! value over a horizon of whole months.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::{
    BetaGeo, ClvError, Customer, Fit, GammaGamma, ParetoNbd, PurchaseModel, RepeatData, SpendData, TimeUnit,
    Variant,
};

/// The non-contractual purchase models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// BG/NBD.
    BgNbd,
    /// MBG/NBD.
    MbgNbd,
    /// Pareto/NBD.
    Pareto,
}

impl Model {
    /// The model's short name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Model::BgNbd => "bgnbd",
            Model::MbgNbd => "mbgnbd",
            Model::Pareto => "pareto",
        }
    }
}

/// Fits `model` to `data`.
pub fn fit_purchases(
    model: Model,
    data: &RepeatData,
) -> Result<(Box<dyn PurchaseModel + Send>, Fit), ClvError> {
    Ok(match model {
        Model::BgNbd | Model::MbgNbd => {
            let variant = if model == Model::BgNbd {
                Variant::BgNbd
            } else {
                Variant::MbgNbd
            };
            let (fitted, fit) = BetaGeo::fit(variant, data)?;
            (Box::new(fitted), fit)
        }
        Model::Pareto => {
            let (fitted, fit) = ParetoNbd::fit(data)?;
            (Box::new(fitted), fit)
        }
    })
}

/// How far ahead to predict, and how to discount.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Horizon {
    /// Whole months ahead.
    pub months: u32,
    /// Discount rate per year, e.g. 0.1 for 10%.
    pub annual_discount: f64,
    /// The unit the customers' histories are measured in.
    pub unit: TimeUnit,
}

impl Horizon {
    /// One month in the histories' time unit.
    fn month(&self) -> f64 {
        TimeUnit::Month.days() / self.unit.days()
    }

    /// The horizon in the histories' time unit.
    pub fn length(&self) -> f64 {
        f64::from(self.months) * self.month()
    }

    /// The monthly rate equivalent to the annual discount rate.
    pub fn monthly_discount(&self) -> f64 {
        (1.0 + self.annual_discount).powf(1.0 / 12.0) - 1.0
    }
}

/// The fitted spend model, and the repeat buyers it could not use.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendFit {
    /// Gamma-Gamma estimates.
    pub model: GammaGamma,
    /// Fit statistics.
    pub fit: Fit,
    /// Repeat buyers left out because their mean repeat spend is not positive (net refunds).
    pub excluded: u64,
}

/// One customer's predictions.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Prediction {
    /// Chance the customer is still active at the end of calibration.
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// Expected value of a future purchase, when the spend model could be fitted.
    pub expected_spend: Option<f64>,
    /// Discounted value of the expected purchases over the horizon, when spend is known.
    pub value: Option<f64>,
}

/// A fitted purchase model and spend model, ready to predict.
pub struct Fitted {
    /// The purchase model chosen.
    pub model: Model,
    /// The fitted purchase model.
    pub purchases: Box<dyn PurchaseModel + Send>,
    /// Its estimates and diagnostics.
    pub purchase_fit: Fit,
    /// The spend model, or why it could not be fitted (predictions then carry no value).
    pub spend: Result<SpendFit, ClvError>,
    /// Customers fitted.
    pub customers: u64,
}

/// Fits `model` and Gamma-Gamma to `histories`, each customer with the mean value of their
/// repeat purchases.
pub fn fit(model: Model, histories: &[(Customer, f64)]) -> Result<Fitted, ClvError> {
    let data = RepeatData::new(histories.iter().map(|(c, _)| (*c, 1.0)))?;
    let (purchases, purchase_fit) = fit_purchases(model, &data)?;
    Ok(Fitted {
        model,
        purchases,
        purchase_fit,
        spend: fit_spend(histories),
        customers: histories.len() as u64,
    })
}

impl Fitted {
    /// Predicts every customer of `histories` over `horizon`, in order.
    pub fn predict(
        &self,
        histories: &[(Customer, f64)],
        horizon: &Horizon,
    ) -> Result<Vec<Prediction>, ClvError> {
        let purchases = &self.purchases;
        let purchase_terms = per_unique_customer(histories.iter().map(|(c, _)| c), |c| {
            Ok((
                purchases.p_alive(c),
                purchases.expected_purchases(horizon.length(), c)?,
                purchases.discounted_purchases(
                    c,
                    horizon.month(),
                    horizon.months,
                    horizon.monthly_discount(),
                )?,
            ))
        })?;
        Ok(histories
            .iter()
            .zip(purchase_terms)
            .map(|((c, mean_spend), (p_alive, expected_purchases, discounted))| {
                let expected_spend = self.spend.as_ref().ok().and_then(|s| {
                    let usable = c.frequency > 0 && *mean_spend > 0.0;
                    let (x, m) = if usable {
                        (c.frequency, *mean_spend)
                    } else {
                        (0, 0.0)
                    };
                    s.model.expected_spend(x, m).ok()
                });
                Prediction {
                    p_alive,
                    expected_purchases,
                    expected_spend,
                    value: expected_spend.map(|s| s * discounted),
                }
            })
            .collect())
    }
}

/// Fits Gamma-Gamma to the repeat buyers with a positive mean spend; a fitted model whose
/// population mean is infinite is an error.
fn fit_spend(histories: &[(Customer, f64)]) -> Result<SpendFit, ClvError> {
    let usable = |(c, m): &&(Customer, f64)| c.frequency > 0 && *m > 0.0 && m.is_finite();
    let excluded = histories
        .iter()
        .filter(|h| h.0.frequency > 0 && !usable(h))
        .count() as u64;
    let data = SpendData::new(histories.iter().filter(usable).map(|(c, m)| (c.frequency, *m)))?;
    let (model, fit) = GammaGamma::fit(&data)?;
    model.expected_spend(0, 0.0)?;
    Ok(SpendFit { model, fit, excluded })
}

/// Evaluates `f` once per distinct customer history, in parallel, and returns its value for each
/// customer in order.
pub(crate) fn per_unique_customer<'a, T: Copy + Send>(
    customers: impl Iterator<Item = &'a Customer>,
    f: impl Fn(&Customer) -> Result<T, ClvError> + Sync,
) -> Result<Vec<T>, ClvError> {
    let key = |c: &Customer| (c.frequency, c.recency.to_bits(), c.age.to_bits());
    let mut index: HashMap<(u32, u64, u64), usize> = HashMap::new();
    let mut unique: Vec<Customer> = Vec::new();
    let slots: Vec<usize> = customers
        .map(|c| {
            *index.entry(key(c)).or_insert_with(|| {
                unique.push(*c);
                unique.len() - 1
            })
        })
        .collect();
    let values: Vec<T> = unique.par_iter().map(&f).collect::<Result<_, _>>()?;
    Ok(slots.into_iter().map(|slot| values[slot]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> BetaGeo {
        BetaGeo {
            variant: Variant::BgNbd,
            r: 0.24,
            alpha: 4.4,
            a: 0.79,
            b: 2.4,
        }
    }

    #[test]
    fn undiscounted_purchases_telescope_to_the_horizon() {
        let c = Customer {
            frequency: 3,
            recency: 20.0,
            age: 30.0,
        };
        let m = model();
        let whole = m.expected_purchases(12.0 * 4.0, &c).unwrap();
        let stepped = m.discounted_purchases(&c, 4.0, 12, 0.0).unwrap();
        assert!((whole - stepped).abs() < 1e-12, "{whole} vs {stepped}");
        // One step: the purchases of the first period, discounted once.
        let one = m.discounted_purchases(&c, 4.0, 1, 0.05).unwrap();
        assert!((one - m.expected_purchases(4.0, &c).unwrap() / 1.05).abs() < 1e-12);
        // Discounting can only lower the value.
        assert!(m.discounted_purchases(&c, 4.0, 12, 0.01).unwrap() < stepped);
    }

    #[test]
    fn horizons_convert_months_and_rates() {
        let weekly = Horizon {
            months: 12,
            annual_discount: 0.1,
            unit: TimeUnit::Week,
        };
        assert!((weekly.length() - 365.25 / 7.0).abs() < 1e-12);
        assert!(((1.0 + weekly.monthly_discount()).powi(12) - 1.1).abs() < 1e-12);
    }

    #[test]
    fn repeated_histories_are_evaluated_once_and_returned_in_order() {
        let a = Customer {
            frequency: 1,
            recency: 2.0,
            age: 5.0,
        };
        let b = Customer {
            frequency: 0,
            recency: 0.0,
            age: 5.0,
        };
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let values = per_unique_customer([a, b, a].iter(), |c| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(c.frequency)
        })
        .unwrap();
        assert_eq!(values, vec![1, 0, 1]);
        assert_eq!(calls.into_inner(), 2);
    }
}
