//! `northstar validate`: ingest only, and say what was read and rejected.

use std::io::Write;

use crate::Failure;
use crate::cli::ValidateArgs;
use crate::pipeline;

/// Reads and checks `args.data`; writes the rejects when asked.
pub fn run(args: &ValidateArgs) -> Result<(), Failure> {
    pipeline::check_max_rejects(args.rejects.max_rejects)?;
    let stage =
        tempfile::tempdir().map_err(|e| Failure::user(format!("cannot create a temporary folder: {e}")))?;
    let engine = pipeline::engine(None)?;
    let config = pipeline::config(&args.data, args.config.as_deref())?;
    let ingested = pipeline::ingest(&args.data, &config, stage.path(), &engine)?;
    if let Some(path) = &args.rejects.rejects {
        pipeline::write_rejects_file(path, &ingested)?;
    }
    let text = if args.json {
        let value = serde_json::json!({"tables": ingested.tables, "rejects": ingested.rejects.len()});
        serde_json::to_string_pretty(&value).map_err(|e| Failure::Internal(e.into()))? + "\n"
    } else {
        pipeline::ingest_summary(&ingested)
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| Failure::user(format!("cannot write to stdout: {e}")))?;
    pipeline::check_reject_limit(
        &ingested,
        args.rejects.max_rejects,
        args.rejects.rejects.as_deref(),
    )
}
