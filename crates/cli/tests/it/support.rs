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

/// The files of the build folder `out`, checked against its manifest, by name with their
/// SHA-256: the folder holds exactly the files the manifest lists (and the manifest), each
/// with its checksum, and nothing else.
pub fn checked_build(out: &Path) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let manifest = read_json(&out.join("manifest.json"));
    let listed: BTreeMap<String, String> = manifest["files"]
        .as_array()
        .expect("a list of files")
        .iter()
        .map(|f| {
            let name = f["name"].as_str().expect("name").to_owned();
            (name, f["sha256"].as_str().expect("sha256").to_owned())
        })
        .collect();
    let mut present: Vec<String> = fs_err::read_dir(out)
        .expect("readable output folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "manifest.json")
        .collect();
    present.sort();
    assert_eq!(
        present,
        listed.keys().cloned().collect::<Vec<_>>(),
        "`{}` holds exactly the files its manifest lists",
        out.display()
    );
    for (name, sha256) in &listed {
        let bytes = fs_err::read(out.join(name)).expect("readable output");
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            &digest,
            sha256,
            "{name} in `{}` matches its manifest",
            out.display()
        );
    }
    listed
}

/// A build's checksums but run.json's, which holds the run's timings.
pub fn without_run(mut files: BTreeMap<String, String>) -> BTreeMap<String, String> {
    files.remove("run.json");
    files
}

/// Runs `script` as root of a new user and mount namespace (`unshare -rm`), where it may mount
/// a small tmpfs or a read-only bind; none when this machine cannot make one (the caller skips,
/// or fails in CI).
pub fn in_namespace(script: &str, env: &[(&str, &Path)]) -> Option<std::process::Output> {
    let probe = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    if !installed(probe.is_some(), "user namespaces (unshare -rm)") {
        return None;
    }
    let mut command = std::process::Command::new("unshare");
    command.args(["-rm", "sh", "-c", script]);
    command.env("NORTHSTAR", env!("CARGO_BIN_EXE_northstar"));
    for (name, path) in env {
        command.env(name, path);
    }
    Some(command.output().expect("unshare runs"))
}
