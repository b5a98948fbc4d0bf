//! Predicted lifetime value per account, from the `clv` models: repeat purchasing (BG/NBD,
//! MBG/NBD, Pareto/NBD with Gamma-Gamma spend) for one-off buyers, or contract retention (sBG)
//! for subscriptions.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use northstar_clv::holdout::{self, HoldoutGroup};
use northstar_clv::{
    Customer, Fit, Fitted, Horizon, Model, Prediction, ShiftedBetaGeometric, Tenure, Tenures, TimeUnit,
};
use northstar_engine::Engine;

use crate::{
    AccountEconomics, Economics, EconomicsError, RepeatSummary, Result, repeat_summary, round_cents,
    single_f64,
};

/// Calibration repeat-purchase groups compared in the holdout (0 … 6 and 7+, as Fader, Hardie
/// and Lee show them).
const HOLDOUT_GROUPS: u32 = 7;

/// A repeat-purchase forecast for every account that bought, with its evidence.
pub struct PurchaseForecast {
    /// The accounts' histories.
    pub summary: RepeatSummary,
    /// The fitted models.
    pub fitted: Fitted,
    /// Predictions, in the order of `summary.histories`.
    pub predictions: Vec<Prediction>,
    /// Predicted against actual holdout purchases by calibration frequency, when there is a holdout.
    pub holdout: Option<Vec<HoldoutGroup>>,
    /// Seconds spent on the summary, the fits and the predictions.
    pub seconds: StepSeconds,
}

/// Seconds spent on each step of a forecast.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct StepSeconds {
    /// Summarising the transactions in the engine.
    pub summary: f64,
    /// Fitting the purchase and spend models.
    pub fit: f64,
    /// Predicting every account (and the holdout comparison).
    pub predict: f64,
}

/// Summarises the transactions in `engine`, fits `model` and Gamma-Gamma, and predicts every
/// account over `horizon`.
pub fn forecast_purchases(
    engine: &Engine,
    model: Model,
    horizon: &Horizon,
    calibration_end: Option<i32>,
) -> Result<PurchaseForecast> {
    let started = Instant::now();
    let summary = repeat_summary(engine, horizon.unit, calibration_end)?;
    let summarised = Instant::now();
    let histories: Vec<(Customer, f64)> = summary
        .histories
        .iter()
        .map(|h| (h.customer, h.mean_spend))
        .collect();
    let fitted = northstar_clv::fit(model, &histories)?;
    let fitted_at = Instant::now();
    let predictions = fitted.predict(&histories, horizon)?;
    let holdout = if summary.holdout_length > 0.0 {
        let observed: Vec<(Customer, u32)> = summary
            .histories
            .iter()
            .map(|h| (h.customer, h.holdout_purchases))
            .collect();
        Some(holdout::by_frequency(
            fitted.purchases.as_ref(),
            &observed,
            summary.holdout_length,
            HOLDOUT_GROUPS,
        )?)
    } else {
        None
    };
    let seconds = StepSeconds {
        summary: (summarised - started).as_secs_f64(),
        fit: (fitted_at - summarised).as_secs_f64(),
        predict: fitted_at.elapsed().as_secs_f64(),
    };
    Ok(PurchaseForecast {
        summary,
        fitted,
        predictions,
        holdout,
        seconds,
    })
}

/// Whether the transactions look like a subscription business: any row of kind `renewal`.
pub fn has_renewals(engine: &Engine) -> Result<bool> {
    let renewals = single_f64(
        &engine.query("SELECT CAST(count(*) AS DOUBLE) FROM transactions WHERE lower(kind) = 'renewal'")?,
    )?;
    Ok(renewals > 0.0)
}

/// The sBG fit over every account's monthly tenure, and each account's prediction.
pub struct RetentionForecast {
    /// The fitted retention model (periods are months).
    pub model: ShiftedBetaGeometric,
    /// Its estimates and diagnostics.
    pub fit: Fit,
    /// Per account, in the order given: (chance to renew next month, discounted future profit).
    pub predictions: Vec<(f64, f64)>,
}

