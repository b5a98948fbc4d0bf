//! How well a ranking finds the most valuable accounts, on accounts it was not learnt from: the
//! AUC for "in the top fifth by the objective", the objective captured, lift and recall per
//! tier, and calibration by score decile.
//!
//! A share of the objective is of the objective made by the accounts that make any (the sum of
//! the positive values): a base that loses money in total has no share of its total, and a share
//! of what the profitable accounts make stays below 1 and goes negative where losses outweigh. The same figures for a plain ranking (by annual
//! revenue, by employees) make the gain of a profit-based ICP a number.

use serde::Serialize;

/// Accounts held out, each with its ranking value, tier and truth.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Held {
    /// Higher ranks first; none where the ranking cannot place the account (it goes last).
    pub rank_value: Vec<Option<f64>>,
    /// The tier (none: outside the SAM, or unranked).
    pub tier: Vec<Option<u8>>,
    /// The objective.
    pub objective: Vec<f64>,
    /// Whether the account is in the top fifth by the objective.
    pub top: Vec<bool>,
}

/// One tier's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierFigures {
    /// `1`, `2`, `3` or `outside`.
    pub tier: String,
    /// Accounts in it.
    pub accounts: u64,
    /// Their share of all accounts.
    pub account_share: f64,
    /// Their objective.
    pub objective: f64,
    /// Their share of the objective made by the accounts that make any.
    pub objective_share: Option<f64>,
    /// Their top-fifth rate over the overall one.
    pub lift: Option<f64>,
    /// Their share of the top-fifth accounts.
    pub recall: f64,
}

/// One score decile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decile {
    /// 1 for the highest-ranked tenth.
    pub decile: u8,
    /// Accounts in it.
    pub accounts: u64,
    /// The lowest and highest ranking value in it.
    pub range: [Option<f64>; 2],
    /// Mean objective.
    pub mean_objective: f64,
    /// Share in the top fifth.
    pub top_share: f64,
}

/// How a ranking fares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankingFigures {
    /// Probability that a top-fifth account ranks above another (ties count half).
    pub auc: Option<f64>,
    /// Share of the objective made by the accounts that make any, captured by the accounts
    /// ranked first, as many as tier 1 holds.
    pub captured_tier_1: Option<f64>,
    /// The same for as many as tiers 1 and 2 hold.
    pub captured_tiers_1_2: Option<f64>,
    /// Per tier, where the ranking has tiers.
    pub tiers: Vec<TierFigures>,
    /// By decile of the ranking.
    pub calibration: Vec<Decile>,
}

/// The accounts' order by ranking value, highest first, unranked last, ties by position.
fn order(held: &Held) -> Vec<usize> {
    let mut order: Vec<usize> = (0..held.objective.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (held.rank_value[a], held.rank_value[b]);
        y.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&x.unwrap_or(f64::NEG_INFINITY))
            .then(a.cmp(&b))
    });
    order
}

/// The AUC of `values` (none ranks lowest) for `labels`, by the rank-sum statistic with ties
/// averaged; none when either class is empty.
pub fn auc(values: &[Option<f64>], labels: &[bool]) -> Option<f64> {
    let key = |v: Option<f64>| v.unwrap_or(f64::NEG_INFINITY);
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| key(values[a]).total_cmp(&key(values[b])));
    let positives = labels.iter().filter(|l| **l).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && key(values[idx[j + 1]]) == key(values[idx[i]]) {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += (i..=j).filter(|&k| labels[idx[k]]).count() as f64 * mean_rank;
        i = j + 1;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// The figures of the ranking in `held`; `tier_counts` are how many accounts tiers 1 and 2
/// hold in the ICP's ranking, so that every ranking is cut at the same depth.
pub fn figures(held: &Held, tier_counts: [usize; 2], with_tiers: bool) -> RankingFigures {
    let n = held.objective.len();
    let order = order(held);
    let captured = |k: usize| share(order.iter().take(k).map(|&i| held.objective[i]).sum(), held);
    let tiers = if with_tiers {
        tier_figures(held)
    } else {
        Vec::new()
    };
    RankingFigures {
        auc: auc(&held.rank_value, &held.top),
        captured_tier_1: captured(tier_counts[0].min(n)),
        captured_tiers_1_2: captured((tier_counts[0] + tier_counts[1]).min(n)),
        tiers,
        calibration: calibration(held, &order),
    }
}

/// `sum` as a share of the objective made by the accounts of `held` that make any; none when
/// none does.
fn share(sum: f64, held: &Held) -> Option<f64> {
    let made: f64 = held.objective.iter().filter(|x| **x > 0.0).sum();
    (made > 0.0).then(|| if sum == 0.0 { 0.0 } else { sum / made })
}

/// Lift and recall of each tier and of the accounts outside the SAM.
fn tier_figures(held: &Held) -> Vec<TierFigures> {
    let n = held.objective.len().max(1) as f64;
    let tops = held.top.iter().filter(|t| **t).count() as f64;
    let base_rate = tops / n;
    [Some(1), Some(2), Some(3), None]
        .into_iter()
        .map(|tier| {
            let members: Vec<usize> = (0..held.tier.len()).filter(|&i| held.tier[i] == tier).collect();
            let m = members.len() as f64;
            let top = members.iter().filter(|&&i| held.top[i]).count() as f64;
            let objective: f64 = members.iter().map(|&i| held.objective[i]).sum();
            TierFigures {
                tier: tier.map_or("outside".to_owned(), |t| t.to_string()),
                accounts: members.len() as u64,
                account_share: m / n,
                objective,
                objective_share: share(objective, held),
                lift: (m > 0.0 && base_rate > 0.0).then(|| top / m / base_rate),
                recall: if tops == 0.0 { 0.0 } else { top / tops },
            }
        })
        .collect()
}

/// Ten equal-count groups down `order`.
fn calibration(held: &Held, order: &[usize]) -> Vec<Decile> {
    let n = order.len();
    (0..10)
        .filter_map(|d| {
            let group = &order[d * n / 10..(d + 1) * n / 10];
            let m = group.len() as f64;
            let values = || group.iter().filter_map(|&i| held.rank_value[i]);
            (!group.is_empty()).then(|| Decile {
                decile: d as u8 + 1,
                accounts: group.len() as u64,
                range: [values().reduce(f64::min), values().reduce(f64::max)],
                mean_objective: group.iter().map(|&i| held.objective[i]).sum::<f64>() / m,
                top_share: group.iter().filter(|&&i| held.top[i]).count() as f64 / m,
            })
        })
        .collect()
}

/// `validation.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    /// `northstar.validation/v1`.
    pub schema: &'static str,
    /// What "best" means.
    pub objective: String,
    /// Customers in the base.
    pub customers: u64,
    /// Why the figures cannot be trusted yet, when they cannot.
    pub caveat: Option<String>,
    /// The k-fold backtest.
    pub k_fold: Backtest,
    /// The time-based backtest, when acquisition dates allow one.
    pub time_split: Option<Backtest>,
    /// Why there is no time split, when there is none.
    pub time_split_not_run: Option<String>,
}

