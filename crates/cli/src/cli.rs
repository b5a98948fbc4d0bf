//! Command-line arguments (clap derive, all in one place).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Find your Ideal Customer Profile from your own data, by profit, and turn it into a ranked
/// target list.
#[derive(Debug, Parser)]
#[command(name = "northstar", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The memory limit set with `--memory-limit`, if any.
    pub fn memory_limit(&self) -> Option<usize> {
        match &self.command {
            Command::Demo(args) => args.build.engine.memory_limit,
            Command::Build(args) => args.build.engine.memory_limit,
            Command::Validate(args) => args.engine.memory_limit,
            Command::Clv(args) => args.engine.memory_limit,
            Command::Score(args) => args.engine.memory_limit,
            Command::Diff(_) | Command::Sql(_) | Command::Serve(_) | Command::Token(_) => None,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make the built-in demo company's data and run `build` on it.
    ///
    /// Example: northstar demo --out northstar-demo --size small --seed 7
    Demo(DemoArgs),
    /// Run the whole pipeline on a data folder and write the outputs.
    ///
    /// Example: northstar build ./data --out ./northstar-out
    Build(BuildArgs),
    /// Read and validate a data folder, report what was read and rejected, write nothing else.
    ///
    /// Example: northstar validate ./data
    Validate(ValidateArgs),
    /// Fit a lifetime-value model to a transactions file and predict every customer.
    ///
    /// Example: northstar clv transactions.csv --model bgnbd --time-unit week --calibration-end 1997-09-30
    Clv(ClvArgs),
    /// Compare two versions of the ICP: rules added, removed or changed, population drift (PSI),
    /// accounts that change tier and why, and whether to redefine the ICP.
    ///
    /// Example: northstar diff last-quarter/icp.json northstar-out --accounts data/accounts.csv
    Diff(DiffArgs),
    /// Score any list of accounts with an ICP: inside the SAM or not, fit score, tier, reasons
    /// that add up to the score, the way to tier 1 and the nearest profitable customer.
    ///
    /// Example: northstar score --icp northstar-out/icp.json leads.csv --out leads_scored.csv
    Score(ScoreArgs),
    /// Write the ICP's scorer as one SQL SELECT, so a warehouse scores its own tables.
    ///
    /// Example: northstar sql --icp northstar-out/icp.json --dialect postgres --table crm.accounts
    Sql(SqlArgs),
    /// Serve a build over HTTP: scores, the ICP, accounts and personalisation behind tokens, and
    /// a dashboard at `/`; a new build in OUT is served once it is complete and valid.
    ///
    /// Example: northstar serve northstar-out --tokens tokens.json --addr 127.0.0.1:8080
    Serve(ServeArgs),
    /// Make, list and revoke the service's API tokens; the file keeps only their hashes.
    ///
    /// Example: northstar token new --tokens tokens.json --scope read --scope score
    Token(TokenArgs),
}

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The build folder to serve.
    pub out: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// The tokens file (`northstar token new` makes it); reread when it changes.
    #[arg(long, value_name = "FILE")]
    pub tokens: PathBuf,
    /// Let /metrics answer without a token.
    #[arg(long)]
    pub open_metrics: bool,
    /// Allow browsers on this origin to call the API (CORS); repeat for more. Off by default.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,
    /// Threads answering requests; defaults to the number of cores.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenScope {
    /// Read the ICP and the accounts.
    Read,
    /// Score accounts and personalise pages.
    Score,
}

/// Arguments of `token`.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// What to do with the tokens.
    #[command(subcommand)]
    pub action: TokenAction,
}

/// The token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a token: it is printed once, on standard output; the file keeps only its hash.
    New {
        /// The tokens file; made if it does not exist.
        #[arg(long, value_name = "FILE")]
        tokens: PathBuf,
        /// What the token may do; repeat for both.
        #[arg(long, value_enum, required = true)]
        scope: Vec<TokenScope>,
    },
    /// List the tokens: id and scopes (the tokens themselves are not kept).
    List {
        /// The tokens file.
        #[arg(long, value_name = "FILE")]
        tokens: PathBuf,
    },
    /// Revoke the token of this id (`token list` shows the ids).
    Revoke {
        /// The tokens file.
        #[arg(long, value_name = "FILE")]
        tokens: PathBuf,
        /// The token's id.
        id: String,
    },
}

