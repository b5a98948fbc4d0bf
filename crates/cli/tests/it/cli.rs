//! Snapshots of what a person sees: the command's transcript (exit code, stdout, stderr).

use std::path::Path;

use crate::support::{fixture, northstar};

/// Runs northstar and renders its transcript, with temporary paths replaced by `[OUT]`.
fn transcript(args: &[&str], out: Option<&Path>) -> String {
    let output = northstar(args);
    let mut text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if let Some(out) = out {
        text = text.replace(&out.display().to_string(), "[OUT]");
    }
    text.replace(&fixture("").display().to_string(), "[FIXTURES]/")
}

#[test]
fn build_prints_the_headline_figures() {
    let out = tempfile::tempdir().expect("tempdir");
    let data = fixture("economics/hand_world");
    let args = [
        "build",
        data.to_str().expect("utf-8 path"),
        "--out",
        out.path().to_str().expect("utf-8 path"),
    ];
    insta::assert_snapshot!(transcript(&args, Some(out.path())));
}

#[test]
fn build_json_is_machine_readable() {
    let out = tempfile::tempdir().expect("tempdir");
    let data = fixture("economics/hand_world");
    let args = [
        "build",
        data.to_str().expect("utf-8 path"),
        "--out",
        out.path().to_str().expect("utf-8 path"),
        "--json",
    ];
    let output = northstar(&args);
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    insta::assert_json_snapshot!(value["summary"]);
    assert_eq!(value["icp"]["objective"], "profit");
    let tiers = value["icp"]["tiers"].as_array().expect("tiers");
    assert_eq!(tiers.len(), 3);
}

#[test]
fn a_missing_data_folder_is_a_user_error() {
    insta::assert_snapshot!(transcript(
        &[
            "build",
            "/nonexistent/northstar-data",
            "--out",
            "/tmp/northstar-never"
        ],
        None
    ));
}

#[test]
fn help_gives_examples() {
    let text = transcript(&["build", "--help"], None);
    assert!(
        text.contains("Example: northstar build ./data --out ./northstar-out"),
        "{text}"
    );
    assert!(text.starts_with("exit: 0"), "{text}");
}

#[test]
fn the_one_page_icp_of_a_tiny_base_says_what_it_cannot_tell() {
    let out = tempfile::tempdir().expect("tempdir");
    let data = fixture("economics/hand_world");
    let args = [
        "build",
        data.to_str().expect("utf-8 path"),
        "--out",
        out.path().to_str().expect("utf-8 path"),
    ];
    let output = northstar(&args);
    assert!(output.status.success());
    let page = fs_err::read_to_string(out.path().join("icp.md")).expect("icp.md");
    insta::assert_snapshot!(page);
}
