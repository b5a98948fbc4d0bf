//! `northstar validate`: ingest only, and say what was read and rejected.

use crate::Failure;
use crate::cli::ValidateArgs;
use crate::failure::print;
use crate::progress::Bars;

/// Reads and checks `args.data`; writes the rejects when asked.
pub fn run(args: &ValidateArgs) -> Result<(), Failure> {
    let options = args.rejects.options(None, &args.engine);
    let validated =
        northstar_pipeline::validate(&args.data, args.config.as_deref(), &options, &Bars::default())?;
    let ingested = &validated.ingested;
    let text = if args.json {
        let value = serde_json::json!({"tables": ingested.tables, "rejects": ingested.rejects.len()});
        serde_json::to_string_pretty(&value)? + "\n"
    } else {
        northstar_pipeline::ingest_summary(ingested)
    };
    print(&text)?;
    Ok(northstar_pipeline::check_reject_limit(
        ingested,
        options.max_rejects,
        options.rejects.as_deref(),
    )?)
}
