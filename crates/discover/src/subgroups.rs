//! Subgroups: conjunctions of up to three conditions whose accounts carry more of the objective
//! than their share of accounts, found by beam search with optimistic-estimate pruning.
//!
//! Quality is the mean shift weighted by coverage, q(s) = √(n/N) · (mean_s − mean), which
//! rewards both concentration (a high mean) and size. No refinement of s (a subset of its
//! accounts) can beat the best of its top-k members, √(k/N) · (mean of the k best − mean), which
//! bounds the search. Each reported subgroup is tested against the other accounts (Welch's t)
//! with a Bonferroni correction for every subgroup evaluated, and near-duplicates (the same
//! accounts, by Jaccard similarity) are folded into the better one.
//!
//! Accounts are held as sets of one bit per account: a refinement's accounts are those of its
//! parent and its new condition, found a machine word at a time.

use std::collections::HashSet;

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::account_sets::{account_set, both, fold_both, jaccard};
use crate::lift::conditions;
use crate::{Attribute, Condition};

/// How subgroups are searched.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SubgroupSettings {
    /// Most conditions in a subgroup.
    pub max_depth: usize,
    /// Subgroups kept at each depth to refine.
    pub beam_width: usize,
    /// Subgroups reported.
    pub keep: usize,
    /// Fewest accounts in a subgroup.
    pub min_support: usize,
    /// Family-wise significance level.
    pub alpha: f64,
    /// Jaccard similarity above which two subgroups count as the same accounts.
    pub duplicate_overlap: f64,
    /// Equal-count bins a numeric attribute is cut into: finer than for lift, so that a
    /// conjunction can find a boundary such as a size above which accounts stop paying.
    pub bins: usize,
}

impl Default for SubgroupSettings {
    fn default() -> Self {
        SubgroupSettings {
            max_depth: 3,
            beam_width: 20,
            keep: 10,
            min_support: 20,
            alpha: 0.05,
            duplicate_overlap: 0.9,
            bins: 10,
        }
    }
}

/// One subgroup and its evidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Subgroup {
    /// The conditions, each on its own attribute, all of which an account meets.
    pub conditions: Vec<(String, Condition)>,
    /// The accounts (indices into the objective), ascending.
    pub members: Vec<usize>,
    /// √(n/N) · (mean_s − mean).
    pub quality: f64,
    /// Mean objective of the members.
    pub mean_objective: f64,
    /// Members' objective over the total objective.
    pub objective_share: f64,
    /// Welch's t-test p-value against the other accounts, times the subgroups evaluated (≤ 1).
    pub p_value: f64,
}

impl Subgroup {
    /// The conditions in words, joined by "and".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .conditions
            .iter()
            .map(|(attribute, c)| format!("{attribute} {}", c.describe()))
            .collect();
        parts.join(" and ")
    }
}

/// A candidate under evaluation: its selectors (indices into the selector list) and members.
struct Candidate {
    selectors: Vec<usize>,
    members: FixedBitSet,
    quality: f64,
}

/// A refinement scored before its members are gathered: only the beam's few survivors and
/// newcomers to the best list ever hold their accounts.
struct Scored {
    selectors: Vec<usize>,
    quality: f64,
    parent: usize,
    selector: usize,
}

/// The conditions subgroups are made of: every category, list element and numeric bin of the
/// attributes that selects at least the minimum support and not every account, each with its
/// accounts. Made once, they serve every objective searched over the same accounts.
pub struct Selectors<'a> {
    attributes: &'a [Attribute],
    accounts: usize,
    settings: SubgroupSettings,
    /// (attribute index, condition, accounts).
    list: Vec<(usize, Condition, FixedBitSet)>,
}

impl<'a> Selectors<'a> {
    /// The selectors of `attributes` over `accounts` accounts.
    pub fn new(attributes: &'a [Attribute], accounts: usize, settings: &SubgroupSettings) -> Self {
        let per_attribute: Vec<Vec<_>> = attributes
            .par_iter()
            .map(|attribute| {
                conditions(attribute, settings.bins)
                    .into_iter()
                    .filter(|(_, m)| m.len() >= settings.min_support && m.len() < accounts)
                    .map(|(c, m)| (c, account_set(&m, accounts)))
                    .collect()
            })
            .collect();
        let list = per_attribute
            .into_iter()
            .enumerate()
            .flat_map(|(a, conditions)| conditions.into_iter().map(move |(c, m)| (a, c, m)))
            .collect();
        Selectors {
            attributes,
            accounts,
            settings: *settings,
            list,
        }
    }

