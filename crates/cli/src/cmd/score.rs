//! `northstar score`: an ICP applied to any list of accounts.

use northstar_output::figures::group;
use northstar_pipeline::{ScoreReport, ScoreRequest};

use crate::Failure;
use crate::cli::ScoreArgs;
use crate::failure::print;
use crate::progress::Bars;

/// Scores the list of `args`; the scores go to `--out` or standard output, the summary to
/// standard error (standard output with `--json`).
pub fn run(args: &ScoreArgs) -> Result<(), Failure> {
    let request = ScoreRequest {
        icp: args.icp.clone(),
        input: args.list.clone(),
        config: args.config.clone(),
        out: args.out.clone(),
        brief: args.brief,
        options: args.rejects.options(None, &args.engine),
    };
    let report = northstar_pipeline::score_list(&request, &Bars::default())?;
    if args.json {
        return print(&(serde_json::to_string_pretty(&report)? + "\n"));
    }
    eprint!("{}", describe(&report));
    Ok(())
}

/// The summary for a person.
fn describe(r: &ScoreReport) -> String {
    let c = r.counts;
    let [t1, t2, t3] = c.tiers;
    let mut text = format!(
        "{} accounts scored with ICP {}: {} inside the SAM (tier 1: {}, tier 2: {}, tier 3: {}), {} outside\n",
        group(c.accounts),
        r.icp_version,
        group(c.in_sam),
        group(t1),
        group(t2),
        group(t3),
        group(c.accounts - c.in_sam)
    );
    if r.rejected > 0 {
        text.push_str(&format!("{} rows rejected\n", group(r.rejected)));
    }
    if let Some(out) = &r.out {
        text.push_str(&format!("scores in `{out}`\n"));
    }
    text
}
