//! Adopter cohorts (Rogers): accounts in the order they were acquired, cut into innovators
//! (first 2.5%), early adopters (13.5%), early majority (34%), late majority (34%) and laggards
//! (16%); and how the mix of attribute values drifts from one cohort to the next.

use crate::lift::conditions;
use crate::{Attribute, Condition};

/// A cohort of adopters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adopters {
    /// The first 2.5%.
    Innovators,
    /// The next 13.5%.
    EarlyAdopters,
    /// The next 34%.
    EarlyMajority,
    /// The next 34%.
    LateMajority,
    /// The last 16%.
    Laggards,
}

impl Adopters {
    /// Every cohort, first to last, with the share of accounts up to and including it.
    pub const ALL: [(Adopters, f64); 5] = [
        (Adopters::Innovators, 0.025),
        (Adopters::EarlyAdopters, 0.16),
        (Adopters::EarlyMajority, 0.50),
        (Adopters::LateMajority, 0.84),
        (Adopters::Laggards, 1.0),
    ];

    /// The cohort's name, as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Adopters::Innovators => "innovators",
            Adopters::EarlyAdopters => "early_adopters",
            Adopters::EarlyMajority => "early_majority",
            Adopters::LateMajority => "late_majority",
            Adopters::Laggards => "laggards",
        }
    }
}

/// Each account's cohort by its acquisition time (`None`: unknown, and no cohort). Ties keep
/// the input order; an account's place is the middle of its rank, (rank + ½) / n.
pub fn adopter_cohorts(acquired: &[Option<i64>]) -> Vec<Option<Adopters>> {
    let mut order: Vec<usize> = (0..acquired.len()).filter(|&i| acquired[i].is_some()).collect();
    order.sort_by_key(|&i| acquired[i]);
    let n = order.len() as f64;
    let mut cohorts = vec![None; acquired.len()];
    for (rank, &i) in order.iter().enumerate() {
        let place = (rank as f64 + 0.5) / n;
        cohorts[i] = Adopters::ALL
            .iter()
            .find(|(_, upto)| place <= *upto)
            .map(|(cohort, _)| *cohort);
    }
    cohorts
}

/// An attribute value more common in a cohort than among all accounts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Drift {
    /// The attribute.
    pub attribute: String,
    /// The value, bin or element.
    pub condition: Condition,
    /// Share of the cohort's accounts that meet it.
    pub cohort_share: f64,
    /// Share of all accounts that meet it.
    pub overall_share: f64,
}

/// For every cohort, the `limit` attribute values whose share in it most exceeds their share
/// among all accounts with a cohort, among values held by at least `min_support` accounts.
pub fn drift(
    attributes: &[Attribute],
    cohorts: &[Option<Adopters>],
    min_support: usize,
    limit: usize,
) -> Vec<(Adopters, Vec<Drift>)> {
    let known = cohorts.iter().filter(|c| c.is_some()).count();
    let sizes: Vec<usize> = Adopters::ALL
        .iter()
        .map(|&(cohort, _)| cohorts.iter().filter(|c| **c == Some(cohort)).count())
        .collect();
    // Each value's accounts, cut once for all cohorts, one attribute at a time: only one
    // attribute's cuts are held.
    let mut found: Vec<Vec<Drift>> = vec![Vec::new(); Adopters::ALL.len()];
    for attribute in attributes {
        let held = conditions(attribute, 5).into_iter();
        for (condition, members) in held.filter(|(_, members)| members.len() >= min_support) {
            let overall = members.iter().filter(|&&i| cohorts[i].is_some()).count();
            for (k, &(cohort, _)) in Adopters::ALL.iter().enumerate().filter(|(k, _)| sizes[*k] > 0) {
                let inside = members.iter().filter(|&&i| cohorts[i] == Some(cohort)).count();
                found[k].push(Drift {
                    attribute: attribute.name.clone(),
                    condition: condition.clone(),
                    cohort_share: inside as f64 / sizes[k] as f64,
                    overall_share: overall as f64 / known.max(1) as f64,
                });
            }
        }
    }
    Adopters::ALL
        .iter()
        .zip(found)
        .map(|(&(cohort, _), mut found)| {
            found.sort_by(|a, b| {
                let gap = |d: &Drift| d.cohort_share - d.overall_share;
                gap(b)
                    .total_cmp(&gap(a))
                    .then_with(|| a.attribute.cmp(&b.attribute))
            });
            found.retain(|d| d.cohort_share > d.overall_share);
            found.truncate(limit);
            (cohort, found)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Values;
    use std::sync::Arc;

    #[test]
    fn cohorts_follow_rogers_shares() {
        let acquired: Vec<Option<i64>> = (0..1000).rev().map(Some).collect();
        let cohorts = adopter_cohorts(&acquired);
        let count = |c| cohorts.iter().filter(|x| **x == Some(c)).count();
        assert_eq!(Adopters::ALL.map(|(c, _)| count(c)), [25, 135, 340, 340, 160]);
        // The list is in reverse order of acquisition: the last account was acquired first.
        assert_eq!(cohorts[999], Some(Adopters::Innovators));
        assert_eq!(cohorts[0], Some(Adopters::Laggards));
        assert_eq!(
            adopter_cohorts(&[None, Some(3)]),
            vec![None, Some(Adopters::EarlyMajority)]
        );
    }

    #[test]
    fn drift_names_what_the_cohort_has_more_of() {
        // Early accounts are all "tech"; later ones mostly "retail".
        let acquired: Vec<Option<i64>> = (0..200).map(Some).collect();
        let industry: Vec<Option<Arc<str>>> = (0..200)
            .map(|i| Some(if i < 32 || i % 4 == 0 { "tech" } else { "retail" }.into()))
            .collect();
        let attributes = [Attribute {
            name: "industry".into(),
            values: Values::Categorical(industry),
        }];
        let cohorts = adopter_cohorts(&acquired);
        let all = drift(&attributes, &cohorts, 10, 1);
        let (cohort, found) = &all[1];
        assert_eq!(*cohort, Adopters::EarlyAdopters);
        // Early adopters are accounts 5..31, all tech; overall 32 + 42 = 74 of 200 are tech.
        assert_eq!(
            found[0].condition,
            Condition::In {
                values: vec!["tech".into()]
            }
        );
        assert_eq!(found[0].cohort_share, 1.0);
        assert!((found[0].overall_share - 74.0 / 200.0).abs() < 1e-12);
    }
}
