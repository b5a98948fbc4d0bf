//! `clv` on its own: a repeat-purchase model fitted to a transactions file, or sBG retention
//! fitted to each cohort of a survival table, and their reports.

use std::path::{Path, PathBuf};

use northstar_clv::{Fit, Horizon, Model, ShiftedBetaGeometric};
use northstar_economics::{PurchaseForecast, YEARLY_RATE, is_yearly_rate};
use northstar_ingest::survival::read_survival;
use northstar_output::write_file;
use serde_json::{Map, Value, json};

use crate::observe::observed;
use crate::outputs::tables;
use crate::request::parse_day;
use crate::session::Session;
use crate::{Observer, Options, PipelineError, Result, Step};

/// A repeat-purchase model to fit to a transactions file.
#[derive(Debug, Clone, PartialEq)]
pub struct ClvRequest {
    /// The transactions file (any input format).
    pub input: PathBuf,
    /// Its column mapping (a `[transactions]` section), else the folder's `northstar.toml`.
    pub config: Option<PathBuf>,
    /// The model.
    pub model: Model,
    /// How far ahead, discounted how, in which time unit.
    pub horizon: Horizon,
    /// Last day of calibration (ISO 8601); later transactions are the holdout.
    pub calibration_end: Option<String>,
    /// Where every customer's summary and predictions go, if anywhere.
    pub out: Option<PathBuf>,
    /// Rejects, threads and the rest.
    pub options: Options,
}

/// Fits the model of `request` to its transactions and predicts every customer.
pub fn purchases(request: &ClvRequest, observer: &dyn Observer) -> Result<PurchaseForecast> {
    let calibration_end = request
        .calibration_end
        .as_deref()
        .map(|d| parse_day("--calibration-end", d))
        .transpose()?;
    let discount = request.horizon.annual_discount;
    if !is_yearly_rate(discount) {
        return Err(PipelineError::Request {
            option: "--discount",
            reason: format!("{YEARLY_RATE}, not {discount}"),
        });
    }
    let session = Session::read_file(
        "transactions",
        &request.input,
        request.config.as_deref(),
        &request.options,
        observer,
    )?;
    let engine = &session.engine;
    let result = observed(observer, Step::LifetimeValue, || {
        northstar_economics::forecast_purchases(engine, request.model, &request.horizon, calibration_end)
    })?;
    if let Some(path) = &request.out {
        write_file(path, |w| tables::write_clv_predictions(w, &result))?;
    }
    Ok(result)
}

/// sBG per cohort of a survival table: one JSON object (or paragraph) per cohort.
pub fn retention(input: &Path, json: bool) -> Result<String> {
    let mut text = String::new();
    for cohort in read_survival(input)? {
        let name = cohort.cohort.clone();
        let (model, fit) =
            ShiftedBetaGeometric::fit(&cohort.active).map_err(|source| PipelineError::Cohort {
                cohort: cohort_label(name.as_deref()),
                source,
            })?;
        if json {
            let retention: Vec<f64> = (1..cohort.active.len() as u32)
                .map(|t| model.retention(t))
                .collect();
            let object = json!({
                "model": "sbg",
                "cohort": name,
                "customers": cohort.active[0],
                "periods": cohort.active.len() - 1,
                "params": fit.estimates(),
                "std_errors": fit.standard_errors(),
                "log_likelihood": fit.log_likelihood,
                "diagnostics": fit.diagnostics,
                "retention": retention,
            });
            text.push_str(&object.to_string());
            text.push('\n');
        } else {
            text.push_str(&format!(
                "{}: sBG alpha {:.4}, beta {:.4}, log-likelihood {:.4}; {} customers over {} periods\n",
                cohort_label(name.as_deref()),
                model.alpha,
                model.beta,
                fit.log_likelihood,
                cohort.active[0],
                cohort.active.len() - 1
            ));
            let survival: Vec<String> = (1..=cohort.active.len() as u32 + 2)
                .map(|t| format!("{:.1}%", model.survival(t) * 100.0))
                .collect();
            text.push_str(&format!(
                "  expected survival by period: {}\n",
                survival.join(", ")
            ));
        }
    }
    Ok(text)
}

fn cohort_label(cohort: Option<&str>) -> String {
    cohort.map_or_else(|| "cohort".to_owned(), |c| format!("cohort `{c}`"))
}

