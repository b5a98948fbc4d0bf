//! `northstar sql`: the ICP's scorer as one SQL SELECT.

use northstar_pipeline::Dialect;

use crate::Failure;
use crate::cli::{SqlArgs, SqlDialect};
use crate::failure::print;

/// Prints the scorer of the ICP of `args` in its dialect.
pub fn run(args: &SqlArgs) -> Result<(), Failure> {
    let dialect = match args.dialect {
        SqlDialect::Duckdb => Dialect::DuckDb,
        SqlDialect::Postgres => Dialect::Postgres,
        SqlDialect::Ansi => Dialect::Ansi,
    };
    print(&(northstar_pipeline::sql(&args.icp, dialect, &args.table)? + ";\n"))
}
