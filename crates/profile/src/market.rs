//! The serviceable market (SAM): hard rules that keep out the customers who, together, lose money.
//!
//! Rules are chosen greedily. A candidate is a one-sided cut of a numeric attribute (at least or
//! at most one of its bin edges), the loss-making categories of a categorical attribute
//! (`not_in`), or a significant anti-ICP segment. Each round takes the candidate that removes the
//! largest total loss, among those that remove at least the minimum support, whose removed
//! accounts lose money on average (one-sided t-test, Bonferroni-corrected over the candidates),
//! and that keep the coverage floor: the SAM must hold at least that share of the top-fifth
//! customers. Cuts of one numeric attribute are then merged into one range.

use northstar_discover::{Attribute, Condition, Subgroup, Values, conditions, top_accounts};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::{Filter, FilterEvidence, Rule};

/// How the serviceable market is drawn.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MarketSettings {
    /// Least share of the top-fifth customers the SAM must keep.
    pub coverage_floor: f64,
    /// Most rules drawn.
    pub max_rules: usize,
    /// Fewest customers a rule must remove.
    pub min_support: usize,
    /// Family-wise significance level of each rule.
    pub alpha: f64,
    /// Equal-count bins whose edges are the numeric cuts.
    pub bins: usize,
}

impl Default for MarketSettings {
    fn default() -> Self {
        MarketSettings {
            coverage_floor: 0.8,
            max_rules: 5,
            min_support: 20,
            alpha: 0.05,
            bins: 10,
        }
    }
}

/// The market drawn from the customers.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The hard rules, one per attribute.
    pub filters: Vec<Filter>,
    /// Indices of the anti-ICP segments kept out of the SAM.
    pub excluded: Vec<usize>,
    /// Whether each customer is inside the SAM.
    pub in_sam: Vec<bool>,
}

/// What a candidate rule would remove.
enum Cut {
    /// A rule accounts must meet.
    Keep(Rule),
    /// An anti-ICP segment (by index) accounts must not belong to.
    Exclude(usize),
}

/// Draws the SAM for `objective` from `attributes` and the anti-ICP segments `anti`.
pub fn draw(
    objective: &[f64],
    attributes: &[Attribute],
    anti: &[Subgroup],
    settings: &MarketSettings,
) -> Drawn {
    let n = objective.len();
    let top = top_accounts(objective, 0.2);
    let top_total = top.iter().filter(|t| **t).count().max(1) as f64;
    let mut in_sam = vec![true; n];
    let mut chosen: Vec<(Cut, FilterEvidence)> = Vec::new();
    while chosen.len() < settings.max_rules {
        let candidates = candidates(objective, attributes, anti, &in_sam, settings);
        let compared = candidates.len().max(1) as f64;
        let mut best: Option<(Cut, Vec<bool>, FilterEvidence)> = None;
        for (cut, fails) in candidates {
            let removed: Vec<usize> = (0..n).filter(|&i| in_sam[i] && fails[i]).collect();
            if removed.len() < settings.min_support {
                continue;
            }
            let values: Vec<f64> = removed.iter().map(|&i| objective[i]).collect();
            let total: f64 = values.iter().sum();
            let top_removed = removed.iter().filter(|&&i| top[i]).count();
            let top_kept = (0..n).filter(|&i| in_sam[i] && top[i]).count() - top_removed;
            let p_value = (below_zero_p(&values) * compared).min(1.0);
            if total >= 0.0
                || top_kept as f64 / top_total < settings.coverage_floor
                || p_value >= settings.alpha
            {
                continue;
            }
            if best.as_ref().is_none_or(|(_, _, b)| total < b.removed_objective) {
                let evidence = FilterEvidence {
                    removed_accounts: removed.len() as u64,
                    removed_objective: total,
                    removed_top_accounts: top_removed as u64,
                    p_value,
                };
                best = Some((cut, fails, evidence));
            }
        }
        let Some((cut, fails, evidence)) = best else {
            break;
        };
        for (inside, fail) in in_sam.iter_mut().zip(fails) {
            *inside &= !fail;
        }
        chosen.push((cut, evidence));
    }
    let mut filters: Vec<Filter> = Vec::new();
    let mut excluded = Vec::new();
    for (cut, evidence) in chosen {
        match cut {
            Cut::Exclude(segment) => excluded.push(segment),
            Cut::Keep(rule) => match filters.iter_mut().find(|f| f.rule.attribute == rule.attribute) {
                Some(same) => merge(same, rule, evidence),
                None => filters.push(Filter { rule, evidence }),
            },
        }
    }
    Drawn {
        filters,
        excluded,
        in_sam,
    }
}

/// Folds a second rule on the same attribute into `filter`: ranges intersect, refused categories
/// add up, and the evidence adds up (the larger p-value stands).
fn merge(filter: &mut Filter, rule: Rule, evidence: FilterEvidence) {
    match (&mut filter.rule.condition, rule.condition) {
        (Condition::Between { min, max }, Condition::Between { min: low, max: high }) => {
            *min = min.max(low);
            *max = max.min(high);
        }
        (Condition::NotIn { values }, Condition::NotIn { values: more }) => values.extend(more),
        _ => unreachable!("one attribute gives one kind of cut"),
    }
    let e = &mut filter.evidence;
    e.removed_accounts += evidence.removed_accounts;
    e.removed_objective += evidence.removed_objective;
    e.removed_top_accounts += evidence.removed_top_accounts;
    e.p_value = e.p_value.max(evidence.p_value);
}

