//! The ICP document, `icp.json` (schema `northstar.icp/v1`, SPEC §4): what a version of the
//! profile says and the evidence behind every rule.

use std::collections::BTreeMap;

use northstar_discover::{Condition, Counterfactual};
use serde::{Deserialize, Serialize};

use crate::Account;
use crate::population::Distribution;

/// Why a text is not an ICP.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IcpError {
    /// It is not JSON, or not the schema's shape.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// It is another schema.
    #[error("schema `{0}` is not {SCHEMA}")]
    Schema(String),
    /// It names no schema.
    #[error("no `schema` field; an ICP file says \"schema\": \"{SCHEMA}\"")]
    NoSchema,
}

/// The schema name written into every ICP.
pub const SCHEMA: &str = "northstar.icp/v1";

/// One condition on one attribute, as the ICP writes it: `{"attribute": .., "op": .., ..}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The input's canonical (or custom) column name.
    pub attribute: String,
    /// What its value must be.
    #[serde(flatten)]
    pub condition: Condition,
}

impl Rule {
    /// The rule in words, e.g. `employees at least 50`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.attribute, self.condition.describe())
    }

    /// Whether an account meets the rule: `None` when its value is unknown, which is a state of
    /// its own in every rule (it earns no points, belongs to no segment, and passes or fails a
    /// filter as the market's [`UnknownValues`] says).
    pub fn verdict(&self, account: &dyn Account) -> Option<bool> {
        account
            .value(&self.attribute)
            .map(|v| self.condition.matches_text(&v))
    }

    /// Whether an account's known value meets the rule.
    pub fn holds(&self, account: &dyn Account) -> bool {
        self.verdict(account) == Some(true)
    }
}

/// A hard rule of the serviceable market: an account that fails it is outside the SAM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// The rule.
    #[serde(flatten)]
    pub rule: Rule,
    /// What it removed from the customer base when it was drawn.
    pub evidence: FilterEvidence,
}

/// What a filter removed, among the customers still in the market when it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterEvidence {
    /// Customers it removed.
    pub removed_accounts: u64,
    /// Their total objective (negative: they lost money together).
    pub removed_objective: f64,
    /// Of them, accounts in the top fifth by the objective.
    pub removed_top_accounts: u64,
    /// One-sided p-value that the removed accounts' mean objective is below zero, times the
    /// candidate rules compared (≤ 1).
    pub p_value: f64,
}

/// A weighted signal: an account that meets it gets its points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// The rule.
    #[serde(flatten)]
    pub rule: Rule,
    /// Points it adds to the fit score (negative: it takes them away).
    pub points: i64,
    /// The lift behind it, measured inside the SAM.
    pub evidence: SignalEvidence,
}

/// The lift behind a signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalEvidence {
    /// SAM customers meeting the rule.
    pub support: u64,
    /// Of those, top-fifth customers by the objective.
    pub top_accounts: u64,
    /// Their top rate over the SAM's.
    pub lift: f64,
    /// The lift shrunk towards 1 by a prior worth `prior_accounts` accounts at the base rate:
    /// the weight of the points.
    pub shrunk_lift: f64,
    /// 95% confidence interval of the lift (Wilson).
    pub ci: [f64; 2],
    /// Mean objective of the accounts meeting it.
    pub mean_objective: f64,
    /// Weaker signals on (nearly) the same accounts, folded into this one.
    pub same_accounts_as: Vec<String>,
}

/// A tier and the lowest score that reaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    /// 1 (best), 2 or 3.
    pub tier: u8,
    /// Lowest fit score in the tier.
    pub min_score: i64,
    /// SAM customers in the tier.
    pub customers: u64,
    /// Their mean objective.
    pub mean_objective: f64,
    /// Share of the SAM's top-fifth customers that fall in this tier.
    pub top_share: f64,
}

