//! The figures of a build for a terminal: what each table held, and the headline.

use northstar_ingest::Ingested;
use northstar_output::figures::{group, money};
use northstar_profile::words::{condition_words, conditions_words, rule_words, rules_words};

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
        let by_where = t.rows_excluded - t.mapping.left_out_by_label;
        if by_where > 0 {
            line.push_str(&format!(", {} left out by `where`", group(by_where)));
        }
        if t.mapping.left_out_by_label > 0 {
            line.push_str(&format!(
                ", {} left out as neither customer nor prospect",
                group(t.mapping.left_out_by_label)
            ));
        }
        if t.footer_lines > 0 {
            let report = t.preset.as_deref().map(preset_name).unwrap_or("a report");
            line.push_str(&format!(
                "; {} footer lines of {report} export left out",
                group(t.footer_lines)
            ));
        }
        if t.title_rows > 0 {
            line.push_str(&format!("; {} title rows above the header", group(t.title_rows)));
        }
        if let Some(cut) = t.cut_after {
            line.push_str(&format!(
                "; reading stopped after line {}, the table being past --max-rejects",
                group(cut)
            ));
        }
        if t.mapping.several_accounts > 0 {
            line.push_str(&format!(
                "; {} named several companies (the first, the primary, was taken)",
                count(t.mapping.several_accounts, "row", "rows")
            ));
        }
        if t.mapping.unlisted_labels > 0 {
            line.push_str(&format!(
                "; {} no list names (read by the column's rule; each is in run.json)",
                count(t.mapping.unlisted_labels, "label", "labels")
            ));
        }
        if !t.mapping.not_in_file.is_empty() {
            line.push_str(&format!(
                "; not in the file: {}",
                t.mapping.not_in_file.join(", ")
            ));
        }
        text.push_str(&line);
        text.push('\n');
    }
    if let Some(r) = ingested.rejects.first() {
        text.push_str(&format!(
            "{} problems in rejected rows; first: {}:{}: column `{}`: {}\n",
            group(ingested.rejects.len() as u64),
            r.file,
            r.line,
            r.column,
            r.reason
        ));
    }
    text
}

/// `n` and the noun that goes with it.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group(n), if n == 1 { one } else { many })
}

/// How a preset's report is named in sentences.
fn preset_name(preset: &str) -> &'static str {
    match preset {
        "salesforce" => "a Salesforce report",
        "hubspot" => "a HubSpot",
        _ => "a report",
    }
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The ICP in three lines: its market, its tier 1 and its strongest signals.
fn icp_headline(icp: &northstar_profile::Icp) -> String {
    let labels = &icp.labels;
    let mut rules: Vec<String> = icp.filters.iter().map(|f| rule_words(&f.rule, labels)).collect();
    rules.extend(
        icp.anti_icp
            .iter()
            .filter(|a| a.excluded_from_sam)
            .map(|a| format!("not ({})", rules_words(&a.conditions, labels))),
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
            .map(|s| format!("{:+} {}", s.points, rule_words(&s.rule, labels)))
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

/// The prospects scored, the target list and the market, in three lines.
fn targets_headline(build: &Build) -> String {
    let t = &build.targets;
    let counts = t.counts;
    let mut text = format!(
        "  prospects: {} scored (prospects_scored.csv), {} inside the SAM: tier 1 {}, tier 2 {}, tier 3 {}; target_list.csv and .xlsx hold tiers 1 and 2\n",
        group(counts.accounts),
        group(counts.in_sam),
        group(counts.tiers[0]),
        group(counts.tiers[1]),
        group(counts.tiers[2]),
    );
    if t.intent_measured {
        // Only prospects of tiers 1 and 2 are timed.
        let timing = t.target_list.iter().filter(|p| p.timing).count() as u64;
        text.push_str(&format!(
            "  intent: {} of tiers 1 and 2 show intent of {} or more now (timing)\n",
            group(timing),
            build.settings.intent.timing_threshold
        ));
    } else {
        text.push_str("  intent not measured: no signals table\n");
    }
    let m = &t.market;
    let som = match &m.som {
        Some(som) => format!(
            "SOM {:.1} accounts, {} a year (bound by {})",
            som.accounts,
            money(som.value),
            som.bound_by
        ),
        None => format!(
            "SOM not measured ({})",
            m.som_not_measured.as_deref().unwrap_or("")
        ),
    };
    text.push_str(&format!(
        "  market (market.csv, expected profit a year from every account listed): TAM {} accounts, {}; SAM {} accounts, {}; {som}\n",
        group(m.tam.accounts),
        money(m.tam.value),
        group(m.sam.accounts),
        money(m.sam.value),
    ));
    text
}

/// The backtests as a short table: AUC and the share of the objective captured at the depths of
/// tier 1 and of tiers 1–2, for the ICP and the plain rankings.
fn validation_table(v: &northstar_score::validation::Validation) -> String {
    let mut text = format!(
        "  validation (validation.json), on customers held out: AUC for the top fifth, and the share of the {} the profitable accounts make captured at the depth of tier 1 and of tiers 1-2\n",
        v.objective
    );
    text.push_str(&format!(
        "    {:<30} {:>6} {:>9} {:>10}\n",
        "ranking", "AUC", "tier 1", "tiers 1-2"
    ));
    let mut row = |name: String, f: &northstar_score::validation::RankingFigures| {
        let auc = f.auc.map_or_else(|| "-".to_owned(), |a| format!("{a:.3}"));
        let share = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), percent);
        text.push_str(&format!(
            "    {name:<30} {auc:>6} {:>9} {:>10}\n",
            share(f.captured_tier_1),
            share(f.captured_tiers_1_2)
        ));
    };
    let splits = [("5-fold", Some(&v.k_fold)), ("time split", v.time_split.as_ref())];
    for (split, backtest) in splits {
        let Some(b) = backtest else { continue };
        row(format!("{split}: ICP"), &b.icp);
        if let Some(f) = &b.by_annual_revenue {
            row(format!("{split}: by annual revenue"), f);
        }
        if let Some(f) = &b.by_employees {
            row(format!("{split}: by employees"), f);
        }
    }
    if let Some(caveat) = &v.caveat {
        text.push_str(&format!("    {caveat}\n"));
    }
    text
}

