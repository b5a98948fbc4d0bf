//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use northstar_pipeline::{Build, BuildRequest, EngineConfig, Options, PipelineError, Silent};

/// The repository's fixture folder `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel)
}

/// Default options, as the command line gives them, on `threads` threads.
pub fn options_with(threads: usize) -> Options {
    Options {
        engine: EngineConfig {
            threads: Some(threads),
            ..EngineConfig::default()
        },
        ..Options::default()
    }
}

/// Builds `data` into `out` with `options`.
pub fn build_with_options(data: &Path, out: &Path, options: Options) -> Result<Build, PipelineError> {
    northstar_pipeline::build(
        &BuildRequest {
            data: data.to_owned(),
            config: None,
            out: out.to_owned(),
            options,
        },
        &Silent,
    )
}

/// Builds `data` into `out` on two threads.
pub fn build_with(data: &Path, out: &Path) -> Result<Build, PipelineError> {
    build_with_options(data, out, options_with(2))
}

/// Makes the small demo company of `seed` in `dir/data` and builds it into `dir/out`.
pub fn demo(dir: &Path, seed: u64) -> PathBuf {
    northstar_demo::write_demo(&dir.join("data"), northstar_demo::Size::Small, seed).expect("demo data");
    build_with(&dir.join("data"), &dir.join("out")).expect("demo builds");
    dir.join("out")
}

/// Reads a CSV file into rows keyed by column name.
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("readable csv");
    let header = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// Reads a CSV file into rows keyed by their `account_id`.
pub fn rows_by_account(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(path)
        .into_iter()
        .map(|r| (r["account_id"].clone(), r))
        .collect()
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs_err::read(path).expect("readable json")).expect("valid json")
}

/// Writes `files` (name, content) into a fresh folder.
pub fn data_folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in files {
        fs_err::write(dir.path().join(name), content).expect("write fixture");
    }
    dir
}
