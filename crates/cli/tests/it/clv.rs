//! `northstar clv` end to end: the CDNOW and sBG published tables through the command line.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{northstar, read_csv};

/// The CDNOW 1/10 sample, as shipped with `lifetimes` (see crates/clv/tests/fixtures/cdnow).
fn cdnow_raw() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../clv/tests/fixtures/cdnow/CDNOW_sample.txt")
}

/// Writes the CDNOW sample as a SPEC §3 transactions file: account_id, date (ISO), amount.
fn cdnow_transactions(dir: &Path) -> PathBuf {
    let text = fs_err::read_to_string(cdnow_raw()).expect("fixture");
    let mut csv = String::from("account_id,date,amount\n");
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let d = f[2];
        csv.push_str(&format!(
            "{},{}-{}-{},{}\n",
            f[1],
            &d[..4],
            &d[4..6],
            &d[6..],
            f[4]
        ));
    }
    let path = dir.join("transactions.csv");
    fs_err::write(&path, csv).expect("write");
    path
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Within `relative` of `expected`, or half a unit of its last published digit when that is wider.
fn close(got: &serde_json::Value, expected: f64, relative: f64, name: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{name} is not a number: {got}"));
    assert!(
        (got - expected).abs() <= relative * expected.abs(),
        "{name}: {got}, published {expected}"
    );
}

#[test]
fn bgnbd_and_gamma_gamma_reproduce_the_published_cdnow_estimates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = cdnow_transactions(dir.path());
    let out = dir.path().join("predictions.csv");
    let value = json(&northstar(&[
        "clv",
        file.to_str().expect("utf-8"),
        "--calibration-end",
        "1997-09-30",
        "--json",
        "--out",
        out.to_str().expect("utf-8"),
    ]));
    assert_eq!(value["model"], "bgnbd");
    assert_eq!(value["customers"], 2357);
    assert_eq!(value["repeat_buyers"], 946);
    // Fader, Hardie & Lee (2005), as lifetimes reproduces them.
    for (name, published) in [
        ("r", 0.2425945),
        ("alpha", 4.4136019),
        ("a", 0.7929199),
        ("b", 2.4258881),
    ] {
        close(&value["params"][name], published, 1e-3, name);
    }
    assert!((value["log_likelihood"].as_f64().unwrap() + 9582.429).abs() < 0.01);
    // Gamma-Gamma on the 946 repeat buyers (Fader, Hardie & Lee 2005, "RFM and CLV").
    for (name, published) in [("p", 6.25), ("q", 3.74), ("gamma", 15.44)] {
        close(&value["spend"][name], published, 0.005 / published, name);
    }
    assert!((value["spend"]["log_likelihood"].as_f64().unwrap() + 4055.92).abs() < 0.01);
    assert_eq!(value["spend"]["customers"], 946);
    // The holdout: weeks 40 to 78, by calibration frequency; the model's 0-group prediction
    // is below the 1+-groups', as in the published figure.
    let holdout = value["holdout"].as_array().expect("holdout groups");
    assert_eq!(holdout.len(), 8);
    let customers: u64 = holdout.iter().map(|g| g["customers"].as_u64().unwrap()).sum();
    assert_eq!(customers, 2357);

    let rows = read_csv(&out);
    assert_eq!(rows.len(), 2357);
    let mut total = 0.0;
    for row in &rows {
        let get = |c: &str| {
            row[c]
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{c}: {:?}", row[c]))
        };
        let p_alive = get("p_alive");
        assert!((0.0..=1.0).contains(&p_alive));
        // Discounting lowers the value below undiscounted purchases times spend.
        assert!(get("clv") > 0.0 && get("clv") < get("expected_purchases") * get("expected_spend"));
        total += get("expected_purchases");
    }
    close(
        &value["expected_purchases"],
        total,
        1e-9,
        "total expected purchases",
    );
    // Customer 1's history as Fader and Hardie summarise it.
    let first = rows
        .iter()
        .find(|r| r["account_id"] == "0001")
        .expect("customer 0001");
    assert_eq!(first["frequency"], "2");
    assert!((first["recency"].parse::<f64>().unwrap() - 30.428571).abs() < 1e-5);
}

