//! The Lincoln Murphy ICP scorecard: each item (Ready, Willing, Able, Success potential,
//! Acquisition efficiency, Expansion potential, Advocacy potential) mapped to what was measured,
//! the SAM's customers against the others, or "no data".

use northstar_discover::{Base, DealOutcome, median, pmf};

use crate::{Scorecard, ScorecardItem, Signal};

/// Figures of a group of customers (and of the deals at accounts like them), each when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Figures {
    /// Customers in the group.
    pub customers: u64,
    /// Won deals over closed deals.
    pub win_rate: Option<f64>,
    /// Median days from a won deal's creation to its close.
    pub sales_cycle_days: Option<f64>,
    /// Share that churned.
    pub churn_rate: Option<f64>,
    /// Mean acquisition cost.
    pub mean_cac: Option<f64>,
    /// Median months to earn back the acquisition cost.
    pub payback_months: Option<f64>,
    /// Share that bought on two or more days.
    pub repeat_rate: Option<f64>,
    /// Mean lifetime value (predicted when known, else historical).
    pub mean_ltv: Option<f64>,
    /// Share that came by referral.
    pub referral_share: Option<f64>,
    /// Net promoter score.
    pub nps: Option<f64>,
}

/// The figures of the customers `members` of `base`, with `deals`: the outcome of the closed
/// deals of the accounts (customers or prospects) on the same side of the SAM.
pub fn measure(base: &Base, members: &[usize], deals: DealOutcome, referral_threshold: f64) -> Figures {
    let o = &base.outcomes;
    let n = members.len();
    let share =
        |flags: &[bool]| (n > 0).then(|| members.iter().filter(|&&i| flags[i]).count() as f64 / n as f64);
    let gate = pmf(&base.pmf_inputs, members, referral_threshold);
    let has_referrals = base.pmf_inputs.referred.iter().any(|r| *r);
    Figures {
        customers: n as u64,
        win_rate: deals.win_rate,
        sales_cycle_days: deals.median_sales_cycle_days,
        churn_rate: o.churn_rate(members),
        mean_cac: o.mean_cac(members),
        payback_months: median(members.iter().filter_map(|&i| o.payback_months[i]).collect()),
        repeat_rate: share(&base.pmf_inputs.repeat),
        mean_ltv: o.mean(members, |o, i| o.ltv_predicted[i].unwrap_or(o.ltv_historical[i])),
        referral_share: (n > 0 && has_referrals).then_some(gate.referral_share),
        nps: gate.nps,
    }
}

/// A relative difference below which the SAM is not called better or worse.
const MARGIN: f64 = 0.1;

/// Which way is better for a figure.
#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
}

/// One measured comparison: its name, how to print it, which way is better and the two values.
struct Measure {
    name: &'static str,
    format: fn(f64) -> String,
    better: Better,
    sam: Option<f64>,
    rest: Option<f64>,
}

impl Measure {
    /// The comparison in words, and whether the SAM is better (Some(true)), worse or neither.
    fn judge(&self, others: u64) -> Option<(String, Option<bool>)> {
        let sam = self.sam?;
        let Some(rest) = self.rest.filter(|_| others > 0) else {
            return Some((
                format!(
                    "{} {} (no customers outside the SAM to compare)",
                    self.name,
                    (self.format)(sam)
                ),
                None,
            ));
        };
        let scale = rest.abs().max(sam.abs()).max(f64::MIN_POSITIVE);
        let gap = (sam - rest) / scale;
        let better = match self.better {
            Better::Higher => gap,
            Better::Lower => -gap,
        };
        let verdict = (better.abs() >= MARGIN).then_some(better > 0.0);
        Some((
            format!(
                "{} {} in the SAM vs {} outside",
                self.name,
                (self.format)(sam),
                (self.format)(rest)
            ),
            verdict,
        ))
    }
}

/// A share as a percentage.
fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A figure with no decimals.
fn whole(x: f64) -> String {
    format!("{x:.0}")
}

/// A figure with one decimal.
fn one_decimal(x: f64) -> String {
    format!("{x:.1}")
}

