//! The demo company: deterministic, contract-clean, and with its planted profit structure.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{build_with, read_csv, read_json, rows_by_account};

/// Whether an input row meets every condition of a segment, as written in segments.csv (an
/// independent reading of the ICP operators).
fn meets_conditions(conditions: &[serde_json::Value], row: &BTreeMap<String, String>) -> bool {
    conditions.iter().all(|c| {
        let value = row
            .get(c["attribute"].as_str().unwrap())
            .map(String::as_str)
            .unwrap_or("");
        let condition = &c["condition"];
        let mut values = condition["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str());
        match condition["op"].as_str().unwrap() {
            "in" => values.any(|v| v == value),
            "contains" => {
                let values: Vec<&str> = values.collect();
                value.split(';').any(|e| values.contains(&e.trim()))
            }
            "between" => value.parse::<f64>().is_ok_and(|x| {
                x >= condition["min"].as_f64().unwrap() && x <= condition["max"].as_f64().unwrap()
            }),
            op => panic!("unknown op {op}"),
        }
    })
}

fn make(dir: &Path, seed: u64) {
    crate::support::demo(dir, seed);
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let (a, b, c) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    make(a.path(), 7);
    make(b.path(), 7);
    make(c.path(), 8);
    for name in [
        "data/accounts.csv",
        "data/transactions.csv",
        "data/deals.csv",
        "out/accounts.csv",
        "out/whale_curve.csv",
        "out/summary.json",
        "out/icp.json",
        "out/icp.md",
        "out/segments.csv",
        "out/prospects_scored.csv",
        "out/target_list.csv",
        "out/target_list.xlsx",
        "out/market.csv",
        "out/validation.json",
        "out/scorer.sql",
    ] {
        let read = |dir: &Path| fs_err::read(dir.join(name)).expect("read");
        assert!(
            read(a.path()) == read(b.path()),
            "{name} differs for the same seed"
        );
        assert!(
            read(a.path()) != read(c.path()),
            "{name} is the same for another seed"
        );
    }
}

#[test]
fn the_planted_profit_structure_shows_in_the_economics() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let attributes: BTreeMap<String, BTreeMap<String, String>> =
        rows_by_account(&dir.path().join("data/accounts.csv"));
    // The planted segments, from the attributes alone (the generator's definitions).
    let segment = |a: &BTreeMap<String, String>| {
        let employees: u64 = a["employees"].parse().expect("employees");
        match (employees, a["industry"].as_str()) {
            (e, _) if e < 50 => "small",
            (e, _) if e > 5000 => "enterprise",
            (_, "Logistics" | "Wholesale") => "core",
            _ => "mid",
        }
    };
    let mut totals: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for row in read_csv(&dir.path().join("out/accounts.csv")) {
        let entry = totals
            .entry(segment(&attributes[&row["account_id"]]))
            .or_default();
        entry.0 += row["revenue"].parse::<f64>().expect("revenue");
        entry.1 += row["profit"].parse::<f64>().expect("profit");
    }
    let (core, enterprise, small, mid) = (
        totals["core"],
        totals["enterprise"],
        totals["small"],
        totals["mid"],
    );
    assert!(
        core.1 > 0.0 && mid.1 > 0.0,
        "core and mid segments make money: {totals:?}"
    );
    assert!(
        enterprise.1 < 0.0 && small.1 < 0.0,
        "enterprise and small accounts lose money: {totals:?}"
    );
    assert!(
        enterprise.0 > core.0 && enterprise.0 > mid.0 && enterprise.0 > small.0,
        "enterprise has the most revenue"
    );
    assert!(core.1 > mid.1, "the core is the most profitable segment");
}