/// Size of the demo company.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DemoSize {
    /// About 2,000 accounts.
    Small,
    /// About 50,000 accounts.
    Medium,
    /// About 1,000,000 accounts and 10 million transactions.
    Large,
}

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder for the demo: its data go to DIR/data, the build's outputs to DIR/out.
    #[arg(long, value_name = "DIR", default_value = "northstar-demo")]
    pub out: PathBuf,
    /// How big a company to make.
    #[arg(long, value_enum, default_value = "small")]
    pub size: DemoSize,
    /// Random seed: the same seed gives the same data, byte for byte.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Shared build options.
    #[command(flatten)]
    pub build: BuildOptions,
}

/// Options shared by every command that builds.
#[derive(Debug, Clone, clap::Args)]
pub struct BuildOptions {
    /// The date tenure runs to for active accounts (YYYY-MM-DD); defaults to the last date in the data.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Where rejected rows go, and how many stop the run.
    #[command(flatten)]
    pub rejects: RejectOptions,
    /// How the engine runs.
    #[command(flatten)]
    pub engine: EngineOptions,
    /// Print machine-readable JSON on stdout instead of the headline text.
    #[arg(long)]
    pub json: bool,
}

/// Where rejected rows go, and how many stop the run.
#[derive(Debug, Clone, clap::Args)]
pub struct RejectOptions {
    /// Also write every rejected row to this CSV file (a build stopped by its rejects writes
    /// them to OUT.rejects.csv otherwise).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Stop with exit code 1 when a table's rejected rows exceed this percentage of its rows.
    #[arg(long, value_name = "PERCENT", default_value_t = 1.0)]
    pub max_rejects: f64,
}

/// Threads, memory and scratch space.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineOptions {
    /// Threads for the engine; defaults to the number of cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Most memory queries may hold (e.g. 4GiB, 512MiB); past it they spill to --temp-dir.
    /// Defaults to half the machine's memory, or of its container's limit, at most 6GiB.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<usize>,
    /// Folder for staged tables and spill files; defaults to the system's temporary folder.
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,
}

/// A size in bytes: a whole number with an optional unit (KiB, MiB, GiB, TiB; KB, MB, GB, TB).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: usize = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 4GiB or 512MiB"))?;
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "tib" | "t" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        other => return Err(format!("unknown unit `{other}`; use KiB, MiB, GiB or TiB")),
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Arguments of `build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Folder of input tables (accounts.csv, transactions.csv, ...), optionally with northstar.toml.
    pub data: PathBuf,
    /// Folder for the outputs.
    #[arg(long, value_name = "OUT", default_value = "northstar-out")]
    pub out: PathBuf,
    /// Column mapping to use instead of DATA/northstar.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Shared build options.
    #[command(flatten)]
    pub build: BuildOptions,
}

/// Arguments of `diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older ICP: an icp.json, or a build's output folder holding one.
    pub old: PathBuf,
    /// The newer ICP, likewise.
    pub new: PathBuf,
    /// A CSV of accounts (account_id and attribute columns, as accounts.csv or prospects.csv of
    /// a data folder) to score under both versions.
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// The ICP: an icp.json, or a build's output folder holding one.
    #[arg(long, value_name = "FILE")]
    pub icp: PathBuf,
    /// The accounts to score (CSV, TSV, JSON Lines, Parquet or XLSX; account_id and attribute columns).
    pub list: PathBuf,
    /// Column mapping for the list (its `[prospects]` section), e.g. for a CRM export.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the scores to this CSV file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only account_id, in_sam, fit_score and tier.
    #[arg(long)]
    pub brief: bool,
    /// Where rejected rows go, and how many stop the run.
    #[command(flatten)]
    pub rejects: RejectOptions,
    /// How the engine runs.
    #[command(flatten)]
    pub engine: EngineOptions,
    /// Print a machine-readable summary on stdout (needs --out).
    #[arg(long, requires = "out")]
    pub json: bool,
}

/// SQL dialects of `sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlDialect {
    /// DuckDB.
    Duckdb,
    /// PostgreSQL.
    Postgres,
    /// Standard SQL.
    Ansi,
}

