//! Lift: how much more often an attribute value occurs among the top accounts than overall.
//!
//! The top accounts are the first `top_share` of accounts ranked by the objective. For a
//! condition met by n accounts, k of them top, the top rate is k/n and the lift is that rate over
//! the base rate (top accounts / all accounts). Its interval is the Wilson score interval of k/n
//! over the base rate, which stays inside [0, 1/base] and behaves at k = 0 or k = n.

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::{Attribute, Condition, Values};

/// How lift is measured.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LiftSettings {
    /// Share of accounts, ranked by the objective, that are the top group (0.2: the top fifth).
    pub top_share: f64,
    /// Fewest accounts a condition must select to be reported.
    pub min_support: u64,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Equal-count bins a numeric attribute is cut into.
    pub bins: usize,
}

impl Default for LiftSettings {
    fn default() -> Self {
        LiftSettings {
            top_share: 0.2,
            min_support: 20,
            confidence: 0.95,
            bins: 5,
        }
    }
}

/// The lift of one condition.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Lift {
    /// The attribute.
    pub attribute: String,
    /// The accounts selected.
    pub condition: Condition,
    /// Accounts meeting the condition.
    pub support: u64,
    /// Of those, top accounts.
    pub top: u64,
    /// top / support.
    pub top_rate: f64,
    /// Top rate over the base rate; 1 means no different from all accounts.
    pub lift: f64,
    /// Confidence interval of the lift.
    pub ci: [f64; 2],
    /// Mean objective of the accounts meeting the condition.
    pub mean_objective: f64,
}

/// The Wilson score interval of a proportion of `successes` in `trials` at `confidence`.
pub fn wilson_interval(successes: u64, trials: u64, confidence: f64) -> [f64; 2] {
    if trials == 0 {
        return [0.0, 1.0];
    }
    let z = Normal::standard().inverse_cdf(0.5 + confidence / 2.0);
    let (n, p) = (trials as f64, successes as f64 / trials as f64);
    let z2n = z * z / n;
    let centre = p + z2n / 2.0;
    let half = z * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    let scale = 1.0 + z2n;
    [
        ((centre - half) / scale).max(0.0),
        ((centre + half) / scale).min(1.0),
    ]
}

/// The lift of every category, numeric bin and list element of `attributes` with at least the
/// minimum support, most over-represented first. `objective[i]` belongs to account i.
pub fn lift(objective: &[f64], attributes: &[Attribute], settings: &LiftSettings) -> Vec<Lift> {
    let n = objective.len();
    let top = top_accounts(objective, settings.top_share);
    let top_count = top.iter().filter(|t| **t).count();
    if n == 0 || top_count == 0 {
        return Vec::new();
    }
    let base = top_count as f64 / n as f64;
    // Each attribute's conditions on a core of its own, collected in the attributes' order.
    let mut found: Vec<Lift> = attributes
        .par_iter()
        .flat_map_iter(|a| {
            conditions(a, settings.bins)
                .into_iter()
                .map(move |(c, members)| (a, c, members))
        })
        .filter(|(_, _, members)| members.len() as u64 >= settings.min_support.max(1))
        .map(|(attribute, condition, members)| {
            let support = members.len() as u64;
            let hits = members.iter().filter(|&&i| top[i]).count() as u64;
            let [low, high] = wilson_interval(hits, support, settings.confidence);
            let top_rate = hits as f64 / support as f64;
            Lift {
                attribute: attribute.name.clone(),
                condition,
                support,
                top: hits,
                top_rate,
                lift: top_rate / base,
                ci: [low / base, high / base],
                mean_objective: members.iter().map(|&i| objective[i]).sum::<f64>() / support as f64,
            }
        })
        .collect();
    found.sort_by(|a, b| {
        b.lift
            .total_cmp(&a.lift)
            .then(b.support.cmp(&a.support))
            .then_with(|| a.attribute.cmp(&b.attribute))
    });
    found
}

