//! The bad-input corpus: each kind of broken input gives exact rejects (table, line, column and
//! reason), the right exit code, and every good row still arrives.

use std::path::Path;
use std::process::Command;

use crate::support::{data_folder, read_csv};

const ACCOUNTS: &str = "account_id,name,employees\nA1,Acme,10\nA2,Beta,20\nA3,Gamma,30\n";

/// One expected reject: table, line, column, and a piece of the reason.
type Want = (&'static str, u64, &'static str, &'static str);

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    rejects: Vec<(String, u64, String, String)>,
    accepted: Vec<(String, u64)>,
}

fn validate(dir: &Path, extra: &[&str]) -> Outcome {
    let rejects = dir.join("rejects-out.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_northstar"))
        .arg("validate")
        .arg(dir)
        .arg("--json")
        .arg("--rejects")
        .arg(&rejects)
        .args(extra)
        .output()
        .expect("northstar runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let accepted = serde_json::from_str::<serde_json::Value>(&stdout)
        .ok()
        .and_then(|v| v["tables"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap_or("").to_owned(),
                t["rows_accepted"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let rejects = if rejects.exists() {
        read_csv(&rejects)
            .into_iter()
            .map(|r| {
                (
                    r["table"].clone(),
                    r["line"].parse().expect("line"),
                    r["column"].clone(),
                    r["reason"].clone(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        rejects,
        accepted,
    }
}

/// Checks a corpus case: with no limit, exactly `want` rejects and `accepted` rows per table; with
/// the default 1% limit, exit code 1 when anything was rejected.
fn check(files: &[(&str, &[u8])], want: &[Want], accepted: &[(&str, u64)]) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in files {
        fs_err::write(dir.path().join(name), bytes).expect("write");
    }
    let lenient = validate(dir.path(), &["--max-rejects", "100"]);
    assert_eq!(lenient.code, 0, "{}", lenient.stderr);
    let got: Vec<(&str, u64, &str)> = lenient
        .rejects
        .iter()
        .map(|(t, l, c, _)| (t.as_str(), *l, c.as_str()))
        .collect();
    let expected: Vec<(&str, u64, &str)> = want.iter().map(|(t, l, c, _)| (*t, *l, *c)).collect();
    assert_eq!(got, expected, "rejects; stdout {}", lenient.stdout);
    for ((_, _, _, reason), (_, _, _, piece)) in lenient.rejects.iter().zip(want) {
        assert!(
            reason.contains(piece),
            "reason `{reason}` should mention `{piece}`"
        );
    }
    for (table, rows) in accepted {
        let got = lenient.accepted.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
        assert_eq!(got, Some(*rows), "accepted rows of {table}");
    }
    let strict = validate(dir.path(), &[]);
    let expected_code = if want.is_empty() { 0 } else { 1 };
    assert_eq!(strict.code, expected_code, "{}", strict.stderr);
    if expected_code == 1 {
        assert!(
            strict.stderr.contains("too many rejected rows"),
            "{}",
            strict.stderr
        );
    }
}

/// A data folder whose accounts are good and whose `name` table holds `content`.
fn with_accounts<'a>(name: &'a str, content: &'a [u8]) -> Vec<(&'a str, &'a [u8])> {
    vec![("accounts.csv", ACCOUNTS.as_bytes()), (name, content)]
}

#[test]
fn byte_order_mark_is_ignored() {
    let text = format!("\u{feff}{ACCOUNTS}");
    check(&[("accounts.csv", text.as_bytes())], &[], &[("accounts", 3)]);
}

#[test]
fn quoted_newlines_keep_line_numbers_right() {
    let text = "account_id,name,employees\nA1,\"Acme\nand Sons\",10\nA2,Beta,x\nA3,Gamma,30\n";
    check(
        &[("accounts.csv", text.as_bytes())],
        &[("accounts", 4, "employees", "`x` is not a number")],
        &[("accounts", 2)],
    );
}

#[test]
fn ragged_rows() {
    let text = "account_id,name,employees\nA1,Acme,10\nA2,Beta,20,extra\nA3,Gamma\nA4,Delta,40\n";
    check(
        &[("accounts.csv", text.as_bytes())],
        &[
            ("accounts", 3, "", "4 fields but the header has 3"),
            ("accounts", 4, "", "2 fields but the header has 3"),
        ],
        &[("accounts", 2)],
    );
}

#[test]
fn header_only_is_an_empty_table() {
    check(&[("accounts.csv", b"account_id,name\n")], &[], &[("accounts", 0)]);
}

#[test]
fn bad_dates() {
    let tx = "account_id,date,amount\nA1,2024-01-31,10\nA2,31/01/2024,10\nA3,2024-02-30,10\n";
    check(
        &with_accounts("transactions.csv", tx.as_bytes()),
        &[
            ("transactions", 3, "date", "not an ISO 8601 date"),
            ("transactions", 4, "date", "not an ISO 8601 date"),
        ],
        &[("transactions", 1), ("accounts", 3)],
    );
}

#[test]
fn money_with_currency_symbols_is_rejected_unless_configured() {
    let tx = "account_id,date,amount\nA1,2024-01-31,\"$1,200\"\nA2,2024-01-31,1200\n";
    check(
        &with_accounts("transactions.csv", tx.as_bytes()),
        &[("transactions", 2, "amount", "number_format")],
        &[("transactions", 1)],
    );
    let config = "[transactions]\nnumber_format = \"us\"\n";
    check(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("transactions.csv", tx.as_bytes()),
            ("northstar.toml", config.as_bytes()),
        ],
        &[],
        &[("transactions", 2)],
    );
}

#[test]
fn negative_quantity() {
    let rates = "activity,unit_cost\nticket,20\n";
    let activities = "account_id,activity,quantity\nA1,ticket,3\nA2,ticket,-3\n";
    check(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("activity_rates.csv", rates.as_bytes()),
            ("activities.csv", activities.as_bytes()),
        ],
        &[("activities", 3, "quantity", "quantity must not be negative")],
        &[("activities", 1), ("activity_rates", 1)],
    );
}

#[test]
fn unknown_account_and_unknown_activity() {
    let rates = "activity,unit_cost\nticket,20\n";
    let activities = "account_id,activity,quantity\nA1,ticket,3\nZZ,ticket,1\nA2,call,1\n";
    check(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("activity_rates.csv", rates.as_bytes()),
            ("activities.csv", activities.as_bytes()),
        ],
        &[
            (
                "activities",
                3,
                "account_id",
                "account_id `ZZ` is not in accounts",
            ),
            (
                "activities",
                4,
                "activity",
                "activity `call` is not in activity_rates",
            ),
        ],
        &[("activities", 1)],
    );
}

#[test]
fn duplicate_ids() {
    let text = "account_id,name\nA1,Acme\nA2,Beta\nA1,Acme again\n";
    check(
        &[("accounts.csv", text.as_bytes())],
        &[("accounts", 4, "account_id", "first on line 2")],
        &[("accounts", 2)],
    );
}

#[test]
fn non_utf8_field() {
    let mut bytes = b"account_id,name\nA1,Acme\nA2,Caf".to_vec();
    bytes.extend([0xe9, b'\n']);
    bytes.extend(b"A3,Gamma\n");
    check(
        &[("accounts.csv", &bytes)],
        &[("accounts", 3, "name", "not valid UTF-8")],
        &[("accounts", 2)],
    );
}

#[test]
fn very_long_field_or_unclosed_quote() {
    let long = "x".repeat(70_000);
    let text = format!("account_id,name\nA1,Acme\nA2,{long}\nA3,Gamma\n");
    check(
        &[("accounts.csv", text.as_bytes())],
        &[("accounts", 3, "name", "bytes long")],
        &[("accounts", 2)],
    );
}

#[test]
fn nps_outside_zero_to_ten_and_fractional() {
    let nps = "account_id,score\nA1,9\nA2,11\nA3,7.5\n";
    check(
        &with_accounts("nps.csv", nps.as_bytes()),
        &[
            ("nps", 3, "score", "between 0 and 10"),
            ("nps", 4, "score", "not a whole number"),
        ],
        &[("nps", 1)],
    );
}

#[test]
fn words_outside_the_allowed_set() {
    let deals = "deal_id,account_id,stage\nD1,A1,won\nD2,A2,WON\nD3,A3,maybe\n";
    check(
        &with_accounts("deals.csv", deals.as_bytes()),
        &[("deals", 4, "stage", "`maybe` is not one of won, lost, open")],
        &[("deals", 2)],
    );
}

#[test]
fn missing_required_value() {
    let tx = "account_id,date,amount\nA1,2024-01-31,\nA2,2024-01-31,5\n";
    check(
        &with_accounts("transactions.csv", tx.as_bytes()),
        &[("transactions", 2, "amount", "required value is missing")],
        &[("transactions", 1)],
    );
}

#[test]
fn row_rules_across_columns() {
    let rates = "activity,unit_cost,pool_cost\nticket,20,\ncall,5,100\nvisit,,\n";
    let accounts = "account_id,customer_since,churned_at\nA1,2024-01-01,2023-01-01\nA2,2024-01-01,\n";
    check(
        &[
            ("accounts.csv", accounts.as_bytes()),
            ("activity_rates.csv", rates.as_bytes()),
        ],
        &[
            ("activity_rates", 3, "unit_cost|pool_cost", "exactly one"),
            ("activity_rates", 4, "unit_cost|pool_cost", "exactly one"),
            ("accounts", 2, "churned_at", "before customer_since"),
        ],
        &[("accounts", 1), ("activity_rates", 1)],
    );
}

#[test]
fn unknown_referrer() {
    let text = "account_id,referred_by\nA1,\nA2,A1\nA3,ZZ\n";
    check(
        &[("accounts.csv", text.as_bytes())],
        &[("accounts", 4, "referred_by", "`ZZ` is not in accounts")],
        &[("accounts", 2)],
    );
}

#[test]
fn json_lines_with_a_broken_line() {
    let tx = "{\"account_id\":\"A1\",\"date\":\"2024-01-01\",\"amount\":5}\n{not json}\n\n{\"account_id\":\"A2\",\"date\":\"2024-01-02\",\"amount\":7,\"extra\":1}\n{\"account_id\":\"A3\",\"date\":\"2024-01-03\",\"amount\":\"9\"}\n";
    check(
        &with_accounts("transactions.jsonl", tx.as_bytes()),
        &[
            ("transactions", 2, "", "not valid JSON"),
            ("transactions", 4, "extra", "not among the first line's keys"),
        ],
        &[("transactions", 2)],
    );
}

#[test]
fn tsv_and_gzip() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"account_id,date,amount\nA1,2024-01-01,5\nA2,2024-01-02,bad\n")
        .expect("gzip");
    let gz = gz.finish().expect("gzip");
    let tsv = "account_id\tname\nA1\tAcme\nA2\tBeta\nA3\tGamma\n";
    check(
        &[("accounts.tsv", tsv.as_bytes()), ("transactions.csv.gz", &gz)],
        &[("transactions", 3, "amount", "not a number")],
        &[("accounts", 3), ("transactions", 1)],
    );
}