/// A segment to stop selling to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AntiRule {
    /// All of these hold for an account of the segment.
    pub conditions: Vec<Rule>,
    /// Whether accounts of the segment are kept out of the SAM.
    pub excluded_from_sam: bool,
    /// Why, in words.
    pub reason: String,
    /// Customers in the segment.
    pub accounts: u64,
    /// Their total objective.
    pub objective: f64,
    /// Their mean objective.
    pub mean_objective: f64,
    /// Welch's t-test p-value against the other customers, Bonferroni-corrected.
    pub p_value: f64,
    /// The segment's profit, revenue, CAC and churn, and the whole base's with and without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterfactual: Option<Counterfactual>,
}

impl AntiRule {
    /// Whether an account meets every condition of the segment.
    pub fn holds(&self, account: &dyn Account) -> bool {
        self.conditions.iter().all(|r| r.holds(account))
    }

    /// The segment in words.
    pub fn describe(&self) -> String {
        describe_all(&self.conditions)
    }
}

/// Rules in words, joined by "and".
pub fn describe_all(rules: &[Rule]) -> String {
    rules.iter().map(Rule::describe).collect::<Vec<_>>().join(" and ")
}

/// A segment that concentrates the objective, from the subgroup search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// 1 for the best.
    pub rank: u64,
    /// All of these hold for its accounts.
    pub conditions: Vec<Rule>,
    /// Customers in it.
    pub accounts: u64,
    /// Their share of the total objective.
    pub objective_share: f64,
    /// Their mean objective.
    pub mean_objective: f64,
    /// Welch's t-test p-value against the other customers, Bonferroni-corrected.
    pub p_value: f64,
}

/// Who to talk to at an ideal account, for one buying role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    /// decider, payer, user or influencer.
    pub role: String,
    /// The title most typical of the top accounts, when contacts name titles.
    pub title: Option<String>,
    /// The department most typical of the top accounts.
    pub department: Option<String>,
    /// Share of the top accounts with that title in this role.
    pub top_share: f64,
    /// Share of the other accounts with it.
    pub other_share: f64,
    /// Share of all customers with any contact in this role.
    pub coverage: f64,
}

/// One item of the Lincoln Murphy scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardItem {
    /// `supported`, `weak`, `against`, `not compared` (no customers outside the SAM) or `no data`.
    pub verdict: String,
    /// The measured figures behind the verdict, in words.
    pub evidence: Vec<String>,
    /// The ICP signals that speak to it.
    pub signals: Vec<String>,
}

/// The Lincoln Murphy ICP scorecard, each item mapped to what was measured.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scorecard {
    /// Ready: the need is there now (SAM sales cycles against the rest's).
    pub ready: Option<ScorecardItem>,
    /// Willing: they say yes (SAM win rate against the rest's).
    pub willing: Option<ScorecardItem>,
    /// Able: they can buy and implement (firmographic and technographic signals).
    pub able: Option<ScorecardItem>,
    /// Success potential: they stay (churn of SAM customers against the rest's).
    pub success_potential: Option<ScorecardItem>,
    /// Acquisition efficiency: they are cheap to win (CAC and payback).
    pub acquisition_efficiency: Option<ScorecardItem>,
    /// Expansion potential: they buy again and grow (repeat purchase, lifetime value).
    pub expansion_potential: Option<ScorecardItem>,
    /// Advocacy potential: they bring others (referral share and NPS).
    pub advocacy_potential: Option<ScorecardItem>,
}

/// The serviceable market the filters leave, and what it costs in coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Market {
    /// Customers inside the SAM.
    pub customers: u64,
    /// All customers.
    pub all_customers: u64,
    /// Share of the top-fifth customers inside.
    pub top_coverage: f64,
    /// The floor on `top_coverage` the filters had to respect.
    pub coverage_floor: f64,
    /// Total objective inside.
    pub objective: f64,
    /// Total objective of all customers.
    pub all_objective: f64,
    /// The trade-off, in words.
    pub trade_off: String,
    /// What a filter does with an account whose value it needs is unknown.
    #[serde(default)]
    pub unknown_values: UnknownValues,
}

/// What a filter does with an account whose value it needs is unknown (CRM data is full of
/// blanks): by default the account stays in the SAM, its reasons saying what is unverified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownValues {
    /// The account stays in the SAM, with a reason such as "unverified: employees unknown".
    #[default]
    Unverified,
    /// The account is outside the SAM.
    Exclude,
}

