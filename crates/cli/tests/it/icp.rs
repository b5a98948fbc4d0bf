//! The ICP of the demo company: it recovers the planted profile, keeps the high-revenue trap out
//! by profit, explains every score, and `diff` compares two versions.

use std::collections::BTreeMap;

use crate::support::{demo, northstar, read_csv, read_json, rows_by_account};

/// The planted segment of a demo account, read from its attributes as the generator draws them.
fn planted(row: &BTreeMap<String, String>) -> &'static str {
    let employees: f64 = row["employees"].parse().expect("employees");
    let industry = row["industry"].as_str();
    if employees > 5000.0 {
        "enterprise"
    } else if employees < 50.0 {
        "small"
    } else if matches!(industry, "Logistics" | "Wholesale") && employees >= 200.0 {
        "core"
    } else {
        "mid"
    }
}

/// Whether an input row meets an ICP rule as icp.json writes it (an independent reading of the
/// operators).
fn holds(rule: &serde_json::Value, row: &BTreeMap<String, String>) -> bool {
    let value = row
        .get(rule["attribute"].as_str().unwrap())
        .map_or("", String::as_str);
    let values: Vec<&str> = rule["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    match rule["op"].as_str().unwrap() {
        "in" => values.contains(&value),
        "not_in" => !values.contains(&value),
        "contains" => value.split(';').any(|e| values.contains(&e.trim())),
        "between" => value.parse::<f64>().is_ok_and(|x| {
            x >= rule["min"].as_f64().unwrap_or(f64::NEG_INFINITY)
                && x <= rule["max"].as_f64().unwrap_or(f64::INFINITY)
        }),
        op => panic!("unexpected op {op}"),
    }
}

/// The points of an accounts.csv `reasons` cell: `base 61; +10 rule; -3 rule; outside the SAM: ..`.
fn points(reasons: &str) -> i64 {
    reasons
        .split("; ")
        .filter_map(|part| {
            let number = part.strip_prefix("base ").unwrap_or(part);
            let first = number.split(' ').next()?;
            first.parse::<i64>().ok()
        })
        .sum()
}

