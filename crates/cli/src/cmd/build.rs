//! `northstar build`: the whole pipeline on a data folder.

use northstar_pipeline::{Build, BuildRequest};

use crate::Failure;
use crate::cli::{BuildArgs, BuildOptions};
use crate::failure::print;
use crate::progress::Bars;

/// Builds `args.data` into `args.out` and prints the headline figures. The build is not freed:
/// the process ends next, and returns its memory to the system at once, where freeing the
/// build's millions of values one by one took a few tenths of a second on a large base.
pub fn run(args: &BuildArgs) -> Result<(), Failure> {
    let request = BuildRequest {
        data: args.data.clone(),
        config: args.config.clone(),
        out: args.out.clone(),
        options: args.build.options(),
    };
    let build = northstar_pipeline::build(&request, &Bars::default())?;
    let reported = report(&build, &args.build);
    std::mem::forget(build);
    reported
}

/// Prints a finished build: the headline on stdout (JSON with `--json`).
pub fn report(build: &Build, options: &BuildOptions) -> Result<(), Failure> {
    if !options.json {
        return print(&northstar_pipeline::headline(build));
    }
    let icp = &build.profile.icp;
    let value = serde_json::json!({
        "out": build.out.display().to_string(),
        "files": build.files,
        "summary": build.economics.summary,
        "icp": {
            "version": icp.version,
            "objective": icp.objective,
            "market": icp.market,
            "filters": icp.filters,
            "tiers": icp.tiers,
        },
        "rejects": build.ingested.rejects.len(),
    });
    print(&(serde_json::to_string_pretty(&value)? + "\n"))
}
