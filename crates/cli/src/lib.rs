//! The `northstar` command line: one module per subcommand over the pipeline's library crates.
//!
//! `main.rs` only parses arguments and calls [`run`]; everything here is testable in-process.

pub mod cli;
pub mod cmd;
mod discovery;
mod failure;
pub mod pipeline;
mod profile;
mod progress;
mod tables;

pub use failure::Failure;

/// Runs one parsed command line.
pub fn run(cli: cli::Cli) -> Result<(), Failure> {
    match cli.command {
        cli::Command::Demo(args) => cmd::demo::run(&args),
        cli::Command::Build(args) => cmd::build::run(&args),
        cli::Command::Validate(args) => cmd::validate::run(&args),
        cli::Command::Clv(args) => cmd::clv::run(&args),
        cli::Command::Diff(args) => cmd::diff::run(&args),
    }
}