/// A version of the Ideal Customer Profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Icp {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// A digest of the rules (filters, signals, tiers, anti-ICP): equal rules, equal version.
    pub version: String,
    /// What "best" means: `profit`, `ltv_predicted` or `gross_margin`.
    pub objective: String,
    /// Customers the profile was learned from.
    pub customers: u64,
    /// The serviceable market and its trade-off.
    pub market: Market,
    /// Hard rules: the SAM.
    pub filters: Vec<Filter>,
    /// Score every account starts from, so that scores run from 0 to 100.
    pub base_score: i64,
    /// Weighted signals: the fit score is the base plus the points of the signals met.
    pub signals: Vec<Signal>,
    /// Tier thresholds, tier 1 first.
    pub tiers: Vec<Tier>,
    /// Segments to stop selling to.
    pub anti_icp: Vec<AntiRule>,
    /// Segments that concentrate the objective.
    pub segments: Vec<Segment>,
    /// Who decides, pays, uses and influences at the ideal accounts.
    pub personas: Vec<Persona>,
    /// The product-market-fit gate of the whole base.
    pub pmf: serde_json::Value,
    /// The buying ecosystem behind the top accounts.
    pub ecosystem: serde_json::Value,
    /// The Lincoln Murphy scorecard.
    pub scorecard: Scorecard,
    /// Each attribute's distribution over the customers, for drift between versions.
    pub population: BTreeMap<String, Distribution>,
    /// What the data cannot support, in plain words.
    pub caveats: Vec<String>,
    /// The profitable customers to point to: one per set of signals met, the best of those
    /// meeting it, so that an account's nearest customer is found without the build.
    #[serde(default)]
    pub reference: Vec<Lookalike>,
    /// Attribute names for people (`[labels]` in northstar.toml), by attribute.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// The best profitable customer meeting one set of signals: the one with a case study first,
/// then the most profitable, then the lowest id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lookalike {
    /// Indices, into the ICP's signals, of the signals its customers meet.
    pub signals: Vec<usize>,
    /// The customer's record id.
    pub account_id: String,
    /// Its name, when known.
    pub name: Option<String>,
    /// Its case study, when there is one.
    pub case_study_url: Option<String>,
    /// Its profit (the objective's unit).
    pub profit: f64,
    /// Profitable customers meeting the same set of signals.
    pub customers: u64,
}

impl Icp {
    /// Reads an ICP from its JSON text, refusing another schema.
    pub fn from_json(text: &str) -> Result<Icp, IcpError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => Ok(serde_json::from_value(value)?),
            Some(other) => Err(IcpError::Schema(other.to_owned())),
            None => Err(IcpError::NoSchema),
        }
    }

    /// Every rule: the filters, then each anti-ICP segment's conditions, then the signals.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.filters
            .iter()
            .map(|f| &f.rule)
            .chain(self.anti_icp.iter().flat_map(|a| &a.conditions))
            .chain(self.signals.iter().map(|s| &s.rule))
    }

    /// Every attribute the rules name, in the order of [`Icp::rules`], each once.
    pub fn attributes(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for rule in self.rules() {
            if !names.contains(&rule.attribute) {
                names.push(rule.attribute.clone());
            }
        }
        names
    }

    /// The digest of the rules alone (not their evidence), as [`Icp::version`] holds it.
    pub fn rules_digest(&self) -> String {
        use sha2::Digest;
        let rules = serde_json::json!({
            "filters": self.filters.iter().map(|f| &f.rule).collect::<Vec<_>>(),
            "signals": self.signals.iter().map(|s| (&s.rule, s.points)).collect::<Vec<_>>(),
            "base_score": self.base_score,
            "tiers": self.tiers.iter().map(|t| (t.tier, t.min_score)).collect::<Vec<_>>(),
            "anti_icp": self.anti_icp.iter().map(|a| (&a.conditions, a.excluded_from_sam)).collect::<Vec<_>>(),
        });
        let mut rules = rules;
        if self.market.unknown_values == UnknownValues::Exclude {
            rules["unknown_values"] = serde_json::json!("exclude");
        }
        let digest = sha2::Sha256::digest(rules.to_string().as_bytes());
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }
}
