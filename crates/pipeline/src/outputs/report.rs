//! `report.html`: the report's inputs gathered from the build's model; every figure is the one
//! the other outputs hold.

use northstar_output::OutputError;
use northstar_profile::words::{conditions_words, rule_words, rules_words};
use northstar_report::{AntiRow, CallRow, Inputs, RejectCount, SegmentRow};

use crate::Build;

/// The report's inputs from `build`; the rejects are counted from their file.
pub fn inputs(build: &Build) -> Result<Inputs<'_>, OutputError> {
    let icp = &build.profile.icp;
    let found = &build.discovery;
    let mut ranked: Vec<&northstar_economics::AccountEconomics> = build.economics.accounts.iter().collect();
    ranked.sort_by_key(|a| a.profit_rank);
    let rejects = build
        .ingested
        .rejects
        .reason_counts()
        .map_err(|source| OutputError::Io {
            path: build.ingested.rejects.path().to_owned(),
            source,
        })?;
    let counts = build.targets.counts;
    Ok(Inputs {
        icp,
        summary: &build.economics.summary,
        cumulative_profit: ranked.iter().map(|a| a.cumulative_profit_share).collect(),
        ltv_predicted: build
            .economics
            .accounts
            .iter()
            .filter_map(|a| a.ltv_predicted)
            .collect(),
        lifts: &found.lifts,
        segments: found
            .subgroups
            .iter()
            .zip(&found.segments)
            .map(|(s, f)| SegmentRow {
                conditions: conditions_words(&s.conditions, &icp.labels),
                accounts: s.members.len() as u64,
                objective_share: s.objective_share,
                mean_profit: f.mean_profit,
                pmf: f.pmf.clone(),
            })
            .collect(),
        pmf: &found.pmf,
        pmf_verdict: found.pmf.verdict(),
        cohorts: &found.cohort_figures,
        ecosystem: &found.ecosystem,
        anti: icp
            .anti_icp
            .iter()
            .filter_map(|a| {
                Some(AntiRow {
                    conditions: rules_words(&a.conditions, &icp.labels),
                    accounts: a.accounts,
                    counterfactual: a.counterfactual.clone()?,
                })
            })
            .collect(),
        prospects: (counts.accounts, counts.tiers),
        call_first: call_first(build),
        market: &build.targets.market,
        validation: &build.validation,
        rejects: rejects
            .into_iter()
            .map(|((table, reason), count)| RejectCount { table, reason, count })
            .collect(),
        currency: build.settings.report.currency.clone(),
    })
}

/// How many prospects the report lists to call first.
const CALL_FIRST: usize = 10;

/// The first prospects of the target list, their reasons in words.
fn call_first(build: &Build) -> Vec<CallRow> {
    let (targets, icp) = (&build.targets, &build.profile.icp);
    targets
        .target_list
        .iter()
        .take(CALL_FIRST)
        .map(|p| {
            let a = &p.scored.assessment;
            let mut reasons = a.reasons.clone();
            reasons.sort_by_key(|r| std::cmp::Reverse(r.points));
            let words: Vec<String> = reasons
                .iter()
                .take(3)
                .filter_map(|r| {
                    let signal = icp.signals.iter().find(|s| s.rule.describe() == *r.rule)?;
                    Some(format!(
                        "{:+} {}",
                        r.points,
                        rule_words(&signal.rule, &icp.labels)
                    ))
                })
                .collect();
            CallRow {
                company: p
                    .value(&targets.columns, "name")
                    .unwrap_or(&p.account_id)
                    .to_owned(),
                tier: a.tier.unwrap_or_default(),
                fit_score: a.score,
                intent: p.intent.as_ref().map(|i| i.score),
                reasons: words.join("; "),
                nearest: p
                    .nearest
                    .as_ref()
                    .map(|(l, _)| l.name.clone().unwrap_or_else(|| l.account_id.clone())),
            }
        })
        .collect()
}
