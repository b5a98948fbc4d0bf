//! The report's sections, each a heading, a one-line reading with its number, and a chart or a
//! table.

use maud::{Markup, html};
use northstar_output::figures::{compact, group, percent};
use northstar_profile::words::{condition_words, label, rule_words, rules_words};

use crate::charts::{self, Bar};
use crate::{Inputs, SECTIONS};

/// Signals shown on the one-screen ICP.
const TOP_SIGNALS: usize = 5;
/// Anti-ICP segments shown on the one-screen ICP.
const TOP_ANTI: usize = 3;
/// Lifts drawn.
const LIFTS_SHOWN: usize = 15;
/// Anti-ICP segments in the table.
const ANTI_SHOWN: usize = 5;
/// Reject reasons in the table, the most frequent first.
const REJECTS_SHOWN: usize = 20;

/// A section with its anchor and heading from [`SECTIONS`].
fn section(anchor: &str, body: Markup) -> Markup {
    let heading = SECTIONS
        .iter()
        .find(|(a, _)| *a == anchor)
        .map_or(anchor, |(_, h)| *h);
    html! {
        section id=(anchor) aria-labelledby=(format!("{anchor}-heading")) {
            h2 id=(format!("{anchor}-heading")) { (heading) }
            (body)
        }
    }
}

/// The SAM's rules in words.
fn market_rules(inputs: &Inputs<'_>) -> Vec<String> {
    let icp = inputs.icp;
    let mut rules: Vec<String> = icp
        .filters
        .iter()
        .map(|f| rule_words(&f.rule, inputs.labels()))
        .collect();
    rules.extend(
        icp.anti_icp
            .iter()
            .filter(|a| a.excluded_from_sam)
            .map(|a| format!("not ({})", rules_words(&a.conditions, inputs.labels()))),
    );
    rules
}

/// The page's first paragraph: who the ICP is, who to stop selling to, how big the SAM is and
/// whom to call first.
pub fn lede(inputs: &Inputs<'_>) -> String {
    let s = inputs.summary;
    let rules = market_rules(inputs);
    let who = if rules.is_empty() {
        "every account".to_owned()
    } else {
        rules.join(" and ")
    };
    let mut text = format!(
        "Your ideal customers: {who}. The top {} of accounts make 80% of profit.",
        percent(s.share_of_accounts_for_80pct_profit)
    );
    if let Some(worst) = inputs.anti.first() {
        text.push_str(&format!(
            " Stop selling to {} ({} customers, profit {}).",
            worst.conditions,
            group(worst.accounts),
            inputs.money(worst.counterfactual.profit)
        ));
    }
    let m = inputs.market;
    text.push_str(&format!(
        " The serviceable market holds {} accounts, worth {} of profit a year.",
        group(m.sam.accounts),
        inputs.money(m.sam.value)
    ));
    text.push_str(&format!(
        " Call the {} tier-1 prospects first: target_list.xlsx lists them, best first.",
        group(inputs.prospects.1[0])
    ));
    text
}

/// The ICP on one screen.
pub fn icp(inputs: &Inputs<'_>) -> Markup {
    let icp = inputs.icp;
    let labels = inputs.labels();
    let rules = market_rules(inputs);
    section(
        "icp",
        html! {
            div class="slide" {
                p class="reading" {
                    "The serviceable market (SAM) keeps " (group(icp.market.customers)) " of " (group(icp.market.all_customers))
                    " customers and " (percent(icp.market.top_coverage)) " of the most profitable fifth."
                }
                h3 { "Who to sell to" }
                @if rules.is_empty() { p { "No hard rule: every account is in the SAM." } }
                ul class="rules" { @for r in &rules { li { (r) } } }
                h3 { "How to rank them" }
                p { "Every account starts at " (icp.base_score) " points and gains or loses the points of each signal it meets." }
                ul class="rules" {
                    @for s in icp.signals.iter().take(TOP_SIGNALS) {
                        li { (format!("{:+}", s.points)) " " (rule_words(&s.rule, labels)) }
                    }
                }
                h3 { "Tiers" }
                div class="scroll" {
                    table {
                        thead { tr { th { "tier" } th class="n" { "from score" } th class="n" { "customers" } th class="n" { "mean " (icp.objective) } th class="n" { "share of the top fifth" } } }
                        tbody {
                            @for t in &icp.tiers {
                                tr { td { (t.tier) } td class="n" { (t.min_score) } td class="n" { (group(t.customers)) } td class="n" { (inputs.money(t.mean_objective)) } td class="n" { (percent(t.top_share)) } }
                            }
                        }
                    }
                }
                @if !icp.anti_icp.is_empty() {
                    h3 { "Who not to sell to" }
                    ul class="rules" {
                        @for a in icp.anti_icp.iter().take(TOP_ANTI) {
                            li { (rules_words(&a.conditions, labels)) ": " (group(a.accounts)) " customers, " (icp.objective) " " (inputs.money(a.objective)) }
                        }
                    }
                }
            }
        },
    )
}

