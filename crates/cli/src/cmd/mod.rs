//! One module per subcommand, each with a `run` function.

pub mod build;
pub mod clv;
pub mod demo;
pub mod diff;
pub mod score;
pub mod serve;
pub mod sql;
pub mod token;
pub mod validate;
