//! Every output file of a build, written from the build's model into its [`BuildFolder`]: the
//! one place that knows which files a build has.

mod discovery;
pub mod report;
pub mod tables;
pub mod targets;

use std::io::Write;
use std::path::Path;

use northstar_output::{BuildFolder, Result, StagedFile};

use crate::Build;

/// Writes every file of `build` but `run.json`, which records the time this takes,
/// `cost_to_serve.csv`, written as soon as the economics are done, and `prospects_scored.csv`,
/// written as the prospects are scored (both listed in their place here). `scratch` is a
/// folder for what is written on the way.
pub(crate) fn write(build: &Build, folder: &mut BuildFolder, scratch: &Path) -> Result<()> {
    let page = northstar_report::render(&report::inputs(build)?);
    let pmf = &build.discovery.pmf;
    let icp = &build.profile.icp;
    let found = &build.targets;
    let as_of = build.economics.summary.as_of.as_deref().unwrap_or("2000-01-01");
    let sql = northstar_score::scorer_sql(icp, northstar_score::Dialect::DuckDb, "prospects");
    let service = crate::Service {
        as_of: build.economics.summary.as_of.clone(),
        intent: build.settings.intent.clone(),
        personalise: build.settings.personalise.clone(),
    };
    // The three largest files (accounts and the target list) are begun first.
    let files = vec![
        StagedFile::new("report.html", move |w| w.write_all(page.as_bytes())),
        StagedFile::new("rejects.csv", |w| build.ingested.rejects.write_csv(w)),
        StagedFile::new("accounts.csv", |w| tables::write_accounts(w, build)).long(),
        StagedFile::new("whale_curve.csv", |w| tables::write_whale_curve(w, build)),
        StagedFile::written("cost_to_serve.csv"),
        StagedFile::new("lift.csv", |w| discovery::write_lift(w, build)),
        StagedFile::new("cohorts.csv", |w| discovery::write_cohorts(w, build)),
        StagedFile::new("anti_icp.csv", |w| discovery::write_anti_icp(w, build)),
        StagedFile::new("segments.csv", |w| discovery::write_segments(w, build)),
        folder.json_file(
            "pmf.json",
            &serde_json::json!({"base": pmf, "verdict": pmf.verdict()}),
        )?,
        folder.json_file("ecosystem.json", &build.discovery.ecosystem)?,
        folder.json_file("icp.json", icp)?,
        StagedFile::new("icp.md", |w| {
            w.write_all(northstar_profile::markdown(icp).as_bytes())
        }),
        StagedFile::written("prospects_scored.csv"),
        StagedFile::new("target_list.csv", |w| targets::write_target_csv(w, found, icp)).long(),
        StagedFile::new("target_list.xlsx", |w| {
            targets::write_target_xlsx(w, found, icp, as_of, scratch)
        })
        .long(),
        StagedFile::new("market.csv", |w| targets::write_market(w, &found.market)),
        folder.json_file("validation.json", &build.validation)?,
        StagedFile::new("scorer.sql", move |w| writeln!(w, "{sql};")),
        folder.json_file("service.json", &service)?,
        folder.json_file("summary.json", &build.economics.summary)?,
    ];
    folder.write_each(files)
}

/// Fills the file `name` of `folder` with `work`, whose error stops the writing and is the one
/// returned.
pub(crate) fn write_with(
    folder: &mut BuildFolder,
    name: &str,
    work: impl FnOnce(&mut dyn Write) -> crate::Result<()>,
) -> crate::Result<()> {
    let mut failure = None;
    let written = folder.write(name, |w| {
        work(w).map_err(|e| {
            failure = Some(e);
            std::io::Error::other("stopped")
        })
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(written?),
    }
}