/// One backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// How it was split, in words.
    pub method: String,
    /// What the held-out accounts are labelled by.
    pub label: String,
    /// Customers the ICP was learnt from (per fold, the largest).
    pub trained_on: u64,
    /// Customers scored.
    pub tested_on: u64,
    /// The sample learnt from, when not every customer.
    pub sample: Option<String>,
    /// The ICP's score and tiers.
    pub icp: RankingFigures,
    /// Ranking by annual revenue, where known.
    pub by_annual_revenue: Option<RankingFigures>,
    /// Ranking by employees, where known.
    pub by_employees: Option<RankingFigures>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_pairs_ranked_right_and_ties_as_half() {
        // Positives at 3 and 2, negatives at 2 and 1: pairs (3,2) (3,1) (2,1) right, (2,2) half.
        let values = [Some(3.0), Some(2.0), Some(2.0), Some(1.0)];
        let labels = [true, true, false, false];
        assert_eq!(auc(&values, &labels), Some(3.5 / 4.0));
        assert_eq!(
            auc(&[Some(1.0), None], &[true, false]),
            Some(1.0),
            "unranked is last"
        );
        assert_eq!(auc(&values, &[true; 4]), None);
    }

    #[test]
    fn capture_lift_recall_and_deciles_by_hand() {
        // Ten accounts ranked 10..1, objective 10..1 (total 55), the two best in the top fifth;
        // tier 1 the first two, tier 2 the next three, the rest tier 3.
        let held = Held {
            rank_value: (1..=10).rev().map(|v| Some(f64::from(v))).collect(),
            tier: (0..10)
                .map(|i| {
                    Some(if i < 2 {
                        1
                    } else if i < 5 {
                        2
                    } else {
                        3
                    })
                })
                .collect(),
            objective: (1..=10).rev().map(f64::from).collect(),
            top: (0..10).map(|i| i < 2).collect(),
        };
        let f = figures(&held, [2, 3], true);
        assert_eq!(f.auc, Some(1.0));
        assert_eq!(f.captured_tier_1, Some(19.0 / 55.0));
        assert_eq!(f.captured_tiers_1_2, Some(40.0 / 55.0));
        assert_eq!(
            f.tiers[0].lift,
            Some(5.0),
            "all of tier 1 is top against a rate of 1/5"
        );
        assert_eq!((f.tiers[0].recall, f.tiers[1].recall), (1.0, 0.0));
        assert_eq!(f.tiers[3].accounts, 0);
        assert_eq!(f.calibration.len(), 10);
        assert_eq!(f.calibration[0].mean_objective, 10.0);
        assert_eq!(f.calibration[9].range, [Some(1.0), Some(1.0)]);
        // With losses, shares are of what the profitable accounts make: 5 + 4 of 9, then 5 + 4
        // - 10 of 9; a base with no profitable account has no share.
        let mixed = Held {
            rank_value: vec![Some(3.0), Some(2.0), Some(1.0)],
            tier: vec![Some(1), Some(2), None],
            objective: vec![5.0, 4.0, -10.0],
            top: vec![true, false, false],
        };
        let m = figures(&mixed, [2, 1], true);
        assert_eq!(
            (m.captured_tier_1, m.captured_tiers_1_2),
            (Some(1.0), Some(-1.0 / 9.0))
        );
        assert_eq!(m.tiers[3].objective_share, Some(-10.0 / 9.0));
        let losing = Held {
            objective: vec![-1.0, -2.0, -3.0],
            ..mixed
        };
        assert_eq!(figures(&losing, [1, 1], true).captured_tier_1, None);
    }
}
