//! report.html: its numbers are the build's (summary.json, icp.json, market.csv), its structure
//! is stable, and a real browser finds nothing a reader would trip on.

use std::path::{Path, PathBuf};
use std::process::Command;

use northstar_output::figures::{compact, group, percent};

use crate::support::{demo, installed, read_csv, read_json};

/// Makes the small demo of `seed` in `dir` and returns its report's text.
fn demo_report(dir: &Path, seed: u64) -> String {
    let stdout = demo(dir, seed);
    assert!(
        stdout.contains("outputs in") && stdout.contains(": report.html, "),
        "the report comes first in the files written: {stdout}"
    );
    fs_err::read_to_string(dir.join("out/report.html")).expect("report.html")
}

#[test]
fn the_report_s_numbers_are_the_build_s() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = demo_report(dir.path(), 42);
    let out = dir.path().join("out");
    let summary = read_json(&out.join("summary.json"));
    let icp = read_json(&out.join("icp.json"));
    let number = |v: &serde_json::Value| v.as_f64().expect("a number");
    let expect = |text: String| assert!(page.contains(&text), "report.html lacks {text:?}");
    expect(format!(
        "The top {} of accounts make 80% of profit",
        percent(number(&summary["share_of_accounts_for_80pct_profit"]))
    ));
    expect(format!(
        "({}) make 80% of profit",
        group(summary["accounts_for_80pct_profit"].as_u64().unwrap())
    ));
    expect(format!(
        "destroy {}",
        compact(number(&summary["loss_makers"]["profit_destroyed"]))
    ));
    let market = &icp["market"];
    expect(format!(
        "keeps {} of {} customers and {} of the most profitable fifth",
        group(market["customers"].as_u64().unwrap()),
        group(market["all_customers"].as_u64().unwrap()),
        percent(number(&market["top_coverage"]))
    ));
    for t in icp["tiers"].as_array().expect("tiers") {
        expect(format!(
            "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
            t["min_score"],
            group(t["customers"].as_u64().unwrap())
        ));
    }
    // A filter's thresholds exactly, with separators: the demo's SAM is employees 165 to 4,997.
    let filter = &icp["filters"][0];
    assert_eq!(filter["attribute"], "employees");
    expect(format!(
        "Employees {} to {}",
        group(number(&filter["min"]) as u64),
        group(number(&filter["max"]) as u64)
    ));
    let sam = read_csv(&out.join("market.csv"))
        .into_iter()
        .find(|r| r["level"] == "SAM")
        .expect("SAM");
    let sam_accounts: u64 = sam["accounts"].parse().unwrap();
    let sam_value: f64 = sam["value_per_year"].parse().unwrap();
    expect(format!(
        "The serviceable market holds {} accounts, worth {} of profit a year",
        group(sam_accounts),
        compact(sam_value)
    ));
    let tier_1 = read_csv(&out.join("prospects_scored.csv"))
        .iter()
        .filter(|p| p["tier"] == "1")
        .count() as u64;
    expect(format!("Call the {} tier-1 prospects first", group(tier_1)));
    // The call-first table is the head of the target list, in its order.
    let targets = read_csv(&out.join("target_list.csv"));
    let mut at = page.find("<h3>Call first</h3>").expect("a call-first table");
    for row in targets.iter().take(10) {
        let cells = format!(
            "<td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            row["company"], row["tier"], row["fit_score"]
        );
        let found = page[at..]
            .find(&cells)
            .unwrap_or_else(|| panic!("{cells} after the previous row"));
        at += found + cells.len();
    }
    let validation = read_json(&out.join("validation.json"));
    let auc = number(&validation["k_fold"]["icp"]["auc"]);
    expect(format!("AUC {auc:.2}"));
}

/// The page's skeleton: headings, charts with their titles, and table headers.
fn skeleton(page: &str) -> String {
    let mut lines = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let inner = |rest: &str| {
            let start = rest.find('>').map_or(0, |i| i + 1);
            let end = rest.find(&format!("</{tag}>")).unwrap_or(start);
            let text = &rest[start..end];
            text.split('<')
                .map(|p| p.split('>').next_back().unwrap_or(""))
                .collect::<String>()
        };
        match tag.as_str() {
            "h1" | "h2" | "h3" => lines.push(format!("{tag}: {}", inner(rest))),
            // A chart's own title (a mark's title has no id).
            "title" if rest.starts_with("<title id=") => lines.push(format!("  chart: {}", inner(rest))),
            "th" => lines.push(format!("    column: {}", inner(rest))),
            _ => {}
        }
        rest = &rest[1..];
    }
    lines.dedup();
    lines.join("\n")
}

#[test]
fn the_report_keeps_its_structure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = demo_report(dir.path(), 42);
    insta::assert_snapshot!(skeleton(&page));
}

/// The Node.js driver of the browser test and Chromium, when the test setup installed them.
fn browser() -> Option<PathBuf> {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/report.mjs");
    let present = driver.with_file_name("node_modules/playwright-core").is_dir()
        && Path::new("/usr/bin/chromium").exists()
        && Command::new("node").arg("--version").output().is_ok();
    installed(present, "Chromium, Node.js and tests/browser/node_modules").then_some(driver)
}

#[test]
fn a_browser_finds_nothing_to_trip_on() {
    let Some(driver) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    demo_report(dir.path(), 7);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    fs_err::create_dir_all(&shots).expect("screenshot folder");
    let ran = Command::new("node")
        .arg(&driver)
        .arg(dir.path().join("out/report.html"))
        .arg(&shots)
        .output()
        .expect("node runs");
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));
    let found: serde_json::Value = serde_json::from_slice(&ran.stdout).expect("json");
    for problem in [
        "consoleErrors",
        "requests",
        "emptyCharts",
        "brokenLinks",
        "untitledSvgs",
        "headingSkips",
    ] {
        assert_eq!(found[problem], serde_json::json!([]), "{problem}: {found}");
    }
    assert_eq!(
        found["scrollAt390"], 0,
        "no horizontal scroll on a phone: {found}"
    );
    assert!(found["charts"].as_u64().unwrap() >= 6, "{found}");
    assert_eq!(found["links"].as_u64(), Some(11), "{found}");
    assert!(shots.join("report-390.png").is_file());
}
