//! Acting on the ICP: `score` on any list agrees with the build's prospects_scored.csv, the SQL
//! scorer reproduces every score in DuckDB and in PostgreSQL, and the target list's spreadsheet
//! holds the CSV's rows.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{demo, installed, northstar, read_csv, rows_by_account};

#[test]
fn score_on_a_list_gives_the_build_s_scores_and_reasons() {
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path(), 42);
    let out = dir.path().join("out");
    let scored = dir.path().join("scored.csv");
    let output = northstar(&[
        "score",
        "--icp",
        out.join("icp.json").to_str().expect("utf-8"),
        dir.path().join("data/prospects.csv").to_str().expect("utf-8"),
        "--out",
        scored.to_str().expect("utf-8"),
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let built = rows_by_account(&out.join("prospects_scored.csv"));
    let listed = read_csv(&scored);
    assert_eq!(report["accounts"].as_u64(), Some(listed.len() as u64));
    assert!(listed.len() > 500, "{}", listed.len());
    let columns = [
        "in_sam",
        "fit_score",
        "tier",
        "reasons",
        "to_tier_1",
        "nearest_customer",
    ];
    for row in &listed {
        let from_build = &built[&row["account_id"]];
        for c in columns {
            assert_eq!(row[c], from_build[c], "{} {c}", row["account_id"]);
        }
        assert_eq!(row["industry"], from_build["industry"], "attributes follow");
    }
    let tier_1 = listed.iter().filter(|r| r["tier"] == "1").count() as u64;
    assert_eq!(report["tiers"][0].as_u64(), Some(tier_1));

    // Brief output to standard output: four columns, the same scores.
    let output = northstar(&[
        "score",
        "--icp",
        out.to_str().expect("utf-8"),
        dir.path().join("data/prospects.csv").to_str().expect("utf-8"),
        "--brief",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("account_id,in_sam,fit_score,tier"));
    let brief: Vec<&str> = lines.collect();
    assert_eq!(brief.len(), listed.len());
    for (line, row) in brief.iter().zip(&listed) {
        let full = [
            &row["account_id"],
            &row["in_sam"],
            &row["fit_score"],
            &row["tier"],
        ];
        assert_eq!(
            line.split(',').collect::<Vec<_>>(),
            full,
            "brief scores are the full ones"
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("accounts scored with ICP"), "{stderr}");

    // The same list with bad rows: they are rejected by line, the others scored as before.
    let list = std::fs::read_to_string(dir.path().join("data/prospects.csv")).expect("list");
    let first = list.lines().nth(1).expect("a prospect").to_owned();
    let bad = [
        first.clone(),                                      // a duplicate id
        "X1,Bad Co,Media,many,1,US,1990,B2B,,,".to_owned(), // employees not a number
        "X2,Bad Co,Media,-5,1,US,1990,B2B,,,".to_owned(),   // negative employees
    ];
    let with_bad = format!("{}{}\n", list, bad.join("\n"));
    let bad_list = dir.path().join("bad/prospects.csv");
    std::fs::create_dir_all(bad_list.parent().expect("folder")).expect("folder");
    std::fs::write(&bad_list, &with_bad).expect("bad list");
    let lines = with_bad.lines().count() as u64;
    let rejects = dir.path().join("rejects.csv");
    let scored_again = dir.path().join("scored-again.csv");
    let score_bad = |max_rejects: &str| {
        northstar(&[
            "score",
            "--icp",
            out.to_str().expect("utf-8"),
            bad_list.to_str().expect("utf-8"),
            "--out",
            scored_again.to_str().expect("utf-8"),
            "--rejects",
            rejects.to_str().expect("utf-8"),
            "--max-rejects",
            max_rejects,
            "--json",
        ])
    };
    let output = score_bad("50");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["rejected"].as_u64(), Some(3));
    assert_eq!(read_csv(&scored_again), listed, "the good rows, scored as before");
    let rejected: Vec<(String, String)> = read_csv(&rejects)
        .iter()
        .map(|r| (r["line"].clone(), r["column"].clone()))
        .collect();
    let at = |from_end: u64, column: &str| ((lines + 1 - from_end).to_string(), column.to_owned());
    assert_eq!(
        rejected,
        [at(3, "account_id"), at(2, "employees"), at(1, "employees")]
    );

    // Past the reject limit: exit 1, and the scores written before are left as they were.
    let before = std::fs::read(&scored_again).expect("scores");
    let output = score_bad("0.1");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--max-rejects"), "{stderr}");
    assert_eq!(std::fs::read(&scored_again).expect("scores"), before);
}

/// The Python of the test environment (`scripts/setup.sh` makes it), with DuckDB.
fn python_with_duckdb() -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let works = Command::new(&python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    installed(works, ".venv/bin/python with duckdb").then_some(python)
}

/// Makes the demo of seed 7 in `dir` and returns the SQL scorer of its ICP in `dialect` over the
/// table `prospects`, and the table's columns the scorer needs beside account_id.
fn demo_scorer(dir: &Path, dialect: &str) -> (String, Vec<String>) {
    demo(dir, 7);
    let icp = dir.join("out/icp.json");
    let output = northstar(&[
        "sql",
        "--icp",
        icp.to_str().expect("utf-8"),
        "--dialect",
        dialect,
        "--table",
        "prospects",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sql = String::from_utf8(output.stdout).expect("utf-8");
    let needs = sql
        .split("-- The table needs account_id and ")
        .nth(1)
        .and_then(|rest| rest.split(".\n").next())
        .expect("the scorer names the columns it needs");
    let needs = needs.split(", ").map(str::to_owned).collect();
    (sql, needs)
}

/// Checks that `rows`, the SQL scorer's answer over the demo's prospects.csv in `dir`, are the
/// build's scores and reasons of every prospect of that table, in and outside the SAM and in
/// every tier.
fn assert_the_build_s_scores(dir: &Path, rows: &[std::collections::BTreeMap<String, String>]) {
    let built = rows_by_account(&dir.join("out/prospects_scored.csv"));
    let from_prospects = built
        .values()
        .filter(|r| r["source"].starts_with("prospects"))
        .count();
    assert_eq!(rows.len(), from_prospects);
    let mut tiers = [0; 4];
    for row in rows {
        let rust = &built[&row["account_id"]];
        for c in ["in_sam", "fit_score", "tier", "reasons"] {
            assert_eq!(row[c], rust[c], "{} {c}", row["account_id"]);
        }
        tiers[row["tier"].parse::<usize>().unwrap_or(0)] += 1;
    }
    assert!(
        tiers.iter().all(|&t| t > 0),
        "every tier and the outside are compared: {tiers:?}"
    );
}

#[test]
fn the_sql_scorer_reproduces_every_score_in_duckdb() {
    let Some(python) = python_with_duckdb() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (sql, needs) = demo_scorer(dir.path(), "duckdb");
    let query = dir.path().join("scorer.sql");
    fs_err::write(&query, &sql).expect("write sql");
    let results = dir.path().join("duckdb.csv");
    let script = r#"
import sys, duckdb
data, query, out = sys.argv[1:4]
needs = sys.argv[4:]
con = duckdb.connect()
con.execute(f"CREATE TABLE prospects AS SELECT * FROM read_csv('{data}', header=true)")
sql = open(query).read()
have = {r[0] for r in con.execute("DESCRIBE prospects").fetchall()}
for column in needs:
    if column not in have:
        # What the list does not hold is unknown: NULL, as the scorer reads an absent column.
        con.execute(f'ALTER TABLE prospects ADD COLUMN "{column}" VARCHAR')
con.execute(f"COPY ({sql.rstrip().rstrip(';')}) TO '{out}' (HEADER, DELIMITER ',')")
"#;
    let ran = Command::new(&python)
        .args(["-c", script])
        .arg(dir.path().join("data/prospects.csv"))
        .arg(&query)
        .arg(&results)
        .args(&needs)
        .output()
        .expect("python runs");
    assert!(
        ran.status.success(),
        "{}\n{sql}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_the_build_s_scores(dir.path(), &read_csv(&results));
}

/// The binaries of a PostgreSQL server (`scripts/setup.sh` installs Debian's), and `psql`.
fn postgres_binaries() -> Option<PathBuf> {
    let found = fs_err::read_dir("/usr/lib/postgresql").ok().and_then(|versions| {
        versions
            .filter_map(Result::ok)
            .map(|v| v.path().join("bin"))
            .find(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
    });
    let psql = Command::new("psql")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    installed(found.is_some() && psql, "a PostgreSQL server and psql").then_some(found?)
}

/// A PostgreSQL server of its own, on a Unix socket in a temporary folder, stopped when dropped.
struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// The server refuses to run as root: it then runs as the `postgres` user.
    as_postgres: bool,
}

impl Postgres {
    /// Starts a server with the binaries in `bin`.
    fn start(bin: PathBuf) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let uid = Command::new("id").arg("-u").output().expect("id runs");
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        if as_postgres {
            use std::os::unix::fs::PermissionsExt;
            let open = std::fs::Permissions::from_mode(0o777);
            fs_err::set_permissions(dir.path(), open).expect("the server may write its socket");
        }
        let server = Self {
            bin,
            dir,
            as_postgres,
        };
        let data = server.dir.path().join("data");
        server.run(
            "initdb",
            &[
                "-D",
                data.to_str().expect("utf-8"),
                "-A",
                "trust",
                "-U",
                "northstar",
            ],
        );
        let options = format!("-k {} -c listen_addresses= -p 5432", server.dir.path().display());
        // The server writes to a log file, not to pg_ctl's output, which would then stay open.
        let log = server.dir.path().join("server.log");
        server.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().expect("utf-8"),
                "-l",
                log.to_str().expect("utf-8"),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        server
    }

    /// The server's program `program`, to run as the server's user.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if !self.as_postgres {
            return Command::new(path);
        }
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    }

    /// Runs the server's program `program` with `args`, as the server's user.
    fn run(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program)
            .args(args)
            .output()
            .expect("the server's programs run");
        assert!(
            output.status.success(),
            "{program}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs the SQL script `script` in psql and returns what it printed.
    fn psql(&self, script: &Path) -> String {
        let output = Command::new("psql")
            .arg("-h")
            .arg(self.dir.path())
            .args(["-p", "5432", "-U", "northstar", "-d", "postgres", "-X", "-q"])
            .args(["-v", "ON_ERROR_STOP=1", "-f"])
            .arg(script)
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

#[test]
fn the_sql_scorer_reproduces_every_score_in_postgresql() {
    let Some(bin) = postgres_binaries() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (sql, needs) = demo_scorer(dir.path(), "postgres");
    let data = dir.path().join("data/prospects.csv");
    let mut columns: Vec<String> = csv::Reader::from_path(&data)
        .expect("readable csv")
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let listed = columns.len();
    let missing: Vec<String> = needs.into_iter().filter(|n| !columns.contains(n)).collect();
    columns.extend(missing);
    // Every column as text, as the scorer reads them; what the list does not hold is NULL.
    let table: Vec<String> = columns.iter().map(|c| format!("\"{c}\" TEXT")).collect();
    let script = format!(
        "CREATE TABLE prospects ({});\n\\copy prospects ({}) FROM '{}' WITH (FORMAT csv, HEADER true)\nCOPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true);\n",
        table.join(", "),
        columns[..listed]
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", "),
        data.display(),
        sql.trim_end().trim_end_matches(';'),
    );
    let path = dir.path().join("parity.sql");
    fs_err::write(&path, script).expect("write script");
    let server = Postgres::start(bin);
    let results = dir.path().join("postgres.csv");
    fs_err::write(&results, server.psql(&path)).expect("write results");
    // PostgreSQL writes booleans as t and f.
    let rows: Vec<_> = read_csv(&results)
        .into_iter()
        .map(|mut row| {
            let in_sam = if row["in_sam"] == "t" { "true" } else { "false" };
            row.insert("in_sam".to_owned(), in_sam.to_owned());
            row
        })
        .collect();
    assert_the_build_s_scores(dir.path(), &rows);
}

#[test]
fn the_target_list_spreadsheet_holds_the_csv_rows_best_first() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().expect("tempdir");
    demo(dir.path(), 42);
    let out = dir.path().join("out");
    let csv = read_csv(&out.join("target_list.csv"));
    let prospects = read_csv(&out.join("prospects_scored.csv"));
    let wanted = prospects
        .iter()
        .filter(|p| p["tier"] == "1" || p["tier"] == "2")
        .count();
    assert_eq!(csv.len(), wanted, "tiers 1 and 2, every one");
    let order: Vec<(u8, i64)> = csv
        .iter()
        .map(|r| {
            (
                r["tier"].parse().expect("tier"),
                -r["fit_score"].parse::<i64>().expect("score"),
            )
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "best first");
    let mut book: Xlsx<_> = open_workbook(out.join("target_list.xlsx")).expect("xlsx opens");
    let sheet = book.worksheet_range("Targets").expect("the Targets sheet");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), csv.len() + 1);
    assert_eq!(rows[0][0], Data::String("company".into()));
    for (row, expected) in rows[1..].iter().zip(&csv) {
        assert_eq!(row[1], Data::String(expected["record_id"].clone()));
        assert_eq!(row[8], Data::Float(expected["fit_score"].parse().expect("score")));
    }
    // The same input, the same bytes: the workbook's time is the as-of date.
    let again = tempfile::tempdir().expect("tempdir");
    demo(again.path(), 42);
    assert_eq!(
        fs_err::read(out.join("target_list.xlsx")).expect("read"),
        fs_err::read(again.path().join("out/target_list.xlsx")).expect("read")
    );
}