/// Fits sBG to the accounts' tenures in whole months (churned accounts after their last month,
/// active ones censored at the months completed) and values each active account's expected
/// further months over `horizon` at its own monthly profit, (gross margin − cost to serve) over
/// its tenure. Churned accounts have no future.
pub fn forecast_retention(accounts: &[AccountEconomics], horizon: &Horizon) -> Result<RetentionForecast> {
    let mut tenures = Tenures::default();
    for a in accounts {
        if let Some(tenure) = tenure(a) {
            tenures.add(tenure, 1.0);
        }
    }
    let (model, fit) = ShiftedBetaGeometric::fit_tenures(&tenures)?;
    let discount = horizon.monthly_discount();
    // Accounts of the same whole months of tenure share their retention and months to come.
    let mut by_months: HashMap<u32, (f64, f64)> = HashMap::new();
    let predictions = accounts
        .iter()
        .map(|a| match (tenure(a), a.tenure_months) {
            (Some(Tenure::Active(months)), Some(exact)) if exact > 0.0 => {
                let monthly_profit = a.ltv_historical / exact.max(1.0);
                let (retention, further) = *by_months.entry(months).or_insert_with(|| {
                    (
                        model.retention(months + 1),
                        model.discounted_periods(months, horizon.months, discount),
                    )
                });
                (retention, monthly_profit * further)
            }
            _ => (0.0, 0.0),
        })
        .collect();
    Ok(RetentionForecast {
        model,
        fit,
        predictions,
    })
}

/// An account's tenure in whole months, when it has one.
fn tenure(a: &AccountEconomics) -> Option<Tenure> {
    let months = a.tenure_months?;
    Some(if a.churned {
        Tenure::Churned(months.round().max(1.0) as u32)
    } else {
        Tenure::Active(months.floor() as u32)
    })
}

/// Fewer accounts with purchases than this get no predicted lifetime value in a build: the
/// models' four parameters would be fitted to noise.
const MIN_CUSTOMERS: usize = 50;

/// The lifetime-value model of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifetimeModel {
    /// Contract retention (sBG) over monthly tenures.
    Retention,
    /// Repeat purchasing with Gamma-Gamma spend.
    Purchases(Model),
}

/// How predicted lifetime value was made, as stated in `summary.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LifetimeMethod {
    /// `sbg`, `bgnbd`, `mbgnbd`, `pareto`, or `none` when nothing was predicted.
    pub model: String,
    /// Why this model, or why none.
    pub reason: String,
    /// Estimates by name.
    pub params: BTreeMap<String, f64>,
    /// Log-likelihood of the fit.
    pub log_likelihood: Option<f64>,
    /// Months ahead valued.
    pub horizon_months: u32,
    /// Yearly discount rate.
    pub annual_discount: f64,
    /// Accounts given a predicted lifetime value.
    pub accounts_predicted: u64,
    /// Their total predicted lifetime value.
    pub total_ltv_predicted: f64,
}

impl LifetimeMethod {
    /// No prediction, for `reason`.
    pub fn none(reason: String, horizon_months: u32, annual_discount: f64) -> Self {
        LifetimeMethod {
            model: "none".to_owned(),
            reason,
            params: BTreeMap::new(),
            log_likelihood: None,
            horizon_months,
            annual_discount,
            accounts_predicted: 0,
            total_ltv_predicted: 0.0,
        }
    }
}

/// Each account's (p_alive, discounted future profit when known), in the accounts' order; none
/// for an account the model does not cover.
type Futures = Vec<Option<(f64, Option<f64>)>>;

/// Fills `ltv_predicted` and `p_alive` of every account and states the method in the summary.
/// `choice` `None` picks from the data: sBG when transactions include contract renewals, else
/// BG/NBD. A model that cannot be fitted to the data leaves the columns empty and says why.
pub fn predict_lifetime_value(
    engine: &Engine,
    economics: &mut Economics,
    choice: Option<LifetimeModel>,
    horizon_months: u32,
    annual_discount: f64,
) -> Result<()> {
    let method = lifetime_method(
        engine,
        &mut economics.accounts,
        choice,
        horizon_months,
        annual_discount,
    )?;
    economics.summary.lifetime_value = Some(method);
    Ok(())
}

