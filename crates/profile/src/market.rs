//! The serviceable market (SAM): hard rules that keep out the customers who, together, lose money.
//!
//! Rules are chosen greedily. A candidate is a one-sided cut of a numeric attribute (at least or
//! at most any of its values, all found in one sorted pass with running sums), the loss-making
//! categories of a categorical attribute (`not_in`), or a significant anti-ICP segment. Each round takes the candidate that removes the
//! largest total loss, among those that remove at least the minimum support, whose removed
//! accounts lose money on average (one-sided t-test, Bonferroni-corrected over the candidates),
//! and that keep the coverage floor: the SAM must hold at least that share of the top-fifth
//! customers. Cuts of one numeric attribute are then merged into one range.

use northstar_discover::{Attribute, Condition, Subgroup, Values, conditions, top_accounts};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::{Filter, FilterEvidence, Rule, UnknownValues};

/// How the serviceable market is drawn: the `[market]` section of `northstar.toml`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketSettings {
    /// Least share of the top-fifth customers the SAM must keep.
    #[serde(deserialize_with = "northstar_discover::settings::share")]
    pub coverage_floor: f64,
    /// Most rules drawn.
    pub max_rules: usize,
    /// Fewest customers a rule must remove.
    pub min_support: usize,
    /// Family-wise significance level of each rule.
    #[serde(deserialize_with = "northstar_discover::settings::share")]
    pub alpha: f64,
    /// Equal-count bins whose edges are the numeric cuts.
    pub bins: usize,
    /// What a filter does with an unknown value: `unverified` (stays in) or `exclude`.
    pub unknown_values: UnknownValues,
    /// Sales reps selling into the SAM, for the SOM's capacity (with `deals_per_rep`).
    pub reps: Option<u32>,
    /// Deals one rep closes in a year, for the SOM's capacity (with `reps`).
    pub deals_per_rep: Option<f64>,
}

