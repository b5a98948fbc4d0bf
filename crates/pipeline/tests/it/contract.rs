//! The output contract (SPEC §4) checked from outside, as files: the columns, profit = gross
//! margin − cost to serve − CAC, the whale curve's running share, tiers that follow the ICP's
//! thresholds, the ICP's operators and evidence, and a manifest that matches every file.

use std::collections::HashSet;
use std::path::Path;

use northstar_pipeline::{Build, Options};

use crate::support::{build_with, build_with_options, demo, fixture, options_with, read_csv, read_json};

/// The columns every accounts.csv has (SPEC §4).
const ACCOUNT_COLUMNS: &[&str] = &[
    "account_id",
    "revenue",
    "direct_cost",
    "gross_margin",
    "cost_to_serve",
    "cac",
    "profit",
    "profit_rank",
    "cumulative_profit_share",
    "tenure_months",
    "repeat_purchase_rate",
    "churned",
    "ltv_historical",
    "ltv_predicted",
    "p_alive",
    "cohort",
    "segment",
    "in_sam",
    "fit_score",
    "tier",
];

/// Money is written to the cent: identities hold to within rounding of a few cents.
const CENTS: f64 = 0.011;

fn number(text: &str) -> Option<f64> {
    (!text.is_empty()).then(|| text.parse().unwrap_or_else(|_| panic!("not a number: {text:?}")))
}

/// Asserts every identity of the contract on the build folder `out`.
pub fn check(out: &Path) {
    let opened = northstar_pipeline::open(out).expect("the folder matches its manifest");
    let rows = read_csv(&out.join("accounts.csv"));
    assert!(!rows.is_empty(), "accounts.csv has rows");
    for column in ACCOUNT_COLUMNS {
        assert!(rows[0].contains_key(*column), "accounts.csv has `{column}`");
    }
    let ids: HashSet<&str> = rows.iter().map(|r| r["account_id"].as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "account_id is unique");
    let money = |r: &std::collections::BTreeMap<String, String>, c: &str| number(&r[c]).expect(c);
    let total: f64 = rows.iter().map(|r| money(r, "profit")).sum();
    let mut running = 0.0;
    for (i, r) in rows.iter().enumerate() {
        let id = &r["account_id"];
        let gross = money(r, "revenue") - money(r, "direct_cost");
        assert!(
            (money(r, "gross_margin") - gross).abs() < CENTS,
            "{id}: gross margin"
        );
        let profit = money(r, "gross_margin") - money(r, "cost_to_serve") - money(r, "cac");
        assert!(
            (money(r, "profit") - profit).abs() < CENTS,
            "{id}: profit identity"
        );
        assert_eq!(
            r["profit_rank"],
            (i + 1).to_string(),
            "{id}: rows in profit-rank order"
        );
        if i > 0 {
            assert!(
                money(&rows[i - 1], "profit") >= money(r, "profit"),
                "{id}: ranked by profit"
            );
        }
        running += money(r, "profit");
        if total != 0.0 {
            let share = money(r, "cumulative_profit_share");
            assert!(
                (share - running / total).abs() < 2e-6,
                "{id}: whale curve {share} vs {}",
                running / total
            );
        }
        for (column, low, high) in [
            ("p_alive", 0.0, 1.0),
            ("repeat_purchase_rate", 0.0, 1.0),
            ("fit_score", 0.0, 100.0),
        ] {
            if let Some(x) = number(&r[column]) {
                assert!((low..=high).contains(&x), "{id}: {column} {x}");
            }
        }
        let score = money(r, "fit_score") as i64;
        match r["in_sam"].as_str() {
            "true" => assert_eq!(
                r["tier"],
                opened.icp.tier_of(score).to_string(),
                "{id}: tier follows the thresholds"
            ),
            "false" => assert_eq!(r["tier"], "", "{id}: no tier outside the SAM"),
            other => panic!("{id}: in_sam {other:?}"),
        }
    }
    let rejects = csv::Reader::from_path(out.join("rejects.csv"))
        .expect("rejects.csv")
        .headers()
        .expect("header")
        .clone();
    assert_eq!(
        rejects.iter().collect::<Vec<_>>(),
        ["table", "file", "line", "column", "value", "reason"]
    );
    let run = fs_err::read_to_string(out.join("run.json")).expect("run.json");
    for word in ["version", "blake3_checksum", "timings_ms", "rows_read"] {
        assert!(run.contains(word), "run.json records {word}");
    }
    let icp = read_json(&out.join("icp.json"));
    assert_eq!(icp["schema"], "northstar.icp/v1");
    let rules = icp["filters"]
        .as_array()
        .into_iter()
        .chain(icp["signals"].as_array())
        .flatten();
    for rule in rules {
        let op = rule["op"].as_str().expect("op");
        assert!(
            ["in", "not_in", "between", "contains", "eq"].contains(&op),
            "{op}"
        );
        assert!(rule["attribute"].is_string(), "{rule}");
    }
    for signal in icp["signals"].as_array().expect("signals") {
        assert!(
            signal["points"].is_i64() && signal["evidence"].is_object(),
            "{signal}"
        );
    }
}

