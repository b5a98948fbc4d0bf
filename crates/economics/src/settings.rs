//! How a build predicts lifetime value: the `[clv]` section of `northstar.toml`, checked as it is
//! read, and its application to the accounts.

use northstar_clv::Model;
use northstar_engine::Engine;
use serde::{Deserialize, Deserializer, Serialize};

use crate::{Economics, LifetimeMethod, LifetimeModel, Result, predict_lifetime_value};

/// The `[clv]` section.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClvSettings {
    /// Which model; by default chosen from the data.
    pub model: ClvChoice,
    /// Months ahead to value.
    #[serde(deserialize_with = "months")]
    pub horizon_months: u32,
    /// Yearly discount rate (0.1 for 10%).
    #[serde(deserialize_with = "yearly_rate")]
    pub discount: f64,
}

impl Default for ClvSettings {
    fn default() -> Self {
        Self {
            model: ClvChoice::Auto,
            horizon_months: 36,
            discount: 0.1,
        }
    }
}

/// The lifetime-value model of a build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClvChoice {
    /// sBG when transactions include contract renewals, else BG/NBD.
    #[default]
    Auto,
    /// Contractual retention (shifted-beta-geometric).
    Sbg,
    /// BG/NBD.
    Bgnbd,
    /// MBG/NBD.
    Mbgnbd,
    /// Pareto/NBD.
    Pareto,
    /// No predicted lifetime value.
    None,
}

impl ClvSettings {
    /// Fills each account's predicted lifetime value as the settings say.
    pub fn apply(&self, engine: &Engine, economics: &mut Economics) -> Result<()> {
        let choice = match self.model {
            ClvChoice::Auto => None,
            ClvChoice::Sbg => Some(LifetimeModel::Retention),
            ClvChoice::Bgnbd => Some(LifetimeModel::Purchases(Model::BgNbd)),
            ClvChoice::Mbgnbd => Some(LifetimeModel::Purchases(Model::MbgNbd)),
            ClvChoice::Pareto => Some(LifetimeModel::Purchases(Model::Pareto)),
            ClvChoice::None => {
                let reason = "turned off in northstar.toml ([clv] model = \"none\")".to_owned();
                economics.summary.lifetime_value =
                    Some(LifetimeMethod::none(reason, self.horizon_months, self.discount));
                return Ok(());
            }
        };
        predict_lifetime_value(engine, economics, choice, self.horizon_months, self.discount)
    }
}

/// Reads a whole number of months from 1 to 1,200.
fn months<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let n = i64::deserialize(deserializer)?;
    u32::try_from(n)
        .ok()
        .filter(|n| (1..=1200).contains(n))
        .ok_or_else(|| {
            serde::de::Error::custom(format!("must be a number of months from 1 to 1200, not {n}"))
        })
}

/// What a yearly discount rate must be, for messages.
pub const YEARLY_RATE: &str = "must be a yearly rate above -1 (0.1 for 10%)";

/// Whether `x` can be a yearly discount rate: finite and above −1.
pub fn is_yearly_rate(x: f64) -> bool {
    x.is_finite() && x > -1.0
}

/// Reads a yearly rate above −1.
fn yearly_rate<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let x = f64::deserialize(deserializer)?;
    if is_yearly_rate(x) {
        Ok(x)
    } else {
        Err(serde::de::Error::custom(format!("{YEARLY_RATE}, not {x}")))
    }
}
