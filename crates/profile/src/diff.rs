//! Two versions of the ICP compared: rules added, removed or changed; accounts that change tier
//! and why; how far each attribute's population moved (PSI); and whether to redefine the ICP.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{Account, Icp, Reason, population};

/// PSI from which an attribute's population counts as moved.
pub const PSI_MOVED: f64 = 0.1;
/// PSI from which it counts as shifted: time to redefine the ICP.
pub const PSI_SHIFTED: f64 = 0.25;
/// Share of accounts changing tier from which the ICP counts as redefined in practice.
const TIER_CHANGE_SHARE: f64 = 0.1;

/// One rule that differs between the versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleChange {
    /// `filter`, `signal`, `anti_icp` or `tier`.
    pub kind: &'static str,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// The rule in words.
    pub rule: String,
    /// What it was, for a change.
    pub before: Option<String>,
    /// What it is, for a change.
    pub after: Option<String>,
}

/// How far one attribute's population moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// The attribute.
    pub attribute: String,
    /// Population stability index from the old version to the new.
    pub psi: f64,
    /// `stable`, `moved` or `shifted`.
    pub level: &'static str,
}

/// An account whose tier differs between the versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierChange {
    /// The account.
    pub account_id: String,
    /// Tier under the old version (none: outside the SAM).
    pub before: Option<u8>,
    /// Tier under the new version.
    pub after: Option<u8>,
    /// Fit score under the old version.
    pub score_before: i64,
    /// Fit score under the new version.
    pub score_after: i64,
    /// Why, in words: the signals and filters that differ for it.
    pub why: String,
}

/// What differs between two ICP versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The old version's digest.
    pub old_version: String,
    /// The new version's digest.
    pub new_version: String,
    /// Rules added, removed or changed.
    pub changes: Vec<RuleChange>,
    /// Each attribute's drift, largest first.
    pub drift: Vec<Drift>,
    /// Accounts compared (from an account list, when given).
    pub accounts_compared: u64,
    /// Those that change tier.
    pub tier_changes: Vec<TierChange>,
    /// Whether it is time to redefine the ICP.
    pub refresh: bool,
    /// The recommendation in words.
    pub recommendation: String,
}

/// Compares `old` with `new`, and scores `accounts` (id and values) under both.
pub fn diff(old: &Icp, new: &Icp, accounts: &[(String, &dyn Account)]) -> Diff {
    let mut changes = Vec::new();
    let filters = |icp: &Icp| -> BTreeMap<String, String> {
        icp.filters
            .iter()
            .map(|f| (f.rule.attribute.clone(), f.rule.describe()))
            .collect()
    };
    compare("filter", &filters(old), &filters(new), &mut changes);
    let signals = |icp: &Icp| -> BTreeMap<String, String> {
        icp.signals
            .iter()
            .map(|s| (s.rule.describe(), format!("{:+} points", s.points)))
            .collect()
    };
    compare("signal", &signals(old), &signals(new), &mut changes);
    let anti = |icp: &Icp| -> BTreeMap<String, String> {
        icp.anti_icp
            .iter()
            .map(|a| {
                let effect = if a.excluded_from_sam {
                    "excluded from the SAM"
                } else {
                    "flagged"
                };
                (a.describe(), effect.to_owned())
            })
            .collect()
    };
    compare("anti_icp", &anti(old), &anti(new), &mut changes);
    let tiers = |icp: &Icp| -> BTreeMap<String, String> {
        let mut t: BTreeMap<String, String> = icp
            .tiers
            .iter()
            .map(|t| (format!("tier {}", t.tier), format!("from score {}", t.min_score)))
            .collect();
        t.insert("base score".into(), icp.base_score.to_string());
        t
    };
    compare("tier", &tiers(old), &tiers(new), &mut changes);

    let mut drift: Vec<Drift> = new
        .population
        .iter()
        .filter_map(|(attribute, now)| {
            let psi = population::psi(old.population.get(attribute)?, now)?;
            let level = if psi >= PSI_SHIFTED {
                "shifted"
            } else if psi >= PSI_MOVED {
                "moved"
            } else {
                "stable"
            };
            Some(Drift {
                attribute: attribute.clone(),
                psi,
                level,
            })
        })
        .collect();
    drift.sort_by(|a, b| {
        b.psi
            .total_cmp(&a.psi)
            .then_with(|| a.attribute.cmp(&b.attribute))
    });

    let tier_changes: Vec<TierChange> = accounts
        .iter()
        .filter_map(|(id, account)| tier_change(old, new, id, *account))
        .collect();
    let (refresh, recommendation) = recommend(&changes, &drift, tier_changes.len(), accounts.len());
    Diff {
        old_version: old.version.clone(),
        new_version: new.version.clone(),
        changes,
        drift,
        accounts_compared: accounts.len() as u64,
        tier_changes,
        refresh,
        recommendation,
    }
}

