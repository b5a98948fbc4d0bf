//! Signals: the points of the fit score, learned inside the SAM.
//!
//! Every attribute value, numeric bin and list element whose lift among the SAM's top-fifth
//! customers is significant (its 95% interval excludes 1) becomes a signal. Its weight is the log
//! of its lift shrunk towards 1 by a prior worth [`PRIOR_ACCOUNTS`] accounts at the base rate, so
//! that thin evidence weighs little. Weights are scaled to whole points such that the lowest
//! reachable score is 0 and the highest at most 100; the base score is what an account meeting
//! no signal gets. A numeric attribute's lowest and highest bins are left open, so that an account
//! beyond the customers' range still meets one.

use std::collections::BTreeMap;

use fixedbitset::FixedBitSet;
use northstar_discover::{Attribute, LiftSettings, Values, jaccard, lift, top_accounts};
use rayon::prelude::*;

use crate::{Rule, Signal, SignalEvidence};

/// Weight, in accounts at the base rate, of the prior that shrinks each lift towards 1.
pub const PRIOR_ACCOUNTS: f64 = 20.0;

/// The signals of the customers inside the SAM (`in_sam`) and the base score.
pub fn learn(
    objective: &[f64],
    attributes: &[Attribute],
    in_sam: &[bool],
    min_support: u64,
) -> (Vec<Signal>, i64) {
    let rows: Vec<usize> = (0..objective.len()).filter(|&i| in_sam[i]).collect();
    let inside: Vec<f64> = rows.iter().map(|&i| objective[i]).collect();
    let attributes: Vec<Attribute> = attributes.par_iter().map(|a| a.subset(&rows)).collect();
    let settings = LiftSettings {
        min_support,
        ..LiftSettings::default()
    };
    let top = top_accounts(&inside, settings.top_share)
        .iter()
        .filter(|t| **t)
        .count();
    if inside.is_empty() {
        return (Vec::new(), 50);
    }
    let base = top as f64 / inside.len() as f64;
    // Each numeric attribute's lowest and highest value in the SAM, for opening its end bins.
    let ranges: BTreeMap<&str, (f64, f64)> = attributes
        .iter()
        .filter_map(|a| a.range().map(|r| (a.name.as_str(), r)))
        .collect();
    let mut weighted: Vec<(Rule, f64, SignalEvidence)> = lift(&inside, &attributes, &settings)
        .into_iter()
        .filter(|l| l.ci[0] > 1.0 || l.ci[1] < 1.0)
        .map(|l| {
            let shrunk = (l.top as f64 + PRIOR_ACCOUNTS * base) / (l.support as f64 + PRIOR_ACCOUNTS) / base;
            let condition = match ranges.get(l.attribute.as_str()) {
                Some(&range) => l.condition.open_beyond(range),
                None => l.condition.clone(),
            };
            let rule = Rule {
                condition,
                attribute: l.attribute,
            };
            let evidence = SignalEvidence {
                support: l.support,
                top_accounts: l.top,
                lift: l.lift,
                shrunk_lift: shrunk,
                ci: l.ci,
                mean_objective: l.mean_objective,
                same_accounts_as: Vec::new(),
            };
            (rule, shrunk.ln(), evidence)
        })
        .collect();
    weighted.retain(|(_, w, _)| w.is_finite() && *w != 0.0);
    let weighted = fold_duplicates(weighted, &attributes);
    let lists: Vec<&str> = attributes
        .iter()
        .filter(|a| matches!(a.values, Values::List(_)))
        .map(|a| a.name.as_str())
        .collect();
    let weights: Vec<(&str, f64)> = weighted
        .iter()
        .map(|(r, w, _)| (r.attribute.as_str(), *w))
        .collect();
    let (low, high) = reach(&weights, &lists);
    if high - low <= 0.0 {
        return (Vec::new(), 50);
    }
    let mut scale = 100.0 / (high - low);
    let (points, base_score) = loop {
        let points: Vec<i64> = weights.iter().map(|(_, w)| (w * scale).round() as i64).collect();
        let whole: Vec<(&str, f64)> = weights
            .iter()
            .zip(&points)
            .map(|((a, _), p)| (*a, *p as f64))
            .collect();
        let (low, high) = reach(&whole, &lists);
        if high - low <= 100.0 {
            break (points, -low as i64);
        }
        scale *= 0.99 * 100.0 / (high - low);
    };
    let mut signals: Vec<Signal> = weighted
        .into_iter()
        .zip(points)
        .filter(|(_, points)| *points != 0)
        .map(|((rule, _, evidence), points)| Signal {
            rule,
            points,
            evidence,
        })
        .collect();
    signals.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then_with(|| a.rule.describe().cmp(&b.rule.describe()))
    });
    (signals, base_score)
}

