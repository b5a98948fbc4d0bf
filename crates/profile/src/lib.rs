//! Profile: the Ideal Customer Profile itself, drawn from what discover found, as a versioned
//! document (`icp.json`, SPEC §4) and its one page (`icp.md`).
//!
//! [`draft`] draws the serviceable market (hard [`Filter`]s chosen by [`market`] so that the SAM
//! keeps the top customers and leaves out those who lose money together), learns weighted
//! [`Signal`]s inside it ([`signals`]), sets tier thresholds from the customers' scores, and
//! turns the anti-ICP segments, the best segments and the buying ecosystem into rules and
//! personas. [`Icp::assess`] applies a profile to any account, with reasons that add up to its
//! score. [`scorecard()`] maps the Lincoln Murphy scorecard to measured figures, [`population`]
//! keeps each attribute's distribution so that [`diff()`] can say how two versions differ and
//! whether it is time to redefine the ICP. Pure: no engine, no I/O.

mod account;
mod assess;
pub mod diff;
mod icp;
pub mod market;
mod page;
pub mod population;
mod scorecard;
pub mod signals;
pub mod words;

use std::sync::Arc;

use northstar_discover::{
    Attribute, Base, Counterfactual, Discovery, Ecosystem, Pmf, Subgroup, UnknownAttribute, top_accounts,
};
use northstar_output::figures::{group, money};
use rayon::prelude::*;

pub use account::{Account, Row};
pub use assess::{Assessment, Descriptions, Reason, SharedAssessments, VerdictColumns, Verdicts, tiers};
pub use diff::{Diff, diff};
pub use icp::{
    AntiRule, Filter, FilterEvidence, Icp, IcpError, Lookalike, Market, Persona, Rule, SCHEMA, Scorecard,
    ScorecardItem, Segment, Signal, SignalEvidence, Tier, UnknownValues, describe_all,
};
pub use market::MarketSettings;
pub use page::markdown;
pub use scorecard::{Figures, scorecard};

/// Fewest customers from which hard rules are drawn and segments can be trusted.
pub const SMALL_BASE: usize = 100;

/// What the profile is drawn from: the customers' objective and attributes, and what discover
/// found in them.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// What "best" means: `profit`, `ltv_predicted` or `gross_margin`.
    pub objective_name: &'a str,
    /// Each customer's objective.
    pub objective: &'a [f64],
    /// The customers' attributes, in the order of `objective`.
    pub attributes: &'a [Attribute],
    /// The attributes no customer has a value of.
    pub unknown_attributes: &'a [UnknownAttribute],
    /// Significant segments that concentrate the objective, best first.
    pub subgroups: &'a [Subgroup],
    /// Significant segments that concentrate losses, worst first.
    pub anti: &'a [Subgroup],
    /// Each loss-making segment's counterfactual, in the order of `anti` (may be empty).
    pub counterfactuals: &'a [Counterfactual],
    /// The product-market-fit gate of the whole base.
    pub pmf: &'a Pmf,
    /// The buying ecosystem behind the top accounts.
    pub ecosystem: &'a Ecosystem,
    /// Why nothing can be learnt from the objective, when nothing can.
    pub nothing_to_learn: Option<&'a str>,
}

/// A drafted ICP and what it says of each customer it was drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct Drafted {
    /// The profile (its scorecard still empty: it needs figures the caller measures).
    pub icp: Icp,
    /// Each customer's assessment, in the order of the evidence; customers assessed alike
    /// share one.
    pub customers: Vec<Arc<Assessment>>,
}

/// The profile stage: the ICP drawn from what discover found in `base`, with its scorecard
/// measured on the customers (and the deals of accounts like them) inside the SAM against the
/// others.
pub fn profile(objective_name: &str, base: &Base, found: &Discovery, settings: &MarketSettings) -> Drafted {
    let evidence = Evidence {
        objective_name,
        objective: &base.objective,
        attributes: &base.attributes,
        unknown_attributes: &base.unknown_attributes,
        subgroups: &found.subgroups,
        anti: &found.anti,
        counterfactuals: &found.counterfactuals,
        pmf: &found.pmf,
        ecosystem: &found.ecosystem,
        nothing_to_learn: found.nothing_to_learn.as_deref(),
    };
    let mut drafted = draft(&evidence, settings);
    let (inside, outside): (Vec<usize>, Vec<usize>) =
        (0..drafted.customers.len()).partition(|&i| drafted.customers[i].in_sam);
    let deals_inside = base
        .deals
        .of_accounts(&drafted.icp.accounts_in_sam(&base.deals.accounts));
    let threshold = found.pmf.threshold;
    let (sam, rest) = rayon::join(
        || {
            scorecard::measure(
                base,
                &inside,
                base.deals.outcome_of(&deals_inside, true),
                threshold,
            )
        },
        || {
            scorecard::measure(
                base,
                &outside,
                base.deals.outcome_of(&deals_inside, false),
                threshold,
            )
        },
    );
    drafted.icp.scorecard = scorecard(&sam, &rest, &drafted.icp.signals);
    drafted
}