/// The rules of one kind added, removed or changed, by key.
fn compare(
    kind: &'static str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<RuleChange>,
) {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for key in keys {
        let (before, after) = (old.get(key), new.get(key));
        let change = match (before, after) {
            (Some(b), Some(a)) if a == b => continue,
            (Some(_), Some(_)) => "changed",
            (None, _) => "added",
            (_, None) => "removed",
        };
        out.push(RuleChange {
            kind,
            change,
            rule: key.clone(),
            before: before.cloned(),
            after: after.cloned(),
        });
    }
}

/// The account's tier change between the versions, with the reasons that differ, if it changes.
fn tier_change(old: &Icp, new: &Icp, id: &str, account: &dyn Account) -> Option<TierChange> {
    let (before, after) = (old.assess(account), new.assess(account));
    if before.tier == after.tier {
        return None;
    }
    let old_reasons: BTreeSet<String> = before.reasons.iter().map(Reason::to_string).collect();
    let new_reasons: BTreeSet<String> = after.reasons.iter().map(Reason::to_string).collect();
    let mut why: Vec<String> = Vec::new();
    why.extend(new_reasons.difference(&old_reasons).map(|r| format!("now {r}")));
    why.extend(
        old_reasons
            .difference(&new_reasons)
            .map(|r| format!("no longer {r}")),
    );
    why.extend(
        after
            .outside
            .iter()
            .filter(|o| !before.outside.contains(o))
            .map(|o| format!("now outside the SAM: {o}")),
    );
    why.extend(
        before
            .outside
            .iter()
            .filter(|o| !after.outside.contains(o))
            .map(|o| format!("no longer outside: {o}")),
    );
    if old.base_score != new.base_score {
        why.push(format!("base score {} → {}", old.base_score, new.base_score));
    }
    if why.is_empty() {
        why.push("tier thresholds moved".to_owned());
    }
    Some(TierChange {
        account_id: id.to_owned(),
        before: before.tier,
        after: after.tier,
        score_before: before.score,
        score_after: after.score,
        why: why.join("; "),
    })
}

/// Whether to redefine the ICP, and why, in words.
fn recommend(
    changes: &[RuleChange],
    drift: &[Drift],
    tier_changes: usize,
    accounts: usize,
) -> (bool, String) {
    let shifted: Vec<String> = drift
        .iter()
        .filter(|d| d.psi >= PSI_SHIFTED)
        .map(|d| format!("{} (PSI {:.2})", d.attribute, d.psi))
        .collect();
    let filters_changed = changes.iter().filter(|c| c.kind == "filter").count();
    let moved_share = tier_changes as f64 / accounts.max(1) as f64;
    let mut reasons = Vec::new();
    if !shifted.is_empty() {
        reasons.push(format!(
            "the customer population shifted in {}",
            shifted.join(", ")
        ));
    }
    if filters_changed > 0 {
        reasons.push(format!("{filters_changed} market filter(s) changed"));
    }
    if accounts > 0 && moved_share >= TIER_CHANGE_SHARE {
        reasons.push(format!("{:.0}% of the accounts change tier", moved_share * 100.0));
    }
    if reasons.is_empty() {
        let largest = drift.first().map_or_else(String::new, |d| {
            format!(" (largest PSI {:.2}, {})", d.psi, d.attribute)
        });
        (
            false,
            format!(
                "keep the current ICP: no attribute's population shifted{largest}, the market filters hold and {} rule change(s) are refinements",
                changes.len()
            ),
        )
    } else {
        (
            true,
            format!("redefine the ICP with the new version: {}", reasons.join("; ")),
        )
    }
}