/// The whale curve.
pub fn whale(inputs: &Inputs<'_>) -> Markup {
    let s = inputs.summary;
    let chart = charts::whale_curve(
        &inputs.cumulative_profit,
        (s.share_of_accounts_for_80pct_profit, 0.8),
        (s.whale_peak.share_of_accounts, s.whale_peak.share_of_profit),
    );
    section(
        "whale",
        html! {
            p class="reading" {
                "The top " (percent(s.share_of_accounts_for_80pct_profit)) " of accounts (" (group(s.accounts_for_80pct_profit)) ") make 80% of profit; "
                (group(s.loss_makers.accounts)) " loss-making accounts destroy " (inputs.money(s.loss_makers.profit_destroyed)) "."
            }
            (chart)
        },
    )
}

/// Lift bars with their intervals.
pub fn lift(inputs: &Inputs<'_>) -> Markup {
    let labels = inputs.labels();
    let shown: Vec<Bar> = inputs
        .lifts
        .iter()
        .take(LIFTS_SHOWN)
        .map(|l| Bar {
            label: condition_words(&l.attribute, &l.condition, labels),
            value: l.lift,
            interval: Some(l.ci),
            text: format!("{:.1}×", l.lift),
        })
        .collect();
    let reading = match shown.first() {
        Some(b) => format!(
            "{}: {} as common among the most profitable fifth as overall.",
            b.label, b.text
        ),
        None => "No attribute value is more common among the most profitable fifth.".to_owned(),
    };
    let chart = charts::bars(
        "lift-chart",
        "Lift among the most profitable fifth, with 95% intervals",
        &reading,
        &shown,
        Some(1.0),
    );
    section("lift", html! { p class="reading" { (reading) } (chart) })
}

/// The segments table and the product-market-fit gate.
pub fn segments(inputs: &Inputs<'_>) -> Markup {
    let pmf = inputs.pmf;
    section(
        "segments",
        html! {
            p class="reading" { (inputs.pmf_verdict) }
            p { "Referral share " (percent(pmf.referral_share)) " against a bar of " (percent(pmf.threshold)) "; NPS " (nps(pmf.nps)) " (referred " (nps(pmf.nps_referred)) ", others " (nps(pmf.nps_other)) "); retention " (percent(pmf.retention)) "." }
            div class="scroll" {
                table {
                    thead { tr { th { "segment" } th class="n" { "customers" } th class="n" { "share of " (inputs.icp.objective) } th class="n" { "mean profit" } th class="n" { "referred" } th class="n" { "NPS" } th class="n" { "retained" } } }
                    tbody {
                        @for s in &inputs.segments {
                            tr { td { (s.conditions) } td class="n" { (group(s.accounts)) } td class="n" { (percent(s.objective_share)) } td class="n" { (inputs.money(s.mean_profit)) } td class="n" { (percent(s.pmf.referral_share)) } td class="n" { (nps(s.pmf.nps)) } td class="n" { (percent(s.pmf.retention)) } }
                        }
                    }
                }
            }
        },
    )
}

fn nps(x: Option<f64>) -> String {
    x.map_or_else(|| "unknown".to_owned(), |v| format!("{v:.0}"))
}

