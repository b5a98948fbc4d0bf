//! The other commands' work: validate a data folder, make and build the demo, compare two ICPs.

use std::path::{Path, PathBuf};

use northstar_demo::Size;
use northstar_ingest::Ingested;
use northstar_output::scratch::Scratch;
use northstar_profile::{Account, Diff};

use crate::observe::observed;
use crate::session::Session;
use crate::{
    Build, BuildRequest, Observer, Options, Result, Settings, Step, account_list, build, icp_at, text,
};

/// A data folder read and checked: what was read, with the folder holding its staged tables and
/// its rejects kept until this is dropped.
pub struct Validated {
    /// What was read.
    pub ingested: Ingested,
    /// The staging folder, removed when this goes.
    _stage: Scratch,
}

/// Reads and checks the data folder `data` with `config` (else `DATA/northstar.toml`); writes
/// the rejects to `options.rejects` when given. The reject limit is the caller's to apply, with
/// [`crate::check_reject_limit`], once it has shown what was read.
pub fn validate(
    data: &Path,
    config: Option<&Path>,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Validated> {
    options.check()?;
    let settings = Settings::find(data, config)?;
    let tables = options.tables(&settings);
    let session = Session::read(options, observer, |stage, engine, progress| {
        northstar_ingest::ingest(data, &tables, stage, engine, progress)
    })?;
    Ok(Validated {
        ingested: session.ingested,
        _stage: session.stage,
    })
}

/// The one-line summary of each table read, for a terminal.
pub fn ingest_summary(ingested: &Ingested) -> String {
    text::ingest_summary(ingested)
}

/// Makes the demo company's data in `DIR/data` (size and seed as given) and builds it into
/// `DIR/out`.
pub fn demo(dir: &Path, size: Size, seed: u64, options: &Options, observer: &dyn Observer) -> Result<Build> {
    let data = dir.join("data");
    observed(observer, Step::Demo, || {
        northstar_demo::write_demo(&data, size, seed)
    })?;
    build(
        &BuildRequest {
            data,
            config: None,
            out: dir.join("out"),
            options: options.clone(),
        },
        observer,
    )
}

/// Compares the ICPs at `old` and `new` (each an `icp.json` or a build folder), scoring the
/// accounts of the CSV file `accounts` under both when one is given.
pub fn diff(old: &Path, new: &Path, accounts: Option<&PathBuf>) -> Result<Diff> {
    let (old, new) = (icp_at(old)?, icp_at(new)?);
    let accounts = accounts.map(|p| account_list(p)).transpose()?.unwrap_or_default();
    let listed: Vec<(String, &dyn Account)> = accounts
        .iter()
        .map(|(id, values)| (id.clone(), values as &dyn Account))
        .collect();
    Ok(northstar_profile::diff(&old, &new, &listed))
}