/// Every candidate rule, with the customers it would remove (inside the SAM or not).
fn candidates(
    objective: &[f64],
    attributes: &[Attribute],
    anti: &[Subgroup],
    in_sam: &[bool],
    settings: &MarketSettings,
) -> Vec<(Cut, Vec<bool>)> {
    let mut out = Vec::new();
    for attribute in attributes {
        let rules: Vec<Condition> = match &attribute.values {
            Values::Numeric(_) => {
                let bins = conditions(attribute, settings.bins);
                let edges =
                    |pick: fn(&Condition) -> f64| -> Vec<f64> { bins.iter().map(|(c, _)| pick(c)).collect() };
                let lows = edges(|c| {
                    if let Condition::Between { min, .. } = c {
                        *min
                    } else {
                        f64::NAN
                    }
                });
                let highs = edges(|c| {
                    if let Condition::Between { max, .. } = c {
                        *max
                    } else {
                        f64::NAN
                    }
                });
                let at_least = lows.iter().skip(1).map(|&min| Condition::Between {
                    min,
                    max: f64::INFINITY,
                });
                let at_most =
                    highs
                        .iter()
                        .take(highs.len().saturating_sub(1))
                        .map(|&max| Condition::Between {
                            min: f64::NEG_INFINITY,
                            max,
                        });
                at_least.chain(at_most).collect()
            }
            Values::Categorical(_) => {
                let losing: Vec<String> = conditions(attribute, settings.bins)
                    .into_iter()
                    .filter_map(|(c, members)| {
                        let inside: Vec<usize> = members.into_iter().filter(|&i| in_sam[i]).collect();
                        let total: f64 = inside.iter().map(|&i| objective[i]).sum();
                        match c {
                            Condition::In { mut values }
                                if inside.len() >= settings.min_support && total < 0.0 =>
                            {
                                values.pop()
                            }
                            _ => None,
                        }
                    })
                    .collect();
                if losing.is_empty() {
                    Vec::new()
                } else {
                    vec![Condition::NotIn { values: losing }]
                }
            }
            Values::List(_) => Vec::new(),
        };
        for condition in rules {
            let fails = condition
                .selects(&attribute.values)
                .into_iter()
                .map(|ok| !ok)
                .collect();
            let rule = Rule {
                attribute: attribute.name.clone(),
                condition,
            };
            out.push((Cut::Keep(rule), fails));
        }
    }
    for (index, segment) in anti.iter().enumerate() {
        let mut fails = vec![false; objective.len()];
        for &i in &segment.members {
            fails[i] = true;
        }
        out.push((Cut::Exclude(index), fails));
    }
    out
}

/// One-sided p-value that the mean of `values` is below zero (Student's t).
fn below_zero_p(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return 1.0;
    }
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    if variance == 0.0 {
        return if mean < 0.0 { 0.0 } else { 1.0 };
    }
    let t = mean / (variance / n).sqrt();
    StudentsT::new(0.0, 1.0, n - 1.0).map_or(1.0, |d| d.cdf(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_test_matches_a_hand_computation() {
        // values -3, -1, 1: mean -1, sd 2, t = -1 / (2 / √3) = -0.866; P(T₂ < -0.866) is
        // 0.23888351606645322 by SciPy's ttest_1samp(alternative="less").
        assert!((below_zero_p(&[-3.0, -1.0, 1.0]) - 0.23888351606645322).abs() < 1e-9);
        assert_eq!(below_zero_p(&[-1.0, -1.0]), 0.0);
    }

    #[test]
    fn a_loss_making_size_band_is_cut_and_the_floor_holds() {
        // 300 accounts: employees 1..=300; the 60 largest lose 10 each, the rest earn 1 to 240.
        let employees: Vec<Option<f64>> = (1..=300).map(|e| Some(f64::from(e))).collect();
        let objective: Vec<f64> = (1..=300)
            .map(|e| if e > 240 { -10.0 } else { f64::from(e) })
            .collect();
        let attributes = [Attribute {
            name: "employees".into(),
            values: Values::Numeric(employees),
        }];
        let drawn = draw(&objective, &attributes, &[], &MarketSettings::default());
        assert_eq!(drawn.filters.len(), 1);
        assert_eq!(
            drawn.filters[0].rule.condition,
            Condition::Between {
                min: f64::NEG_INFINITY,
                max: 240.0
            }
        );
        assert_eq!(drawn.filters[0].evidence.removed_accounts, 60);
        assert_eq!(drawn.in_sam.iter().filter(|x| **x).count(), 240);
        // With a floor no cut can keep, nothing is cut.
        let strict = MarketSettings {
            coverage_floor: 1.01,
            ..MarketSettings::default()
        };
        assert!(draw(&objective, &attributes, &[], &strict).filters.is_empty());
    }
}
