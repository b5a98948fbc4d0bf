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
fn a_character_split_by_a_delimiter_is_not_utf8() {
    // "é" is C3 A9: with a comma between its bytes, the row's fields end to end are valid
    // UTF-8, but neither field is.
    let mut bytes = b"account_id,name\nA1,Acme\nA2".to_vec();
    bytes.extend([0xc3, b',', 0xa9]);
    bytes.extend(b"x\nA3,Gamma\n");
    check(
        &[("accounts.csv", &bytes)],
        &[("accounts", 3, "account_id", "not valid UTF-8")],
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
    let acquisition = "account_id,cac,channel,month,spend\nA2,100,,,\n,,ads,2024-01,500\nA2,,ads,,\n";
    check(
        &[
            ("accounts.csv", accounts.as_bytes()),
            ("activity_rates.csv", rates.as_bytes()),
            ("acquisition.csv", acquisition.as_bytes()),
        ],
        &[
            ("activity_rates", 3, "unit_cost|pool_cost", "exactly one"),
            ("activity_rates", 4, "unit_cost|pool_cost", "exactly one"),
            ("accounts", 2, "churned_at", "before customer_since"),
            (
                "acquisition",
                4,
                "",
                "either all of account_id, cac or all of channel, month, spend",
            ),
        ],
        &[("accounts", 1), ("activity_rates", 1), ("acquisition", 2)],
    );
}

#[test]
fn unknown_referrer() {
    let text = "account_id,referred_by\nA1,\nA2,A1\nA3,ZZ\nA4,A3\n";
    // The account rejected for its referrer is not among the accounts later tables refer to;
    // the one it referred stays, since its referrer was read.
    let tx = "account_id,date,amount\nA2,2024-01-01,5\nA3,2024-01-02,7\nA4,2024-01-03,9\n";
    check(
        &[
            ("accounts.csv", text.as_bytes()),
            ("transactions.csv", tx.as_bytes()),
        ],
        &[
            ("accounts", 4, "referred_by", "`ZZ` is not in accounts"),
            (
                "transactions",
                3,
                "account_id",
                "account_id `A3` is not in accounts",
            ),
        ],
        &[("accounts", 3), ("transactions", 2)],
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
fn too_many_rejects_stop_the_reading_where_the_table_is_certain_to_pass_the_limit() {
    // 200 rows, the first 10 bad: 3 rejects pass 1% of the at most 202 rows.
    let mut accounts = String::from("account_id,name,employees\n");
    for row in 1..=200 {
        let employees = if row <= 10 { "many" } else { "10" };
        accounts.push_str(&format!("A{row},Company {row},{employees}\n"));
    }
    let dir = data_folder(&[("accounts.csv", &accounts)]);
    let outcome = validate(dir.path(), &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("`accounts`: 3 of 3 rows rejected (100.0%) when reading stopped after line 4"),
        "{}",
        outcome.stderr
    );
    let lines: Vec<(u64, &str)> = outcome.rejects.iter().map(|r| (r.1, r.2.as_str())).collect();
    assert_eq!(
        lines,
        [(2, "employees"), (3, "employees"), (4, "employees"), (4, "")]
    );
    assert!(
        outcome.rejects[3]
            .3
            .contains("the rows after this line were not checked"),
        "{:?}",
        outcome.rejects[3]
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

/// `text` encoded as UTF-16, little- or big-endian, with its byte-order mark.
fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xff, 0xfe]
    } else {
        vec![0xfe, 0xff]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    bytes
}

#[test]
fn utf16_files_are_read_by_their_byte_order_mark() {
    let text = "account_id,name,employees\r\nA1,Café Ünal,10\r\nA2,Beta,x\r\nA3,Gamma,30\r\n";
    for little_endian in [true, false] {
        check(
            &[("accounts.csv", &utf16(text, little_endian))],
            &[("accounts", 3, "employees", "`x` is not a number")],
            &[("accounts", 2)],
        );
    }
}

#[test]
fn latin1_lines_are_rejected_unless_the_encoding_is_given() {
    // "Café" and "Müller" in Latin-1: one byte each for é and ü, never valid UTF-8.
    let mut bytes = b"account_id,name\nA1,Caf\xe9\nA2,Beta\nA3,M\xfcller\n".to_vec();
    check(
        &[("accounts.csv", &bytes)],
        &[
            ("accounts", 2, "name", "encoding"),
            ("accounts", 4, "name", "encoding"),
        ],
        &[("accounts", 1)],
    );
    let config = b"[accounts]\nencoding = \"latin-1\"\n";
    check(
        &[("accounts.csv", &bytes), ("northstar.toml", config)],
        &[],
        &[("accounts", 3)],
    );
    bytes.extend(b"A4,\xff\n");
    check(
        &[("accounts.csv", &bytes), ("northstar.toml", config)],
        &[],
        &[("accounts", 4)],
    );
}

#[test]
fn mixed_line_ends_keep_line_numbers_right() {
    let text = "account_id,name,employees\r\nA1,Acme,10\nA2,Beta,x\rA3,Gamma,30\r\nA4,Delta,y\n";
    check(
        &[("accounts.csv", text.as_bytes())],
        &[
            ("accounts", 3, "employees", "not a number"),
            ("accounts", 5, "employees", "not a number"),
        ],
        &[("accounts", 2)],
    );
}

#[test]
fn a_ten_megabyte_field_is_rejected_and_the_rows_after_it_arrive() {
    let huge = "x".repeat(10 << 20);
    let text = format!("account_id,name\nA1,Acme\nA2,\"{huge}\"\nA3,Gamma\n");
    check(
        &[("accounts.csv", text.as_bytes())],
        &[("accounts", 3, "name", "the limit is 65536")],
        &[("accounts", 2)],
    );
}

#[test]
fn a_header_repeated_mid_file_is_rejected() {
    let text = "account_id,name\nA1,Acme\naccount_id,name\nA2,Beta\n";
    check(
        &[("accounts.csv", text.as_bytes())],
        &[("accounts", 3, "", "header repeated")],
        &[("accounts", 2)],
    );
}

#[test]
fn dates_before_1900_or_after_2100_are_rejected() {
    let tx = "account_id,date,amount\nA1,1899-12-31,5\nA2,1900-01-01,5\nA3,2100-12-31,5\nA1,2101-01-01,5\nA2,9999-12-31,5\n";
    check(
        &with_accounts("transactions.csv", tx.as_bytes()),
        &[
            ("transactions", 2, "date", "outside the years 1900 to 2100"),
            ("transactions", 5, "date", "outside the years 1900 to 2100"),
            ("transactions", 6, "date", "placeholder"),
        ],
        &[("transactions", 2)],
    );
}

#[test]
fn numbers_that_are_not_finite_are_rejected() {
    let tx = "account_id,date,amount\nA1,2024-01-01,NaN\nA2,2024-01-01,inf\nA3,2024-01-01,1e400\nA1,2024-01-01,-0.5\n";
    check(
        &with_accounts("transactions.csv", tx.as_bytes()),
        &[
            ("transactions", 2, "amount", "not a number"),
            ("transactions", 3, "amount", "not a number"),
            ("transactions", 4, "amount", "too large"),
        ],
        &[("transactions", 1)],
    );
}

#[test]
fn a_mapping_expression_that_fails_on_some_rows_rejects_those_rows() {
    let tx = "Customer,Day,Qty,Price\nA1,2024-01-01,2,2.5\nA2,2024-01-02,two,2.5\nA3,2024-01-03,1,4\n";
    let config = "[transactions]\naccount_id = \"Customer\"\ndate = \"Day\"\namount = \"CAST(Qty AS DOUBLE) * Price\"\n";
    check(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("transactions.csv", tx.as_bytes()),
            ("northstar.toml", config.as_bytes()),
        ],
        &[("transactions", 3, "amount", "expression fails on this row")],
        &[("transactions", 2)],
    );
}

/// Runs `validate` on `files` and returns its error, which must be an exit 1.
fn refused(files: &[(&str, &str)]) -> String {
    let dir = data_folder(files);
    let outcome = validate(dir.path(), &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    outcome.stderr
}

#[test]
fn duplicate_header_names_are_an_error_naming_both() {
    let text = "account_id,Notes,name,notes\nA1,a,Acme,b\n";
    let error = refused(&[("accounts.csv", text)]);
    assert!(
        error.contains("`Notes` (column 2) and `notes` (column 4)"),
        "{error}"
    );
    let text = "account_id,employees,name,Employees\nA1,10,Acme,12\n";
    let error = refused(&[("accounts.csv", text)]);
    assert!(
        error.contains("`employees` (column 2) and `Employees` (column 4)"),
        "{error}"
    );
}

#[test]
fn two_source_columns_mapped_to_one_column_are_an_error_naming_both() {
    let text = "account_id,Headcount,employees\nA1,10,12\n";
    let config = "[accounts]\nemployees = \"Headcount\"\n";
    let error = refused(&[("accounts.csv", text), ("northstar.toml", config)]);
    assert!(
        error.contains("column `employees`")
            && error.contains("`Headcount` (column 2) and `employees` (column 3)")
            && error.contains("ignore"),
        "{error}"
    );
    // Naming the other under `ignore` settles it.
    let config = "[accounts]\nemployees = \"Headcount\"\nignore = [\"employees\"]\n";
    check(
        &[
            ("accounts.csv", text.as_bytes()),
            ("northstar.toml", config.as_bytes()),
        ],
        &[],
        &[("accounts", 1)],
    );
}

#[test]
fn xlsx_formula_error_and_date_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("transactions.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["account_id", "date", "amount"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    let day = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 3, 1).expect("date");
    // Row 2: a date cell and a formula with its computed value.
    sheet.write_string(1, 0, "A1").expect("cell");
    sheet.write_datetime_with_format(1, 1, &date, &day).expect("cell");
    sheet
        .write_formula(1, 2, rust_xlsxwriter::Formula::new("=2*21").set_result("42"))
        .expect("cell");
    // Row 3: a formula whose value is an error.
    sheet.write_string(2, 0, "A2").expect("cell");
    sheet.write_datetime_with_format(2, 1, &date, &day).expect("cell");
    sheet
        .write_formula(2, 2, rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"))
        .expect("cell");
    // Row 4: a date as a bare serial number, with no date format.
    sheet.write_string(3, 0, "A3").expect("cell");
    sheet.write_number(3, 1, 45352.0).expect("cell");
    sheet.write_number(3, 2, 7.0).expect("cell");
    book.save(&path).expect("save");
    let bytes = fs_err::read(&path).expect("read");
    check(
        &with_accounts("transactions.xlsx", &bytes),
        &[
            ("transactions", 3, "amount", "spreadsheet error"),
            ("transactions", 4, "date", "not an ISO 8601 date"),
        ],
        &[("transactions", 1)],
    );
}

#[test]
fn jsonl_with_nested_objects_and_lists() {
    let accounts = concat!(
        "{\"account_id\":\"A1\",\"technologies\":[\"Snowflake\",\"Salesforce\"],\"hq\":null}\n",
        "{\"account_id\":\"A2\",\"technologies\":[\"Snowflake\"],\"hq\":{\"city\":\"Oslo\"}}\n",
        "{\"account_id\":\"A3\",\"technologies\":[1, 2],\"hq\":\"Lyon\"}\n",
        "{\"account_id\":\"A4\",\"technologies\":[],\"hq\":\"Rome\"}\n",
    );
    check(
        &[("accounts.jsonl", accounts.as_bytes())],
        &[
            ("accounts", 2, "hq", "nested objects are not supported"),
            ("accounts", 3, "technologies", "a list must hold only strings"),
        ],
        &[("accounts", 2)],
    );
}

#[test]
fn parquet_with_list_struct_and_decimal_columns_and_nulls() {
    use std::sync::Arc;

    use northstar_engine::arrow::array::{
        ArrayRef, Decimal128Array, Int64Array, ListBuilder, StringArray, StringBuilder, StructArray,
    };
    use northstar_engine::arrow::datatypes::{DataType, Field};
    use northstar_engine::arrow::record_batch::RecordBatch;
    use northstar_engine::parquet::arrow::ArrowWriter;

    let mut technologies = ListBuilder::new(StringBuilder::new());
    technologies.values().append_value("Snowflake");
    technologies.values().append_value("Salesforce");
    technologies.append(true);
    technologies.append(false);
    technologies.values().append_value("SAP");
    technologies.append(true);
    let hq = StructArray::from(vec![(
        Arc::new(Field::new("city", DataType::Utf8, true)),
        Arc::new(StringArray::from(vec![None, Some("Oslo"), None])) as ArrayRef,
    )]);
    let hq = StructArray::try_new(
        hq.fields().clone(),
        hq.columns().to_vec(),
        Some(vec![false, true, false].into()),
    )
    .expect("struct");
    let revenue = Decimal128Array::from(vec![Some(1_234_550), None, Some(-5)])
        .with_precision_and_scale(12, 2)
        .expect("decimal");
    let batch = RecordBatch::try_from_iter([
        (
            "account_id",
            Arc::new(StringArray::from(vec!["A1", "A2", "A3"])) as ArrayRef,
        ),
        (
            "employees",
            Arc::new(Int64Array::from(vec![Some(10), None, Some(30)])) as ArrayRef,
        ),
        ("annual_revenue", Arc::new(revenue) as ArrayRef),
        ("technologies", Arc::new(technologies.finish()) as ArrayRef),
        ("hq", Arc::new(hq) as ArrayRef),
    ])
    .expect("batch");
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    // A3's revenue, -0.05, is negative; A2's `hq` is a structure.
    check(
        &[("accounts.parquet", &bytes)],
        &[
            ("accounts", 2, "hq", "nested"),
            ("accounts", 3, "annual_revenue", "must not be negative"),
        ],
        &[("accounts", 1)],
    );
}

#[test]
fn a_truncated_gzip_file_is_an_error_naming_it() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(ACCOUNTS.repeat(50).as_bytes()).expect("gzip");
    let mut gz = gz.finish().expect("gzip");
    gz.truncate(gz.len() / 2);
    let dir = tempfile::tempdir().expect("tempdir");
    fs_err::write(dir.path().join("accounts.csv.gz"), &gz).expect("write");
    let outcome = validate(dir.path(), &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.starts_with("error: ") && outcome.stderr.contains("accounts.csv.gz"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn jsonl_with_a_byte_order_mark_and_crlf_lines() {
    let tx = "\u{feff}{\"account_id\":\"A1\",\"date\":\"2024-01-01\",\"amount\":5}\r\n{\"account_id\":\"A2\",\"date\":\"2024-01-02\",\"amount\":\"x\"}\r\n";
    check(
        &with_accounts("transactions.jsonl", tx.as_bytes()),
        &[("transactions", 2, "amount", "not a number")],
        &[("transactions", 1)],
    );
}

#[test]
fn an_unnamed_trailing_column_is_left_out() {
    let text = "account_id,name,\nA1,Acme,\nA2,Beta,x\n";
    check(&[("accounts.csv", text.as_bytes())], &[], &[("accounts", 2)]);
}