/// The score outputs: every prospect's reasons add up to its score and its tier follows the
/// thresholds; the target list is tiers 1 and 2; the market's funnel adds up from TAM to SAM
/// over every customer and prospect; the backtests' figures are shares.
pub fn check_targets(out: &Path) {
    let icp = read_json(&out.join("icp.json"));
    let base = icp["base_score"].as_i64().expect("base");
    let tiers: Vec<(i64, String)> = icp["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .map(|t| (t["min_score"].as_i64().unwrap(), t["tier"].to_string()))
        .collect();
    let prospects = read_csv(&out.join("prospects_scored.csv"));
    for p in &prospects {
        let id = &p["account_id"];
        let score: i64 = p["fit_score"].parse().expect("score");
        let mut parts = p["reasons"].split("; ");
        assert_eq!(parts.next(), Some(format!("base {base}").as_str()), "{id}");
        let points: i64 = parts
            .filter(|r| r.starts_with('+') || r.starts_with('-'))
            .map(|r| r.split(' ').next().unwrap().parse::<i64>().expect("points"))
            .sum();
        assert_eq!(base + points, score, "{id}: {}", p["reasons"]);
        let expected = tiers.iter().find(|(min, _)| score >= *min).map(|t| t.1.clone());
        match p["in_sam"].as_str() {
            "true" => assert_eq!(Some(p["tier"].clone()), expected, "{id}"),
            _ => {
                assert_eq!(p["tier"], "", "{id}");
                assert!(p["reasons"].contains("outside the SAM"), "{id}");
            }
        }
    }
    let targets = read_csv(&out.join("target_list.csv"));
    let wanted = prospects
        .iter()
        .filter(|p| p["tier"] == "1" || p["tier"] == "2")
        .count();
    assert_eq!(targets.len(), wanted);
    let market = read_csv(&out.join("market.csv"));
    let count = |r: &std::collections::BTreeMap<String, String>, c: &str| r[c].parse::<u64>().expect(c);
    let tam = &market[0];
    assert_eq!(tam["level"], "TAM");
    let customers = read_csv(&out.join("accounts.csv")).len() as u64;
    assert_eq!(count(tam, "accounts"), customers + prospects.len() as u64);
    assert_eq!(count(tam, "customers"), customers);
    let mut left = count(tam, "accounts");
    for step in market.iter().filter(|r| r["level"] == "filter") {
        left -= count(step, "removed_accounts");
        assert_eq!(count(step, "accounts"), left, "{}", step["rule"]);
    }
    let sam = market.iter().find(|r| r["level"] == "SAM").expect("SAM row");
    assert_eq!(count(sam, "accounts"), left);
    let inside = prospects.iter().filter(|p| p["in_sam"] == "true").count() as u64;
    let customers_inside = read_csv(&out.join("accounts.csv"))
        .iter()
        .filter(|a| a["in_sam"] == "true")
        .count() as u64;
    assert_eq!(count(sam, "accounts"), inside + customers_inside);
    assert_eq!(market.last().expect("SOM")["level"], "SOM");
    let validation = read_json(&out.join("validation.json"));
    let auc = &validation["k_fold"]["icp"]["auc"];
    assert!(
        auc.is_null() || (0.0..=1.0).contains(&auc.as_f64().unwrap()),
        "{auc}"
    );
    let sql = fs_err::read_to_string(out.join("scorer.sql")).expect("scorer.sql");
    assert!(sql.contains("fit_score") && sql.contains(&format!("ICP {}", icp["version"].as_str().unwrap())));
}

#[test]
fn the_demo_output_meets_the_contract() {
    let dir = tempfile::tempdir().expect("dir");
    let out = demo(dir.path(), 42);
    check(&out);
    check_targets(&out);
    assert!(
        read_csv(&out.join("rejects.csv")).is_empty(),
        "the demo data are clean"
    );
}

#[test]
fn the_hand_worked_world_meets_the_contract() {
    let out = tempfile::tempdir().expect("tempdir");
    build_with(&fixture("economics/hand_world"), out.path()).expect("build");
    check(out.path());
}

#[test]
fn a_tampered_build_is_not_opened() {
    let out = tempfile::tempdir().expect("tempdir");
    build_with(&fixture("economics/hand_world"), out.path()).expect("build");
    fs_err::write(out.path().join("icp.json"), "{}").expect("tamper");
    let err = northstar_pipeline::open(out.path()).expect_err("refused");
    assert!(err.to_string().contains("icp.json"), "{err}");
}

#[test]
fn a_lead_in_both_lists_is_scored_once_and_the_lists_keep_their_order() {
    // L1 is a lead of the accounts table and a row of the prospects table; L2 a lead alone; P1
    // and P0 are in the prospects table alone.
    let data = crate::support::data_folder(&[
        (
            "accounts.csv",
            "account_id,industry,status\nA1,Retail,customer\nL2,Retail,prospect\nA2,Software,customer\nL1,Software,prospect\n",
        ),
        (
            "prospects.csv",
            "account_id,industry,country\nP1,Retail,FR\nL1,Software,DE\nP0,Software,\n",
        ),
    ]);
    // Scored all at once, and one row at a time (each row judged while the last is written).
    for score_rows in [Options::default().score_rows, 1] {
        let out = tempfile::tempdir().expect("tempdir");
        let options = Options {
            score_rows,
            ..options_with(2)
        };
        let built = build_with_options(data.path(), out.path(), options).expect("builds");
        a_lead_in_both_is_listed_once(out.path(), &built);
    }
}

/// The outputs of the build of the lead-in-both world.
fn a_lead_in_both_is_listed_once(out: &Path, built: &Build) {
    let rows = read_csv(&out.join("prospects_scored.csv"));
    let listed: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str(),
                r["source"].as_str(),
                r["country"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("L1", "prospects and accounts", "DE"),
            ("P0", "prospects", ""),
            ("P1", "prospects", "FR"),
            ("L2", "accounts", ""),
        ],
        "the prospects table by id, then the leads it does not hold"
    );
    let counts = built.targets.counts;
    assert_eq!(counts.accounts, 4);
    assert_eq!(
        counts.in_sam,
        rows.iter().filter(|r| r["in_sam"] == "true").count() as u64
    );
    let market = &built.targets.market;
    assert_eq!((market.tam.accounts, market.tam.customers), (6, 2));
}
