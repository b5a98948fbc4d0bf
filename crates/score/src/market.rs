//! Market sizing (TAM, SAM, SOM) over every listed account, customers and prospects.
//!
//! - An account's expected value is the profit per customer-year of the customers of its tier:
//!   their total profit over their total tenure in years (a tenure under a month counts as a
//!   month). Accounts outside the SAM take the rate of the customers outside it; a group without
//!   customers takes the rate of all customers.
//! - TAM: every listed account and the sum of their expected values.
//! - SAM: the accounts left after the filters, then the excluded anti-ICP segments, one funnel
//!   step each, in the ICP's order: each step removes the accounts still in that fail it (or
//!   whose value it needs is unknown, when unknown values are excluded) and their value.
//! - SOM, a year's obtainable share: the SAM's prospects × the historical win rate, at most the
//!   sales capacity (reps × deals per rep per year) when it is set, × their mean expected value.
//!   Customers are already won, so they are not in the SOM.

use serde::Serialize;

use northstar_profile::words::{rule_words, rules_words};
use northstar_profile::{AntiRule, Icp, UnknownValues, Verdicts};

/// A customer as the expected values are drawn from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Customer {
    /// Its tier, inside the SAM.
    pub tier: Option<u8>,
    /// Its profit to date.
    pub profit: f64,
    /// Its tenure in months, when known.
    pub tenure_months: Option<f64>,
}

/// Expected profit per account and year, by tier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExpectedValues {
    /// Tiers 1, 2 and 3.
    pub tiers: [f64; 3],
    /// Outside the SAM.
    pub outside: f64,
}

impl ExpectedValues {
    /// The profit per customer-year of `customers`, by tier.
    pub fn from_customers(customers: &[Customer]) -> Self {
        let rate = |keep: &dyn Fn(&Customer) -> bool| -> Option<f64> {
            let (profit, years) = customers
                .iter()
                .filter(|c| keep(c))
                .fold((0.0, 0.0), |(p, y), c| {
                    (p + c.profit, y + c.tenure_months.unwrap_or(1.0).max(1.0) / 12.0)
                });
            (years > 0.0).then(|| profit / years)
        };
        let all = rate(&|_| true).unwrap_or(0.0);
        let tier = |t: u8| rate(&|c| c.tier == Some(t)).unwrap_or(all);
        Self {
            tiers: [tier(1), tier(2), tier(3)],
            outside: rate(&|c| c.tier.is_none()).unwrap_or(all),
        }
    }

    /// The expected value of an account of `tier` (none: outside the SAM).
    pub fn of(&self, tier: Option<u8>) -> f64 {
        match tier {
            Some(t @ 1..=3) => self.tiers[usize::from(t) - 1],
            Some(_) => self.tiers[2],
            None => self.outside,
        }
    }
}

/// Accounts and their expected value per year.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Level {
    /// Accounts.
    pub accounts: u64,
    /// Of which customers.
    pub customers: u64,
    /// Their expected profit per year.
    pub value: f64,
}

impl Level {
    fn add(&mut self, customer: bool, value: f64) {
        self.accounts += 1;
        self.customers += u64::from(customer);
        self.value += value;
    }
}

/// One step of the funnel from TAM to SAM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    /// The rule, in words for people (thresholds exact).
    pub rule: String,
    /// What it removed of the accounts still in.
    pub removed: Level,
    /// What is left after it.
    pub left: Level,
}

/// The obtainable market in a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Som {
    /// Accounts won in a year.
    pub accounts: f64,
    /// Their expected profit per year.
    pub value: f64,
    /// The win rate applied.
    pub win_rate: f64,
    /// Deals the sales team can close in a year, when set.
    pub capacity: Option<f64>,
    /// What bounds it: `win rate` or `capacity`.
    pub bound_by: &'static str,
}

/// TAM, the funnel to SAM, and SOM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketSize {
    /// How each account's value is reckoned.
    pub basis: &'static str,
    /// The expected values used.
    pub expected_values: ExpectedValues,
    /// Every listed account.
    pub tam: Level,
    /// One step per filter and excluded anti-ICP segment.
    pub funnel: Vec<FunnelStep>,
    /// The serviceable market.
    pub sam: Level,
    /// The obtainable market, or none without a win rate.
    pub som: Option<Som>,
    /// Why the SOM is missing, when it is.
    pub som_not_measured: Option<String>,
}

