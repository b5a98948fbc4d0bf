//! The discover stage as one call: every figure the outputs show of what sets the most valuable
//! accounts apart, from a customer base assembled by the pipeline.

use rayon::prelude::*;

use crate::deals::{DealOutcome, Deals};
use crate::figures::{CohortFigures, Counterfactual, Outcomes, SegmentFigures, cohort_figures};
use crate::{
    Adopters, Attribute, Contacts, Drift, Ecosystem, Lift, LiftSettings, Pmf, PmfInputs, Selectors, Subgroup,
    SubgroupSettings, UnknownAttribute, Values, adopter_cohorts, counterfactuals, drift, ecosystem, lift,
    nothing_to_learn, pmf, segment_figures, top_accounts,
};

/// Attribute values a cohort must have on this many accounts to be named as its drift.
const DRIFT_MIN_SUPPORT: usize = 20;
/// Attribute values named per cohort.
const DRIFT_LIMIT: usize = 3;
/// Titles and departments listed per buying role.
const ECOSYSTEM_LIMIT: usize = 10;

/// The customer accounts as discover reads them, all in one order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Base {
    /// Each customer's objective.
    pub objective: Vec<f64>,
    /// The customers' attributes that some customer has a value of.
    pub attributes: Vec<Attribute>,
    /// The attributes no customer has a value of.
    pub unknown_attributes: Vec<UnknownAttribute>,
    /// Each customer's economics.
    pub outcomes: Outcomes,
    /// What the product-market-fit gate knows of each customer.
    pub pmf_inputs: PmfInputs,
    /// The customers' contacts.
    pub contacts: Contacts,
    /// Each customer's acquisition day (days since 1970-01-01), when known.
    pub acquired: Vec<Option<i64>>,
    /// The closed deals of every account, customer or prospect.
    pub deals: Deals,
}

impl Base {
    /// The customers at `keep` (indices in this base's order), with every fact of theirs, to
    /// learn rules from: the deals, which belong to accounts rather than customers and feed
    /// only the figures shown beside the rules (win rates, sales cycles), are left out.
    pub fn subset(&self, keep: &[usize]) -> Base {
        fn pick<T: Clone>(values: &[T], keep: &[usize]) -> Vec<T> {
            keep.iter().map(|&i| values[i].clone()).collect()
        }
        let new_index: std::collections::HashMap<usize, usize> =
            keep.iter().enumerate().map(|(new, &old)| (old, new)).collect();
        let o = &self.outcomes;
        let p = &self.pmf_inputs;
        Base {
            objective: pick(&self.objective, keep),
            attributes: self
                .attributes
                .iter()
                .map(|a| Attribute {
                    name: a.name.clone(),
                    values: match &a.values {
                        Values::Categorical(v) => Values::Categorical(pick(v, keep)),
                        Values::Numeric(v) => Values::Numeric(pick(v, keep)),
                        Values::List(v) => Values::List(pick(v, keep)),
                    },
                })
                .collect(),
            unknown_attributes: self.unknown_attributes.clone(),
            outcomes: Outcomes {
                profit: pick(&o.profit, keep),
                revenue: pick(&o.revenue, keep),
                cac: pick(&o.cac, keep),
                churned: pick(&o.churned, keep),
                ltv_predicted: pick(&o.ltv_predicted, keep),
                ltv_historical: pick(&o.ltv_historical, keep),
                payback_months: pick(&o.payback_months, keep),
            },
            pmf_inputs: PmfInputs {
                referred: pick(&p.referred, keep),
                promoters: pick(&p.promoters, keep),
                detractors: pick(&p.detractors, keep),
                responses: pick(&p.responses, keep),
                churned: pick(&p.churned, keep),
                repeat: pick(&p.repeat, keep),
            },
            contacts: self.contacts.subset(|account| new_index.get(&account).copied()),
            acquired: pick(&self.acquired, keep),
            deals: Deals::default(),
        }
    }
}

