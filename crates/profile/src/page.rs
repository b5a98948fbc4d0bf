//! `icp.md`: the ICP on one page, as a slide would hold it.

use std::fmt::Write;

use northstar_output::figures::{group, money};

use crate::{Icp, ScorecardItem, describe_all};

/// The one-page ICP in Markdown.
pub fn markdown(icp: &Icp) -> String {
    let mut page = String::new();
    let objective = &icp.objective;
    let _ = writeln!(page, "# Ideal Customer Profile, version {}\n", icp.version);
    let _ = writeln!(
        page,
        "Learned from {} customers by **{objective}**: what the accounts that make the most {objective} have in common.\n",
        group(icp.customers)
    );

    let _ = writeln!(page, "## Who to sell to: the serviceable market\n");
    if icp.filters.is_empty() && !icp.anti_icp.iter().any(|a| a.excluded_from_sam) {
        let _ = writeln!(page, "- no hard rule: every account is in the SAM");
    }
    for f in &icp.filters {
        let e = &f.evidence;
        let _ = writeln!(
            page,
            "- **{}**: leaves out {} customers who together made {} of {objective} ({} of them in the top fifth; p = {:.1e})",
            f.rule.describe(),
            group(e.removed_accounts),
            money(e.removed_objective),
            e.removed_top_accounts,
            e.p_value
        );
    }
    for a in icp.anti_icp.iter().filter(|a| a.excluded_from_sam) {
        let _ = writeln!(page, "- **not {}**: {}", a.describe(), a.reason);
    }
    let _ = writeln!(page, "\n{}\n", icp.market.trade_off);

    let _ = writeln!(page, "## How to rank them: fit score 0–100\n");
    let _ = writeln!(
        page,
        "Every account starts at {} points and gains or loses the points of each signal it meets; lift is measured inside the SAM, among its top fifth by {objective}.\n",
        icp.base_score
    );
    if !icp.signals.is_empty() {
        let _ = writeln!(
            page,
            "| signal | points | lift (95% CI) | customers | same accounts as |"
        );
        let _ = writeln!(page, "|---|---:|---|---:|---|");
        for s in &icp.signals {
            let e = &s.evidence;
            let _ = writeln!(
                page,
                "| {} | {:+} | {:.2} ({:.2}–{:.2}) | {} | {} |",
                s.rule.describe(),
                s.points,
                e.lift,
                e.ci[0],
                e.ci[1],
                group(e.support),
                e.same_accounts_as.join(", ")
            );
        }
        let _ = writeln!(page);
    }
    let tiers: Vec<String> = icp
        .tiers
        .iter()
        .map(|t| {
            format!(
                "tier {} from {} points ({} customers, mean {objective} {}, {:.0}% of the SAM's top fifth)",
                t.tier,
                t.min_score,
                group(t.customers),
                money(t.mean_objective),
                t.top_share * 100.0
            )
        })
        .collect();
    let _ = writeln!(page, "Tiers: {}.\n", tiers.join("; "));

    if !icp.anti_icp.is_empty() {
        let _ = writeln!(page, "## Who not to sell to: the anti-ICP\n");
        for a in &icp.anti_icp {
            let _ = writeln!(page, "- **{}**: {}", a.describe(), a.reason);
        }
        let _ = writeln!(page);
    }

    if !icp.segments.is_empty() {
        let _ = writeln!(page, "## Best segments\n");
        for s in icp.segments.iter().take(5) {
            let _ = writeln!(
                page,
                "{}. {}: {} customers, {:.0}% of all {objective}, mean {}",
                s.rank,
                describe_all(&s.conditions),
                group(s.accounts),
                s.objective_share * 100.0,
                money(s.mean_objective)
            );
        }
        let _ = writeln!(page);
    }

    if !icp.personas.is_empty() {
        let _ = writeln!(page, "## Who buys\n");
        for p in &icp.personas {
            let who = match (&p.title, &p.department) {
                (Some(t), Some(d)) => format!("{t} ({d})"),
                (Some(t), None) => t.clone(),
                (None, Some(d)) => d.clone(),
                (None, None) => "no title or department on record".to_owned(),
            };
            let _ = writeln!(
                page,
                "- {}: {who}, at {:.0}% of the top accounts vs {:.0}% of the others ({:.0}% of customers have one on record)",
                p.role,
                p.top_share * 100.0,
                p.other_share * 100.0,
                p.coverage * 100.0,
            );
        }
        let _ = writeln!(page);
    }

    if let Some(verdict) = icp.pmf.get("verdict").and_then(|v| v.as_str()) {
        let _ = writeln!(page, "## Product-market fit\n\n{verdict}.\n");
    }

    let _ = writeln!(page, "## Scorecard (Lincoln Murphy)\n");
    let _ = writeln!(page, "| item | verdict | evidence |");
    let _ = writeln!(page, "|---|---|---|");
    let card = &icp.scorecard;
    let items: [(&str, &Option<ScorecardItem>); 7] = [
        ("Ready", &card.ready),
        ("Willing", &card.willing),
        ("Able", &card.able),
        ("Success potential", &card.success_potential),
        ("Acquisition efficiency", &card.acquisition_efficiency),
        ("Expansion potential", &card.expansion_potential),
        ("Advocacy potential", &card.advocacy_potential),
    ];
    for (name, item) in items {
        let (verdict, evidence) = match item {
            Some(i) => {
                let all: Vec<&str> = i.evidence.iter().chain(&i.signals).map(String::as_str).collect();
                (
                    i.verdict.as_str(),
                    if all.is_empty() {
                        "no data".to_owned()
                    } else {
                        all.join("; ")
                    },
                )
            }
            None => ("no data", "no data".to_owned()),
        };
        let _ = writeln!(page, "| {name} | {verdict} | {evidence} |");
    }

    if !icp.caveats.is_empty() {
        let _ = writeln!(page, "\n## What this data cannot tell\n");
        for c in &icp.caveats {
            let _ = writeln!(page, "- {c}");
        }
    }
    page
}
