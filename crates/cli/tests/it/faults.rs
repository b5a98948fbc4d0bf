//! I/O faults: each is a clear error naming the path, with exit code 1, and the previous build
//! left whole. CI runs as root, where permissions stop nothing, so the read-only folder and the
//! full disk are made in a user namespace (`unshare -rm`): a read-only bind mount and a small
//! tmpfs.

use std::path::Path;
use std::process::Output;

use crate::support::{checked_build, demo, in_namespace, northstar, without_run};

/// Builds `data` into `out`, which must succeed; returns the build's files with their checksums.
fn build(data: &Path, out: &Path) -> std::collections::BTreeMap<String, String> {
    let output = northstar(&["build", data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    checked_build(out)
}

/// What a refused run said: it must have exited with code 1.
fn refused(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    stderr
}

/// Two demo data folders of different seeds in `dir` (`a/data`, `b/data`), with `a`'s build.
fn two_demos(dir: &Path) {
    demo(&dir.join("a"), 42);
    demo(&dir.join("b"), 43);
}

#[test]
fn an_output_path_that_is_a_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("dir");
    demo(&dir.path().join("a"), 42);
    let file = dir.path().join("out.txt");
    fs_err::write(&file, "mine").expect("write");
    let data = dir.path().join("a/data");
    let stderr = refused(&northstar(&[
        "build",
        data.to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ]));
    assert!(
        stderr.contains("out.txt") && stderr.contains("is a file"),
        "{stderr}"
    );
    assert_eq!(fs_err::read_to_string(&file).expect("read"), "mine");
}

#[test]
fn a_read_only_output_folder_is_refused_and_the_build_in_it_kept() {
    let dir = tempfile::tempdir().expect("dir");
    two_demos(dir.path());
    let volume = dir.path().join("volume");
    let before = build(&dir.path().join("a/data"), &volume.join("out"));
    let script = r#"mount --bind "$VOLUME" "$VOLUME" && mount -o remount,bind,ro "$VOLUME" || exit 99
        exec "$NORTHSTAR" build "$DATA" --out "$VOLUME/out" --temp-dir "$SCRATCH" --threads 2"#;
    let scratch = tempfile::tempdir().expect("scratch");
    let Some(output) = in_namespace(
        script,
        &[
            ("VOLUME", &volume),
            ("DATA", &dir.path().join("b/data")),
            ("SCRATCH", scratch.path()),
        ],
    ) else {
        return;
    };
    let stderr = refused(&output);
    assert!(
        stderr.contains(&volume.display().to_string()) && stderr.contains("Read-only file system"),
        "names the folder and why: {stderr}"
    );
    assert_eq!(
        checked_build(&volume.join("out")),
        before,
        "the previous build is whole"
    );
}

#[test]
fn a_full_disk_is_refused_and_the_build_on_it_kept() {
    let dir = tempfile::tempdir().expect("dir");
    two_demos(dir.path());
    // A disk that holds one build but not a second beside it: the first build succeeds, the
    // second fills the disk while staging; then the disk is copied out for the checks.
    let size = fs_err::read_dir(dir.path().join("a/out"))
        .expect("a build")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum::<u64>();
    let script = format!(
        r#"mount -t tmpfs -o size={}k tmpfs "$DISK" || exit 99
        "$NORTHSTAR" build "$A" --out "$DISK/out" --temp-dir "$SCRATCH" --threads 2 || exit 98
        "$NORTHSTAR" build "$B" --out "$DISK/out" --temp-dir "$SCRATCH" --threads 2
        code=$?
        cp -a "$DISK/." "$COPY" && exit $code"#,
        size * 3 / 2 / 1024
    );
    let disk = dir.path().join("disk");
    let copy = dir.path().join("copy");
    let scratch = tempfile::tempdir().expect("scratch");
    fs_err::create_dir_all(&disk).expect("mount point");
    fs_err::create_dir_all(&copy).expect("copy");
    let Some(output) = in_namespace(
        &script,
        &[
            ("DISK", &disk),
            ("COPY", &copy),
            ("A", &dir.path().join("a/data")),
            ("B", &dir.path().join("b/data")),
            ("SCRATCH", scratch.path()),
        ],
    ) else {
        return;
    };
    let stderr = refused(&output);
    assert!(
        stderr.contains(&disk.display().to_string())
            && stderr.contains("No space left on device")
            && stderr.contains("the disk is full: free space or choose an --out on a disk with room"),
        "names the path and why: {stderr}"
    );
    let reference = build(&dir.path().join("a/data"), &dir.path().join("reference"));
    assert_eq!(
        without_run(checked_build(&copy.join("out"))),
        without_run(reference),
        "the first build is whole"
    );
    let left: Vec<String> = fs_err::read_dir(&copy)
        .expect("copy")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["out"], "nothing staged is left on the disk");
}
