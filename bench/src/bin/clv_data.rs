//! Writes a transactions file of customers who buy by a BG/NBD process with known parameters
//! (per day) and spend by Gamma-Gamma, for the CLV benchmark and the large-file memory run.
//!
//! Usage: `clv_data OUT.csv|OUT.parquet [CUSTOMERS] [SEED] [PROCESS]`. Customers make their first
//! purchase during 2023 and are observed to the end of 2024; purchases on one day are later merged
//! into one. PROCESS is `light` (the default: about 9 transactions a customer) or `heavy` (about
//! 20, for 100 million transactions from 5 million customers). A CSV has account_id, date and
//! amount; a Parquet file (Snappy) also has cost, a share of the amount between 40% and 80%.

use std::io::{BufWriter, Write};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{Datelike, Duration, NaiveDate};
use northstar_clv::simulate::{self, Process};
use northstar_clv::{BetaGeo, GammaGamma, Variant};
use northstar_engine::arrow::array::{ArrayRef, Date32Array, Float64Array, StringArray};
use northstar_engine::arrow::datatypes::{DataType, Field, Schema};
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::parquet::arrow::ArrowWriter;
use northstar_engine::parquet::basic::Compression;
use northstar_engine::parquet::file::properties::WriterProperties;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The planted purchase process of the CLV benchmark, rates per day.
const LIGHT: BetaGeo = BetaGeo {
    variant: Variant::BgNbd,
    r: 0.5,
    alpha: 20.0,
    a: 0.5,
    b: 6.0,
};

/// A process with more purchases per customer, rates per day.
const HEAVY: BetaGeo = BetaGeo {
    variant: Variant::BgNbd,
    r: 1.0,
    alpha: 17.0,
    a: 0.5,
    b: 12.0,
};

/// The planted spend process.
const SPEND: GammaGamma = GammaGamma {
    p: 4.0,
    q: 3.0,
    gamma: 40.0,
};

/// Days observed: 2023 and 2024.
const OBSERVED_DAYS: f64 = 731.0;

/// Rows per Parquet batch.
const BATCH: usize = 1 << 20;

/// One transaction: customer, day and amount.
struct Transaction {
    customer: usize,
    day: NaiveDate,
    amount: f64,
}

/// Where transactions go.
trait Sink {
    fn push(&mut self, t: Transaction, rng: &mut ChaCha8Rng) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

struct CsvSink(BufWriter<fs_err::File>);

impl Sink for CsvSink {
    fn push(&mut self, t: Transaction, _: &mut ChaCha8Rng) -> Result<()> {
        writeln!(self.0, "C{:07},{},{:.2}", t.customer, t.day, t.amount)?;
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.0.flush()?;
        Ok(())
    }
}

struct ParquetSink {
    writer: ArrowWriter<fs_err::File>,
    schema: Arc<Schema>,
    ids: Vec<String>,
    days: Vec<i32>,
    amounts: Vec<f64>,
    costs: Vec<f64>,
}

impl ParquetSink {
    fn create(out: &str) -> Result<Self> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("account_id", DataType::Utf8, false),
            Field::new("date", DataType::Date32, false),
            Field::new("amount", DataType::Float64, false),
            Field::new("cost", DataType::Float64, false),
        ]));
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(fs_err::File::create(out)?, schema.clone(), Some(properties))?;
        Ok(ParquetSink {
            writer,
            schema,
            ids: Vec::with_capacity(BATCH),
            days: Vec::with_capacity(BATCH),
            amounts: Vec::with_capacity(BATCH),
            costs: Vec::with_capacity(BATCH),
        })
    }

    fn flush(&mut self) -> Result<()> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(std::mem::take(&mut self.ids))),
            Arc::new(Date32Array::from(std::mem::take(&mut self.days))),
            Arc::new(Float64Array::from(std::mem::take(&mut self.amounts))),
            Arc::new(Float64Array::from(std::mem::take(&mut self.costs))),
        ];
        self.writer
            .write(&RecordBatch::try_new(self.schema.clone(), columns)?)?;
        Ok(())
    }
}

impl Sink for ParquetSink {
    fn push(&mut self, t: Transaction, rng: &mut ChaCha8Rng) -> Result<()> {
        let amount = (t.amount * 100.0).round() / 100.0;
        let cost = (amount * rng.random_range(0.4..0.8) * 100.0).round() / 100.0;
        self.ids.push(format!("C{:07}", t.customer));
        // Days since 1970-01-01, Arrow's Date32.
        self.days.push(t.day.num_days_from_ce() - 719_163);
        self.amounts.push(amount);
        self.costs.push(cost);
        if self.ids.len() == BATCH {
            self.flush()?;
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        if !self.ids.is_empty() {
            self.flush()?;
        }
        self.writer.close()?;
        Ok(())
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .context("usage: clv_data OUT.csv|OUT.parquet [CUSTOMERS] [SEED] [light|heavy]")?;
    let customers: usize = args.get(2).map_or(Ok(1_000_000), |n| n.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(7), |n| n.parse())?;
    let planted = match args.get(4).map_or("light", String::as_str) {
        "light" => LIGHT,
        "heavy" => HEAVY,
        other => bail!("the process is light or heavy, not `{other}`"),
    };
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).context("start date")?;
    let mut sink: Box<dyn Sink> = if out.ends_with(".parquet") {
        Box::new(ParquetSink::create(out)?)
    } else {
        let mut w = BufWriter::with_capacity(1 << 20, fs_err::File::create(out)?);
        writeln!(w, "account_id,date,amount")?;
        Box::new(CsvSink(w))
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = 0u64;
    for customer in 0..customers {
        let first = rng.random_range(0.0..365.0);
        let times = simulate::repeat_times(&Process::BetaGeo(planted), OBSERVED_DAYS - first, &mut rng);
        let amounts = simulate::spend(&SPEND, times.len() + 1, &mut rng);
        for (t, amount) in std::iter::once(0.0).chain(times).zip(amounts) {
            let day = start + Duration::days((first + t).floor() as i64);
            sink.push(
                Transaction {
                    customer,
                    day,
                    amount,
                },
                &mut rng,
            )?;
            rows += 1;
        }
    }
    sink.finish()?;
    println!(
        "{out}: {customers} customers, {rows} transactions; planted BG/NBD per day r {} alpha {} a {} b {}, Gamma-Gamma p {} q {} gamma {}",
        planted.r, planted.alpha, planted.a, planted.b, SPEND.p, SPEND.q, SPEND.gamma
    );
    Ok(())
}
