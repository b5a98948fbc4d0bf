//! Every output file of a build, written from the build's model into its [`BuildFolder`]: the
//! one place that knows which files a build has.

mod discovery;
pub mod report;
pub mod tables;
pub mod targets;

use northstar_output::{BuildFolder, Result};

use crate::Build;

/// Writes every file of `build` but `run.json`, which records the time this takes.
pub(crate) fn write(build: &Build, folder: &mut BuildFolder) -> Result<()> {
    let page = northstar_report::render(&report::inputs(build)?);
    folder.write("report.html", |w| w.write_all(page.as_bytes()))?;
    folder.write("rejects.csv", |w| build.ingested.rejects.write_csv(w))?;
    folder.write("accounts.csv", |w| tables::write_accounts(w, build))?;
    folder.write("whale_curve.csv", |w| tables::write_whale_curve(w, build))?;
    folder.write("cost_to_serve.csv", |w| tables::write_cost_lines(w, build))?;
    folder.write("lift.csv", |w| discovery::write_lift(w, build))?;
    folder.write("cohorts.csv", |w| discovery::write_cohorts(w, build))?;
    folder.write("anti_icp.csv", |w| discovery::write_anti_icp(w, build))?;
    folder.write("segments.csv", |w| discovery::write_segments(w, build))?;
    let pmf = &build.discovery.pmf;
    folder.write_json(
        "pmf.json",
        &serde_json::json!({"base": pmf, "verdict": pmf.verdict()}),
    )?;
    folder.write_json("ecosystem.json", &build.discovery.ecosystem)?;
    let icp = &build.profile.icp;
    folder.write_json("icp.json", icp)?;
    folder.write("icp.md", |w| {
        w.write_all(northstar_profile::markdown(icp).as_bytes())
    })?;
    let found = &build.targets;
    folder.write("prospects_scored.csv", |w| {
        targets::write_prospects(w, found, icp)
    })?;
    folder.write("target_list.csv", |w| targets::write_target_csv(w, found, icp))?;
    let as_of = build.economics.summary.as_of.as_deref().unwrap_or("2000-01-01");
    folder.write("target_list.xlsx", |w| {
        targets::write_target_xlsx(w, found, icp, as_of)
    })?;
    folder.write("market.csv", |w| targets::write_market(w, &found.market))?;
    folder.write_json("validation.json", &build.validation)?;
    let sql = northstar_score::scorer_sql(icp, northstar_score::Dialect::DuckDb, "prospects");
    folder.write("scorer.sql", |w| writeln!(w, "{sql};"))?;
    let service = crate::Service {
        as_of: build.economics.summary.as_of.clone(),
        intent: build.settings.intent.clone(),
        personalise: build.settings.personalise.clone(),
    };
    folder.write_json("service.json", &service)?;
    folder.write_json("summary.json", &build.economics.summary)
}
