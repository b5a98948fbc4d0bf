//! A build is committed as one: a failed build leaves the previous outputs exactly as they were,
//! its rejects beside them, and no staging anywhere.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{build_with, fixture};

/// Every file of `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs_err::read_dir(dir)
        .expect("ls")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                fs_err::read(e.path()).expect("read"),
            )
        })
        .collect()
}

#[test]
fn a_build_stopped_by_its_rejects_leaves_the_previous_outputs_and_writes_them_beside() {
    let parent = tempfile::tempdir().expect("tempdir");
    let out = parent.path().join("out");
    build_with(&fixture("economics/hand_world"), &out).expect("first build");
    let before = contents(&out);
    assert!(before.contains_key("manifest.json") && before.contains_key("accounts.csv"));

    let data =
        crate::support::data_folder(&[("accounts.csv", "account_id,employees\nA1,10\nA2,many\nA3,30\n")]);
    let err = build_with(data.path(), &out).expect_err("1 of 3 rows rejected is over 1%");
    let beside = parent.path().join("out.rejects.csv");
    assert!(err.to_string().contains("out.rejects.csv"), "{err}");
    assert_eq!(contents(&out), before, "the previous build is untouched");
    let rejects = fs_err::read_to_string(&beside).expect("rejects beside OUT");
    assert!(rejects.contains("accounts.csv,3,employees,many"), "{rejects}");
    let mut left: Vec<String> = fs_err::read_dir(parent.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["out", "out.rejects.csv"], "no staging folder is left");
}