#[test]
fn pareto_nbd_reproduces_the_published_cdnow_estimates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = cdnow_transactions(dir.path());
    let value = json(&northstar(&[
        "clv",
        file.to_str().expect("utf-8"),
        "--model",
        "pareto",
        "--calibration-end",
        "1997-09-30",
        "--json",
    ]));
    assert_eq!(value["model"], "pareto");
    for (name, published) in [
        ("r", 0.55315),
        ("alpha", 10.57633),
        ("s", 0.60625),
        ("beta", 11.67150),
    ] {
        close(&value["params"][name], published, 1e-3, name);
    }
    assert!((value["log_likelihood"].as_f64().unwrap() + 9594.976).abs() < 0.01);
}

#[test]
fn sbg_fits_each_cohort_of_a_survival_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("survival.csv");
    let mut text = String::from("cohort,period,active\n");
    for (cohort, active) in [
        ("regular", [1000, 631, 468, 382, 326, 289, 262, 241]),
        ("high end", [1000, 869, 743, 653, 593, 551, 517, 491]),
    ] {
        for (t, a) in active.iter().enumerate() {
            text.push_str(&format!("{cohort},{t},{a}\n"));
        }
    }
    fs_err::write(&path, text).expect("write");
    let output = northstar(&["clv", path.to_str().expect("utf-8"), "--model", "sbg", "--json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    // Fader & Hardie (2007), table 1 data, their published estimates; cohorts come sorted by name.
    for (line, (cohort, alpha, beta)) in lines
        .iter()
        .zip([("high end", 0.668, 3.806), ("regular", 0.704, 1.182)])
    {
        assert_eq!(line["model"], "sbg");
        assert_eq!(line["cohort"], cohort);
        close(&line["params"]["alpha"], alpha, 0.0005 / alpha, "alpha");
        close(&line["params"]["beta"], beta, 0.0005 / beta, "beta");
    }
}

#[test]
fn clv_text_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = cdnow_transactions(dir.path());
    let output = northstar(&[
        "clv",
        file.to_str().expect("utf-8"),
        "--calibration-end",
        "1997-09-30",
    ]);
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    insta::assert_snapshot!(text);
}

#[test]
fn clv_refuses_bad_input_with_its_reasons() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("transactions.csv");
    fs_err::write(
        &path,
        "account_id,date,amount\na,2024-01-01,10\na,2024-02-01,\"$1,200\"\nb,2024-01-05,5\n",
    )
    .expect("write");
    let rejects = dir.path().join("rejects.csv");
    let output = northstar(&[
        "clv",
        path.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    // One row in three is rejected, above the 1% limit: exit 1, and the reject is kept, then
    // a line saying that reading stopped there (one reject is more than 1% of the file's at
    // most 5 rows).
    assert_eq!(output.status.code(), Some(1));
    let kept = read_csv(&rejects);
    assert_eq!(kept.len(), 2);
    assert_eq!(
        (kept[0]["line"].as_str(), kept[0]["column"].as_str()),
        ("3", "amount")
    );
    assert_eq!(kept[1]["line"], "3");
    assert!(
        kept[1]["reason"].starts_with("reading stopped after line 3"),
        "{:?}",
        kept[1]
    );
    // With the rejects allowed, two customers and no repeat purchase cannot be fitted.
    let output = northstar(&["clv", path.to_str().unwrap(), "--max-rejects", "50"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("only 0 customer(s) made a repeat purchase"),
        "{stderr}"
    );
    let output = northstar(&["clv", path.to_str().unwrap(), "--calibration-end", "2024-13-01"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--calibration-end"));
}