    /// The best subgroups for `objective` (one value per account), best first, significant
    /// ones only.
    pub fn search(&self, objective: &[f64]) -> Vec<Subgroup> {
        let (n, settings, selectors) = (objective.len(), &self.settings, &self.list);
        assert_eq!(n, self.accounts, "one objective value per account");
        if n < 2 * settings.min_support.max(1) {
            return Vec::new();
        }
        let mean = objective.iter().sum::<f64>() / n as f64;
        let quality = |count: usize, sum: f64| (count as f64 / n as f64).sqrt() * (sum / count as f64 - mean);
        let mut best: Vec<Candidate> = Vec::new();
        let mut evaluated = 0usize;
        let mut seen: HashSet<Vec<usize>> = HashSet::new();
        let mut everyone = FixedBitSet::with_capacity(n);
        everyone.insert_range(..);
        let mut beam: Vec<Candidate> = vec![Candidate {
            selectors: Vec::new(),
            members: everyone,
            quality: 0.0,
        }];
        for _ in 0..settings.max_depth {
            let mut next: Vec<Scored> = Vec::new();
            for (p, parent) in beam.iter().enumerate() {
                let threshold = kth_quality(&best, settings.keep);
                if !parent.selectors.is_empty()
                    && optimistic_estimate(&parent.members, objective, mean) <= threshold
                {
                    continue;
                }
                let size = parent.members.count_ones(..);
                for (s, (attribute, _, members)) in selectors.iter().enumerate() {
                    if parent.selectors.iter().any(|&p| selectors[p].0 == *attribute) {
                        continue;
                    }
                    let mut key = parent.selectors.clone();
                    key.push(s);
                    key.sort_unstable();
                    if !seen.insert(key.clone()) {
                        continue;
                    }
                    let (count, sum) = fold_both(&parent.members, members, (0usize, 0.0), |(c, sum), i| {
                        (c + 1, sum + objective[i])
                    });
                    if count < settings.min_support || count == size {
                        continue;
                    }
                    evaluated += 1;
                    let q = quality(count, sum);
                    if q > 0.0 && may_enter(&best, q, settings.keep) {
                        let candidate = Candidate {
                            selectors: key.clone(),
                            members: both(&parent.members, members),
                            quality: q,
                        };
                        insert_best(&mut best, candidate, settings);
                    }
                    next.push(Scored {
                        selectors: key,
                        quality: q,
                        parent: p,
                        selector: s,
                    });
                    if next.len() >= 2 * settings.beam_width.max(1) {
                        keep_first(&mut next, settings.beam_width);
                    }
                }
            }
            keep_first(&mut next, settings.beam_width);
            if next.is_empty() {
                break;
            }
            beam = next
                .into_iter()
                .map(|c| Candidate {
                    members: both(&beam[c.parent].members, &selectors[c.selector].2),
                    selectors: c.selectors,
                    quality: c.quality,
                })
                .collect();
        }
        let total: f64 = objective.iter().sum();
        best.into_iter()
            .map(|c| {
                let p = welch_p_value(&c.members, objective);
                let members: Vec<usize> = c.members.ones().collect();
                let member_sum: f64 = members.iter().map(|&i| objective[i]).sum();
                Subgroup {
                    conditions: c
                        .selectors
                        .iter()
                        .map(|&s| {
                            (
                                self.attributes[selectors[s].0].name.clone(),
                                selectors[s].1.clone(),
                            )
                        })
                        .collect(),
                    mean_objective: member_sum / members.len() as f64,
                    objective_share: if total == 0.0 { 0.0 } else { member_sum / total },
                    p_value: (p * evaluated.max(1) as f64).min(1.0),
                    quality: c.quality,
                    members,
                }
            })
            .filter(|s| s.p_value < settings.alpha)
            .collect()
    }
}

/// The best subgroups of `attributes` for `objective`, best first, significant ones only.
pub fn subgroups(objective: &[f64], attributes: &[Attribute], settings: &SubgroupSettings) -> Vec<Subgroup> {
    Selectors::new(attributes, objective.len(), settings).search(objective)
}

/// Keeps the `width` best refinements, best first (ties by their selectors).
fn keep_first(scored: &mut Vec<Scored>, width: usize) {
    scored.sort_by(|a, b| best_first((a.quality, &a.selectors), (b.quality, &b.selectors)));
    scored.truncate(width);
}

/// The one order of subgroups, for the beam and the best list alike: higher quality first, ties
/// by their selectors.
fn best_first((qa, sa): (f64, &[usize]), (qb, sb): (f64, &[usize])) -> std::cmp::Ordering {
    qb.total_cmp(&qa).then_with(|| sa.cmp(sb))
}