#[test]
fn xlsx_with_merged_and_blank_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("accounts.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["account_id", "name", "employees"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    sheet.write_string(1, 0, "A1").expect("cell");
    sheet.write_string(1, 1, "Acme").expect("cell");
    sheet.write_number(1, 2, 10.0).expect("cell");
    // Row 3 is blank. Rows 4–5 share a merged account_id cell: row 5's is empty.
    let format = rust_xlsxwriter::Format::new();
    sheet.merge_range(3, 0, 4, 0, "A2", &format).expect("merge");
    sheet.write_string(3, 1, "Beta").expect("cell");
    sheet.write_string(4, 1, "Beta East").expect("cell");
    sheet.write_string(5, 0, "A3").expect("cell");
    sheet.write_number(5, 2, 1200.0).expect("cell");
    book.save(&path).expect("save");
    let bytes = fs_err::read(&path).expect("read");
    check(
        &[("accounts.xlsx", &bytes)],
        &[
            ("accounts", 3, "", "blank row"),
            ("accounts", 5, "account_id", "required value is missing"),
        ],
        &[("accounts", 3)],
    );
}

#[test]
fn where_filter_excludes_without_rejecting() {
    let tx = "Customer,InvoiceNo,Qty,Price,When\nA1,1,2,2.5,2024-01-01\nA1,C2,-2,2.5,2024-01-02\n,3,1,1.0,2024-01-03\nA2,4,x,1.0,2024-01-04\n";
    let config = "[transactions]\naccount_id = \"Customer\"\ndate = \"When\"\namount = \"TRY_CAST(Qty AS DOUBLE) * Price\"\nwhere = \"Customer IS NOT NULL AND InvoiceNo NOT LIKE 'C%'\"\n";
    let dir = data_folder(&[
        ("accounts.csv", ACCOUNTS),
        ("transactions.csv", tx),
        ("northstar.toml", config),
    ]);
    let outcome = validate(dir.path(), &["--max-rejects", "100"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let tables: serde_json::Value = serde_json::from_str(&outcome.stdout).expect("json");
    let tx = tables["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["table"] == "transactions")
        .expect("tx")
        .clone();
    assert_eq!(
        (tx["rows_read"].as_u64(), tx["rows_excluded"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(
        (tx["rows_accepted"].as_u64(), tx["rows_rejected"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(outcome.rejects.len(), 1);
    assert_eq!(
        (outcome.rejects[0].1, outcome.rejects[0].2.as_str()),
        (5, "amount")
    );
}

#[test]
fn file_level_errors_stop_with_exit_1_and_say_what_to_do() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("accounts.csv", "account_id;name\nA1;Acme\n")],
            "looks `;`-delimited",
        ),
        (
            &[("accounts.csv", "id,name\nA1,Acme\n")],
            "has no column `account_id`",
        ),
        (&[("accounts.csv", "")], "is empty"),
        (
            &[("accounts.csv", ACCOUNTS), ("accounts.tsv", "account_id\nA1\n")],
            "has 2 files",
        ),
        (&[("nps.csv", "account_id,score\n")], "no `accounts` table"),
        (
            &[
                ("accounts.csv", ACCOUNTS),
                ("northstar.toml", "[accounts]\nindustri = \"x\"\n"),
            ],
            "unknown key `industri`",
        ),
        (
            &[
                ("accounts.csv", ACCOUNTS),
                ("transactions.csv", "a,b\n1,2\n"),
                (
                    "northstar.toml",
                    "[transactions]\naccount_id = \"a\"\ndate = \"b\"\namount = \"nosuch * 2\"\n",
                ),
            ],
            "column `amount`",
        ),
    ];
    for (files, message) in cases {
        let dir = data_folder(files);
        let outcome = validate(dir.path(), &[]);
        assert_eq!(outcome.code, 1, "{message}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains(message),
            "expected `{message}` in: {}",
            outcome.stderr
        );
        assert!(outcome.stderr.starts_with("error: "), "{}", outcome.stderr);
    }
}

#[test]
fn one_source_column_may_feed_two_columns() {
    let tx = "account_id,date,Amt\nA1,2024-01-01,12.5\nA2,2024-01-02,7\n";
    let config = "[transactions]\namount = \"Amt\"\ncost = \"Amt\"\n";
    let dir = data_folder(&[
        ("accounts.csv", ACCOUNTS),
        ("transactions.csv", tx),
        ("northstar.toml", config),
    ]);
    let out = tempfile::tempdir().expect("tempdir");
    let output = crate::support::northstar(&[
        "build",
        dir.path().to_str().expect("utf-8"),
        "--out",
        out.path().to_str().expect("utf-8"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = read_csv(&out.path().join("accounts.csv"));
    let costs: Vec<(String, String, String)> = rows
        .into_iter()
        .map(|r| {
            (
                r["account_id"].clone(),
                r["revenue"].clone(),
                r["direct_cost"].clone(),
            )
        })
        .collect();
    let want = [("A1", "12.5", "12.5"), ("A2", "7", "7"), ("A3", "0", "0")];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(costs, want, "amount and cost both take `Amt`");
}
