//! Each attribute's distribution over the customers, kept in the ICP, and the population
//! stability index (PSI) between two versions' distributions.
//!
//! PSI = Σ (new − old) · ln(new / old) over bins; below 0.1 the population is stable, from 0.1 to
//! 0.25 it has moved, above 0.25 it has shifted. Numeric attributes keep their 5% quantiles; the
//! bins are the older version's deciles, and each version's share of a bin is read from its
//! quantiles by linear interpolation. Categories and list elements are their own bins. Accounts
//! without a value form one more bin.

use std::collections::{BTreeMap, BTreeSet};

use northstar_discover::Values;
use serde::{Deserialize, Serialize};

/// Most categories kept per attribute; the rest are pooled as [`OTHER`].
const MAX_CATEGORIES: usize = 50;
/// The pooled rare categories.
pub const OTHER: &str = "(other)";
/// Smallest share a bin counts with, so that an empty bin does not make PSI infinite.
const FLOOR: f64 = 1e-4;

/// One attribute's distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Distribution {
    /// Share of accounts per category.
    Categorical {
        /// Category → share of all accounts.
        shares: BTreeMap<String, f64>,
        /// Share of accounts without a value.
        missing: f64,
    },
    /// Quantiles of the present values at 0%, 5%, .., 100%.
    Numeric {
        /// 21 quantiles.
        quantiles: Vec<f64>,
        /// Share of accounts without a value.
        missing: f64,
    },
    /// Share of accounts holding each element.
    List {
        /// Element → share of all accounts.
        shares: BTreeMap<String, f64>,
        /// Share of accounts with an empty list.
        missing: f64,
    },
}

/// The distribution of an attribute no account has a value of: every account missing.
pub fn unknown(is_list: bool) -> Distribution {
    let (shares, missing) = (BTreeMap::new(), 1.0);
    if is_list {
        Distribution::List { shares, missing }
    } else {
        Distribution::Categorical { shares, missing }
    }
}

/// The distribution of one attribute's values.
pub fn distribution(values: &Values) -> Distribution {
    match values {
        Values::Categorical(v) => {
            let n = v.len().max(1) as f64;
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for value in v.iter().flatten() {
                *counts.entry(value).or_default() += 1;
            }
            let missing = v.iter().filter(|x| x.is_none()).count() as f64 / n;
            Distribution::Categorical {
                shares: pooled(counts, n),
                missing,
            }
        }
        Values::List(v) => {
            let n = v.len().max(1) as f64;
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for elements in v {
                let distinct: BTreeSet<&str> = elements.iter().map(|e| &**e).collect();
                for e in distinct {
                    *counts.entry(e).or_default() += 1;
                }
            }
            let missing = v.iter().filter(|x| x.is_empty()).count() as f64 / n;
            Distribution::List {
                shares: pooled(counts, n),
                missing,
            }
        }
        Values::Numeric(v) => {
            let mut present: Vec<f64> = v.iter().flatten().copied().collect();
            present.sort_by(f64::total_cmp);
            let quantiles = if present.is_empty() {
                Vec::new()
            } else {
                (0..=20)
                    .map(|k| {
                        let position = k as f64 / 20.0 * (present.len() - 1) as f64;
                        let (low, high) = (position.floor() as usize, position.ceil() as usize);
                        present[low] + (present[high] - present[low]) * (position - low as f64)
                    })
                    .collect()
            };
            Distribution::Numeric {
                quantiles,
                missing: 1.0 - present.len() as f64 / v.len().max(1) as f64,
            }
        }
    }
}

/// Shares of the `MAX_CATEGORIES` most common values, the rest pooled.
fn pooled(counts: BTreeMap<&str, usize>, n: f64) -> BTreeMap<String, f64> {
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut shares = BTreeMap::new();
    for (k, (value, count)) in ranked.into_iter().enumerate() {
        let key = if k < MAX_CATEGORIES { value } else { OTHER };
        *shares.entry(key.to_owned()).or_insert(0.0) += count as f64 / n;
    }
    shares
}

