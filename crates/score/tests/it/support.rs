//! An ICP made of given rules, for the scorer's tests.

use std::collections::BTreeMap;

use northstar_discover::Condition;
use northstar_profile::{
    AntiRule, Filter, FilterEvidence, Icp, Market, Rule, SCHEMA, Scorecard, Signal, SignalEvidence, Tier,
    UnknownValues,
};

/// A rule on `attribute`.
pub fn rule(attribute: &str, condition: Condition) -> Rule {
    Rule {
        attribute: attribute.into(),
        condition,
    }
}

/// `attribute` between `min` and `max`.
pub fn between(attribute: &str, min: f64, max: f64) -> Rule {
    rule(attribute, Condition::Between { min, max })
}

/// An ICP of `filters`, anti-ICP segments (conditions, whether excluded), signals (rule,
/// points) from `base`, tier 1 and tier 2 minimums, and a policy for unknown values.
pub fn icp(
    filters: Vec<Rule>,
    anti: Vec<(Vec<Rule>, bool)>,
    signals: Vec<(Rule, i64)>,
    base: i64,
    [tier_1, tier_2]: [i64; 2],
    unknown_values: UnknownValues,
) -> Icp {
    let evidence = SignalEvidence {
        support: 1,
        top_accounts: 1,
        lift: 1.0,
        shrunk_lift: 1.0,
        ci: [1.0, 1.0],
        mean_objective: 0.0,
        same_accounts_as: Vec::new(),
    };
    let tier = |tier, min_score| Tier {
        tier,
        min_score,
        customers: 0,
        mean_objective: 0.0,
        top_share: 0.0,
    };
    Icp {
        schema: SCHEMA.into(),
        version: String::new(),
        objective: "profit".into(),
        customers: 0,
        market: Market {
            customers: 0,
            all_customers: 0,
            top_coverage: 1.0,
            coverage_floor: 0.8,
            objective: 0.0,
            all_objective: 0.0,
            trade_off: String::new(),
            unknown_values,
        },
        filters: filters
            .into_iter()
            .map(|rule| Filter {
                rule,
                evidence: FilterEvidence {
                    removed_accounts: 0,
                    removed_objective: 0.0,
                    removed_top_accounts: 0,
                    p_value: 0.0,
                },
            })
            .collect(),
        base_score: base,
        signals: signals
            .into_iter()
            .map(|(rule, points)| Signal {
                rule,
                points,
                evidence: evidence.clone(),
            })
            .collect(),
        tiers: vec![tier(1, tier_1), tier(2, tier_2), tier(3, 0)],
        anti_icp: anti
            .into_iter()
            .map(|(conditions, excluded_from_sam)| AntiRule {
                conditions,
                excluded_from_sam,
                reason: String::new(),
                accounts: 0,
                objective: 0.0,
                mean_objective: 0.0,
                p_value: 0.0,
                counterfactual: None,
            })
            .collect(),
        segments: Vec::new(),
        personas: Vec::new(),
        pmf: serde_json::Value::Null,
        ecosystem: serde_json::Value::Null,
        scorecard: Scorecard::default(),
        population: BTreeMap::new(),
        caveats: Vec::new(),
        reference: Vec::new(),
        labels: BTreeMap::new(),
    }
}