/// Whether a candidate of quality `quality` would be kept among the best `keep` so far.
fn may_enter(best: &[Candidate], quality: f64, keep: usize) -> bool {
    best.len() < keep || quality > kth_quality(best, keep)
}

/// Keeps the best `keep` candidates, folding one that shares nearly all its accounts with a
/// better one.
fn insert_best(best: &mut Vec<Candidate>, candidate: Candidate, settings: &SubgroupSettings) {
    if !may_enter(best, candidate.quality, settings.keep) {
        return;
    }
    if let Some(i) = best
        .iter()
        .position(|b| jaccard(&b.members, &candidate.members) >= settings.duplicate_overlap)
    {
        if best[i].quality >= candidate.quality {
            return;
        }
        best.remove(i);
    }
    best.push(candidate);
    best.sort_by(|a, b| best_first((a.quality, &a.selectors), (b.quality, &b.selectors)));
    best.truncate(settings.keep);
}

/// The quality a newcomer must beat: the `keep`-th best so far, or 0 while there are fewer.
fn kth_quality(best: &[Candidate], keep: usize) -> f64 {
    if best.len() < keep {
        0.0
    } else {
        best[keep - 1].quality
    }
}

/// The highest quality any subset of `members` can reach: the best of its top-k members.
fn optimistic_estimate(members: &FixedBitSet, objective: &[f64], mean: f64) -> f64 {
    let n = objective.len() as f64;
    let mut values: Vec<f64> = members.ones().map(|i| objective[i]).collect();
    values.sort_by(|a, b| b.total_cmp(a));
    let mut sum = 0.0;
    let mut best = 0.0f64;
    for (k, v) in values.iter().enumerate() {
        sum += v;
        let k = (k + 1) as f64;
        best = best.max((k / n).sqrt() * (sum / k - mean));
    }
    best
}

/// Two-sided p-value of Welch's t-test: members against every other account.
fn welch_p_value(members: &FixedBitSet, objective: &[f64]) -> f64 {
    let moments = |pick: bool| {
        let values: Vec<f64> = objective
            .iter()
            .enumerate()
            .filter(|(i, _)| members.contains(*i) == pick)
            .map(|(_, v)| *v)
            .collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        (n, mean, var)
    };
    let ((n1, m1, v1), (n2, m2, v2)) = (moments(true), moments(false));
    let (a, b) = (v1 / n1, v2 / n2);
    if a + b <= 0.0 {
        return if m1 == m2 { 1.0 } else { 0.0 };
    }
    let t = (m1 - m2) / (a + b).sqrt();
    let df = (a + b).powi(2) / (a * a / (n1 - 1.0).max(1.0) + b * b / (n2 - 1.0).max(1.0));
    StudentsT::new(0.0, 1.0, df).map_or(1.0, |d| 2.0 * d.sf(t.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_a_hand_computation() {
        // Members 10, 12, 14 (mean 12, variance 4) against 1, 2, 3, 4, 5 (mean 3, variance 2.5):
        // t = 9 / √(4/3 + 2.5/5) = 6.6469 on Welch's 3.5328 degrees of freedom; SciPy's
        // ttest_ind(equal_var=False) gives p = 0.0040842277.
        let objective = [10.0, 12.0, 14.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let p = welch_p_value(&account_set(&[0, 1, 2], 8), &objective);
        assert!((p - 0.004_084_227_7).abs() < 1e-9, "{p}");
    }

    #[test]
    fn no_subset_beats_the_optimistic_estimate() {
        let objective: Vec<f64> = (0..40).map(|i| f64::from((i * 37 % 23) as u32) - 8.0).collect();
        let mean = objective.iter().sum::<f64>() / 40.0;
        let members: Vec<usize> = (0..40).filter(|i| i % 3 != 0).collect();
        let bound = optimistic_estimate(&account_set(&members, 40), &objective, mean);
        // Every subset of members, sampled as the members of a few residues, stays under the bound.
        for modulus in 2..7 {
            for residue in 0..modulus {
                let subset: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|i| i % modulus == residue)
                    .collect();
                if subset.is_empty() {
                    continue;
                }
                let m = subset.iter().map(|&i| objective[i]).sum::<f64>() / subset.len() as f64;
                let q = (subset.len() as f64 / 40.0).sqrt() * (m - mean);
                assert!(q <= bound + 1e-12, "{q} > {bound}");
            }
        }
    }
}
