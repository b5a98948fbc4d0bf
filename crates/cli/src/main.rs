//! The `northstar` command: parses arguments and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: faster than the system allocator for the engine's many short-lived buffers, and
/// returns memory to the system sooner.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = northstar::cli::Cli::parse();
    match northstar::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}