/// Flags the top `share` of accounts by descending objective: those strictly above the
/// objective of the first account past that share. Accounts tied at the cut are all out, so the
/// top group never depends on the order of the input.
pub fn top_accounts(objective: &[f64], share: f64) -> Vec<bool> {
    let n = objective.len();
    let count = ((share * n as f64).round() as usize).clamp(1, n.max(1));
    let mut sorted = objective.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    match sorted.get(count) {
        Some(&cut) => objective.iter().map(|v| *v > cut).collect(),
        None => vec![true; n],
    }
}

/// Why nothing can be learnt of what sets the top accounts apart, if so: an objective with no
/// spread, or fewer than `min_top` accounts strictly above the top-share cut.
pub fn nothing_to_learn(objective: &[f64], share: f64, min_top: u64) -> Option<String> {
    let first = *objective.first()?;
    if objective.iter().all(|v| *v == first) {
        return Some(format!(
            "every customer has the same value ({first}): there is no spread to learn from"
        ));
    }
    let top = top_accounts(objective, share).iter().filter(|t| **t).count() as u64;
    (top < min_top).then(|| {
        let lie = if top == 1 {
            "customer lies"
        } else {
            "customers lie"
        };
        format!(
            "only {top} {lie} strictly above the top-{:.0}% cut; at least {min_top} are needed to \
             learn what sets them apart",
            share * 100.0
        )
    })
}

/// Every condition on `attribute` with the accounts meeting it.
pub fn conditions(attribute: &Attribute, bins: usize) -> Vec<(Condition, Vec<usize>)> {
    match &attribute.values {
        Values::Categorical(values) => {
            let held = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| Some((i, v.as_deref()?)));
            by_value(held, |v| Condition::In { values: vec![v] })
        }
        Values::List(values) => {
            let held = values
                .iter()
                .enumerate()
                .flat_map(|(i, elements)| elements.iter().map(move |e| (i, &**e)));
            by_value(held, |v| Condition::Contains { values: vec![v] })
        }
        Values::Numeric(values) => numeric_bins(values, bins),
    }
}

/// The accounts holding each value, in value order, each account once per value; `condition`
/// turns a value into the condition that selects them.
fn by_value<'a>(
    held: impl Iterator<Item = (usize, &'a str)>,
    condition: impl Fn(String) -> Condition,
) -> Vec<(Condition, Vec<usize>)> {
    // Values are found by hash, then put in order once: a tree ordered by text would compare
    // texts for every account.
    let mut position: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, value) in held {
        let at = *position.entry(value).or_insert_with(|| {
            groups.push((value, Vec::new()));
            groups.len() - 1
        });
        let members = &mut groups[at].1;
        if members.last() != Some(&i) {
            members.push(i);
        }
    }
    groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
    groups
        .into_iter()
        .map(|(value, members)| (condition(value.to_owned()), members))
        .collect()
}

