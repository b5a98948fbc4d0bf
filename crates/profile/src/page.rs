//! `icp.md`: the ICP on one page, as a slide would hold it.

use std::fmt::Write;

use northstar_output::figures::{compact, group, money, percent};

use crate::words::{rule_words, rules_words};
use crate::{Icp, ScorecardItem};

/// `word` with its first letter capitalised.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Signals on the slide.
const SLIDE_SIGNALS: usize = 5;
/// Anti-ICP segments on the slide.
const SLIDE_ANTI: usize = 3;

/// The ICP in Markdown: first the slide (the market's filters, the top signals, the tiers, the
/// top anti-ICP segments and a line on product-market fit), then a persona skeleton per buying
/// role, then the evidence behind every rule. Rules are in words for people, thresholds exact.
pub fn markdown(icp: &Icp) -> String {
    let mut page = String::new();
    let objective = &icp.objective;
    let labels = &icp.labels;
    let _ = writeln!(page, "# Ideal Customer Profile, version {}\n", icp.version);
    let _ = writeln!(
        page,
        "Learned from {} customers by **{objective}**: what the accounts that make the most {objective} have in common.\n",
        group(icp.customers)
    );

    let _ = writeln!(page, "## The slide\n");
    let _ = writeln!(page, "### Who to sell to\n");
    if icp.filters.is_empty() && !icp.anti_icp.iter().any(|a| a.excluded_from_sam) {
        let _ = writeln!(page, "- no hard rule: every account is in the SAM");
    }
    for f in &icp.filters {
        let _ = writeln!(page, "- **{}**", rule_words(&f.rule, labels));
    }
    for a in icp.anti_icp.iter().filter(|a| a.excluded_from_sam) {
        let _ = writeln!(page, "- **not {}**", rules_words(&a.conditions, labels));
    }
    let m = &icp.market;
    let _ = writeln!(
        page,
        "\nThe SAM keeps {} of {} customers and {} of the top fifth by {objective}.\n",
        group(m.customers),
        group(m.all_customers),
        percent(m.top_coverage)
    );

    let _ = writeln!(page, "### How to rank them\n");
    let _ = writeln!(
        page,
        "Every account starts at {} points and gains or loses the points of each signal it meets (the strongest {SLIDE_SIGNALS} here, all under the evidence below).\n",
        icp.base_score
    );
    if icp.signals.is_empty() {
        let _ = writeln!(page, "- no signal: every account scores {}", icp.base_score);
    }
    for s in icp.signals.iter().take(SLIDE_SIGNALS) {
        let _ = writeln!(page, "- **{:+}** {}", s.points, rule_words(&s.rule, labels));
    }
    let _ = writeln!(page, "\n### Tiers\n");
    for t in &icp.tiers {
        let _ = writeln!(
            page,
            "- **Tier {}**, {} points or more: {} customers, mean {objective} {}, {} of the SAM's top fifth",
            t.tier,
            t.min_score,
            group(t.customers),
            compact(t.mean_objective),
            percent(t.top_share)
        );
    }
    if !icp.anti_icp.is_empty() {
        let _ = writeln!(page, "\n### Who not to sell to\n");
        for a in icp.anti_icp.iter().take(SLIDE_ANTI) {
            let _ = writeln!(
                page,
                "- **{}**: {} customers, {objective} {}",
                rules_words(&a.conditions, labels),
                group(a.accounts),
                compact(a.objective)
            );
        }
    }
    if let Some(verdict) = icp.pmf.get("verdict").and_then(|v| v.as_str()) {
        let _ = writeln!(page, "\n### Product-market fit\n\n{verdict}.");
    }

    if !icp.personas.is_empty() {
        let _ = writeln!(page, "\n## Personas\n");
        let _ = writeln!(
            page,
            "A skeleton per buying role: the measured facts are filled in; the parts in italics are for the team to write, from interviews.\n"
        );
        for p in &icp.personas {
            let who = match (&p.title, &p.department) {
                (Some(t), Some(d)) => format!("{t} ({d})"),
                (Some(t), None) => t.clone(),
                (None, Some(d)) => d.clone(),
                (None, None) => "no title or department on record".to_owned(),
            };
            let _ = writeln!(page, "### {}: {who}\n", capitalised(&p.role));
            let _ = writeln!(
                page,
                "- **Measured**: at {} of the top accounts against {} of the others; {} of customers have one on record",
                percent(p.top_share),
                percent(p.other_share),
                percent(p.coverage)
            );
            for part in [
                "How they do the job today",
                "The problem",
                "The limits of how they do it now",
                "How we help",
            ] {
                let _ = writeln!(page, "- **{part}**: _to write_");
            }
            let _ = writeln!(page);
        }
    }

    let _ = writeln!(page, "\n## The evidence\n");
    let _ = writeln!(page, "### The market's rules\n");
    for f in &icp.filters {
        let e = &f.evidence;
        let _ = writeln!(
            page,
            "- **{}**: leaves out {} customers who together made {} of {objective} ({} of them in the top fifth; p = {:.1e})",
            rule_words(&f.rule, labels),
            group(e.removed_accounts),
            money(e.removed_objective),
            e.removed_top_accounts,
            e.p_value
        );
    }
    for a in icp.anti_icp.iter().filter(|a| a.excluded_from_sam) {
        let _ = writeln!(
            page,
            "- **not {}**: {}",
            rules_words(&a.conditions, labels),
            a.reason
        );
    }
    let _ = writeln!(page, "\n{}\n", icp.market.trade_off);
    if !icp.signals.is_empty() {
        let _ = writeln!(page, "### Every signal\n");
        let _ = writeln!(
            page,
            "Lift is measured inside the SAM, among its top fifth by {objective}.\n"
        );
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
                rule_words(&s.rule, labels),
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
    if !icp.anti_icp.is_empty() {
        let _ = writeln!(page, "### Every anti-ICP segment\n");
        for a in &icp.anti_icp {
            let _ = writeln!(page, "- **{}**: {}", rules_words(&a.conditions, labels), a.reason);
        }
        let _ = writeln!(page);
    }
    if !icp.segments.is_empty() {
        let _ = writeln!(page, "### Best segments\n");
        for s in icp.segments.iter().take(5) {
            let _ = writeln!(
                page,
                "{}. {}: {} customers, {} of all {objective}, mean {}",
                s.rank,
                rules_words(&s.conditions, labels),
                group(s.accounts),
                percent(s.objective_share),
                compact(s.mean_objective)
            );
        }
        let _ = writeln!(page);
    }

    let _ = writeln!(page, "### Scorecard (Lincoln Murphy)\n");
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
        let _ = writeln!(page, "\n### What this data cannot tell\n");
        for c in &icp.caveats {
            let _ = writeln!(page, "- {c}");
        }
    }
    page
}
