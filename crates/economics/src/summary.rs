//! The headline figures: how concentrated profit is, and who destroys it.

use crate::{AccountEconomics, Inputs, NotMeasured, RevenueFrom, round_cents};

/// Headline figures of the economics stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// The date tenure runs to for accounts still active.
    pub as_of: Option<String>,
    /// Customer accounts.
    pub accounts: u64,
    /// Total revenue.
    pub revenue: f64,
    /// Total gross margin.
    pub gross_margin: f64,
    /// Total cost to serve, when measured.
    pub cost_to_serve: Option<f64>,
    /// Total acquisition cost, when measured.
    pub cac: Option<f64>,
    /// Total profit.
    pub profit: f64,
    /// What profit is, given what was measured.
    pub profit_is: &'static str,
    /// Where revenue came from.
    pub revenue_from: RevenueFrom,
    /// Figures that could not be measured, and the table that would add each.
    pub not_measured: Vec<NotMeasured>,
    /// How many accounts, from the most profitable down, it takes to make 80% of total profit.
    pub accounts_for_80pct_profit: u64,
    /// That count as a share of all accounts.
    pub share_of_accounts_for_80pct_profit: f64,
    /// The top of the whale curve.
    pub whale_peak: WhalePeak,
    /// The accounts that lose money.
    pub loss_makers: LossMakers,
    /// Share of accounts with two or more purchase days.
    pub repeat_purchase_rate: f64,
    /// Share of accounts that churned.
    pub churn_rate: f64,
    /// Channel spend that no acquired account could carry.
    pub unallocated_spend: f64,
    /// Figures from deals.
    pub deals: DealFigures,
    /// How predicted lifetime value was made, once it has been.
    pub lifetime_value: Option<crate::LifetimeMethod>,
}

/// The highest point of the whale curve.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WhalePeak {
    /// Cumulative profit at the peak over total profit (above 1 when some accounts lose money).
    pub share_of_profit: f64,
    /// Accounts up to the peak.
    pub accounts: u64,
    /// Those accounts as a share of all accounts.
    pub share_of_accounts: f64,
}

/// The accounts whose profit is negative.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LossMakers {
    /// How many.
    pub accounts: u64,
    /// As a share of all accounts.
    pub share_of_accounts: f64,
    /// The profit they destroy (a positive amount: minus the sum of their profits).
    pub profit_destroyed: f64,
    /// That amount over total profit.
    pub share_of_profit: f64,
}

/// Win rate and sales cycle.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DealFigures {
    /// Deals won.
    pub won: u64,
    /// Deals lost.
    pub lost: u64,
    /// Deals still open.
    pub open: u64,
    /// Won over closed (won + lost), when any closed.
    pub win_rate: Option<f64>,
    /// Median days from creation to close of won deals.
    pub median_sales_cycle_days: Option<f64>,
}

/// The sums and counts over every account that the headline figures are formed from, taken in
/// one pass. Each sum runs in the accounts' order from -0.0, as `Iterator::sum` does, so that it
/// is the same to the last bit.
struct Totals {
    profit: f64,
    revenue: f64,
    gross_margin: f64,
    cost_to_serve: f64,
    cac: f64,
    /// The profits of the accounts that lose money.
    lost: f64,
    losers: u64,
    repeat: u64,
    churned: u64,
}

impl Totals {
    fn of(accounts: &[AccountEconomics]) -> Self {
        let mut totals = Self {
            profit: -0.0,
            revenue: -0.0,
            gross_margin: -0.0,
            cost_to_serve: -0.0,
            cac: -0.0,
            lost: -0.0,
            losers: 0,
            repeat: 0,
            churned: 0,
        };
        for a in accounts {
            totals.profit += a.profit;
            totals.revenue += a.revenue;
            totals.gross_margin += a.gross_margin;
            if let Some(cost) = a.cost_to_serve {
                totals.cost_to_serve += cost;
            }
            if let Some(cac) = a.cac {
                totals.cac += cac;
            }
            if a.profit < 0.0 {
                totals.lost += a.profit;
                totals.losers += 1;
            }
            totals.repeat += u64::from(a.orders >= 2);
            totals.churned += u64::from(a.churned);
        }
        totals
    }
}

impl Summary {
    /// The headline figures of `accounts`, which are in profit-rank order, measured from
    /// `inputs` with revenue as `revenue_from` says.
    pub fn new(
        accounts: &[AccountEconomics],
        as_of: Option<String>,
        unallocated_spend: f64,
        inputs: Inputs,
        revenue_from: RevenueFrom,
    ) -> Self {
        let n = accounts.len() as u64;
        let share = |k: u64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        let totals = Totals::of(accounts);
        let profit = round_cents(totals.profit);
        let mut running = 0.0;
        let mut for_80 = None;
        let mut peak = (f64::MIN, 0u64);
        for (i, account) in accounts.iter().enumerate() {
            running += account.profit;
            if for_80.is_none() && profit > 0.0 && running >= 0.8 * profit - 1e-9 {
                for_80 = Some(i as u64 + 1);
            }
            if running > peak.0 {
                peak = (running, i as u64 + 1);
            }
        }
        let destroyed = round_cents(-totals.lost);
        let of_profit = |x: f64| if profit == 0.0 { 0.0 } else { x / profit };
        let for_80 = for_80.unwrap_or(n);
        Self {
            as_of,
            accounts: n,
            revenue: round_cents(totals.revenue),
            gross_margin: round_cents(totals.gross_margin),
            cost_to_serve: inputs.activities.then(|| round_cents(totals.cost_to_serve)),
            cac: inputs.acquisition.then(|| round_cents(totals.cac)),
            profit,
            profit_is: inputs.profit_is(),
            revenue_from,
            not_measured: inputs.not_measured(),
            accounts_for_80pct_profit: for_80,
            share_of_accounts_for_80pct_profit: share(for_80),
            whale_peak: WhalePeak {
                share_of_profit: if n == 0 { 0.0 } else { of_profit(peak.0) },
                accounts: peak.1,
                share_of_accounts: share(peak.1),
            },
            loss_makers: LossMakers {
                accounts: totals.losers,
                share_of_accounts: share(totals.losers),
                profit_destroyed: destroyed,
                share_of_profit: of_profit(destroyed),
            },
            repeat_purchase_rate: share(totals.repeat),
            churn_rate: share(totals.churned),
            unallocated_spend: round_cents(unallocated_spend),
            deals: DealFigures::default(),
            lifetime_value: None,
        }
    }
}