/// Draws the ICP from `evidence`.
pub fn draft(evidence: &Evidence<'_>, settings: &MarketSettings) -> Drafted {
    let Evidence {
        objective,
        attributes,
        ..
    } = *evidence;
    let n = objective.len();
    let small = n < SMALL_BASE;
    // With nothing to learn, no rule is drawn and no attribute earns points.
    let (attributes, unknown_attributes) = if evidence.nothing_to_learn.is_some() {
        (&[][..], &[][..])
    } else {
        (attributes, evidence.unknown_attributes)
    };
    let drawn = if small || evidence.nothing_to_learn.is_some() {
        market::Drawn {
            filters: Vec::new(),
            excluded: Vec::new(),
            in_sam: vec![true; n],
        }
    } else {
        market::draw(objective, attributes, evidence.anti, settings)
    };
    let (signals, base_score) =
        signals::learn(objective, attributes, &drawn.in_sam, settings.min_support as u64);
    let all_objective: f64 = objective.iter().sum();
    let top = top_accounts(objective, 0.2);
    let inside: Vec<usize> = (0..n).filter(|&i| drawn.in_sam[i]).collect();
    let objective_inside: f64 = inside.iter().map(|&i| objective[i]).sum();
    let top_inside = inside.iter().filter(|&&i| top[i]).count();
    let market = Market {
        customers: inside.len() as u64,
        all_customers: n as u64,
        top_coverage: top_inside as f64 / top.iter().filter(|t| **t).count().max(1) as f64,
        coverage_floor: settings.coverage_floor,
        objective: objective_inside,
        all_objective,
        trade_off: String::new(),
        unknown_values: settings.unknown_values,
    };
    let mut icp = Icp {
        schema: SCHEMA.to_owned(),
        version: String::new(),
        objective: evidence.objective_name.to_owned(),
        customers: n as u64,
        market,
        filters: drawn
            .filters
            .into_iter()
            .map(|f| Filter {
                rule: open_beyond_data(f.rule, attributes),
                ..f
            })
            .collect(),
        base_score,
        signals,
        tiers: Vec::new(),
        anti_icp: anti_rules(evidence, &drawn.excluded, &drawn.in_sam),
        segments: segments(evidence.subgroups),
        personas: personas(evidence.ecosystem),
        pmf: serde_json::json!({"base": evidence.pmf, "verdict": evidence.pmf.verdict()}),
        ecosystem: serde_json::to_value(evidence.ecosystem).unwrap_or_default(),
        scorecard: Scorecard::default(),
        population: attributes
            .par_iter()
            .map(|a| (a.name.clone(), population::distribution(&a.values)))
            .collect::<Vec<_>>()
            .into_iter()
            .chain(
                unknown_attributes
                    .iter()
                    .map(|a| (a.name.clone(), population::unknown(a.is_list))),
            )
            .collect(),
        caveats: Vec::new(),
        reference: Vec::new(),
        labels: std::collections::BTreeMap::new(),
    };
    icp.market.trade_off = trade_off(&icp, evidence.objective_name);
    let descriptions = icp.descriptions();
    let mut assessed = icp.table_assessments(attributes, n, &descriptions);
    let scores: Vec<i64> = inside.iter().map(|&i| assessed.of(i).score).collect();
    let objective_in: Vec<f64> = inside.iter().map(|&i| objective[i]).collect();
    icp.tiers = tiers(&scores, &objective_in, &top_accounts(&objective_in, 0.2));
    for c in assessed.distinct.iter_mut().filter(|c| c.in_sam) {
        c.tier = Some(icp.tier_of(c.score));
    }
    icp.caveats = caveats(&icp, evidence, small);
    icp.version = icp.rules_digest();
    Drafted {
        icp,
        customers: assessed.into_shared(),
    }
}

/// `rule` with a numeric bound at the customers' lowest or highest value made open: the edges
/// of the data are open ends for every rule, so a prospect beyond them is still caught.
fn open_beyond_data(rule: Rule, attributes: &[Attribute]) -> Rule {
    match attributes
        .iter()
        .find(|a| a.name == rule.attribute)
        .and_then(Attribute::range)
    {
        Some(range) => Rule {
            condition: rule.condition.open_beyond(range),
            attribute: rule.attribute,
        },
        None => rule,
    }
}

/// A subgroup's conditions as rules.
fn rules(subgroup: &Subgroup) -> Vec<Rule> {
    subgroup
        .conditions
        .iter()
        .map(|(attribute, condition)| Rule {
            attribute: attribute.clone(),
            condition: condition.clone(),
        })
        .collect()
}

/// The best segments as the ICP lists them.
fn segments(subgroups: &[Subgroup]) -> Vec<Segment> {
    subgroups
        .iter()
        .enumerate()
        .map(|(rank, s)| Segment {
            rank: rank as u64 + 1,
            conditions: rules(s),
            accounts: s.members.len() as u64,
            objective_share: s.objective_share,
            mean_objective: s.mean_objective,
            p_value: s.p_value,
        })
        .collect()
}