/// The whole result as one JSON object.
pub fn report(result: &PurchaseForecast, horizon: &Horizon) -> Value {
    let f = &result.fitted;
    let buyers = repeat_buyers(result);
    let spend = match &f.spend {
        Ok(s) => {
            let mut object: Map<String, Value> = s
                .fit
                .estimates()
                .into_iter()
                .map(|(n, v)| (n, json!(v)))
                .collect();
            object.insert("log_likelihood".into(), json!(s.fit.log_likelihood));
            object.insert("customers".into(), json!(buyers - s.excluded));
            object.insert("excluded".into(), json!(s.excluded));
            object.insert("std_errors".into(), json!(s.fit.standard_errors()));
            Value::Object(object)
        }
        Err(_) => Value::Null,
    };
    let total = |pick: fn(&northstar_clv::Prediction) -> Option<f64>| -> Value {
        let values: Option<Vec<f64>> = result.predictions.iter().map(pick).collect();
        values.map_or(Value::Null, |v| json!(v.iter().sum::<f64>()))
    };
    json!({
        "model": f.model.name(),
        "params": f.purchase_fit.estimates(),
        "std_errors": f.purchase_fit.standard_errors(),
        "log_likelihood": f.purchase_fit.log_likelihood,
        "customers": f.customers,
        "repeat_buyers": buyers,
        "diagnostics": f.purchase_fit.diagnostics,
        "spend": spend,
        "spend_error": f.spend.as_ref().err().map(|e| e.to_string()),
        "time_unit": horizon.unit,
        "calibration_end": result.summary.calibration_end,
        "holdout_end": result.summary.holdout_end,
        "horizon_months": horizon.months,
        "annual_discount": horizon.annual_discount,
        "expected_purchases": total(|p| Some(p.expected_purchases)),
        "expected_value": total(|p| p.value),
        "holdout": result.holdout,
        "seconds": result.seconds,
    })
}

fn repeat_buyers(result: &PurchaseForecast) -> u64 {
    result
        .summary
        .histories
        .iter()
        .filter(|h| h.customer.frequency > 0)
        .count() as u64
}

/// Estimates in the model's own order, as `name value` pairs.
fn listed(fit: &Fit) -> String {
    let pairs: Vec<String> = fit
        .names
        .iter()
        .zip(&fit.params)
        .map(|(n, p)| format!("{n} {p:.4}"))
        .collect();
    pairs.join(", ")
}

/// The report in words, for the terminal.
pub fn describe(report: &Value, result: &PurchaseForecast) -> String {
    let number = |v: &Value, decimals: usize| {
        v.as_f64()
            .map_or_else(|| "n/a".to_owned(), |x| format!("{x:.decimals$}"))
    };
    let mut text = format!(
        "{} on {} customers ({} repeat buyers), calibration to {}, time unit {}: {}; log-likelihood {}\n",
        report["model"].as_str().unwrap_or_default(),
        report["customers"],
        report["repeat_buyers"],
        report["calibration_end"].as_str().unwrap_or_default(),
        report["time_unit"].as_str().unwrap_or_default(),
        listed(&result.fitted.purchase_fit),
        number(&report["log_likelihood"], 3),
    );
    match &result.fitted.spend {
        Ok(spend) => text.push_str(&format!(
            "spend (Gamma-Gamma, {} repeat buyers): {}; log-likelihood {:.3}\n",
            report["spend"]["customers"],
            listed(&spend.fit),
            spend.fit.log_likelihood
        )),
        Err(error) => text.push_str(&format!("spend not modelled: {error}\n")),
    }
    text.push_str(&format!(
        "next {} months: {} expected purchases, expected value {} (discounted at {}% a year)\n",
        report["horizon_months"],
        number(&report["expected_purchases"], 1),
        number(&report["expected_value"], 0),
        report["annual_discount"].as_f64().unwrap_or_default() * 100.0
    ));
    if let Some(groups) = report["holdout"].as_array() {
        text.push_str(&format!(
            "holdout to {}: mean purchases per customer, actual vs predicted, by calibration repeat purchases\n",
            report["holdout_end"].as_str().unwrap_or_default()
        ));
        for g in groups {
            text.push_str(&format!(
                "  {:>3}: {:>7} customers, actual {:.3}, predicted {:.3}\n",
                g["frequency"].as_str().unwrap_or_default(),
                g["customers"],
                g["actual"].as_f64().unwrap_or_default(),
                g["predicted"].as_f64().unwrap_or_default()
            ));
        }
    }
    text
}