/// The demo sells subscriptions: lifetime value comes from contract retention (sBG), and each
/// active account's prediction is its history plus its monthly profit over the expected,
/// discounted months to come.
#[test]
fn the_demo_predicts_lifetime_value_by_contract_retention() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let summary: serde_json::Value = read_json(&dir.path().join("out/summary.json"));
    let method = &summary["lifetime_value"];
    assert_eq!(method["model"], "sbg", "{method}");
    assert!(method["reason"].as_str().unwrap().contains("renewal"));
    let (alpha, beta) = (
        method["params"]["alpha"].as_f64().unwrap(),
        method["params"]["beta"].as_f64().unwrap(),
    );
    let monthly_discount = 1.1f64.powf(1.0 / 12.0) - 1.0;
    let rows = read_csv(&dir.path().join("out/accounts.csv"));
    let (mut active, mut churned) = (0, 0);
    for row in &rows {
        let get = |c: &str| {
            row[c]
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{c} of {}: {:?}", row["account_id"], row[c]))
        };
        let (p_alive, ltv, history) = (get("p_alive"), get("ltv_predicted"), get("ltv_historical"));
        if row["churned"] == "true" {
            churned += 1;
            assert_eq!((p_alive, ltv), (0.0, history));
            continue;
        }
        active += 1;
        // After n whole months, renewal chances (β+t−1)/(α+β+t−1) for t = n+1, n+2, …
        let tenure = get("tenure_months");
        let n = tenure.floor();
        // p_alive is written to 6 decimals.
        assert!((p_alive - (beta + n) / (alpha + beta + n)).abs() <= 5e-7);
        let monthly_profit = (get("gross_margin") - get("cost_to_serve")) / tenure.max(1.0);
        let (mut still, mut months) = (1.0, 0.0);
        for k in 1..=36 {
            let t = n + f64::from(k);
            still *= (beta + t - 1.0) / (alpha + beta + t - 1.0) / (1.0 + monthly_discount);
            months += still;
        }
        assert!(
            (ltv - (history + monthly_profit * months)).abs() < 0.01,
            "{}",
            row["account_id"]
        );
    }
    assert!(
        active > 100 && churned > 100,
        "{active} active, {churned} churned"
    );
    assert_eq!(method["accounts_predicted"], rows.len());
}

/// The planted profile through `lift.csv`: the core's industries are over-represented among the
/// most profitable fifth, small accounts never reach it, and every row carries its evidence.
#[test]
fn lift_finds_the_planted_core_and_the_small_accounts() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let rows = read_csv(&dir.path().join("out/lift.csv"));
    let find = |attribute: &str, values: &str| {
        rows.iter()
            .find(|r| r["attribute"] == attribute && r["values"] == values)
            .unwrap_or_else(|| panic!("{attribute} {values}"))
    };
    let num = |row: &BTreeMap<String, String>, c: &str| row[c].parse::<f64>().expect(c);
    for industry in ["Logistics", "Wholesale"] {
        assert!(num(find("industry", industry), "ci_low") > 1.0, "{industry}");
    }
    // The smallest companies (fewer than 50 employees) lose money: none is in the top fifth.
    let smallest = rows
        .iter()
        .find(|r| r["attribute"] == "employees" && num(r, "min") < 10.0)
        .expect("the lowest employees bin");
    assert_eq!(num(smallest, "top_accounts"), 0.0);
    assert!(num(smallest, "ci_high") < 0.1);
    for row in &rows {
        assert!(num(row, "accounts") >= 20.0, "minimum support");
        assert!(num(row, "ci_low") <= num(row, "lift") && num(row, "lift") <= num(row, "ci_high"));
    }
}

/// `[discover] objective` ranks accounts by predicted lifetime value instead of profit, and says
/// so in run.json; an objective the data cannot give is refused with the reason.
#[test]
fn the_objective_can_be_predicted_lifetime_value() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    northstar_demo::write_demo(&data, northstar_demo::Size::Small, 42).expect("demo data");
    fs_err::write(
        data.join("northstar.toml"),
        "[discover]\nobjective = \"ltv_predicted\"\n",
    )
    .expect("config");
    let built = build_with(&data, &dir.path().join("out")).expect("builds");
    assert_eq!(built.settings.discover.objective.name(), "ltv_predicted");
    let run: serde_json::Value = read_json(&dir.path().join("out/run.json"));
    assert_eq!(run["parameters"]["objective"], "ltv_predicted");
    // The mean objective of a condition is now the accounts' mean predicted lifetime value.
    let ltv: BTreeMap<String, f64> = read_csv(&dir.path().join("out/accounts.csv"))
        .into_iter()
        .map(|r| (r["account_id"].clone(), r["ltv_predicted"].parse().expect("ltv")))
        .collect();
    let attributes = read_csv(&data.join("accounts.csv"));
    let logistics: Vec<f64> = attributes
        .iter()
        .filter(|a| a["industry"] == "Logistics")
        .filter_map(|a| ltv.get(&a["account_id"]).copied())
        .collect();
    let row = read_csv(&dir.path().join("out/lift.csv"))
        .into_iter()
        .find(|r| r["attribute"] == "industry" && r["values"] == "Logistics")
        .expect("Logistics");
    let mean = logistics.iter().sum::<f64>() / logistics.len() as f64;
    assert!((row["mean_objective"].parse::<f64>().expect("mean") - mean).abs() < 1e-3 * mean.abs().max(1.0));

    fs_err::write(
        data.join("northstar.toml"),
        "[clv]\nmodel = \"none\"\n[discover]\nobjective = \"ltv_predicted\"\n",
    )
    .expect("config");
    let failure = build_with(&data, &dir.path().join("out")).expect_err("refused");
    assert_eq!(failure.fault(), northstar_pipeline::Fault::User);
    assert!(
        failure.to_string().contains("no predicted lifetime value"),
        "{failure}"
    );
}

