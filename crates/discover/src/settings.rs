//! What discovery looks for: the `[discover]` section of `northstar.toml`, checked as it is read.

use serde::{Deserialize, Deserializer, Serialize};

/// The `[discover]` section.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscoverSettings {
    /// The measure that makes an account valuable.
    pub objective: Objective,
    /// Share of customers who came by referral that shows product-market fit.
    #[serde(deserialize_with = "share")]
    pub referral_threshold: f64,
}

impl Default for DiscoverSettings {
    fn default() -> Self {
        Self {
            objective: Objective::Profit,
            referral_threshold: 0.3,
        }
    }
}

/// The measure that ranks accounts for discovery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Profit to date (gross margin − cost to serve − CAC).
    #[default]
    Profit,
    /// Predicted lifetime value.
    LtvPredicted,
    /// Gross margin to date.
    GrossMargin,
}

impl Objective {
    /// The objective's name, as in the configuration and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Profit => "profit",
            Objective::LtvPredicted => "ltv_predicted",
            Objective::GrossMargin => "gross_margin",
        }
    }
}

/// Reads a share from 0 to 1, refusing anything else with a message that says so.
pub fn share<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let x = f64::deserialize(deserializer)?;
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be a share from 0 to 1 (0.3 for 30%), not {x}"
        )))
    }
}
