//! The `northstar` command: parses arguments and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: faster than the system allocator for the engine's many short-lived buffers, and
/// returns memory to the system sooner. It asks for no transparent huge pages (its `no_thp`
/// feature), which the build's stages would otherwise clear again each time one is reused.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The exit code of a run stopped by SIGINT or SIGTERM (128 + SIGINT).
const INTERRUPTED: i32 = 130;

/// Under a memory limit the user set, memory comes before speed: what is freed goes back to the
/// system after a tenth of a second rather than a whole one, at the cost of more system time
/// (each page given back faults when it is used again). On the large demo under
/// `--memory-limit 1GiB` the peak fell from 1,340-1,430 MiB to 1,215; at once (0 ms) it was
/// 1,112, but the build took a fifth longer.
#[allow(unsafe_code)]
fn return_freed_memory_sooner() {
    // SAFETY: sets one of mimalloc's options, which it reads at each purge; any value is valid.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 100) };
}

/// mimalloc's `mi_option_purge_delay` (in its `mimalloc.h`): how many milliseconds freed memory
/// waits before it goes back to the system (1,000 unless set).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    let cli = northstar::cli::Cli::parse();
    if cli.memory_limit().is_some() {
        return_freed_memory_sooner();
    }
    // A stopped run removes its staging folders; the previous outputs stay as they were.
    let _ = ctrlc::set_handler(|| {
        northstar_output::scratch::clean_up();
        eprintln!("interrupted: the previous outputs are unchanged");
        std::process::exit(INTERRUPTED);
    });
    match northstar::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}
