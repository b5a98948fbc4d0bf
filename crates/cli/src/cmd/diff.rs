//! `northstar diff`: how two versions of the ICP differ, and whether to redefine it.

use northstar_output::figures::group;
use northstar_profile::Diff;

use crate::Failure;
use crate::cli::DiffArgs;
use crate::failure::print;

/// Tier changes listed on the terminal; `--json` lists them all.
const SHOWN_TIER_CHANGES: usize = 20;

/// Compares the two ICPs of `args`, scoring the account list when one is given.
pub fn run(args: &DiffArgs) -> Result<(), Failure> {
    let diff = northstar_pipeline::diff(&args.old, &args.new, args.accounts.as_ref())?;
    if args.json {
        print(&(serde_json::to_string_pretty(&diff)? + "\n"))
    } else {
        print(&describe(&diff))
    }
}

/// The comparison for a person.
fn describe(diff: &Diff) -> String {
    let mut text = format!("ICP {} → {}\n", diff.old_version, diff.new_version);
    if diff.changes.is_empty() {
        text.push_str("rules: unchanged\n");
    } else {
        text.push_str("rules:\n");
        for c in &diff.changes {
            let sign = match c.change {
                "added" => "+",
                "removed" => "-",
                _ => "~",
            };
            let detail = match (&c.before, &c.after) {
                (Some(b), Some(a)) if c.change == "changed" => format!(": {b} → {a}"),
                (_, Some(a)) => format!(" ({a})"),
                (Some(b), None) => format!(" (was {b})"),
                (None, None) => String::new(),
            };
            text.push_str(&format!("  {sign} {} {}{detail}\n", c.kind, c.rule));
        }
    }
    if !diff.drift.is_empty() {
        text.push_str("population drift (PSI, old customers → new):\n");
        for d in &diff.drift {
            text.push_str(&format!("  {:<24} {:.3}  {}\n", d.attribute, d.psi, d.level));
        }
    }
    if diff.accounts_compared > 0 {
        text.push_str(&format!(
            "accounts: {} compared, {} change tier\n",
            group(diff.accounts_compared),
            group(diff.tier_changes.len() as u64)
        ));
        let tier = |t: Option<u8>| t.map_or_else(|| "outside the SAM".to_owned(), |t| format!("tier {t}"));
        for c in diff.tier_changes.iter().take(SHOWN_TIER_CHANGES) {
            text.push_str(&format!(
                "  {}: {} → {} (score {} → {}): {}\n",
                c.account_id,
                tier(c.before),
                tier(c.after),
                c.score_before,
                c.score_after,
                c.why
            ));
        }
        if diff.tier_changes.len() > SHOWN_TIER_CHANGES {
            text.push_str(&format!(
                "  … {} more (--json lists them all)\n",
                diff.tier_changes.len() - SHOWN_TIER_CHANGES
            ));
        }
    }
    text.push_str(&format!("recommendation: {}\n", diff.recommendation));
    text
}
