//! Per-account aggregation of the large demo's transactions: northstar's engine against DuckDB on
//! the same CSV and Parquet files, with the same thread count, in one run.
//!
//! Run `bench/aggregate.sh` (it makes the data and a Python environment with DuckDB), or directly:
//! `northstar-bench DATA_DIR DUCKDB_PYTHON [THREADS]`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use northstar_engine::Engine;
use northstar_engine::arrow::array::{Array, Float64Array};
use northstar_engine::arrow::datatypes::{DataType, Field, Schema};

/// The allocator the `northstar` command runs with, so that the engine is measured as it ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The aggregation both engines run: one row per account.
const QUERY: &str = "SELECT account_id, sum(amount) AS revenue, sum(cost) AS direct_cost, count(*) AS transactions, \
     min(date) AS first_date, max(date) AS last_date FROM transactions GROUP BY account_id";

/// A check on the answer: accounts and total revenue.
const CHECK: &str = "SELECT count(*) AS accounts, sum(revenue) AS revenue FROM ({QUERY})";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        bail!("usage: northstar-bench DATA_DIR DUCKDB_PYTHON [THREADS]");
    }
    let data = Path::new(&args[1]);
    let python = &args[2];
    let threads: usize = args.get(3).map(|t| t.parse()).transpose()?.unwrap_or(2);
    let csv = data.join("transactions.csv");
    let parquet = data.join("transactions.parquet");
    if !parquet.exists() {
        let engine = Engine::new(threads)?;
        engine.register_csv("transactions", &csv, &schema())?;
        let target = parquet.display();
        engine.query(&format!("COPY transactions TO '{target}' STORED AS PARQUET"))?;
    }
    println!("per-account aggregation, {threads} threads, best of 3");
    for (label, path) in [("csv", &csv), ("parquet", &parquet)] {
        let (ours, our_check) = northstar(path, label, threads)?;
        let (theirs, their_check) = duckdb(python, path, label, threads)?;
        let same = (our_check.0 - their_check.0).abs() < 0.5
            && (our_check.1 - their_check.1).abs() <= 1e-6 * their_check.1.abs().max(1.0);
        if !same {
            bail!("answers differ on {label}: northstar {our_check:?}, duckdb {their_check:?}");
        }
        println!(
            "{label:>8}: northstar {ours:.3} s, duckdb {theirs:.3} s, ratio {:.2}x duckdb's time ({} accounts, revenue {:.2})",
            ours / theirs,
            our_check.0,
            our_check.1
        );
    }
    Ok(())
}

fn schema() -> northstar_engine::arrow::datatypes::SchemaRef {
    std::sync::Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("amount", DataType::Float64, false),
        Field::new("cost", DataType::Float64, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("product", DataType::Utf8, true),
    ]))
}

/// Best-of-three seconds for the query on `path`, and the check figures.
fn northstar(path: &Path, format: &str, threads: usize) -> Result<(f64, (f64, f64))> {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let engine = Engine::new(threads)?;
        let start = Instant::now();
        if format == "csv" {
            engine.register_csv("transactions", path, &schema())?;
        } else {
            engine.register_parquet("transactions", path)?;
        }
        let rows = engine.query(QUERY)?;
        best = best.min(start.elapsed().as_secs_f64());
        let accounts: usize = rows.iter().map(|b| b.num_rows()).sum();
        if accounts == 0 {
            bail!("no rows aggregated from {}", path.display());
        }
    }
    let engine = Engine::new(threads)?;
    if format == "csv" {
        engine.register_csv("transactions", path, &schema())?;
    } else {
        engine.register_parquet("transactions", path)?;
    }
    let check = engine.query(&CHECK.replace("{QUERY}", QUERY))?;
    let batch = check.first().context("check query returned nothing")?;
    let accounts = northstar_engine::arrow::compute::cast(batch.column(0), &DataType::Float64)?;
    let accounts = accounts
        .as_any()
        .downcast_ref::<Float64Array>()
        .context("count")?
        .value(0);
    let revenue = batch
        .column(1)
        .as_any()
        .downcast_ref::<Float64Array>()
        .context("sum")?
        .value(0);
    Ok((best, (accounts, revenue)))
}

/// Best-of-three seconds for DuckDB on the same file and query, and its check figures.
fn duckdb(python: &str, path: &Path, format: &str, threads: usize) -> Result<(f64, (f64, f64))> {
    let source = if format == "csv" {
        format!(
            "read_csv('{}', header=true, columns={{'account_id':'VARCHAR','date':'DATE','amount':'DOUBLE',\
             'cost':'DOUBLE','kind':'VARCHAR','product':'VARCHAR'}})",
            path.display()
        )
    } else {
        format!("read_parquet('{}')", path.display())
    };
    let script = format!(
        r#"
import duckdb, time, json
query = """{QUERY}""".replace("FROM transactions", "FROM {source}")
best = float("inf")
for _ in range(3):
    con = duckdb.connect()
    con.execute("SET threads TO {threads}")
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    con.execute("CREATE TEMP TABLE result AS " + query)
    best = min(best, time.perf_counter() - start)
    check = con.execute("SELECT count(*), sum(revenue) FROM result").fetchone()
    con.close()
print(json.dumps({{"seconds": best, "accounts": check[0], "revenue": check[1]}}))
"#
    );
    let output = Command::new(python)
        .arg("-c")
        .arg(&script)
        .output()
        .context("cannot run python")?;
    if !output.status.success() {
        bail!("duckdb failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .context("duckdb printed nothing")?;
    let value: serde_json::Value = serde_json::from_str(last)?;
    let number = |k: &str| value[k].as_f64().context("duckdb output");
    Ok((number("seconds")?, (number("accounts")?, number("revenue")?)))
}
