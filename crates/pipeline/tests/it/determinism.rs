//! The same input gives the same bytes whatever the thread count: the first row of the
//! determinism matrix.

use std::path::Path;

use crate::support::{build_with_options, options_with};

#[test]
fn one_thread_and_four_write_the_same_outputs() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    northstar_demo::write_demo(&data, northstar_demo::Size::Small, 42).expect("demo data");
    let one = build_with_options(&data, &dir.path().join("one"), options_with(1)).expect("1 thread");
    let four = build_with_options(&data, &dir.path().join("four"), options_with(4)).expect("4 threads");
    assert_eq!(one.files, four.files);
    let read = |out: &Path, name: &str| fs_err::read(out.join(name)).expect("read");
    let mut compared = 0;
    for name in one
        .files
        .iter()
        .filter(|n| !matches!(n.as_str(), "run.json" | "manifest.json"))
    {
        assert!(
            read(&one.out, name) == read(&four.out, name),
            "{name} differs between 1 and 4 threads"
        );
        compared += 1;
    }
    assert!(compared >= 13, "{compared} files compared");
}