/// The headline figures of a build, for the terminal.
pub fn headline(build: &Build) -> String {
    let labels = &build.profile.icp.labels;
    let s = &build.economics.summary;
    let not_measured = |x: Option<f64>| x.map_or_else(|| "not measured".to_owned(), money);
    let mut text = format!(
        "{} customer accounts{}: revenue {}, gross margin {}, cost to serve {}, CAC {}, profit {}\n",
        group(s.accounts),
        s.as_of
            .as_ref()
            .map(|d| format!(" as of {d}"))
            .unwrap_or_default(),
        money(s.revenue),
        money(s.gross_margin),
        not_measured(s.cost_to_serve),
        not_measured(s.cac),
        money(s.profit),
    );
    if s.revenue_from.source != northstar_economics::RevenueSource::Transactions {
        text.push_str(&format!("  {}\n", s.revenue_from.describe()));
    }
    if !s.not_measured.is_empty() {
        let missing: Vec<String> = s.not_measured.iter().map(ToString::to_string).collect();
        text.push_str(&format!(
            "  not measured: {}; {}\n",
            missing.join(", "),
            s.profit_is
        ));
    }
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
                "{} ({:.1}x, 95% CI {:.1}-{:.1}, {} accounts)",
                condition_words(&l.attribute, &l.condition, labels),
                l.lift,
                l.ci[0],
                l.ci[1],
                group(l.support)
            )
        })
        .collect();
    if let Some(reason) = &build.discovery.nothing_to_learn {
        text.push_str(&format!(
            "  nothing to learn from {}: {reason}; no lift, segment or signal is drawn\n",
            build.settings.discover.objective.name()
        ));
    }
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
            conditions_words(&best.conditions, labels),
            group(best.members.len() as u64),
            percent(best.objective_share),
            money(best.mean_objective),
            build.discovery.subgroups.len()
        ));
    }
    let worst = build.profile.icp.anti_icp.first();
    if let Some((worst, without)) = worst.and_then(|w| Some((w, w.counterfactual.as_ref()?))) {
        text.push_str(&format!(
            "  worst segment: {} ({} accounts, profit {}; without them total profit would be {}; see anti_icp.csv)\n",
            rules_words(&worst.conditions, labels),
            group(worst.accounts),
            money(without.profit),
            money(without.profit_without)
        ));
    }
    text.push_str(&icp_headline(&build.profile.icp));
    text.push_str(&targets_headline(build));
    text.push_str(&validation_table(&build.validation));
    if s.unallocated_spend > 0.0 {
        text.push_str(&format!(
            "  {} of channel spend acquired no account in its month\n",
            money(s.unallocated_spend)
        ));
    }
    text.push_str(&format!(
        "report: `{}`\noutputs in `{}`: {}\n",
        build.out.join("report.html").display(),
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