/// Chooses and fits the model, fills the accounts' predictions, and says what was done (or why
/// nothing was).
fn lifetime_method(
    engine: &Engine,
    accounts: &mut [AccountEconomics],
    choice: Option<LifetimeModel>,
    horizon_months: u32,
    annual_discount: f64,
) -> Result<LifetimeMethod> {
    let none = |reason: String| Ok(LifetimeMethod::none(reason, horizon_months, annual_discount));
    let (model, reason) = match choice {
        Some(model) => (model, "set in northstar.toml".to_owned()),
        None if has_renewals(engine)? => (
            LifetimeModel::Retention,
            "transactions include contract renewals (kind = renewal)".to_owned(),
        ),
        None => (
            LifetimeModel::Purchases(Model::BgNbd),
            "transactions are purchases without contract renewals".to_owned(),
        ),
    };
    let customers = accounts.iter().filter(|a| a.orders > 0).count();
    if customers < MIN_CUSTOMERS {
        return none(format!(
            "{customers} accounts with purchases are too few to fit a lifetime-value model \
             (at least {MIN_CUSTOMERS} are needed)"
        ));
    }
    let unit = match model {
        LifetimeModel::Retention => TimeUnit::Month,
        LifetimeModel::Purchases(_) => TimeUnit::Week,
    };
    let horizon = Horizon {
        months: horizon_months,
        annual_discount,
        unit,
    };
    let outcome = match model {
        LifetimeModel::Retention => retention_futures(accounts, &horizon),
        LifetimeModel::Purchases(m) => purchase_futures(engine, m, &horizon, accounts),
    };
    let (name, futures, fit) = match outcome {
        Ok((name, _, fit)) if !fit.diagnostics.converged => {
            return none(format!(
                "{reason}, but the {name} fit did not converge: {:?}",
                fit.diagnostics.notes
            ));
        }
        Ok(found) => found,
        Err(EconomicsError::Clv(e)) => {
            let name = match model {
                LifetimeModel::Retention => "sbg",
                LifetimeModel::Purchases(m) => m.name(),
            };
            return none(format!("{reason}, but {name} could not be fitted: {e}"));
        }
        Err(e) => return Err(e),
    };
    let (mut predicted, mut total) = (0u64, 0.0);
    for (account, future) in accounts.iter_mut().zip(futures) {
        if let Some((p_alive, future)) = future {
            account.p_alive = Some(p_alive);
            account.ltv_predicted = future.map(|f| round_cents(account.ltv_historical + f));
            if let Some(ltv) = account.ltv_predicted {
                predicted += 1;
                total += ltv;
            }
        }
    }
    Ok(LifetimeMethod {
        model: name.to_owned(),
        reason,
        params: fit.estimates(),
        log_likelihood: Some(fit.log_likelihood),
        horizon_months,
        annual_discount,
        accounts_predicted: predicted,
        total_ltv_predicted: round_cents(total),
    })
}

/// sBG futures: every account with a tenure.
fn retention_futures(
    accounts: &[AccountEconomics],
    horizon: &Horizon,
) -> Result<(&'static str, Futures, Fit)> {
    let forecast = forecast_retention(accounts, horizon)?;
    let futures = accounts
        .iter()
        .zip(&forecast.predictions)
        .map(|(a, (p, future))| a.tenure_months.map(|_| (*p, Some(*future))))
        .collect();
    Ok(("sbg", futures, forecast.fit))
}

/// Repeat-purchase futures: predicted spend turned into profit at each account's own ratio of
/// (gross margin − cost to serve) to revenue.
fn purchase_futures(
    engine: &Engine,
    model: Model,
    horizon: &Horizon,
    accounts: &[AccountEconomics],
) -> Result<(&'static str, Futures, Fit)> {
    let forecast = forecast_purchases(engine, model, horizon, None)?;
    let place: HashMap<&str, usize> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.account_id.as_str(), i))
        .collect();
    let mut futures = vec![None; accounts.len()];
    for (h, p) in forecast.summary.histories.iter().zip(&forecast.predictions) {
        if let Some(&i) = place.get(h.account_id.as_str()) {
            let a = &accounts[i];
            let ratio = (a.revenue > 0.0).then(|| a.ltv_historical / a.revenue);
            futures[i] = Some((p.p_alive, p.value.zip(ratio).map(|(value, ratio)| value * ratio)));
        }
    }
    Ok((model.name(), futures, forecast.fitted.purchase_fit))
}