/// One item from its measures and the signals behind it.
fn item(measures: &[Measure], others: u64, signals: Vec<String>) -> ScorecardItem {
    let judged: Vec<(String, Option<bool>)> = measures.iter().filter_map(|m| m.judge(others)).collect();
    let votes: Vec<bool> = judged.iter().filter_map(|(_, v)| *v).collect();
    let verdict = if judged.is_empty() && signals.is_empty() {
        "no data"
    } else if others == 0 && signals.is_empty() {
        "not compared"
    } else if votes.iter().any(|v| !v) && !votes.iter().any(|v| *v) {
        "against"
    } else if votes.iter().any(|v| *v) || (judged.is_empty() && !signals.is_empty()) {
        "supported"
    } else {
        "weak"
    };
    ScorecardItem {
        verdict: verdict.to_owned(),
        evidence: judged.into_iter().map(|(text, _)| text).collect(),
        signals,
    }
}

/// The positive signals on any of `attributes`, in words with their points.
fn positive(signals: &[Signal], attributes: &[&str]) -> Vec<String> {
    signals
        .iter()
        .filter(|s| s.points > 0 && attributes.contains(&s.rule.attribute.as_str()))
        .map(|s| format!("{} (+{})", s.rule.describe(), s.points))
        .collect()
}

/// The scorecard of the SAM (`sam`) against the customers outside it (`rest`).
pub fn scorecard(sam: &Figures, rest: &Figures, signals: &[Signal]) -> Scorecard {
    let others = rest.customers;
    let measure = |name, format, better, pick: fn(&Figures) -> Option<f64>| Measure {
        name,
        format,
        better,
        sam: pick(sam),
        rest: pick(rest),
    };
    let firmographic = ["employees", "annual_revenue", "technologies"];
    let referral = ["acquisition_channel", "referred_by"];
    Scorecard {
        ready: Some(item(
            &[measure("median sales cycle (days)", whole, Better::Lower, |f| {
                f.sales_cycle_days
            })],
            others,
            Vec::new(),
        )),
        willing: Some(item(
            &[measure("win rate", percent, Better::Higher, |f| f.win_rate)],
            others,
            Vec::new(),
        )),
        able: Some(item(&[], others, positive(signals, &firmographic))),
        success_potential: Some(item(
            &[measure("churn rate", percent, Better::Lower, |f| f.churn_rate)],
            others,
            Vec::new(),
        )),
        acquisition_efficiency: Some(item(
            &[
                measure("mean CAC", whole, Better::Lower, |f| f.mean_cac),
                measure("median payback (months)", one_decimal, Better::Lower, |f| {
                    f.payback_months
                }),
            ],
            others,
            Vec::new(),
        )),
        expansion_potential: Some(item(
            &[
                measure("repeat purchase rate", percent, Better::Higher, |f| f.repeat_rate),
                measure("mean lifetime value", whole, Better::Higher, |f| f.mean_ltv),
            ],
            others,
            Vec::new(),
        )),
        advocacy_potential: Some(item(
            &[
                measure("referral share", percent, Better::Higher, |f| f.referral_share),
                measure("NPS", whole, Better::Higher, |f| f.nps),
            ],
            others,
            positive(signals, &referral),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_follows_its_measures() {
        let sam = Figures {
            customers: 80,
            win_rate: Some(0.4),
            sales_cycle_days: Some(30.0),
            churn_rate: Some(0.1),
            mean_cac: Some(1000.0),
            ..Figures::default()
        };
        let rest = Figures {
            customers: 20,
            win_rate: Some(0.2),
            sales_cycle_days: Some(31.0),
            churn_rate: Some(0.3),
            mean_cac: Some(2000.0),
            ..Figures::default()
        };
        let card = scorecard(&sam, &rest, &[]);
        let verdict = |i: &Option<ScorecardItem>| i.as_ref().unwrap().verdict.clone();
        assert_eq!(verdict(&card.willing), "supported");
        assert_eq!(verdict(&card.ready), "weak", "30 vs 31 days is within 10%");
        assert_eq!(verdict(&card.success_potential), "supported");
        assert_eq!(verdict(&card.acquisition_efficiency), "supported");
        assert_eq!(verdict(&card.advocacy_potential), "no data");
        assert_eq!(verdict(&card.able), "no data");
        assert_eq!(
            card.willing.unwrap().evidence,
            ["win rate 40% in the SAM vs 20% outside"]
        );
        let worse = scorecard(&rest, &sam, &[]);
        assert_eq!(verdict(&worse.willing), "against");
    }
}