#[test]
fn the_demo_icp_recovers_the_planted_profile_over_three_seeds() {
    for seed in [42, 7, 3] {
        let dir = tempfile::tempdir().expect("dir");
        demo(dir.path(), seed);
        let inputs = rows_by_account(&dir.path().join("data/accounts.csv"));
        let outputs = read_csv(&dir.path().join("out/accounts.csv"));
        let mut by_segment: BTreeMap<&str, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
        for row in &outputs {
            by_segment
                .entry(planted(&inputs[&row["account_id"]]))
                .or_default()
                .push(row);
        }
        let share = |segment: &str, test: &dyn Fn(&BTreeMap<String, String>) -> bool| {
            let rows = &by_segment[segment];
            rows.iter().filter(|r| test(r)).count() as f64 / rows.len() as f64
        };
        let revenue = |segment: &str| {
            let rows = &by_segment[segment];
            rows.iter()
                .map(|r| r["revenue"].parse::<f64>().unwrap())
                .sum::<f64>()
                / rows.len() as f64
        };
        // The trap has by far the most revenue per account, and none of it is in the SAM.
        assert!(revenue("enterprise") > 3.0 * revenue("core"), "seed {seed}");
        assert_eq!(
            share("enterprise", &|r| r["in_sam"] == "true"),
            0.0,
            "seed {seed}"
        );
        assert_eq!(share("small", &|r| r["in_sam"] == "true"), 0.0, "seed {seed}");
        let core_inside = share("core", &|r| r["in_sam"] == "true");
        assert!(core_inside > 0.95, "seed {seed}: {core_inside}");
        // Tier 1 is the planted core.
        let tier1: Vec<&BTreeMap<String, String>> = outputs.iter().filter(|r| r["tier"] == "1").collect();
        let core_share = tier1
            .iter()
            .filter(|r| planted(&inputs[&r["account_id"]]) == "core")
            .count() as f64
            / tier1.len() as f64;
        assert!(core_share > 0.9, "seed {seed}: tier 1 is {core_share} core");

        let icp = read_json(&dir.path().join("out/icp.json"));
        assert_eq!(icp["schema"], "northstar.icp/v1");
        assert_eq!(icp["objective"], "profit");
        // The filter's range stops at the planted 5,000-employee boundary, and the trap is the
        // anti-ICP's first segment.
        let filter = icp["filters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["attribute"] == "employees");
        let max = filter.expect("an employees filter")["max"].as_f64().unwrap();
        assert!((4900.0..5001.0).contains(&max), "seed {seed}: {max}");
        let worst = &icp["anti_icp"][0];
        assert!(worst["objective"].as_f64().unwrap() < 0.0);
        let members: Vec<&str> = inputs
            .values()
            .filter(|row| {
                worst["conditions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|rule| holds(rule, row))
            })
            .map(|row| planted(row))
            .collect();
        let trap = members.iter().filter(|s| **s == "enterprise").count() as f64 / members.len() as f64;
        assert!(
            trap > 0.9,
            "seed {seed}: the worst anti-ICP segment is {trap} enterprise: {worst}"
        );
        // The core's industries and technology are positive signals.
        let positive = |attribute: &str, value: &str| {
            icp["signals"].as_array().unwrap().iter().any(|s| {
                s["attribute"] == attribute
                    && s["points"].as_i64().unwrap() > 0
                    && s["values"]
                        .as_array()
                        .is_some_and(|v| v.iter().any(|x| x == value))
            })
        };
        assert!(
            positive("industry", "Logistics") || positive("industry", "Wholesale"),
            "seed {seed}"
        );
        assert!(positive("technologies", "Kubernetes"), "seed {seed}");
    }
}

#[test]
fn every_rule_has_evidence_and_every_score_its_reasons() {
    let dir = tempfile::tempdir().expect("dir");
    demo(dir.path(), 42);
    let icp = read_json(&dir.path().join("out/icp.json"));
    for f in icp["filters"].as_array().unwrap() {
        let e = &f["evidence"];
        assert!(
            e["removed_objective"].as_f64().unwrap() < 0.0 && e["p_value"].as_f64().unwrap() < 0.05,
            "{f}"
        );
    }
    for s in icp["signals"].as_array().unwrap() {
        let e = &s["evidence"];
        let [low, high] = [e["ci"][0].as_f64().unwrap(), e["ci"][1].as_f64().unwrap()];
        assert!(low > 1.0 || high < 1.0, "a signal's lift is significant: {s}");
        assert!(e["support"].as_u64().unwrap() >= 20);
        assert_eq!(
            s["points"].as_i64().unwrap() > 0,
            low > 1.0,
            "points follow the lift: {s}"
        );
    }
    let tiers: Vec<i64> = icp["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["min_score"].as_i64().unwrap())
        .collect();
    let means: Vec<f64> = icp["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["mean_objective"].as_f64().unwrap())
        .collect();
    assert!(
        means[0] > means[1] && means[1] > means[2],
        "tiers rank profit: {means:?}"
    );
    for row in read_csv(&dir.path().join("out/accounts.csv")) {
        let score: i64 = row["fit_score"].parse().unwrap();
        assert_eq!(points(&row["reasons"]), score, "{row:?}");
        assert!((0..=100).contains(&score));
        let tier = match row["tier"].as_str() {
            "" => None,
            t => Some(t.parse::<usize>().unwrap()),
        };
        assert_eq!(tier.is_some(), row["in_sam"] == "true");
        if let Some(t) = tier {
            let expected = tiers.iter().position(|&min| score >= min).unwrap() + 1;
            assert_eq!(t, expected, "{row:?}");
        } else {
            assert!(row["reasons"].contains("outside the SAM"), "{row:?}");
        }
    }
    let page = fs_err::read_to_string(dir.path().join("out/icp.md")).unwrap();
    for heading in [
        "## The slide",
        "### Who to sell to",
        "### How to rank them",
        "### Tiers",
        "### Who not to sell to",
        "## Personas",
        "- **How we help**: _to write_",
        "## The evidence",
        "### Scorecard",
    ] {
        assert!(page.contains(heading), "icp.md has {heading}");
    }
    for item in [
        "Ready",
        "Willing",
        "Able",
        "Success potential",
        "Acquisition efficiency",
        "Expansion potential",
        "Advocacy potential",
    ] {
        assert!(page.contains(&format!("| {item} |")), "icp.md scores {item}");
    }
}

/// The exit code and stdout of the binary run with `args`.
fn run(args: &[&str]) -> (i32, String) {
    let output = northstar(args);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn diff_of_a_version_with_itself_finds_nothing_and_of_another_seed_finds_changes() {
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    demo(a.path(), 42);
    demo(b.path(), 7);
    let path = |d: &tempfile::TempDir| d.path().join("out").to_str().unwrap().to_owned();
    let accounts = a.path().join("data/accounts.csv");
    let accounts = accounts.to_str().unwrap();
    let (code, same) = run(&["diff", &path(&a), &path(&a), "--accounts", accounts, "--json"]);
    assert_eq!(code, 0);
    let same: serde_json::Value = serde_json::from_str(&same).expect("json");
    assert_eq!(same["changes"].as_array().unwrap().len(), 0);
    assert_eq!(same["tier_changes"].as_array().unwrap().len(), 0);
    assert_eq!(same["accounts_compared"], 2000);
    assert_eq!(same["refresh"], false);
    assert!(
        same["drift"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["psi"].as_f64().unwrap() < 1e-12)
    );

    let (code, other) = run(&["diff", &path(&a), &path(&b), "--accounts", accounts, "--json"]);
    assert_eq!(code, 0);
    let other: serde_json::Value = serde_json::from_str(&other).expect("json");
    assert!(!other["changes"].as_array().unwrap().is_empty());
    // Two draws of the same company: the population is stable.
    assert!(
        other["drift"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["level"] == "stable"),
        "{}",
        other["drift"]
    );
    let old = rows_by_account(&a.path().join("out/accounts.csv"));
    for change in other["tier_changes"].as_array().unwrap() {
        let id = change["account_id"].as_str().unwrap();
        let before = change["before"]
            .as_u64()
            .map(|t| t.to_string())
            .unwrap_or_default();
        assert_eq!(
            old[id]["tier"], before,
            "the old tier is the one the old build wrote"
        );
        assert!(!change["why"].as_str().unwrap().is_empty());
    }
    let (code, text) = run(&["diff", &path(&a), &format!("{}/icp.json", path(&b))]);
    assert_eq!(code, 0);
    assert!(
        text.contains("rules:") && text.contains("recommendation:"),
        "{text}"
    );

    let (code, _) = run(&["diff", &path(&a), accounts]);
    assert_eq!(code, 1, "a CSV is not an ICP");

    // A broken account list is refused with its file, line and column.
    let list = a.path().join("broken.csv");
    fs_err::write(&list, "account_id,industry\nA1,Retail\n,Retail\n").unwrap();
    let output = northstar(&["diff", &path(&a), &path(&a), "--accounts", list.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("broken.csv:3: column 1 (account_id) is empty"),
        "{stderr}"
    );
    fs_err::write(&list, "account_id,industry\nA1,Retail,extra\n").unwrap();
    let output = northstar(&["diff", &path(&a), &path(&a), "--accounts", list.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("broken.csv:2:"), "{stderr}");
}
