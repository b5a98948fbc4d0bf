//! The `northstar` command line: argument parsing, one module per subcommand, terminal output
//! and exit codes, over the `northstar-pipeline` library.
//!
//! `main.rs` only parses arguments and calls [`run`]; everything here is testable in-process.

pub mod cli;
pub mod cmd;
mod failure;
mod progress;

pub use failure::Failure;

/// Runs one parsed command line.
pub fn run(cli: cli::Cli) -> Result<(), Failure> {
    match cli.command {
        cli::Command::Demo(args) => cmd::demo::run(&args),
        cli::Command::Build(args) => cmd::build::run(&args),
        cli::Command::Validate(args) => cmd::validate::run(&args),
        cli::Command::Clv(args) => cmd::clv::run(&args),
        cli::Command::Diff(args) => cmd::diff::run(&args),
        cli::Command::Score(args) => cmd::score::run(&args),
        cli::Command::Sql(args) => cmd::sql::run(&args),
        cli::Command::Serve(args) => cmd::serve::run(&args),
        cli::Command::Token(args) => cmd::token::run(&args),
    }
}