/// What the discover stage found.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    /// Lift of every attribute value among the top fifth by the objective, highest first.
    pub lifts: Vec<Lift>,
    /// Significant subgroups that concentrate the objective, best first.
    pub subgroups: Vec<Subgroup>,
    /// Each subgroup's figures, in the same order.
    pub segments: Vec<SegmentFigures>,
    /// Significant subgroups that concentrate losses (the objective negated), worst first.
    pub anti: Vec<Subgroup>,
    /// Each loss-making subgroup's counterfactual, in the same order.
    pub counterfactuals: Vec<Counterfactual>,
    /// Each customer's adopter cohort, by acquisition order.
    pub cohorts: Vec<Option<Adopters>>,
    /// Per cohort, the attribute values it has more of than the whole base.
    pub drift: Vec<(Adopters, Vec<Drift>)>,
    /// Each non-empty cohort's figures.
    pub cohort_figures: Vec<CohortFigures>,
    /// The product-market-fit gate of the whole base.
    pub pmf: Pmf,
    /// Who decides, pays, uses and influences at the top accounts.
    pub ecosystem: Ecosystem,
    /// Win rate and sales cycle of every closed deal.
    pub deals: DealOutcome,
    /// Why no lift, segment or signal could be learnt, when none could (no spread in the
    /// objective, or too few accounts above the top cut).
    pub nothing_to_learn: Option<String>,
}

/// Runs every discovery on `base`; `referral_threshold` is the PMF gate's bar.
pub fn discover(base: &Base, referral_threshold: f64) -> Discovery {
    let lift_settings = LiftSettings::default();
    let subgroup_settings = SubgroupSettings::default();
    let values = &base.objective;
    let everyone: Vec<usize> = (0..values.len()).collect();
    let top = top_accounts(values, lift_settings.top_share);
    let nothing_to_learn = nothing_to_learn(values, lift_settings.top_share, lift_settings.min_support);
    let selectors = nothing_to_learn
        .is_none()
        .then(|| Selectors::new(&base.attributes, values.len(), &subgroup_settings));
    let learn = |objective: &[f64]| selectors.as_ref().map_or_else(Vec::new, |s| s.search(objective));
    let losses: Vec<f64> = values.iter().map(|v| -v).collect();
    // The searches, the lifts, the cohorts and the ecosystem read the base apart: each on a core.
    // The ecosystem, the longest, begins at once.
    let (ecosystem, ((found, anti), (lifts, (cohorts, drift)))) = rayon::join(
        || ecosystem(&base.contacts, &top, values, ECOSYSTEM_LIMIT),
        || {
            rayon::join(
                || rayon::join(|| learn(values), || learn(&losses)),
                || {
                    rayon::join(
                        || match nothing_to_learn {
                            Some(_) => Vec::new(),
                            None => lift(values, &base.attributes, &lift_settings),
                        },
                        || {
                            let cohorts = adopter_cohorts(&base.acquired);
                            let drift = drift(&base.attributes, &cohorts, DRIFT_MIN_SUPPORT, DRIFT_LIMIT);
                            (cohorts, drift)
                        },
                    )
                },
            )
        },
    );
    let segment = |s: &Subgroup| {
        segment_figures(
            s,
            &base.outcomes,
            &base.deals,
            &base.pmf_inputs,
            referral_threshold,
        )
    };
    // The figures of what was found, side by side too.
    let ((segments, counterfactuals), (cohort_figures, (pmf, deals))) = rayon::join(
        || {
            rayon::join(
                || found.par_iter().map(segment).collect(),
                || counterfactuals(&anti, &base.outcomes, &base.deals),
            )
        },
        || {
            rayon::join(
                || cohort_figures(&cohorts, &base.acquired, &drift, values, &base.outcomes),
                || {
                    rayon::join(
                        || pmf(&base.pmf_inputs, &everyone, referral_threshold),
                        || base.deals.outcome(),
                    )
                },
            )
        },
    );
    Discovery {
        lifts,
        segments,
        subgroups: found,
        counterfactuals,
        anti,
        cohort_figures,
        cohorts,
        drift,
        pmf,
        ecosystem,
        deals,
        nothing_to_learn,
    }
}

impl Discovery {
    /// Each customer's best segment: the rank (from 1) of the first subgroup it belongs to.
    pub fn segment_ranks(&self, accounts: usize) -> Vec<Option<u64>> {
        let mut ranks = vec![None; accounts];
        for (rank, subgroup) in self.subgroups.iter().enumerate() {
            for &i in &subgroup.members {
                if let Some(slot) = ranks.get_mut(i) {
                    slot.get_or_insert(rank as u64 + 1);
                }
            }
        }
        ranks
    }
}