/// Every segment in segments.csv is exactly the accounts its conditions describe: applying the
/// written conditions to the demo's accounts gives its account count and profit share.
#[test]
fn segments_are_the_accounts_their_conditions_describe() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let attributes: BTreeMap<String, BTreeMap<String, String>> =
        rows_by_account(&dir.path().join("data/accounts.csv"));
    let economics = read_csv(&dir.path().join("out/accounts.csv"));
    let total: f64 = economics
        .iter()
        .map(|r| r["profit"].parse::<f64>().expect("profit"))
        .sum();
    let segments = read_csv(&dir.path().join("out/segments.csv"));
    assert!(!segments.is_empty());
    for segment in &segments {
        let conditions: Vec<serde_json::Value> = serde_json::from_str(&segment["conditions"]).expect("json");
        let meets = |a: &BTreeMap<String, String>| meets_conditions(&conditions, a);
        let members: Vec<&BTreeMap<String, String>> = economics
            .iter()
            .filter(|r| meets(&attributes[&r["account_id"]]))
            .collect();
        assert_eq!(
            members.len().to_string(),
            segment["accounts"],
            "{}",
            segment["segment"]
        );
        let profit: f64 = members
            .iter()
            .map(|r| r["profit"].parse::<f64>().expect("profit"))
            .sum();
        let share: f64 = segment["objective_share"].parse().expect("share");
        assert!((profit / total - share).abs() < 1e-5, "{}", segment["segment"]);
        assert!(segment["p_value"].parse::<f64>().expect("p") < 0.05);
    }
}

/// Adopter cohorts: Rogers' shares of the 2,000 demo accounts by acquisition order, the same in
/// accounts.csv and cohorts.csv, each cohort acquired after the one before.
#[test]
fn adopter_cohorts_follow_acquisition_order() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let cohorts = read_csv(&dir.path().join("out/cohorts.csv"));
    let names: Vec<&str> = cohorts.iter().map(|c| c["cohort"].as_str()).collect();
    assert_eq!(
        names,
        [
            "innovators",
            "early_adopters",
            "early_majority",
            "late_majority",
            "laggards"
        ]
    );
    let sizes: Vec<&str> = cohorts.iter().map(|c| c["accounts"].as_str()).collect();
    assert_eq!(sizes, ["50", "270", "680", "680", "320"]);
    let accounts = read_csv(&dir.path().join("out/accounts.csv"));
    for c in &cohorts {
        let n = accounts.iter().filter(|a| a["cohort"] == c["cohort"]).count();
        assert_eq!(n.to_string(), c["accounts"]);
    }
    for pair in cohorts.windows(2) {
        assert!(pair[0]["last_acquired"] <= pair[1]["first_acquired"], "{pair:?}");
    }
    let shares: f64 = cohorts
        .iter()
        .map(|c| c["objective_share"].parse::<f64>().expect("share"))
        .sum();
    assert!((shares - 1.0).abs() < 1e-5);
}

