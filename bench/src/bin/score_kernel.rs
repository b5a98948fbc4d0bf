//! The scoring kernel on its own: an ICP compiled, then applied to an account list held in
//! memory, scores and tiers out; prints rows per second as JSON. The list is read as
//! `northstar score` reads it (the normal ingest, whose accepted batches keep a Parquet text
//! column stored as a dictionary as one), then scored as `score --brief` scores it, in its
//! pieces ([`brief_pieces`]) on every thread. The whole command is timed by `bench/score.sh`; this
//! is the in-memory half it is compared with scikit-learn's `predict_proba` on.
//!
//! Usage: `score_kernel ICP.json LIST [REPEATS]`.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_pipeline::{Options, Silent, brief_pieces, stream_list};
use northstar_profile::Icp;
use northstar_score::Scorer;
use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: score_kernel ICP.json LIST [REPEATS]";
    let icp = Icp::from_json(&fs_err::read_to_string(args.get(1).context(usage)?)?)?;
    let list = Path::new(args.get(2).context(usage)?);
    let repeats: usize = args.get(3).map_or(Ok(3), |r| r.parse())?;
    let mut pieces: Vec<RecordBatch> = Vec::new();
    stream_list(list, None, &Options::default(), &Silent, &mut |batch| {
        pieces.extend(brief_pieces(&batch));
        Ok(())
    })?;
    let rows: usize = pieces.iter().map(RecordBatch::num_rows).sum();
    let scorer = Scorer::new(icp);
    let mut best = f64::INFINITY;
    let mut tier_1 = 0;
    for _ in 0..repeats {
        let started = Instant::now();
        let scores: Vec<_> = pieces
            .par_iter()
            .map(|b| scorer.scores(b))
            .collect::<Result<_, _>>()?;
        best = best.min(started.elapsed().as_secs_f64());
        tier_1 = scores
            .iter()
            .map(|s| s.tier.iter().filter(|t| **t == Some(1)).count())
            .sum::<usize>();
    }
    let threads = rayon::current_num_threads();
    println!(
        "{}",
        serde_json::json!({"rows": rows, "seconds": best, "rows_per_second": rows as f64 / best,
                           "threads": threads, "tier_1": tier_1})
    );
    Ok(())
}
