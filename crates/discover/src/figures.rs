//! The figures the outputs show for a group of accounts: its economics, churn, deals and
//! product-market-fit gate; for a loss-making segment, the base's counterfactual without it;
//! for an adopter cohort, its size, dates and share of the objective. Each is computed here
//! once, so that every file and page that shows it shows the same number.

use crate::deals::{DealOutcome, Deals};
use crate::{Adopters, Drift, Pmf, PmfInputs, Subgroup, pmf};

/// What discover knows of each account's economics, in the order of the objective.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    /// Profit to date.
    pub profit: Vec<f64>,
    /// Revenue to date.
    pub revenue: Vec<f64>,
    /// Acquisition cost, when measured.
    pub cac: Vec<Option<f64>>,
    /// Has churned.
    pub churned: Vec<bool>,
    /// Predicted lifetime value, when predicted.
    pub ltv_predicted: Vec<Option<f64>>,
    /// Historical lifetime value (gross margin less cost to serve to date).
    pub ltv_historical: Vec<f64>,
    /// Months of gross margin that pay back the CAC, when it pays back.
    pub payback_months: Vec<Option<f64>>,
}

impl Outcomes {
    /// Mean of `pick` over `members`, none for an empty group.
    pub fn mean(&self, members: &[usize], pick: impl Fn(&Self, usize) -> f64) -> Option<f64> {
        (!members.is_empty())
            .then(|| members.iter().map(|&i| pick(self, i)).sum::<f64>() / members.len() as f64)
    }

    /// Share of `members` that churned, none for an empty group.
    pub fn churn_rate(&self, members: &[usize]) -> Option<f64> {
        self.mean(members, |o, i| f64::from(u8::from(o.churned[i])))
    }

    /// Mean of a figure of `members`, when every one has it.
    pub fn mean_of_all(values: &[Option<f64>], members: &[usize]) -> Option<f64> {
        let values: Option<Vec<f64>> = members.iter().map(|&i| values[i]).collect();
        values
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Mean predicted lifetime value of `members`, when every one has one.
    pub fn mean_ltv_predicted(&self, members: &[usize]) -> Option<f64> {
        Self::mean_of_all(&self.ltv_predicted, members)
    }

    /// Mean acquisition cost of `members`, when it was measured.
    pub fn mean_cac(&self, members: &[usize]) -> Option<f64> {
        Self::mean_of_all(&self.cac, members)
    }

    /// Total acquisition cost of `members`, when it was measured.
    fn total_cac(&self, members: impl Iterator<Item = usize>) -> Option<f64> {
        members.map(|i| self.cac[i]).sum()
    }

    fn sum(values: &[f64], members: &[usize]) -> f64 {
        members.iter().map(|&i| values[i]).sum()
    }
}

/// A segment's accounts, economics, deals and product-market-fit gate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentFigures {
    /// Its accounts' share of all accounts.
    pub share_of_accounts: f64,
    /// Mean profit per account.
    pub mean_profit: f64,
    /// Mean predicted lifetime value, when every account has one.
    pub mean_ltv_predicted: Option<f64>,
    /// Mean acquisition cost, when measured.
    pub mean_cac: Option<f64>,
    /// Share of its accounts that churned.
    pub churn_rate: f64,
    /// Win rate and sales cycle over the closed deals of every account meeting its conditions.
    pub deals: DealOutcome,
    /// Its product-market-fit gate.
    pub pmf: Pmf,
}

/// Measures segment `s` of the accounts of `outcomes`.
pub fn segment_figures(
    s: &Subgroup,
    outcomes: &Outcomes,
    deals: &Deals,
    pmf_inputs: &PmfInputs,
    threshold: f64,
) -> SegmentFigures {
    let members = &s.members;
    SegmentFigures {
        share_of_accounts: members.len() as f64 / outcomes.profit.len().max(1) as f64,
        mean_profit: outcomes.mean(members, |o, i| o.profit[i]).unwrap_or_default(),
        mean_ltv_predicted: outcomes.mean_ltv_predicted(members),
        mean_cac: outcomes.mean_cac(members),
        churn_rate: outcomes.churn_rate(members).unwrap_or_default(),
        deals: deals.outcome_of(&deals.in_subgroup(s), true),
        pmf: pmf(pmf_inputs, members, threshold),
    }
}

/// A loss-making segment's figures, and the whole base's with and without it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counterfactual {
    /// The segment's total profit.
    pub profit: f64,
    /// The segment's total revenue.
    pub revenue: f64,
    /// The segment's total acquisition cost, when measured.
    pub cac: Option<f64>,
    /// Share of the segment's accounts that churned.
    pub churn_rate: f64,
    /// The base's total profit without the segment.
    pub profit_without: f64,
    /// Revenue per account of the base without the segment.
    pub revenue_per_account_without: f64,
    /// Revenue per account of the whole base.
    pub revenue_per_account_with: f64,
    /// CAC per account of the base without the segment, when measured.
    pub cac_per_account_without: Option<f64>,
    /// CAC per account of the whole base, when measured.
    pub cac_per_account_with: Option<f64>,
    /// Win rate and sales cycle of the closed deals of accounts outside the segment.
    pub deals_without: DealOutcome,
    /// Win rate and sales cycle of every closed deal.
    pub deals_with: DealOutcome,
}

