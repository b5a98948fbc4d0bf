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

fn main() -> ExitCode {
    let cli = northstar::cli::Cli::parse();
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