impl Default for MarketSettings {
    fn default() -> Self {
        MarketSettings {
            coverage_floor: 0.8,
            max_rules: 5,
            min_support: 20,
            alpha: 0.05,
            bins: 10,
            unknown_values: UnknownValues::Unverified,
            reps: None,
            deals_per_rep: None,
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

/// The customers a candidate would remove from the SAM, in sums.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Removed {
    count: usize,
    sum: f64,
    squares: f64,
    top: usize,
}

impl Removed {
    /// Adds account `i`.
    fn add(&mut self, objective: f64, top: bool) {
        self.count += 1;
        self.sum += objective;
        self.squares += objective * objective;
        self.top += usize::from(top);
    }

    /// The sums of both groups.
    fn plus(self, other: Removed) -> Removed {
        Removed {
            count: self.count + other.count,
            sum: self.sum + other.sum,
            squares: self.squares + other.squares,
            top: self.top + other.top,
        }
    }

    /// One-sided p-value that the removed accounts' mean objective is below zero (Student's t).
    fn below_zero_p(&self) -> f64 {
        let n = self.count as f64;
        if self.count < 2 {
            return 1.0;
        }
        let mean = self.sum / n;
        let variance = ((self.squares - n * mean * mean) / (n - 1.0)).max(0.0);
        if variance <= f64::EPSILON * self.squares.max(1.0) {
            return if mean < 0.0 { 0.0 } else { 1.0 };
        }
        let t = mean / (variance / n).sqrt();
        StudentsT::new(0.0, 1.0, n - 1.0).map_or(1.0, |d| d.cdf(t))
    }
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
        let candidates = candidates(objective, &top, attributes, anti, &in_sam, settings);
        let compared = candidates.len().max(1) as f64;
        let top_kept = (0..n).filter(|&i| in_sam[i] && top[i]).count();
        let best = candidates
            .into_iter()
            .filter(|(_, r)| {
                r.count >= settings.min_support
                    && r.sum < 0.0
                    && (top_kept - r.top) as f64 / top_total >= settings.coverage_floor
            })
            .map(|(cut, r)| (cut, r, (r.below_zero_p() * compared).min(1.0)))
            .filter(|(_, _, p)| *p < settings.alpha)
            .reduce(|best, next| if next.1.sum < best.1.sum { next } else { best });
        let Some((cut, removed, p_value)) = best else {
            break;
        };
        let fails: Vec<bool> = match &cut {
            Cut::Keep(rule) => attributes
                .iter()
                .find(|a| a.name == rule.attribute)
                .map(|a| match settings.unknown_values {
                    UnknownValues::Unverified => rule.condition.fails(&a.values),
                    UnknownValues::Exclude => rule
                        .condition
                        .selects(&a.values)
                        .into_iter()
                        .map(|ok| !ok)
                        .collect(),
                })
                .unwrap_or_else(|| vec![false; n]),
            Cut::Exclude(segment) => {
                let mut fails = vec![false; n];
                for &i in &anti[*segment].members {
                    fails[i] = true;
                }
                fails
            }
        };
        for (inside, fail) in in_sam.iter_mut().zip(fails) {
            *inside &= !fail;
        }
        let evidence = FilterEvidence {
            removed_accounts: removed.count as u64,
            removed_objective: removed.sum,
            removed_top_accounts: removed.top as u64,
            p_value,
        };
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

/// Every candidate rule, with the customers of the SAM it would remove.
fn candidates(
    objective: &[f64],
    top: &[bool],
    attributes: &[Attribute],
    anti: &[Subgroup],
    in_sam: &[bool],
    settings: &MarketSettings,
) -> Vec<(Cut, Removed)> {
    let inside = || (0..objective.len()).filter(|&i| in_sam[i]);
    let sums = |members: &mut dyn Iterator<Item = usize>| {
        let mut r = Removed::default();
        for i in members {
            r.add(objective[i], top[i]);
        }
        r
    };
    // Each attribute's cuts, the attributes side by side, in their order.
    let cuts = |attribute: &Attribute| {
        let mut out = Vec::new();
        let keep = |condition| {
            Cut::Keep(Rule {
                attribute: attribute.name.clone(),
                condition,
            })
        };
        match &attribute.values {
            Values::Numeric(values) => {
                let missing = sums(&mut inside().filter(|&i| values[i].is_none()));
                let mut present: Vec<(f64, usize)> = inside().filter_map(|i| Some((values[i]?, i))).collect();
                present.sort_by(|a, b| a.0.total_cmp(&b.0));
                // below[k]: the sums of the k accounts with the lowest values.
                let mut below = vec![Removed::default(); present.len() + 1];
                for (k, &(_, i)) in present.iter().enumerate() {
                    below[k + 1] = below[k];
                    below[k + 1].add(objective[i], top[i]);
                }
                let whole = below[present.len()];
                for k in 1..present.len() {
                    if present[k - 1].0 == present[k].0 {
                        continue;
                    }
                    let above = Removed {
                        count: whole.count - below[k].count,
                        sum: whole.sum - below[k].sum,
                        squares: whole.squares - below[k].squares,
                        top: whole.top - below[k].top,
                    };
                    let at_least = Condition::Between {
                        min: present[k].0,
                        max: f64::INFINITY,
                    };
                    let at_most = Condition::Between {
                        min: f64::NEG_INFINITY,
                        max: present[k - 1].0,
                    };
                    out.push((keep(at_least), below[k].plus(missing)));
                    out.push((keep(at_most), above.plus(missing)));
                }
            }
            Values::Categorical(values) => {
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
                if !losing.is_empty() {
                    let removed = sums(&mut inside().filter(|&i| {
                        values[i]
                            .as_ref()
                            .is_some_and(|v| losing.iter().any(|l| **l == **v))
                    }));
                    out.push((keep(Condition::NotIn { values: losing }), removed));
                }
            }
            Values::List(_) => {}
        }
        out
    };
    let mut out: Vec<(Cut, Removed)> = attributes.par_iter().flat_map_iter(cuts).collect();
    for (index, segment) in anti.iter().enumerate() {
        let removed = sums(&mut segment.members.iter().copied().filter(|&i| in_sam[i]));
        out.push((Cut::Exclude(index), removed));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_test_matches_a_hand_computation() {
        // values -3, -1, 1: mean -1, sd 2, t = -1 / (2 / √3) = -0.866; P(T₂ < -0.866) is
        // 0.23888351606645322 by SciPy's ttest_1samp(alternative="less").
        let removed = |values: &[f64]| {
            let mut r = Removed::default();
            for v in values {
                r.add(*v, false);
            }
            r.below_zero_p()
        };
        assert!((removed(&[-3.0, -1.0, 1.0]) - 0.23888351606645322).abs() < 1e-9);
        assert_eq!(removed(&[-1.0, -1.0]), 0.0);
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
