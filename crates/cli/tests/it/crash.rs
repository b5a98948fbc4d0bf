//! Crash safety: `northstar build` killed with SIGKILL at random moments leaves its output
//! folder holding exactly the previous build or exactly the new one (every file checked against
//! the manifest), never a mix, and nothing staged inside it; the next build clears what the
//! killed one staged beside it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::support::{checked_build, demo, without_run};

/// Kills per run of the test.
const KILLS: usize = 50;

/// Starts `northstar build DATA --out OUT` with its staging in `scratch`.
fn start(data: &Path, out: &Path, scratch: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_northstar"))
        .args(["build", data.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--temp-dir", scratch.to_str().unwrap(), "--threads", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("northstar starts")
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_previous_build_or_the_new_one() {
    let seed: u64 = std::env::var("NORTHSTAR_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("crash test seed {seed} (NORTHSTAR_CRASH_SEED={seed} repeats it)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let dir = tempfile::tempdir().expect("dir");
    demo(&dir.path().join("a"), 42);
    demo(&dir.path().join("b"), 43);
    let scratch = dir.path().join("scratch");
    fs_err::create_dir_all(&scratch).expect("scratch");
    let data = [dir.path().join("a/data"), dir.path().join("b/data")];
    let whole: Vec<_> = data
        .iter()
        .enumerate()
        .map(|(i, data)| {
            let out = dir.path().join(format!("whole-{i}"));
            assert!(start(data, &out, &scratch).wait().expect("runs").success());
            without_run(checked_build(&out))
        })
        .collect();

    let parent = dir.path().join("target");
    let out = parent.join("out");
    assert!(start(&data[0], &out, &scratch).wait().expect("runs").success());
    let mut current = 0;
    let (mut kept, mut replaced) = (0, 0);
    let mut length = Duration::ZERO;
    for kill in 0..KILLS {
        let next = 1 - current;
        // A build's length, timed again every ten kills under the machine's load of the moment.
        if kill % 10 == 0 {
            let started = Instant::now();
            let measure = dir.path().join("measure");
            assert!(
                start(&data[next], &measure, &scratch)
                    .wait()
                    .expect("runs")
                    .success()
            );
            length = started.elapsed();
        }
        // Stratified: the k-th kill of ten falls somewhere in the k-th tenth of 1.25 × that length.
        let slice = length.mul_f64(1.25) / 10;
        let delay = slice * (kill % 10) as u32 + slice.mul_f64(rng.random::<f64>());
        let mut child = start(&data[next], &out, &scratch);
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().expect("reaped");
        let now = without_run(checked_build(&out));
        if now == whole[current] {
            kept += 1;
        } else if now == whole[next] {
            replaced += 1;
            current = next;
        } else {
            panic!("seed {seed}, kill {kill} after {delay:?}: the output folder mixes two builds");
        }
    }
    eprintln!("{KILLS} kills: {kept} left the previous build, {replaced} the new one");
    assert!(
        kept > 0 && replaced > 0,
        "the kills cover the run: {kept} kept, {replaced} replaced"
    );

    // The next whole build clears what the killed ones staged, beside the folder and in scratch.
    assert!(start(&data[0], &out, &scratch).wait().expect("runs").success());
    let beside: Vec<String> = fs_err::read_dir(&parent)
        .expect("parent")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["out"], "nothing staged is left beside the output folder");
    let staged = fs_err::read_dir(&scratch).expect("scratch").count();
    assert_eq!(staged, 0, "nothing staged is left in the temporary folder");
}
