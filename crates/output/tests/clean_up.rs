//! `clean_up` removes every live temporary folder of the process (its own test binary, since it
//! reaches every folder of the process).

use northstar_output::scratch::{Scratch, clean_up};

#[test]
fn clean_up_removes_the_live_folders() {
    let parent = tempfile::tempdir().expect("tempdir");
    let scratch = Scratch::create(parent.path(), "northstar-stage-").expect("create");
    let path = scratch.path().to_owned();
    assert!(path.is_dir());
    clean_up();
    assert!(!path.exists(), "clean_up removes live folders");
    drop(scratch);
}
