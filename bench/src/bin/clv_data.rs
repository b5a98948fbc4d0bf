//! Writes a transactions file of customers who buy by a BG/NBD process with known parameters
//! (per day) and spend by Gamma-Gamma, for the CLV benchmark.
//!
//! Usage: `clv_data OUT.csv [CUSTOMERS] [SEED]`. Customers make their first purchase during 2023
//! and are observed to the end of 2024; purchases on one day are later merged into one.

use std::io::{BufWriter, Write};

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};
use northstar_clv::simulate::{self, Process};
use northstar_clv::{BetaGeo, GammaGamma, Variant};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The planted purchase process, rates per day.
const PLANTED: BetaGeo = BetaGeo {
    variant: Variant::BgNbd,
    r: 0.5,
    alpha: 20.0,
    a: 0.5,
    b: 6.0,
};

/// The planted spend process.
const SPEND: GammaGamma = GammaGamma {
    p: 4.0,
    q: 3.0,
    gamma: 40.0,
};

/// Days observed: 2023 and 2024.
const OBSERVED_DAYS: f64 = 731.0;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .context("usage: clv_data OUT.csv [CUSTOMERS] [SEED]")?;
    let customers: usize = args.get(2).map_or(Ok(1_000_000), |n| n.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(7), |n| n.parse())?;
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).context("start date")?;
    let mut w = BufWriter::with_capacity(1 << 20, fs_err::File::create(out)?);
    writeln!(w, "account_id,date,amount")?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = 0u64;
    for i in 0..customers {
        let first = rng.random_range(0.0..365.0);
        let times = simulate::repeat_times(&Process::BetaGeo(PLANTED), OBSERVED_DAYS - first, &mut rng);
        let amounts = simulate::spend(&SPEND, times.len() + 1, &mut rng);
        for (t, amount) in std::iter::once(0.0).chain(times).zip(amounts) {
            let day = start + Duration::days((first + t).floor() as i64);
            writeln!(w, "C{i:07},{day},{amount:.2}")?;
            rows += 1;
        }
    }
    w.flush()?;
    println!(
        "{out}: {customers} customers, {rows} transactions; planted BG/NBD per day r {} alpha {} a {} b {}, Gamma-Gamma p {} q {} gamma {}",
        PLANTED.r, PLANTED.alpha, PLANTED.a, PLANTED.b, SPEND.p, SPEND.q, SPEND.gamma
    );
    Ok(())
}
