//! The figures of a build for a terminal: what each table held, and the headline.

use northstar_ingest::Ingested;
use northstar_output::figures::{group, money};

use crate::Build;

/// One line per table read: rows, accepted, rejected, excluded.
pub fn ingest_summary(ingested: &Ingested) -> String {
    let mut text = String::new();
    for t in &ingested.tables {
        let file = t
            .file
            .as_ref()
            .and_then(|f| f.file_name())
            .map(|f| f.to_string_lossy().into_owned());
        let mut line = match (&file, &t.note) {
            (Some(file), _) => format!(
                "{:<15} {:>10} rows read from `{file}`, {} accepted, {} rejected",
                t.table,
                group(t.rows_read),
                group(t.rows_accepted),
                group(t.rows_rejected)
            ),
            (None, Some(note)) => format!("{:<15} {note}", t.table),
            (None, None) => format!("{:<15} {} rows", t.table, group(t.rows_accepted)),
        };
        if t.rows_excluded > 0 {
            line.push_str(&format!(", {} left out by `where`", group(t.rows_excluded)));
        }
        text.push_str(&line);
        text.push('\n');
    }
    if !ingested.rejects.is_empty() {
        text.push_str(&format!(
            "{} problems in rejected rows; first: ",
            group(ingested.rejects.len() as u64)
        ));
        let r = &ingested.rejects[0];
        text.push_str(&format!(
            "{}:{}: column `{}`: {}\n",
            r.file, r.line, r.column, r.reason
        ));
    }
    text
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The ICP in three lines: its market, its tier 1 and its strongest signals.
fn icp_headline(icp: &northstar_profile::Icp) -> String {
    let mut rules: Vec<String> = icp.filters.iter().map(|f| f.rule.describe()).collect();
    rules.extend(
        icp.anti_icp
            .iter()
            .filter(|a| a.excluded_from_sam)
            .map(|a| format!("not ({})", a.describe())),
    );
    let market = if rules.is_empty() {
        "every customer".to_owned()
    } else {
        rules.join(" and ")
    };
    let mut text = format!(
        "  ICP {} (icp.md): SAM = {market}: {} of {} customers, {} of the top fifth\n",
        icp.version,
        group(icp.market.customers),
        group(icp.market.all_customers),
        percent(icp.market.top_coverage)
    );
    if icp.signals.is_empty() {
        text.push_str(&format!(
            "  no attribute sets the best customers apart yet: every account scores {} (icp.md says what cannot be concluded)\n",
            icp.base_score
        ));
    } else if let Some(first) = icp.tiers.first() {
        let signals: Vec<String> = icp
            .signals
            .iter()
            .filter(|s| s.points > 0)
            .take(3)
            .map(|s| format!("{:+} {}", s.points, s.rule.describe()))
            .collect();
        text.push_str(&format!(
            "  tier 1 from {} points: {} customers, mean {} {}; strongest signals: {}\n",
            first.min_score,
            group(first.customers),
            icp.objective,
            money(first.mean_objective),
            if signals.is_empty() {
                "none".to_owned()
            } else {
                signals.join(", ")
            }
        ));
    }
    text
}

/// The headline figures of a build, for the terminal.
pub fn headline(build: &Build) -> String {
    let s = &build.economics.summary;
    let mut text = format!(
        "{} customer accounts{}: revenue {}, gross margin {}, cost to serve {}, CAC {}, profit {}\n",
        group(s.accounts),
        s.as_of
            .as_ref()
            .map(|d| format!(" as of {d}"))
            .unwrap_or_default(),
        money(s.revenue),
        money(s.gross_margin),
        money(s.cost_to_serve),
        money(s.cac),
        money(s.profit),
    );
    if s.profit > 0.0 {
        text.push_str(&format!(
            "  {} of accounts ({}) make 80% of profit\n",
            percent(s.share_of_accounts_for_80pct_profit),
            group(s.accounts_for_80pct_profit)
        ));
        text.push_str(&format!(
            "  the whale curve peaks at {} of profit, at the top {} of accounts\n",
            percent(s.whale_peak.share_of_profit),
            percent(s.whale_peak.share_of_accounts)
        ));
    } else {
        text.push_str("  total profit is not positive: the whale curve has no peak above zero\n");
    }
    text.push_str(&format!(
        "  {} loss-making accounts ({}) destroy {} ({} of profit)\n",
        group(s.loss_makers.accounts),
        percent(s.loss_makers.share_of_accounts),
        money(s.loss_makers.profit_destroyed),
        percent(s.loss_makers.share_of_profit)
    ));
    if let Some(win_rate) = s.deals.win_rate {
        let cycle = s
            .deals
            .median_sales_cycle_days
            .map(|d| format!(", median sales cycle {d:.0} days"))
            .unwrap_or_default();
        text.push_str(&format!("  win rate {}{cycle}\n", percent(win_rate)));
    }
    if let Some(method) = &s.lifetime_value {
        text.push_str(&match method.model.as_str() {
            "none" => format!("  lifetime value not predicted: {}\n", method.reason),
            model => format!(
                "  predicted lifetime value ({model}, {} months ahead at {}% a year, because {}): {} over {} accounts\n",
                method.horizon_months,
                method.annual_discount * 100.0,
                method.reason,
                money(method.total_ltv_predicted),
                group(method.accounts_predicted)
            ),
        });
    }
    let standouts: Vec<String> = build
        .discovery
        .lifts
        .iter()
        .filter(|l| l.ci[0] > 1.0)
        .take(3)
        .map(|l| {
            format!(
                "{} {} ({:.1}x, 95% CI {:.1}-{:.1}, {} accounts)",
                l.attribute,
                l.condition.describe(),
                l.lift,
                l.ci[0],
                l.ci[1],
                group(l.support)
            )
        })
        .collect();
    if !standouts.is_empty() {
        text.push_str(&format!(
            "  over-represented among the top 20% by {}: {}\n",
            build.settings.discover.objective.name(),
            standouts.join("; ")
        ));
    }
    text.push_str(&format!("  {}\n", build.discovery.pmf.verdict()));
    if let Some(best) = build.discovery.subgroups.first() {
        text.push_str(&format!(
            "  best segment by {}: {} ({} accounts, {} of the total, mean {} per account; {} segments in segments.csv)\n",
            build.settings.discover.objective.name(),
            best.describe(),
            group(best.members.len() as u64),
            percent(best.objective_share),
            money(best.mean_objective),
            build.discovery.subgroups.len()
        ));
    }
    let found = &build.discovery;
    if let (Some(worst), Some(without)) = (found.anti.first(), found.counterfactuals.first()) {
        text.push_str(&format!(
            "  worst segment: {} ({} accounts, profit {}; without them total profit would be {}; see anti_icp.csv)\n",
            worst.describe(),
            group(worst.members.len() as u64),
            money(without.profit),
            money(without.profit_without)
        ));
    }
    text.push_str(&icp_headline(&build.profile.icp));
    if s.unallocated_spend > 0.0 {
        text.push_str(&format!(
            "  {} of channel spend acquired no account in its month\n",
            money(s.unallocated_spend)
        ));
    }
    text.push_str(&format!(
        "outputs in `{}`: {}\n",
        build.out.display(),
        build.files.join(", ")
    ));
    if !build.ingested.rejects.is_empty() {
        text.push_str(&format!(
            "{} rejected input problems are listed in rejects.csv\n",
            group(build.ingested.rejects.len() as u64)
        ));
    }
    text
}