/// Jaccard similarity above which two signals count as the same accounts.
const DUPLICATE_OVERLAP: f64 = 0.9;

/// Folds each signal whose accounts are nearly those of a stronger one (by |weight|) into it,
/// so that one fact measured twice (employees and revenue, say) is not counted twice.
fn fold_duplicates(
    mut weighted: Vec<(Rule, f64, SignalEvidence)>,
    attributes: &[Attribute],
) -> Vec<(Rule, f64, SignalEvidence)> {
    weighted.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    // Each signal's accounts, found on every core, one bit an account.
    let selected: Vec<FixedBitSet> = weighted
        .par_iter()
        .map(|signal| {
            attributes
                .iter()
                .find(|a| a.name == signal.0.attribute)
                .map(|a| {
                    let selected = signal.0.condition.selects(&a.values);
                    let mut members = FixedBitSet::with_capacity(selected.len());
                    members.extend((0..selected.len()).filter(|&i| selected[i]));
                    members
                })
                .unwrap_or_default()
        })
        .collect();
    let mut kept: Vec<((Rule, f64, SignalEvidence), FixedBitSet)> = Vec::new();
    for (signal, members) in weighted.into_iter().zip(selected) {
        match kept
            .iter_mut()
            .find(|(k, m)| k.1.signum() == signal.1.signum() && jaccard(m, &members) >= DUPLICATE_OVERLAP)
        {
            Some((stronger, _)) => stronger.2.same_accounts_as.push(signal.0.describe()),
            None => kept.push((signal, members)),
        }
    }
    kept.into_iter().map(|(signal, _)| signal).collect()
}

/// The lowest and highest sums of weights an account can reach: one value per attribute, or
/// any set of elements of a list attribute (`lists`).
fn reach(weights: &[(&str, f64)], lists: &[&str]) -> (f64, f64) {
    let mut by_attribute: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (attribute, w) in weights {
        by_attribute.entry(attribute).or_default().push(*w);
    }
    by_attribute
        .iter()
        .fold((0.0, 0.0), |(low, high), (attribute, ws)| {
            if lists.contains(attribute) {
                (
                    low + ws.iter().filter(|w| **w < 0.0).sum::<f64>(),
                    high + ws.iter().filter(|w| **w > 0.0).sum::<f64>(),
                )
            } else {
                (
                    low + ws.iter().copied().fold(0.0, f64::min),
                    high + ws.iter().copied().fold(0.0, f64::max),
                )
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use northstar_discover::Condition;

    #[test]
    fn scores_reach_from_0_to_at_most_100() {
        let lists = ["technologies"];
        let weights = [
            ("industry", 0.9),
            ("industry", -0.4),
            ("technologies", 0.5),
            ("technologies", 0.3),
            ("technologies", -0.2),
        ];
        // industry reaches -0.4..0.9; technologies -0.2..0.8 (all positive elements at once).
        let (low, high) = reach(&weights, &lists);
        assert!((low + 0.6).abs() < 1e-12 && (high - 1.7).abs() < 1e-12);
    }

    #[test]
    fn a_signal_on_the_same_accounts_is_folded_into_the_stronger() {
        let set = |members: &[usize]| FixedBitSet::from_iter(members.iter().copied());
        assert_eq!(jaccard(&set(&[1, 2, 3]), &set(&[2, 3, 4])), 0.5);
        assert_eq!(jaccard(&set(&[1, 70]), &set(&[70, 130])), 1.0 / 3.0);
        assert_eq!(jaccard(&FixedBitSet::new(), &FixedBitSet::with_capacity(10)), 1.0);
        let numbers = |v: [f64; 4]| Values::Numeric(v.map(Some).to_vec());
        let attributes = [
            Attribute {
                name: "employees".into(),
                values: numbers([10.0, 20.0, 300.0, 400.0]),
            },
            Attribute {
                name: "revenue".into(),
                values: numbers([1.0, 2.0, 30.0, 40.0]),
            },
        ];
        let evidence = SignalEvidence {
            support: 2,
            top_accounts: 2,
            lift: 2.0,
            shrunk_lift: 1.5,
            ci: [1.1, 2.0],
            mean_objective: 1.0,
            same_accounts_as: Vec::new(),
        };
        let rule = |attribute: &str, min: f64| Rule {
            attribute: attribute.into(),
            condition: Condition::Between {
                min,
                max: f64::INFINITY,
            },
        };
        let kept = fold_duplicates(
            vec![
                (rule("revenue", 30.0), 0.3, evidence.clone()),
                (rule("employees", 300.0), 0.4, evidence),
            ],
            &attributes,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].0.attribute, "employees");
        assert_eq!(kept[0].2.same_accounts_as, ["revenue at least 30"]);
    }
}
