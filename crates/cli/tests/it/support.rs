//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository's fixture folder `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel)
}

/// Runs the `northstar` binary with `args`.
pub fn northstar(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_northstar"))
        .args(args)
        .output()
        .expect("northstar runs")
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

/// Runs `northstar demo` of `seed` into `dir` on two threads (its data in `dir/data`, its
/// outputs in `dir/out`); returns what it printed.
pub fn demo(dir: &Path, seed: u64) -> String {
    let output = northstar(&[
        "demo",
        "--out",
        dir.to_str().expect("utf-8"),
        "--seed",
        &seed.to_string(),
        "--threads",
        "2",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Whether what the test setup installs (`scripts/setup.sh`), named `what`, is `present`: a test
/// without it skips with a message, but fails in CI.
pub fn installed(present: bool, what: &str) -> bool {
    if !present {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs {what}: run scripts/setup.sh"
        );
        eprintln!("skipped: no {what}; scripts/setup.sh installs it");
    }
    present
}