/// The PSI from `old` to `new`, or none when they are not the same kind of attribute.
pub fn psi(old: &Distribution, new: &Distribution) -> Option<f64> {
    let (a, b) = match (old, new) {
        (
            Distribution::Categorical {
                shares: s,
                missing: m,
            },
            Distribution::Categorical {
                shares: t,
                missing: u,
            },
        )
        | (
            Distribution::List {
                shares: s,
                missing: m,
            },
            Distribution::List {
                shares: t,
                missing: u,
            },
        ) => {
            let keys: BTreeSet<&String> = s.keys().chain(t.keys()).collect();
            let share = |shares: &BTreeMap<String, f64>, k: &String| shares.get(k).copied().unwrap_or(0.0);
            let mut a: Vec<f64> = keys.iter().map(|k| share(s, k)).collect();
            let mut b: Vec<f64> = keys.iter().map(|k| share(t, k)).collect();
            a.push(*m);
            b.push(*u);
            (normalised(a), normalised(b))
        }
        (
            Distribution::Numeric {
                quantiles: q,
                missing: m,
            },
            Distribution::Numeric {
                quantiles: r,
                missing: u,
            },
        ) => {
            if q.len() != 21 || r.len() != 21 {
                return None;
            }
            let edges: Vec<f64> = (1..10).map(|k| q[2 * k]).collect();
            let bins = |quantiles: &[f64], missing: f64| -> Vec<f64> {
                let cdf: Vec<f64> = edges.iter().map(|&e| cdf(quantiles, e)).collect();
                let mut shares: Vec<f64> = (0..=edges.len())
                    .map(|k| {
                        let low = if k == 0 { 0.0 } else { cdf[k - 1] };
                        let high = if k == edges.len() { 1.0 } else { cdf[k] };
                        (high - low).max(0.0) * (1.0 - missing)
                    })
                    .collect();
                shares.push(missing);
                shares
            };
            (bins(q, *m), bins(r, *u))
        }
        _ => return None,
    };
    Some(
        a.iter()
            .zip(&b)
            .filter(|(x, y)| **x > 0.0 || **y > 0.0)
            .map(|(x, y)| {
                let (x, y) = (x.max(FLOOR), y.max(FLOOR));
                (y - x) * (y / x).ln()
            })
            .sum(),
    )
}

/// Shares scaled to add up to 1.
fn normalised(shares: Vec<f64>) -> Vec<f64> {
    let total: f64 = shares.iter().sum();
    if total > 0.0 {
        shares.iter().map(|s| s / total).collect()
    } else {
        shares
    }
}

/// The share of values at or below `x`, interpolated between 21 quantiles.
fn cdf(quantiles: &[f64], x: f64) -> f64 {
    let last = quantiles.len() - 1;
    if x < quantiles[0] {
        return 0.0;
    }
    if x >= quantiles[last] {
        return 1.0;
    }
    let j = quantiles.iter().rposition(|&q| q <= x).unwrap_or(0);
    let (low, high) = (quantiles[j], quantiles[j + 1]);
    let within = if high > low { (x - low) / (high - low) } else { 0.0 };
    (j as f64 + within) / last as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn categories(values: &[&str]) -> Distribution {
        distribution(&Values::Categorical(
            values.iter().map(|v| Some((*v).into())).collect(),
        ))
    }

    #[test]
    fn psi_of_categories_matches_a_hand_computation() {
        // 50/50 → 80/20: (0.8−0.5)·ln(0.8/0.5) + (0.2−0.5)·ln(0.2/0.5) = 0.1410 + 0.2749 = 0.4159.
        let old = categories(&["a", "b"]);
        let new = categories(&["a", "a", "a", "a", "b"]);
        let expected = 0.3 * (0.8f64 / 0.5).ln() + (-0.3) * (0.2f64 / 0.5).ln();
        assert!((psi(&old, &new).unwrap() - expected).abs() < 1e-12);
        assert_eq!(psi(&old, &old), Some(0.0));
    }

    #[test]
    fn a_numeric_population_that_moves_has_a_large_psi_and_one_that_stays_a_small_one() {
        let uniform = |from: f64| Values::Numeric((0..1000).map(|i| Some(from + f64::from(i))).collect());
        let old = distribution(&uniform(0.0));
        assert!(psi(&old, &distribution(&uniform(0.0))).unwrap() < 1e-9);
        // Shifted by half its range: half the new mass sits in the old top decile and above.
        let moved = psi(&old, &distribution(&uniform(500.0))).unwrap();
        assert!(moved > 0.25, "{moved}");
        let nudged = psi(&old, &distribution(&uniform(10.0))).unwrap();
        assert!(nudged < 0.01, "{nudged}");
    }

    #[test]
    fn the_interpolated_cdf_reads_quantiles() {
        let q: Vec<f64> = (0..=20).map(|k| f64::from(k) * 5.0).collect();
        assert_eq!(cdf(&q, 50.0), 0.5);
        assert!((cdf(&q, 52.5) - 0.525).abs() < 1e-12);
        assert_eq!((cdf(&q, -1.0), cdf(&q, 100.0)), (0.0, 1.0));
    }
}
