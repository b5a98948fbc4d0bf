//! Writes a list of demo prospects as Parquet, for the scoring benchmark: the demo company's
//! prospect columns (account_id, name, industry, employees, annual_revenue, country,
//! founded_year, business_model, technologies, fleet_size), drawn one at a time.
//!
//! Usage: `score_data OUT.parquet [ROWS] [SEED]`.

use std::sync::Arc;

use anyhow::{Context, Result};
use northstar_engine::arrow::array::{ArrayRef, Int64Array, StringArray};
use northstar_engine::arrow::datatypes::{DataType, Field, Schema};
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::parquet::arrow::ArrowWriter;
use northstar_engine::parquet::basic::Compression;
use northstar_engine::parquet::file::properties::WriterProperties;

/// Rows per written batch.
const BATCH: usize = 100_000;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .context("usage: score_data OUT.parquet [ROWS] [SEED]")?;
    let rows: usize = args.get(2).map_or(Ok(10_000_000), |r| r.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(7), |s| s.parse())?;
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let number = |name: &str| Field::new(name, DataType::Int64, true);
    let schema = Arc::new(Schema::new(vec![
        text("account_id"),
        text("name"),
        text("industry"),
        number("employees"),
        number("annual_revenue"),
        text("country"),
        number("founded_year"),
        text("business_model"),
        text("technologies"),
        number("fleet_size"),
    ]));
    let file = fs_err::File::create(out)?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))?;
    let mut prospects = northstar_demo::prospects(rows, seed).peekable();
    while prospects.peek().is_some() {
        let chunk: Vec<_> = prospects.by_ref().take(BATCH).collect();
        let texts = |f: &dyn Fn(&northstar_demo::Account) -> Option<String>| -> ArrayRef {
            Arc::new(chunk.iter().map(f).collect::<StringArray>())
        };
        let numbers = |f: &dyn Fn(&northstar_demo::Account) -> Option<i64>| -> ArrayRef {
            Arc::new(chunk.iter().map(f).collect::<Int64Array>())
        };
        let columns = vec![
            texts(&|a| Some(a.id.clone())),
            texts(&|a| Some(a.name.clone())),
            texts(&|a| Some(a.industry.to_owned())),
            numbers(&|a| Some(a.employees as i64)),
            numbers(&|a| Some(a.employees as i64 * 150_000)),
            texts(&|a| Some(a.country.to_owned())),
            numbers(&|a| Some(i64::from(a.founded_year))),
            texts(&|a| Some(a.business_model.to_owned())),
            texts(&|a| Some(a.technologies.join(";"))),
            numbers(&|a| a.fleet_size.map(|f| f as i64)),
        ];
        writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    writer.close()?;
    Ok(())
}