/// The anti-ICP finds the planted trap: a segment with far more revenue per account than the
/// base that loses money, with the counterfactual base without it.
#[test]
fn the_anti_icp_finds_the_high_revenue_loss_makers() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let summary: serde_json::Value = read_json(&dir.path().join("out/summary.json"));
    let total = summary["profit"].as_f64().expect("profit");
    let anti = read_csv(&dir.path().join("out/anti_icp.csv"));
    assert!(!anti.is_empty());
    let num = |row: &BTreeMap<String, String>, c: &str| row[c].parse::<f64>().expect(c);
    let worst = &anti[0];
    assert!(num(worst, "profit") < 0.0);
    assert!(num(worst, "revenue") / num(worst, "accounts") > 2.0 * num(worst, "revenue_per_account_with"));
    for row in &anti {
        assert!((num(row, "profit_without") - (total - num(row, "profit"))).abs() < 0.02);
        assert!(num(row, "profit_without") > total);
        assert!(num(row, "p_value") < 0.05);
    }
    // Its employee range is the planted enterprise segment (more than 5,000 employees), and the
    // best segment stops below it.
    let conditions: Vec<serde_json::Value> = serde_json::from_str(&worst["conditions"]).expect("json");
    let employees = conditions
        .iter()
        .find(|c| c["attribute"] == "employees")
        .expect("an employees condition");
    assert!(
        employees["condition"]["min"].as_f64().unwrap() > 4900.0,
        "{employees}"
    );
    let best = &read_csv(&dir.path().join("out/segments.csv"))[0];
    let conditions: Vec<serde_json::Value> = serde_json::from_str(&best["conditions"]).expect("json");
    let employees = conditions
        .iter()
        .find(|c| c["attribute"] == "employees")
        .expect("an employees condition");
    assert!(
        employees["condition"]["max"].as_f64().unwrap() <= 5000.0,
        "{employees}"
    );
}

/// The product-market-fit gate of the whole demo base, recomputed from its input tables: the
/// referral share from accounts.csv, the NPS from every response in nps.csv.
#[test]
fn the_pmf_gate_is_computed_from_referrals_and_nps() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let gate: serde_json::Value = read_json(&dir.path().join("out/pmf.json"));
    let customers: std::collections::BTreeSet<String> = read_csv(&dir.path().join("out/accounts.csv"))
        .into_iter()
        .map(|r| r["account_id"].clone())
        .collect();
    let accounts: Vec<BTreeMap<String, String>> = read_csv(&dir.path().join("data/accounts.csv"))
        .into_iter()
        .filter(|a| customers.contains(&a["account_id"]))
        .collect();
    let referred: std::collections::BTreeSet<String> = accounts
        .iter()
        .filter(|a| !a["referred_by"].is_empty() || a["acquisition_channel"] == "referral")
        .map(|a| a["account_id"].clone())
        .collect();
    let share = referred.len() as f64 / customers.len() as f64;
    assert!((gate["base"]["referral_share"].as_f64().unwrap() - share).abs() < 1e-12);
    assert_eq!(gate["base"]["fit"], share >= 0.3);
    let nps = |pick: &dyn Fn(&str) -> bool| {
        let (mut promoters, mut detractors, mut responses) = (0.0, 0.0, 0.0);
        for r in read_csv(&dir.path().join("data/nps.csv")) {
            if !customers.contains(&r["account_id"]) || !pick(&r["account_id"]) {
                continue;
            }
            let score: f64 = r["score"].parse().expect("score");
            promoters += f64::from(u8::from(score >= 9.0));
            detractors += f64::from(u8::from(score <= 6.0));
            responses += 1.0;
        }
        100.0 * (promoters - detractors) / responses
    };
    let close = |key: &str, want: f64| {
        let got = gate["base"][key].as_f64().expect(key);
        assert!((got - want).abs() < 1e-9, "{key}: {got} vs {want}");
    };
    close("nps", nps(&|_| true));
    close("nps_referred", nps(&|id| referred.contains(id)));
    close("nps_other", nps(&|id| !referred.contains(id)));
    assert!(gate["verdict"].as_str().unwrap().contains("came by referral"));
    for segment in read_csv(&dir.path().join("out/segments.csv")) {
        let segment_share: f64 = segment["referral_share"].parse().expect("share");
        assert_eq!(segment["pmf"], (segment_share >= 0.3).to_string());
    }
}

