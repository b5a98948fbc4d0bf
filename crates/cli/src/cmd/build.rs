//! `northstar build`: the whole pipeline on a data folder.

use std::io::Write;

use crate::Failure;
use crate::cli::{BuildArgs, BuildOptions};
use crate::pipeline::{self, BuildRequest, Built};

/// Builds `args.data` into `args.out` and prints the headline figures.
pub fn run(args: &BuildArgs) -> Result<(), Failure> {
    let request = BuildRequest {
        data: &args.data,
        out: &args.out,
        config: args.config.as_deref(),
        options: &args.build,
    };
    let built = pipeline::build(&request)?;
    report(&built, &args.build)
}

/// Prints a finished build: the headline on stdout (JSON with `--json`).
pub fn report(built: &Built, options: &BuildOptions) -> Result<(), Failure> {
    let text = if options.json {
        let icp = &built.profile.icp;
        let value = serde_json::json!({
            "out": built.out.display().to_string(),
            "files": built.files,
            "summary": built.economics.summary,
            "icp": {
                "version": icp.version,
                "objective": icp.objective,
                "market": icp.market,
                "filters": icp.filters,
                "tiers": icp.tiers,
            },
            "rejects": built.rejects,
        });
        serde_json::to_string_pretty(&value).map_err(|e| Failure::Internal(e.into()))? + "\n"
    } else {
        pipeline::headline(built)
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| Failure::user(format!("cannot write to stdout: {e}")))
}