/// Arguments of `sql`.
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The ICP: an icp.json, or a build's output folder holding one.
    #[arg(long, value_name = "FILE")]
    pub icp: PathBuf,
    /// The SQL dialect.
    #[arg(long, value_enum, default_value = "duckdb")]
    pub dialect: SqlDialect,
    /// The table to score: account_id and a column per attribute the ICP names.
    #[arg(long, value_name = "NAME", default_value = "accounts")]
    pub table: String,
}

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Folder of input tables.
    pub data: PathBuf,
    /// Column mapping to use instead of DATA/northstar.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where rejected rows go, and how many stop the run.
    #[command(flatten)]
    pub rejects: RejectOptions,
    /// How the engine runs.
    #[command(flatten)]
    pub engine: EngineOptions,
    /// Print machine-readable JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The models `clv` can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClvModel {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    Bgnbd,
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007).
    Mbgnbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    Pareto,
    /// Shifted-beta-geometric retention of contracts (Fader & Hardie 2007), from a survival table.
    Sbg,
}

/// The unit purchase histories are measured in.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClvTimeUnit {
    /// Days.
    Day,
    /// Weeks of 7 days.
    Week,
    /// Months of 365.25/12 days.
    Month,
}

/// Arguments of `clv`.
#[derive(Debug, clap::Args)]
pub struct ClvArgs {
    /// A transactions file (account_id, date, amount; any input format), or with `--model sbg` a
    /// survival table with columns period, active and optionally cohort.
    pub input: PathBuf,
    /// The model to fit.
    #[arg(long, value_enum, default_value = "bgnbd")]
    pub model: ClvModel,
    /// The unit recency, age and the model's rates are measured in.
    #[arg(long, value_enum, default_value = "week")]
    pub time_unit: ClvTimeUnit,
    /// Last day of the calibration period (YYYY-MM-DD); later transactions are the holdout
    /// period the model is checked against. Defaults to the last transaction's day.
    #[arg(long, value_name = "DATE")]
    pub calibration_end: Option<String>,
    /// Months ahead to predict purchases and value over.
    #[arg(long, value_name = "MONTHS", default_value_t = 12)]
    pub horizon: u32,
    /// Yearly discount rate for the value of future purchases (0.1 = 10% a year).
    #[arg(long, value_name = "RATE", default_value_t = 0.1)]
    pub discount: f64,
    /// Write every customer's summary and predictions to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Column mapping for the file (its `[transactions]` section), e.g. for a raw order export.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where rejected rows go, and how many stop the run.
    #[command(flatten)]
    pub rejects: RejectOptions,
    /// How the engine runs.
    #[command(flatten)]
    pub engine: EngineOptions,
    /// Print machine-readable JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

impl BuildOptions {
    /// The pipeline's options.
    pub fn options(&self) -> northstar_pipeline::Options {
        self.rejects.options(self.as_of.clone(), &self.engine)
    }
}

impl RejectOptions {
    /// The pipeline's options, with `as_of` and the engine's.
    pub fn options(&self, as_of: Option<String>, engine: &EngineOptions) -> northstar_pipeline::Options {
        northstar_pipeline::Options {
            max_rejects: self.max_rejects,
            as_of,
            rejects: self.rejects.clone(),
            engine: engine_config(engine),
            ..northstar_pipeline::Options::default()
        }
    }
}

fn engine_config(engine: &EngineOptions) -> northstar_pipeline::EngineConfig {
    northstar_pipeline::EngineConfig {
        threads: engine.threads,
        memory_limit: engine.memory_limit,
        temp_dir: engine.temp_dir.clone(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, parse_size};

    #[test]
    fn sizes_take_binary_and_decimal_units() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
    }

    #[test]
    fn the_memory_limit_is_read_from_every_command_that_runs_the_engine() {
        let limit = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.memory_limit()).unwrap();
        let set = ["--memory-limit", "1GiB"];
        for command in [
            &["build", "data"][..],
            &["validate", "data"],
            &["clv", "t.csv"],
            &["demo"],
        ] {
            let args: Vec<&str> = std::iter::once("northstar")
                .chain(command.iter().copied())
                .collect();
            assert_eq!(limit(&args), None, "{command:?}");
            assert_eq!(
                limit(&[&args[..], &set[..]].concat()),
                Some(1 << 30),
                "{command:?}"
            );
        }
        assert_eq!(
            limit(&[
                "northstar",
                "score",
                "--icp",
                "icp.json",
                "leads.csv",
                "--memory-limit",
                "1GiB"
            ]),
            Some(1 << 30)
        );
        assert_eq!(limit(&["northstar", "sql", "--icp", "icp.json"]), None);
    }
}