/// What `basis` says.
pub const BASIS: &str = "expected profit per year: the profit per customer-year of the customers \
                         in the account's tier (outside the SAM, of the customers outside it)";

/// The market sized as the listed accounts come, one at a time, in a stated order (each sum
/// adds its accounts in that order): nothing of an account is kept but its part of the sums.
pub struct MarketTally<'a> {
    icp: &'a Icp,
    values: ExpectedValues,
    /// Every account.
    tam: Level,
    /// What each funnel step removed: one per filter, then one per excluded anti-ICP segment.
    removed: Vec<Level>,
    /// The accounts left after every step.
    sam: Level,
    /// The prospects left after every step.
    open: Level,
}

impl<'a> MarketTally<'a> {
    /// No account yet, under `icp`, each valued by `values`.
    pub fn new(icp: &'a Icp, values: ExpectedValues) -> Self {
        let steps = icp.filters.len() + excluded_anti(icp).count();
        Self {
            icp,
            values,
            tam: Level::default(),
            removed: vec![Level::default(); steps],
            sam: Level::default(),
            open: Level::default(),
        }
    }

    /// Adds the next account: its `verdicts` on the ICP's rules, its `tier` inside the SAM, and
    /// whether it is a `customer` already.
    pub fn add(&mut self, verdicts: &Verdicts, tier: Option<u8>, customer: bool) {
        let value = self.values.of(tier);
        self.tam.add(customer, value);
        let exclude_unknown = self.icp.market.unknown_values == UnknownValues::Exclude;
        let failed_filter = verdicts.filters.iter().map(|meets| match meets {
            Some(meets) => !meets,
            None => exclude_unknown,
        });
        let in_anti = excluded_anti(self.icp).map(|(k, _)| verdicts.anti[k]);
        match failed_filter.chain(in_anti).position(|out| out) {
            Some(step) => self.removed[step].add(customer, value),
            None => {
                self.sam.add(customer, value);
                if !customer {
                    self.open.add(customer, value);
                }
            }
        }
    }

    /// TAM, the funnel to SAM, and SOM at `win_rate` and at most `capacity` deals a year.
    pub fn size(self, win_rate: Option<f64>, capacity: Option<f64>) -> MarketSize {
        let icp = self.icp;
        let rules = icp
            .filters
            .iter()
            .map(|f| rule_words(&f.rule, &icp.labels))
            .chain(
                excluded_anti(icp).map(|(_, a)| format!("not {}", rules_words(&a.conditions, &icp.labels))),
            );
        let mut left = self.tam;
        let funnel = rules
            .zip(self.removed)
            .map(|(rule, removed)| {
                left.accounts -= removed.accounts;
                left.customers -= removed.customers;
                left.value -= removed.value;
                FunnelStep { rule, removed, left }
            })
            .collect();
        let open = self.open;
        let (som, som_not_measured) = match win_rate {
            None => (
                None,
                Some("no win rate: needs a deals table with won and lost deals".to_owned()),
            ),
            Some(_) if open.accounts == 0 => (None, Some("no prospect inside the SAM".to_owned())),
            Some(win_rate) => {
                let by_rate = open.accounts as f64 * win_rate;
                let accounts = capacity.map_or(by_rate, |c| by_rate.min(c));
                let mean = open.value / open.accounts as f64;
                let bound_by = match capacity {
                    Some(c) if c < by_rate => "capacity",
                    _ => "win rate",
                };
                let som = Som {
                    accounts,
                    value: accounts * mean,
                    win_rate,
                    capacity,
                    bound_by,
                };
                (Some(som), None)
            }
        };
        MarketSize {
            basis: BASIS,
            expected_values: self.values,
            tam: self.tam,
            funnel,
            sam: self.sam,
            som,
            som_not_measured,
        }
    }
}

/// The anti-ICP segments excluded from the SAM, with their place among all of them.
fn excluded_anti(icp: &Icp) -> impl Iterator<Item = (usize, &AntiRule)> {
    icp.anti_icp
        .iter()
        .enumerate()
        .filter(|(_, a)| a.excluded_from_sam)
}