/// The anti-ICP segments as rules, with whether the market excludes each (`excluded`) and why.
fn anti_rules(evidence: &Evidence<'_>, excluded: &[usize], in_sam: &[bool]) -> Vec<AntiRule> {
    let objective = evidence.objective;
    let overall = objective.iter().sum::<f64>() / objective.len().max(1) as f64;
    evidence
        .anti
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let total: f64 = s.members.iter().map(|&i| objective[i]).sum();
            let n = s.members.len();
            let mean = total / n.max(1) as f64;
            let inside = s.members.iter().filter(|&&i| in_sam[i]).count();
            let name = evidence.objective_name;
            let is_excluded = excluded.contains(&index);
            let reason = if is_excluded {
                format!("{n} customers lose {} of {name} together; kept out of the SAM", money(-total))
            } else if total < 0.0 && inside == 0 {
                format!("{n} customers lose {} of {name} together; the market filters already keep them out", money(-total))
            } else if total < 0.0 {
                format!(
                    "{n} customers lose {} of {name} together; flagged, not excluded: {inside} of them pass the \
                     market filters and excluding them did not pass its evidence and coverage bars",
                    money(-total)
                )
            } else {
                format!(
                    "{n} customers return {} of {name} each against {} for all customers: too little for what they cost",
                    money(mean),
                    money(overall)
                )
            };
            AntiRule {
                conditions: rules(s)
                    .into_iter()
                    .map(|r| open_beyond_data(r, evidence.attributes))
                    .collect(),
                excluded_from_sam: is_excluded,
                reason,
                accounts: n as u64,
                objective: total,
                mean_objective: mean,
                p_value: s.p_value,
                counterfactual: evidence.counterfactuals.get(index).cloned(),
            }
        })
        .collect()
}

/// One persona per buying role: its title and department most typical of the top accounts.
fn personas(ecosystem: &Ecosystem) -> Vec<Persona> {
    ecosystem
        .roles
        .iter()
        .filter(|r| r.coverage > 0.0)
        .map(|r| {
            let title = r.titles.first();
            Persona {
                role: r.role.clone(),
                title: title.map(|t| t.value.clone()),
                department: r.departments.first().map(|d| d.value.clone()),
                top_share: title.map_or(0.0, |t| t.top_share),
                other_share: title.map_or(0.0, |t| t.other_share),
                coverage: r.coverage,
            }
        })
        .collect()
}

/// The market's trade-off in words.
fn trade_off(icp: &Icp, objective_name: &str) -> String {
    let m = &icp.market;
    let left = m.all_customers - m.customers;
    if left == 0 {
        return format!(
            "The SAM holds all {} customers: no hard rule removed a group that loses {objective_name} together \
             without cutting into the top fifth.",
            group(m.all_customers)
        );
    }
    format!(
        "The SAM keeps {} of {} customers ({:.0}%) and {:.0}% of the top fifth (the floor is {:.0}%); they hold \
         {} of {objective_name} against {} for all customers. The {} left out {} {} together.",
        group(m.customers),
        group(m.all_customers),
        m.customers as f64 / m.all_customers as f64 * 100.0,
        m.top_coverage * 100.0,
        m.coverage_floor * 100.0,
        money(m.objective),
        money(m.all_objective),
        group(left),
        if m.all_objective - m.objective < 0.0 {
            "lost"
        } else {
            "made"
        },
        money((m.all_objective - m.objective).abs()),
    )
}

/// What the data cannot support, in plain words.
fn caveats(icp: &Icp, evidence: &Evidence<'_>, small: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(reason) = evidence.nothing_to_learn {
        out.push(format!(
            "Nothing to learn from {}: {reason}. No lift, segment, market rule or signal is drawn, \
             and every customer scores the base.",
            evidence.objective_name
        ));
    }
    if small {
        out.push(format!(
            "Only {} customers (fewer than {SMALL_BASE}): no hard market rule is drawn (every account is in the \
             SAM), signal points are shrunk towards no effect by a prior worth {} accounts, no segment can be called \
             significant and product-market fit cannot be judged. Treat this profile as a hypothesis to test, not a \
             finding.",
            icp.customers,
            signals::PRIOR_ACCOUNTS
        ));
    } else if evidence.nothing_to_learn.is_none()
        && icp.filters.is_empty()
        && icp.anti_icp.iter().all(|a| !a.excluded_from_sam)
    {
        out.push(
            "No hard market rule passed the evidence bar: the SAM is every customer, and the signals alone rank them."
                .to_owned(),
        );
    }
    if evidence.nothing_to_learn.is_some() {
        return out;
    }
    if evidence.subgroups.is_empty() {
        out.push(format!(
            "No segment concentrates {} significantly: the signals rank accounts, but no segment should be \
             targeted on this evidence.",
            evidence.objective_name
        ));
    }
    if icp.signals.is_empty() {
        out.push(
            "No attribute value has a significant lift inside the SAM: every account scores the base."
                .to_owned(),
        );
    }
    if !small && !evidence.pmf.fit {
        out.push(format!(
            "{}. Without product-market fit, firmographic segmentation is unreliable.",
            evidence.pmf.verdict()
        ));
    }
    out
}