/// The adopter cohorts and how the profile drifts across them.
pub fn cohorts(inputs: &Inputs<'_>) -> Markup {
    let labels = inputs.labels();
    let first = inputs.cohorts.first();
    let last = inputs.cohorts.last();
    let reading = match (first, last) {
        (Some(f), Some(l)) if inputs.cohorts.len() > 1 => format!(
            "The first customers ({}) made {} each on average; the latest ({}) {}.",
            f.cohort.name(),
            inputs.money(f.mean_objective),
            l.cohort.name(),
            inputs.money(l.mean_objective)
        ),
        _ => "Too few customers with an acquisition date to compare cohorts.".to_owned(),
    };
    section(
        "cohorts",
        html! {
            p class="reading" { (reading) }
            div class="scroll" {
                table {
                    thead { tr { th { "cohort" } th class="n" { "customers" } th class="n" { "mean " (inputs.icp.objective) } th class="n" { "churned" } th { "more common than overall" } } }
                    tbody {
                        @for c in inputs.cohorts {
                            tr {
                                td { (c.cohort.name()) }
                                td class="n" { (group(c.accounts)) }
                                td class="n" { (inputs.money(c.mean_objective)) }
                                td class="n" { (percent(c.churn_rate)) }
                                td { @for (k, d) in c.more_common.iter().enumerate() {
                                    @if k > 0 { "; " }
                                    (condition_words(&d.attribute, &d.condition, labels))
                                    " (" (percent(d.cohort_share)) " vs " (percent(d.overall_share)) ")"
                                } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The buying ecosystem.
pub fn ecosystem(inputs: &Inputs<'_>) -> Markup {
    let e = inputs.ecosystem;
    let decider = e.roles.iter().find(|r| r.role == "decider");
    let reading = match decider.and_then(|d| d.titles.first()) {
        Some(t) => format!(
            "At the most profitable accounts the decider is most often a {} ({} of them, {} elsewhere).",
            t.value,
            percent(t.top_share),
            percent(t.other_share)
        ),
        None => "No decider is on record: add contacts with their buying role.".to_owned(),
    };
    section(
        "ecosystem",
        html! {
            p class="reading" { (reading) }
            div class="scroll" {
                table {
                    thead { tr { th { "role" } th class="n" { "accounts covered" } th { "typical titles at the top accounts" } th { "departments" } } }
                    tbody {
                        @for r in &e.roles {
                            tr {
                                td { (r.role) }
                                td class="n" { (percent(r.coverage)) }
                                td { (shares(&r.titles)) }
                                td { (shares(&r.departments)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn shares(list: &[northstar_discover::Share]) -> String {
    let parts: Vec<String> = list
        .iter()
        .take(3)
        .map(|s| format!("{} ({})", s.value, percent(s.top_share)))
        .collect();
    parts.join(", ")
}

/// The anti-ICP and its counterfactual.
pub fn anti(inputs: &Inputs<'_>) -> Markup {
    let reading = match inputs.anti.first() {
        Some(a) => format!(
            "Without {} ({} customers), total profit would have been {} instead of {}.",
            a.conditions,
            group(a.accounts),
            inputs.money(a.counterfactual.profit_without),
            inputs.money(inputs.summary.profit)
        ),
        None => "No segment loses money significantly.".to_owned(),
    };
    let more = inputs.anti.len().saturating_sub(ANTI_SHOWN);
    section(
        "anti",
        html! {
            p class="reading" { (reading) }
            @if more > 0 { p { (more) " more in anti_icp.csv." } }
            div class="scroll" {
                table {
                    thead { tr { th { "segment" } th class="n" { "customers" } th class="n" { "profit" } th class="n" { "total profit without it" } th class="n" { "revenue per account with / without" } th class="n" { "win rate with / without" } } }
                    tbody {
                        @for a in inputs.anti.iter().take(ANTI_SHOWN) {
                            @let c = &a.counterfactual;
                            tr {
                                td { (a.conditions) }
                                td class="n" { (group(a.accounts)) }
                                td class="n" { (inputs.money(c.profit)) }
                                td class="n" { (inputs.money(c.profit_without)) }
                                td class="n" { (inputs.money(c.revenue_per_account_with)) " / " (inputs.money(c.revenue_per_account_without)) }
                                td class="n" { (rate(c.deals_with.win_rate)) " / " (rate(c.deals_without.win_rate)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn rate(x: Option<f64>) -> String {
    x.map_or_else(|| "not measured".to_owned(), percent)
}

/// The distribution of predicted lifetime value.
pub fn clv(inputs: &Inputs<'_>) -> Markup {
    let values = &inputs.ltv_predicted;
    let body = match &inputs.summary.lifetime_value {
        Some(method) if !values.is_empty() && method.model != "none" => {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            let below = sorted.iter().filter(|v| **v < 0.0).count() as u64;
            let reading = format!(
                "Median predicted lifetime value {} ({}, {} months ahead); {} accounts below zero.",
                inputs.money(median),
                method.model,
                method.horizon_months,
                group(below)
            );
            let chart = charts::histogram(
                "clv-chart",
                "Predicted lifetime value: accounts by value",
                &reading,
                values,
            );
            html! { p class="reading" { (reading) } (chart) }
        }
        Some(method) => html! { p class="reading" { "Lifetime value not predicted: " (method.reason) "." } },
        None => html! { p class="reading" { "Lifetime value not predicted: no purchase history." } },
    };
    section("clv", body)
}

/// Tiers of the prospects and the TAM/SAM/SOM funnel.
pub fn market(inputs: &Inputs<'_>) -> Markup {
    let m = inputs.market;
    let (scored, tiers) = inputs.prospects;
    let tier_bars: Vec<Bar> = (0..3)
        .map(|k| Bar {
            label: format!("tier {}", k + 1),
            value: tiers[k] as f64,
            interval: None,
            text: group(tiers[k]),
        })
        .collect();
    let mut funnel = vec![Bar {
        label: "TAM: every account listed".to_owned(),
        value: m.tam.accounts as f64,
        interval: None,
        text: format!(
            "{} accounts, {} a year",
            group(m.tam.accounts),
            inputs.money(m.tam.value)
        ),
    }];
    funnel.extend(m.funnel.iter().map(|s| Bar {
        label: s.rule.clone(),
        value: s.left.accounts as f64,
        interval: None,
        text: format!(
            "{} left ({} removed, {})",
            group(s.left.accounts),
            group(s.removed.accounts),
            inputs.money(s.removed.value)
        ),
    }));
    funnel.push(Bar {
        label: "SAM".to_owned(),
        value: m.sam.accounts as f64,
        interval: None,
        text: format!(
            "{} accounts, {} a year",
            group(m.sam.accounts),
            inputs.money(m.sam.value)
        ),
    });
    if let Some(som) = &m.som {
        funnel.push(Bar {
            label: "SOM: won in a year".to_owned(),
            value: som.accounts,
            interval: None,
            text: format!(
                "{} accounts, {} a year",
                compact(som.accounts),
                inputs.money(som.value)
            ),
        });
    }
    let reading = format!(
        "Of {} prospects scored, {} are in tier 1 and {} in tier 2. The SAM holds {} accounts worth {} of profit a year{}.",
        group(scored),
        group(tiers[0]),
        group(tiers[1]),
        group(m.sam.accounts),
        inputs.money(m.sam.value),
        m.som.as_ref().map_or_else(
            || format!(
                "; the SOM is not measured ({})",
                m.som_not_measured.as_deref().unwrap_or("")
            ),
            |s| format!(
                "; at the historical win rate about {} of its prospects are won in a year",
                compact(s.accounts)
            )
        )
    );
    section(
        "market",
        html! {
            p class="reading" { (reading) }
            (charts::bars("tiers-chart", "Prospects by tier", &format!("{} prospects in tier 1, {} in tier 2, {} in tier 3.", group(tiers[0]), group(tiers[1]), group(tiers[2])), &tier_bars, None))
            (charts::bars("funnel-chart", "From TAM to SAM to SOM: accounts left after each rule", &reading, &funnel, None))
            p { "Value is " (m.basis) "." }
            @if !inputs.call_first.is_empty() {
                h3 { "Call first" }
                p { "The first " (inputs.call_first.len()) " prospects of target_list.xlsx: tier, then fit, then intent." }
                div class="scroll" { table {
                    thead { tr { th { "Company" } th class="n" { "Tier" } th class="n" { "Fit" } th class="n" { "Intent" } th { "Why" } th { "Nearest customer" } } }
                    tbody { @for c in &inputs.call_first { tr {
                        td { (c.company) }
                        td class="n" { (c.tier) }
                        td class="n" { (c.fit_score) }
                        td class="n" { (c.intent.map_or_else(|| "–".to_owned(), |i| i.to_string())) }
                        td { (c.reasons) }
                        td { (c.nearest.as_deref().unwrap_or("–")) }
                    } } }
                } }
            }
        },
    )
}

/// Validation against the rankings a team would otherwise use.
pub fn validation(inputs: &Inputs<'_>) -> Markup {
    let v = inputs.validation;
    let k = &v.k_fold;
    let share = |x: Option<f64>| x.map_or_else(|| "not measured".to_owned(), percent);
    let auc = |x: Option<f64>| x.map_or_else(|| "not measured".to_owned(), |a| format!("{a:.2}"));
    let mut rows = vec![("ICP score", &k.icp)];
    if let Some(f) = &k.by_annual_revenue {
        rows.push(("annual revenue", f));
    }
    if let Some(f) = &k.by_employees {
        rows.push(("employees", f));
    }
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(name, f)| Bar {
            label: format!("ranked by {name}"),
            value: f.captured_tier_1.unwrap_or(0.0),
            interval: None,
            text: share(f.captured_tier_1),
        })
        .collect();
    let reading = match &k.by_annual_revenue {
        Some(r) => format!(
            "On customers it was not learnt from, the accounts in tier 1 made {} of the profit the profitable accounts make; as many ranked by annual revenue made {} (AUC {} against {}).",
            share(k.icp.captured_tier_1),
            share(r.captured_tier_1),
            auc(k.icp.auc),
            auc(r.auc)
        ),
        None => format!(
            "On customers it was not learnt from, the accounts in tier 1 made {} of the profit the profitable accounts make (AUC {}).",
            share(k.icp.captured_tier_1),
            auc(k.icp.auc)
        ),
    };
    section(
        "validation",
        html! {
            p class="reading" { (reading) }
            @if let Some(c) = &v.caveat { p { strong { (c) } } }
            (charts::bars("validation-chart", "Share of profit captured at the depth of tier 1, by ranking", &reading, &bars, None))
            div class="scroll" {
                table {
                    thead { tr { th { "backtest" } th { "ranking" } th class="n" { "AUC" } th class="n" { "tier 1 depth" } th class="n" { "tiers 1–2 depth" } } }
                    tbody {
                        @for (name, b) in [("5-fold", Some(k)), ("time split", v.time_split.as_ref())] {
                            @if let Some(b) = b {
                                @for (ranking, f) in [("ICP score", Some(&b.icp)), ("annual revenue", b.by_annual_revenue.as_ref()), ("employees", b.by_employees.as_ref())] {
                                    @if let Some(f) = f {
                                        tr { td { (name) } td { (ranking) } td class="n" { (auc(f.auc)) } td class="n" { (share(f.captured_tier_1)) } td class="n" { (share(f.captured_tiers_1_2)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(why) = &v.time_split_not_run { p { "No time split: " (why) "." } }
        },
    )
}

/// Rejects by table and reason, role coverage and the figures not measured.
pub fn quality(inputs: &Inputs<'_>) -> Markup {
    let total: u64 = inputs.rejects.iter().map(|r| r.count).sum();
    let mut frequent: Vec<&crate::RejectCount> = inputs.rejects.iter().collect();
    frequent.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.table.cmp(&b.table))
            .then(a.reason.cmp(&b.reason))
    });
    let s = inputs.summary;
    section(
        "quality",
        html! {
            p class="reading" {
                (group(total)) " problems in rejected rows (rejects.csv lists each with its file, line and column); "
                "contacts cover " (percent(inputs.ecosystem.coverage)) " of customers."
            }
            @if !inputs.rejects.is_empty() {
                div class="scroll" {
                    table {
                        thead { tr { th { "table" } th { "reason" } th class="n" { "problems" } } }
                        tbody { @for r in frequent.iter().take(REJECTS_SHOWN) { tr { td { (r.table) } td { (r.reason) } td class="n" { (group(r.count)) } } } }
                    }
                }
                @if frequent.len() > REJECTS_SHOWN { p { (frequent.len() - REJECTS_SHOWN) " more reasons in rejects.csv." } }
            }
            h3 { "Buying-role coverage" }
            ul { @for r in &inputs.ecosystem.roles { li { (r.role) ": " (percent(r.coverage)) " of customers" } } }
            h3 { "Not measured" }
            @if s.not_measured.is_empty() { p { "Every figure was measured." } }
            ul { @for n in &s.not_measured { li { (n.to_string()) } } }
            p { "Profit is " (s.profit_is) "." }
            p { "Attributes: " (attribute_labels(inputs)) "." }
        },
    )
}

/// Every attribute of the ICP's population with its label.
fn attribute_labels(inputs: &Inputs<'_>) -> String {
    let names: Vec<String> = inputs
        .icp
        .population
        .keys()
        .map(|a| label(a, inputs.labels()))
        .collect();
    names.join(", ")
}
