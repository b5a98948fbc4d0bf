//! The profile stage of a build: the ICP drafted from what discover found, its scorecard
//! measured on the customers and deals inside the SAM against the others, and each customer's
//! segment.

use northstar_economics::AccountEconomics;
use northstar_ingest::Objective;
use northstar_profile::{Drafted, Evidence, Figures, MarketSettings};

use crate::discovery::{Deal, Discovery, deal_figures, select};

/// Drafts the ICP for `objective` from the discovery of `accounts`, with its scorecard.
pub fn profile(found: &Discovery, accounts: &[AccountEconomics], objective: Objective) -> Drafted {
    let evidence = Evidence {
        objective_name: objective.name(),
        objective: &found.objective,
        attributes: &found.attributes,
        subgroups: &found.subgroups,
        anti: &found.anti,
        pmf: &found.pmf,
        ecosystem: &found.ecosystem,
    };
    let mut drafted = northstar_profile::draft(&evidence, &MarketSettings::default());
    let inside: Vec<usize> = (0..accounts.len())
        .filter(|&i| drafted.customers[i].in_sam)
        .collect();
    let outside: Vec<usize> = (0..accounts.len())
        .filter(|&i| !drafted.customers[i].in_sam)
        .collect();
    let deals_inside = found.deals.per_account(|a| drafted.icp.in_sam(a));
    let sam = figures(
        found,
        accounts,
        &inside,
        select(&found.deals.deals, &deals_inside, true),
    );
    let rest = figures(
        found,
        accounts,
        &outside,
        select(&found.deals.deals, &deals_inside, false),
    );
    drafted.icp.scorecard = northstar_profile::scorecard(&sam, &rest, &drafted.icp.signals);
    drafted
}

/// The scorecard's figures of the customers `members`, with `deals`: the closed deals of the
/// accounts (customers or prospects) on the same side of the SAM.
fn figures<'a>(
    found: &Discovery,
    accounts: &[AccountEconomics],
    members: &[usize],
    deals: impl Iterator<Item = &'a Deal>,
) -> Figures {
    let (win_rate, sales_cycle_days) = deal_figures(deals);
    let n = members.len();
    let share = |pick: &dyn Fn(&AccountEconomics) -> bool| {
        (n > 0).then(|| members.iter().filter(|&&i| pick(&accounts[i])).count() as f64 / n as f64)
    };
    let mean = |pick: &dyn Fn(&AccountEconomics) -> f64| {
        (n > 0).then(|| members.iter().map(|&i| pick(&accounts[i])).sum::<f64>() / n as f64)
    };
    let mut paybacks: Vec<f64> = members
        .iter()
        .filter_map(|&i| accounts[i].payback_months)
        .collect();
    paybacks.sort_by(f64::total_cmp);
    let gate = northstar_discover::pmf(&found.pmf_inputs, members, found.pmf.threshold);
    let has_referrals = found.pmf_inputs.referred.iter().any(|r| *r);
    Figures {
        customers: n as u64,
        win_rate,
        sales_cycle_days,
        churn_rate: share(&|a| a.churned),
        mean_cac: mean(&|a| a.cac),
        payback_months: paybacks.get(paybacks.len() / 2).copied(),
        repeat_rate: share(&|a| a.orders >= 2),
        mean_ltv: mean(&|a| a.ltv_predicted.unwrap_or(a.ltv_historical)),
        referral_share: (n > 0 && has_referrals).then_some(gate.referral_share),
        nps: gate.nps,
    }
}

/// Each customer's best segment: the rank (from 1) of the first subgroup it belongs to, as
/// `segments.csv` and `icp.json` rank them.
pub fn segment_ranks(found: &Discovery, accounts: usize) -> Vec<Option<u64>> {
    let mut ranks = vec![None; accounts];
    for (rank, subgroup) in found.subgroups.iter().enumerate() {
        for &i in &subgroup.members {
            ranks[i].get_or_insert(rank as u64 + 1);
        }
    }
    ranks
}
