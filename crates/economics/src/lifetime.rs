//! Predicted lifetime value per account, from the `clv` models: repeat purchasing (BG/NBD,
//! MBG/NBD, Pareto/NBD with Gamma-Gamma spend) for one-off buyers, or contract retention (sBG)
//! for subscriptions.

use northstar_clv::holdout::{self, HoldoutGroup};
use northstar_clv::{Customer, Fit, Forecast, Horizon, Model, ShiftedBetaGeometric, Tenure, Tenures};
use northstar_engine::Engine;

use crate::{AccountEconomics, RepeatSummary, Result, repeat_summary, single_f64};

/// Calibration repeat-purchase groups compared in the holdout (0 … 6 and 7+, as Fader, Hardie
/// and Lee show them).
const HOLDOUT_GROUPS: u32 = 7;

/// A repeat-purchase forecast for every account that bought, with its evidence.
pub struct PurchaseForecast {
    /// The accounts' histories.
    pub summary: RepeatSummary,
    /// The fitted models and predictions, in the order of `summary.histories`.
    pub forecast: Forecast,
    /// Predicted against actual holdout purchases by calibration frequency, when there is a holdout.
    pub holdout: Option<Vec<HoldoutGroup>>,
}

/// Summarises the transactions in `engine`, fits `model` and Gamma-Gamma, and predicts every
/// account over `horizon`.
pub fn forecast_purchases(
    engine: &Engine,
    model: Model,
    horizon: &Horizon,
    calibration_end: Option<&str>,
) -> Result<PurchaseForecast> {
    let summary = repeat_summary(engine, horizon.unit, calibration_end)?;
    let histories: Vec<(Customer, f64)> = summary
        .histories
        .iter()
        .map(|h| (h.customer, h.mean_spend))
        .collect();
    let forecast = northstar_clv::forecast(model, &histories, horizon)?;
    let holdout = if summary.holdout_length > 0.0 {
        let observed: Vec<(Customer, u32)> = summary
            .histories
            .iter()
            .map(|h| (h.customer, h.holdout_purchases))
            .collect();
        Some(holdout::by_frequency(
            forecast.purchases.as_ref(),
            &observed,
            summary.holdout_length,
            HOLDOUT_GROUPS,
        )?)
    } else {
        None
    };
    Ok(PurchaseForecast {
        summary,
        forecast,
        holdout,
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
    let predictions = accounts
        .iter()
        .map(|a| match (tenure(a), a.tenure_months) {
            (Some(Tenure::Active(months)), Some(exact)) if exact > 0.0 => {
                let monthly_profit = (a.gross_margin - a.cost_to_serve) / exact.max(1.0);
                let further = model.discounted_periods(months, horizon.months, discount);
                (model.retention(months + 1), monthly_profit * further)
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