/// The buying ecosystem: the decider with the most leverage, recomputed from contacts.csv and
/// the accounts' profit, and every role's coverage.
#[test]
fn decider_leverage_is_recomputed_from_contacts() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let e: serde_json::Value = read_json(&dir.path().join("out/ecosystem.json"));
    let profit: BTreeMap<String, f64> = read_csv(&dir.path().join("out/accounts.csv"))
        .into_iter()
        .map(|r| (r["account_id"].clone(), r["profit"].parse().expect("profit")))
        .collect();
    let contacts = read_csv(&dir.path().join("data/contacts.csv"));
    let leader = &e["decider_leverage"][0];
    let key = leader["person_key"].as_str().expect("key");
    let accounts: std::collections::BTreeSet<&str> = contacts
        .iter()
        .filter(|c| c["person_key"] == key && c["role"] == "decider" && profit.contains_key(&c["account_id"]))
        .map(|c| c["account_id"].as_str())
        .collect();
    assert_eq!(leader["accounts"].as_u64(), Some(accounts.len() as u64));
    let total: f64 = accounts.iter().map(|a| profit[*a]).sum();
    assert!((leader["total_objective"].as_f64().unwrap() - total).abs() < 1e-6);
    // No other decider's accounts make more profit together.
    let mut by_person: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for c in contacts
        .iter()
        .filter(|c| c["role"] == "decider" && !c["person_key"].is_empty())
    {
        if profit.contains_key(&c["account_id"]) {
            by_person
                .entry(c["person_key"].as_str())
                .or_default()
                .insert(c["account_id"].as_str());
        }
    }
    for (person, accounts) in by_person.iter().filter(|(_, a)| a.len() >= 2) {
        let sum: f64 = accounts.iter().map(|a| profit[*a]).sum();
        assert!(sum <= total + 1e-6, "{person} has {sum} > {total}");
    }
    let roles: Vec<&str> = e["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["decider", "payer", "user", "influencer"]);
}

/// Segment win rates count the deals lost to prospects that meet the segment's conditions; over
/// all deals they agree with the headline win rate and sales cycle.
#[test]
fn segment_win_rates_count_lost_deals_of_lookalike_prospects() {
    let dir = tempfile::tempdir().expect("dir");
    make(dir.path(), 42);
    let summary: serde_json::Value = read_json(&dir.path().join("out/summary.json"));
    let anti = read_csv(&dir.path().join("out/anti_icp.csv"));
    let num = |row: &BTreeMap<String, String>, c: &str| row[c].parse::<f64>().expect(c);
    assert!((num(&anti[0], "win_rate_with") - summary["deals"]["win_rate"].as_f64().unwrap()).abs() < 1e-4);
    assert_eq!(
        num(&anti[0], "median_sales_cycle_days_with"),
        summary["deals"]["median_sales_cycle_days"].as_f64().unwrap()
    );
    // The best segment's win rate from deals.csv, the accounts and the prospects.
    let mut attributes: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for table in ["data/prospects.csv", "data/accounts.csv"] {
        for row in read_csv(&dir.path().join(table)) {
            attributes.insert(row["account_id"].clone(), row);
        }
    }
    let segment = &read_csv(&dir.path().join("out/segments.csv"))[0];
    let conditions: Vec<serde_json::Value> = serde_json::from_str(&segment["conditions"]).expect("json");
    let meets = |a: &BTreeMap<String, String>| meets_conditions(&conditions, a);
    let (mut won, mut closed) = (0.0, 0.0);
    for deal in read_csv(&dir.path().join("data/deals.csv")) {
        if deal["stage"] == "open" || !attributes.get(&deal["account_id"]).is_some_and(meets) {
            continue;
        }
        closed += 1.0;
        won += f64::from(u8::from(deal["stage"] == "won"));
    }
    assert!(
        (num(segment, "win_rate") - won / closed).abs() < 1e-6,
        "{} vs {}",
        segment["win_rate"],
        won / closed
    );
}

/// `[market]` in northstar.toml sets how the SAM is drawn: with no hard rules allowed, every
/// customer is in the SAM, and run.json records the setting.
#[test]
fn the_market_settings_are_read_from_northstar_toml() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    northstar_demo::write_demo(&data, northstar_demo::Size::Small, 42).expect("demo data");
    fs_err::write(data.join("northstar.toml"), "[market]\nmax_rules = 0\n").expect("config");
    let built = build_with(&data, &dir.path().join("out")).expect("builds");
    assert!(built.profile.icp.filters.is_empty());
    assert_eq!(
        built.profile.icp.market.customers,
        built.profile.icp.market.all_customers
    );
    let run: serde_json::Value = read_json(&dir.path().join("out/run.json"));
    assert_eq!(run["parameters"]["market"]["max_rules"], 0);
    assert_eq!(run["parameters"]["market"]["coverage_floor"], 0.8);
}
