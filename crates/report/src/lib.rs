//! Report: `report.html`, one self-contained page a sales leader reads without help.
//!
//! It opens offline: no script, font, image or stylesheet is fetched, and the charts are inline
//! SVG drawn at build time ([`charts`]). Every chart has a title and a one-line reading with its
//! number. Values are escaped by the templating (maud). Numbers are written for people: a rule's
//! thresholds exactly, with separators; totals and averages rounded (`354.5M`, `19.3%`).

pub mod charts;
mod sections;
pub mod style;

use std::collections::BTreeMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};
use northstar_discover::{CohortFigures, Counterfactual, Ecosystem, Lift, Pmf};
use northstar_economics::Summary;
use northstar_profile::Icp;
use northstar_score::market::MarketSize;
use northstar_score::validation::Validation;

/// A best segment as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    /// Its conditions in words.
    pub conditions: String,
    /// Customers in it.
    pub accounts: u64,
    /// Their share of the total objective.
    pub objective_share: f64,
    /// Their mean profit.
    pub mean_profit: f64,
    /// Its product-market-fit gate.
    pub pmf: Pmf,
}

/// An anti-ICP segment as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AntiRow {
    /// Its conditions in words.
    pub conditions: String,
    /// Customers in it.
    pub accounts: u64,
    /// What the base would have been without it.
    pub counterfactual: Counterfactual,
}

/// Rejected rows of one table for one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectCount {
    /// The table.
    pub table: String,
    /// The reason.
    pub reason: String,
    /// Problems found.
    pub count: u64,
}

/// A prospect to call first, as the report lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRow {
    /// Its name, else its record id.
    pub company: String,
    /// Its tier.
    pub tier: u8,
    /// Its fit score.
    pub fit_score: i64,
    /// Its intent, when measured.
    pub intent: Option<i64>,
    /// Its three largest reasons, in words.
    pub reasons: String,
    /// The nearest profitable customer's name.
    pub nearest: Option<String>,
}

/// Everything the report shows, each figure computed by its stage.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    /// The ICP.
    pub icp: &'a Icp,
    /// The headline figures.
    pub summary: &'a Summary,
    /// The running share of profit of the accounts in profit rank order.
    pub cumulative_profit: Vec<f64>,
    /// Each customer's predicted lifetime value, where predicted.
    pub ltv_predicted: Vec<f64>,
    /// The lifts, highest first.
    pub lifts: &'a [Lift],
    /// The best segments.
    pub segments: Vec<SegmentRow>,
    /// The product-market-fit gate of the whole base.
    pub pmf: &'a Pmf,
    /// Its verdict in words.
    pub pmf_verdict: String,
    /// The adopter cohorts.
    pub cohorts: &'a [CohortFigures],
    /// The buying ecosystem.
    pub ecosystem: &'a Ecosystem,
    /// The anti-ICP segments with their counterfactual.
    pub anti: Vec<AntiRow>,
    /// Prospects scored, and of them in tiers 1, 2 and 3.
    pub prospects: (u64, [u64; 3]),
    /// The first prospects of the target list, best first.
    pub call_first: Vec<CallRow>,
    /// TAM, funnel, SAM and SOM.
    pub market: &'a MarketSize,
    /// The backtests.
    pub validation: &'a Validation,
    /// Rejected rows by table and reason.
    pub rejects: Vec<RejectCount>,
    /// The currency symbol to write money with, when one is set.
    pub currency: Option<String>,
}

/// How the report is written: the `[report]` section of `northstar.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// The currency symbol money is written with (`$`, `€`); none by default.
    pub currency: Option<String>,
}

impl Inputs<'_> {
    /// Money for people: rounded, with the currency symbol when one is set.
    pub fn money(&self, x: f64) -> String {
        let text = northstar_output::figures::compact(x);
        match &self.currency {
            Some(symbol) if text.starts_with('-') => format!("-{symbol}{}", &text[1..]),
            Some(symbol) => format!("{symbol}{text}"),
            None => text,
        }
    }

    /// The ICP's labels.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.icp.labels
    }
}

/// The sections, in order: their anchor and heading.
pub const SECTIONS: &[(&str, &str)] = &[
    ("icp", "The ideal customer profile"),
    ("whale", "Who makes the profit"),
    ("lift", "What sets the best customers apart"),
    ("segments", "Best segments and product-market fit"),
    ("cohorts", "Adopter cohorts"),
    ("ecosystem", "Who buys"),
    ("anti", "Who not to sell to"),
    ("clv", "Lifetime value"),
    ("market", "Tiers and the market"),
    ("validation", "Does the score work?"),
    ("quality", "Data quality"),
];

/// The whole page.
pub fn render(inputs: &Inputs<'_>) -> String {
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Ideal Customer Profile " (inputs.icp.version) }
                style { (PreEscaped(style::CSS)) }
            }
            body {
                header {
                    h1 { "Ideal Customer Profile" }
                    p class="lede" { (sections::lede(inputs)) }
                }
                nav aria-label="Contents" {
                    h2 { "Contents" }
                    ol {
                        @for (anchor, heading) in SECTIONS {
                            li { a href=(format!("#{anchor}")) { (heading) } }
                        }
                    }
                }
                main {
                    (sections::icp(inputs))
                    (sections::whale(inputs))
                    (sections::lift(inputs))
                    (sections::segments(inputs))
                    (sections::cohorts(inputs))
                    (sections::ecosystem(inputs))
                    (sections::anti(inputs))
                    (sections::clv(inputs))
                    (sections::market(inputs))
                    (sections::validation(inputs))
                    (sections::quality(inputs))
                }
                footer {
                    p { "ICP version " (inputs.icp.version) ". The figures behind every section are in the CSV and JSON files beside this report, listed in manifest.json." }
                }
            }
        }
    };
    page.into_string()
}