/// What the base would have been without each segment of `anti`: the base's totals and its
/// deals' outcome are taken once for all of them.
pub fn counterfactuals(anti: &[Subgroup], outcomes: &Outcomes, deals: &Deals) -> Vec<Counterfactual> {
    let all = outcomes.profit.len() as f64;
    let total = |values: &[f64]| values.iter().sum::<f64>();
    let (profit_all, revenue_all, cac_all) = (
        total(&outcomes.profit),
        total(&outcomes.revenue),
        outcomes.total_cac(0..outcomes.cac.len()),
    );
    let deals_with = deals.outcome();
    anti.iter()
        .map(|s| {
            let rest = (all - s.members.len() as f64).max(1.0);
            let part = |values: &[f64]| Outcomes::sum(values, &s.members);
            let (profit, revenue, cac) = (
                part(&outcomes.profit),
                part(&outcomes.revenue),
                outcomes.total_cac(s.members.iter().copied()),
            );
            Counterfactual {
                profit,
                revenue,
                cac,
                churn_rate: outcomes.churn_rate(&s.members).unwrap_or_default(),
                profit_without: profit_all - profit,
                revenue_per_account_without: (revenue_all - revenue) / rest,
                revenue_per_account_with: revenue_all / all.max(1.0),
                cac_per_account_without: cac_all.zip(cac).map(|(all, cac)| (all - cac) / rest),
                cac_per_account_with: cac_all.map(|c| c / all.max(1.0)),
                deals_without: deals.outcome_of(&deals.in_subgroup(s), false),
                deals_with,
            }
        })
        .collect()
}

/// An adopter cohort's size, acquisition dates, profitability and what it has more of.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CohortFigures {
    /// The cohort.
    pub cohort: Adopters,
    /// Its accounts.
    pub accounts: u64,
    /// Their share of the accounts whose acquisition date is known.
    pub share_of_accounts: f64,
    /// First acquisition day (days since 1970-01-01).
    pub first_acquired: Option<i64>,
    /// Last acquisition day.
    pub last_acquired: Option<i64>,
    /// Mean objective per account.
    pub mean_objective: f64,
    /// Its share of the total objective (0 when the total is 0).
    pub objective_share: f64,
    /// Mean predicted lifetime value, when every account has one.
    pub mean_ltv_predicted: Option<f64>,
    /// Share of its accounts that churned.
    pub churn_rate: f64,
    /// The attribute values it has more of than the whole base.
    pub more_common: Vec<Drift>,
}

/// The figures of every non-empty adopter cohort, in adoption order.
pub fn cohort_figures(
    cohorts: &[Option<Adopters>],
    acquired: &[Option<i64>],
    drift: &[(Adopters, Vec<Drift>)],
    objective: &[f64],
    outcomes: &Outcomes,
) -> Vec<CohortFigures> {
    let total: f64 = objective.iter().sum();
    let known = cohorts.iter().filter(|c| c.is_some()).count().max(1) as f64;
    drift
        .iter()
        .filter_map(|(cohort, more)| {
            let members: Vec<usize> = (0..cohorts.len())
                .filter(|&i| cohorts[i] == Some(*cohort))
                .collect();
            let n = members.len() as f64;
            let sum: f64 = members.iter().map(|&i| objective[i]).sum();
            let days = || members.iter().filter_map(|&i| acquired[i]);
            (!members.is_empty()).then(|| CohortFigures {
                cohort: *cohort,
                accounts: members.len() as u64,
                share_of_accounts: n / known,
                first_acquired: days().min(),
                last_acquired: days().max(),
                mean_objective: sum / n,
                objective_share: if total == 0.0 { 0.0 } else { sum / total },
                mean_ltv_predicted: outcomes.mean_ltv_predicted(&members),
                churn_rate: outcomes.churn_rate(&members).unwrap_or_default(),
                more_common: more.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes() -> Outcomes {
        Outcomes {
            profit: vec![100.0, -50.0, -30.0, 20.0],
            revenue: vec![400.0, 900.0, 100.0, 200.0],
            cac: vec![Some(10.0), Some(80.0), Some(40.0), Some(10.0)],
            churned: vec![false, true, true, false],
            ltv_predicted: vec![Some(500.0), Some(10.0), None, Some(90.0)],
            ltv_historical: vec![110.0, 30.0, 10.0, 30.0],
            payback_months: vec![Some(1.0), None, None, Some(2.0)],
        }
    }

    #[test]
    fn the_counterfactual_is_the_base_less_the_segment_worked_by_hand() {
        let s = Subgroup {
            conditions: Vec::new(),
            members: vec![1, 2],
            quality: 0.0,
            mean_objective: -40.0,
            objective_share: 0.0,
            p_value: 0.01,
        };
        let c = counterfactuals(&[s], &outcomes(), &Deals::default()).remove(0);
        assert_eq!((c.profit, c.revenue, c.cac), (-80.0, 1000.0, Some(120.0)));
        assert_eq!(c.churn_rate, 1.0);
        assert_eq!(c.profit_without, 120.0);
        assert_eq!(c.revenue_per_account_without, 300.0);
        assert_eq!(c.revenue_per_account_with, 400.0);
        assert_eq!(c.cac_per_account_without, Some(10.0));
        assert_eq!(c.cac_per_account_with, Some(35.0));
        assert_eq!(c.deals_with.win_rate, None);
    }

    #[test]
    fn a_mean_ltv_needs_every_member_predicted() {
        let o = outcomes();
        assert_eq!(o.mean_ltv_predicted(&[0, 3]), Some(295.0));
        assert_eq!(o.mean_ltv_predicted(&[0, 2]), None);
        assert_eq!(o.churn_rate(&[0, 1, 2, 3]), Some(0.5));
        assert_eq!(o.churn_rate(&[]), None);
    }
}