/// Cuts the present values into `bins` groups of about equal count, never splitting equal
/// values, each as the range of the values it holds.
fn numeric_bins(values: &[Option<f64>], bins: usize) -> Vec<(Condition, Vec<usize>)> {
    let mut present: Vec<(f64, usize)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (v, i)))
        .collect();
    present.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out = Vec::new();
    let mut start = 0;
    for b in 1..=bins.max(1) {
        let mut end = (present.len() * b / bins.max(1)).max(start);
        while end < present.len() && end > 0 && present[end].0 == present[end - 1].0 {
            end += 1;
        }
        if end > start {
            let slice = &present[start..end];
            let mut members: Vec<usize> = slice.iter().map(|(_, i)| *i).collect();
            members.sort_unstable();
            out.push((
                Condition::Between {
                    min: slice[0].0,
                    max: slice[slice.len() - 1].0,
                },
                members,
            ));
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_tied_at_the_cut_are_all_out_whatever_their_order() {
        // The top fifth of ten is two; the second and third best tie at 5, so neither is in.
        let objective = [9.0, 5.0, 5.0, 5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let top = top_accounts(&objective, 0.2);
        assert_eq!(top.iter().filter(|t| **t).count(), 1);
        let mut reversed = objective;
        reversed.reverse();
        assert_eq!(top_accounts(&reversed, 0.2).iter().filter(|t| **t).count(), 1);
        assert_eq!(
            nothing_to_learn(&objective, 0.2, 20).as_deref(),
            Some(
                "only 1 customer lies strictly above the top-20% cut; at least 20 are needed to \
                 learn what sets them apart"
            )
        );
        let flat = nothing_to_learn(&[0.0; 500], 0.2, 20).expect("no spread");
        assert!(
            flat.starts_with("every customer has the same value (0)"),
            "{flat}"
        );
        let spread: Vec<f64> = (0..500).map(f64::from).collect();
        assert_eq!(nothing_to_learn(&spread, 0.2, 20), None);
    }

    #[test]
    fn wilson_intervals_match_newcombe_1998() {
        // Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (score interval).
        for (k, n, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let [l, h] = wilson_interval(k, n, 0.95);
            assert!(
                (l - low).abs() < 5e-5 && (h - high).abs() < 5e-5,
                "{k}/{n}: {l} {h}"
            );
        }
    }

    #[test]
    fn a_hand_computed_world() {
        // Ten accounts, objective 10 down to 1; the top fifth is accounts 0 and 1 (base rate 0.2).
        let objective: Vec<f64> = (0..10).map(|i| f64::from(10 - i)).collect();
        let industry = Attribute {
            name: "industry".into(),
            values: Values::Categorical(
                ["A", "A", "A", "A", "B", "B", "B", "B", "B", "B"]
                    .map(|s| Some(s.into()))
                    .to_vec(),
            ),
        };
        let settings = LiftSettings {
            min_support: 1,
            ..LiftSettings::default()
        };
        let found = lift(&objective, &[industry], &settings);
        // A: 4 accounts, 2 of them top: rate 0.5, lift 0.5 / 0.2 = 2.5; mean objective (10+9+8+7)/4.
        assert_eq!(
            found[0].condition,
            Condition::In {
                values: vec!["A".into()]
            }
        );
        assert_eq!((found[0].support, found[0].top), (4, 2));
        assert!((found[0].lift - 2.5).abs() < 1e-12);
        assert!((found[0].mean_objective - 8.5).abs() < 1e-12);
        let [low, high] = wilson_interval(2, 4, 0.95);
        assert!((found[0].ci[0] - low / 0.2).abs() < 1e-12 && (found[0].ci[1] - high / 0.2).abs() < 1e-12);
        // B: 6 accounts, none top.
        assert_eq!((found[1].support, found[1].top, found[1].lift), (6, 0, 0.0));
    }

    #[test]
    fn numeric_bins_hold_equal_counts_and_keep_ties_together() {
        let values: Vec<Option<f64>> = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
            .map(Some)
            .to_vec();
        let ranges: Vec<Condition> = numeric_bins(&values, 5).into_iter().map(|(c, _)| c).collect();
        assert_eq!(ranges[0], Condition::Between { min: 1.0, max: 2.0 });
        assert_eq!(ranges[4], Condition::Between { min: 9.0, max: 10.0 });
        let tied = [Some(1.0), Some(1.0), Some(1.0), None, Some(2.0), Some(3.0)];
        let bins = numeric_bins(&tied, 4);
        assert_eq!(
            bins[0],
            (Condition::Between { min: 1.0, max: 1.0 }, vec![0, 1, 2])
        );
        assert_eq!(bins.iter().map(|(_, m)| m.len()).sum::<usize>(), 5);
    }

    #[test]
    fn list_elements_count_each_account_once_and_support_is_enforced() {
        let objective = [3.0, 2.0, 1.0];
        let tech = Attribute {
            name: "technologies".into(),
            values: Values::List(vec![
                vec!["K8s".into(), "K8s".into()],
                vec!["K8s".into(), "Go".into()],
                vec![],
            ]),
        };
        let settings = LiftSettings {
            min_support: 2,
            top_share: 1.0 / 3.0,
            ..LiftSettings::default()
        };
        let found = lift(&objective, &[tech], &settings);
        assert_eq!(found.len(), 1, "Go has support 1, below 2");
        assert_eq!((found[0].support, found[0].top), (2, 1));
        assert!((found[0].lift - 1.5).abs() < 1e-12);
    }
}
