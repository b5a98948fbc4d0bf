//! The build pipeline: ingest → economics → outputs, with timings and the run record.

use std::path::{Path, PathBuf};
use std::time::Instant;

use northstar_clv::Model;
use northstar_economics::{Economics, LifetimeMethod, LifetimeModel};
use northstar_engine::Engine;
use northstar_ingest::{ClvChoice, ClvSettings, Config, Ingested, Objective};
use northstar_output::OutputDir;
use northstar_output::figures::{group, money};

use crate::Failure;
use crate::cli::BuildOptions;
use crate::discovery::{self, Discovery};
use crate::profile;
use crate::progress::{IngestBars, spinner};
use crate::tables;

/// What to build.
pub struct BuildRequest<'a> {
    /// Folder of input tables.
    pub data: &'a Path,
    /// Folder for the outputs.
    pub out: &'a Path,
    /// Mapping file instead of `DATA/northstar.toml`.
    pub config: Option<&'a Path>,
    /// Shared options.
    pub options: &'a BuildOptions,
}

/// A finished build.
pub struct Built {
    /// Where the outputs are.
    pub out: PathBuf,
    /// The files written, by name.
    pub files: Vec<String>,
    /// The economics computed.
    pub economics: Economics,
    /// What ranks accounts for discovery.
    pub objective: Objective,
    /// What sets the top accounts by the objective apart.
    pub discovery: Discovery,
    /// The ICP and what it says of each customer.
    pub profile: northstar_profile::Drafted,
    /// Rejected input rows.
    pub rejects: usize,
    /// What was read.
    pub ingested: Ingested,
}

/// Starts the engine with `threads` threads (default: one per core).
pub fn engine(threads: Option<usize>) -> Result<Engine, Failure> {
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    Ok(Engine::new(threads)?)
}

/// The column mapping: `path` if given, else `DATA/northstar.toml` if present.
pub fn config(data: &Path, path: Option<&Path>) -> Result<Config, Failure> {
    Ok(match path {
        Some(path) => Config::read(path)?,
        None => Config::find(data)?,
    })
}

/// Reads the data folder with progress bars, and prints what was read on stderr.
pub fn ingest(data: &Path, config: &Config, stage: &Path, engine: &Engine) -> Result<Ingested, Failure> {
    let bars = IngestBars::default();
    let ingested = northstar_ingest::ingest(data, config, stage, engine, &bars)?;
    eprint!("{}", ingest_summary(&ingested));
    Ok(ingested)
}

/// One line per table read: rows, accepted, rejected, excluded.
pub fn ingest_summary(ingested: &Ingested) -> String {
    let mut text = String::new();
    for t in &ingested.tables {
        let file = t
            .file
            .as_ref()
            .and_then(|f| f.file_name())
            .map(|f| f.to_string_lossy().into_owned());
        let mut line = match (&file, &t.note) {
            (Some(file), _) => format!(
                "{:<15} {:>10} rows read from `{file}`, {} accepted, {} rejected",
                t.table,
                group(t.rows_read),
                group(t.rows_accepted),
                group(t.rows_rejected)
            ),
            (None, Some(note)) => format!("{:<15} {note}", t.table),
            (None, None) => format!("{:<15} {} rows", t.table, group(t.rows_accepted)),
        };
        if t.rows_excluded > 0 {
            line.push_str(&format!(", {} left out by `where`", group(t.rows_excluded)));
        }
        text.push_str(&line);
        text.push('\n');
    }
    if !ingested.rejects.is_empty() {
        text.push_str(&format!(
            "{} problems in rejected rows; first: ",
            group(ingested.rejects.len() as u64)
        ));
        let r = &ingested.rejects[0];
        text.push_str(&format!(
            "{}:{}: column `{}`: {}\n",
            r.file, r.line, r.column, r.reason
        ));
    }
    text
}

/// Fails unless `--max-rejects` is a percentage.
pub fn check_max_rejects(percent: f64) -> Result<(), Failure> {
    if (0.0..=100.0).contains(&percent) {
        Ok(())
    } else {
        Err(Failure::user(format!(
            "--max-rejects must be a percentage from 0 to 100, not {percent}"
        )))
    }
}

/// Fails unless the date given for `flag`, if any, is an ISO date.
pub fn check_date(flag: &str, day: Option<&str>) -> Result<(), Failure> {
    match day {
        Some(day) => northstar_ingest::values::parse_date(day, None)
            .map(|_| ())
            .map_err(|e| Failure::user(format!("{flag}: {e}"))),
        None => Ok(()),
    }
}

/// Writes the single file `path` atomically with `fill`.
pub fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Failure::user(format!("`{}` is not a file name", path.display())))?;
    let mut out = OutputDir::create(dir)?;
    out.write(&name, fill)?;
    out.commit()?;
    Ok(())
}

/// Writes every rejected row to the CSV file `path`, atomically.
pub fn write_rejects_file(path: &Path, ingested: &Ingested) -> Result<(), Failure> {
    write_file(path, |w| tables::write_rejects(w, &ingested.rejects))
}

/// Fails when a table's rejected rows exceed `max_percent` of its rows.
pub fn check_reject_limit(
    ingested: &Ingested,
    max_percent: f64,
    rejects_file: Option<&Path>,
) -> Result<(), Failure> {
    let over: Vec<String> = ingested
        .tables
        .iter()
        .filter(|t| t.reject_share() * 100.0 > max_percent)
        .map(|t| {
            format!(
                "`{}`: {} of {} rows rejected ({:.1}%)",
                t.table,
                group(t.rows_rejected),
                group(t.rows_read - t.rows_excluded),
                t.reject_share() * 100.0
            )
        })
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    let see = rejects_file.map_or_else(
        || "rerun with --rejects FILE to see them".to_owned(),
        |p| format!("see `{}`", p.display()),
    );
    Err(Failure::user(format!(
        "too many rejected rows, above the {max_percent}% limit: {}; {see}, fix the data or raise --max-rejects",
        over.join("; ")
    )))
}

/// Runs the whole pipeline and writes every output atomically.
pub fn build(request: &BuildRequest<'_>) -> Result<Built, Failure> {
    let started = Instant::now();
    let mut timings = serde_json::Map::new();
    let mut lap = {
        let mut last = Instant::now();
        move |name: &str, timings: &mut serde_json::Map<String, serde_json::Value>| {
            timings.insert(
                name.to_owned(),
                serde_json::json!(last.elapsed().as_millis() as u64),
            );
            last = Instant::now();
        }
    };
    let options = request.options;
    check_max_rejects(options.max_rejects)?;
    check_date("--as-of", options.as_of.as_deref())?;
    // Checked before the output folder is made, so that a mistyped path leaves nothing behind.
    northstar_ingest::check_folder(request.data)?;
    let mut out = OutputDir::create(request.out)?;
    let stage = tempfile::Builder::new()
        .prefix(".northstar-stage-")
        .tempdir_in(request.out)
        .map_err(|e| {
            Failure::user(format!(
                "cannot create a staging folder in `{}`: {e}",
                request.out.display()
            ))
        })?;
    let engine = engine(options.threads)?;
    let config = config(request.data, request.config)?;
    let ingested = ingest(request.data, &config, stage.path(), &engine)?;
    lap("ingest", &mut timings);
    out.write("rejects.csv", |w| tables::write_rejects(w, &ingested.rejects))?;
    if let Err(failure) = check_reject_limit(
        &ingested,
        options.max_rejects,
        Some(&request.out.join("rejects.csv")),
    ) {
        out.commit()?;
        return Err(failure);
    }

    ingested.register(&engine)?;
    let bar = spinner("computing account economics");
    let mut economics = northstar_economics::compute(&engine, options.as_of.as_deref())?;
    bar.finish_and_clear();
    lap("economics", &mut timings);
    let bar = spinner("predicting lifetime value");
    lifetime_value(&engine, &config.clv, &mut economics)?;
    bar.finish_and_clear();
    lap("clv", &mut timings);
    let bar = spinner("measuring what sets the most profitable accounts apart");
    let objective = config.discover.objective;
    let found = discovery::discover(&engine, &economics.accounts, &config.discover)?;
    bar.finish_and_clear();
    lap("discover", &mut timings);
    let drafted = profile::profile(&found, &economics.accounts, objective);
    let segments = profile::segment_ranks(&found, economics.accounts.len());
    lap("profile", &mut timings);

    out.write("accounts.csv", |w| {
        tables::write_accounts(w, &economics.accounts, &found.cohorts, &segments, &drafted)
    })?;
    out.write("whale_curve.csv", |w| {
        tables::write_whale_curve(w, &economics.accounts)
    })?;
    out.write("cost_to_serve.csv", |w| {
        tables::write_cost_lines(w, &economics.cost_lines)
    })?;
    out.write("lift.csv", |w| discovery::write_lift(w, &found.lifts))?;
    out.write("cohorts.csv", |w| {
        discovery::write_cohorts(w, &found, &economics.accounts)
    })?;
    out.write("anti_icp.csv", |w| {
        discovery::write_anti_icp(w, &found, &economics.accounts)
    })?;
    out.write("segments.csv", |w| {
        discovery::write_segments(w, &found, &economics.accounts)
    })?;
    out.write_json(
        "pmf.json",
        &serde_json::json!({"base": found.pmf, "verdict": found.pmf.verdict()}),
    )?;
    out.write_json("ecosystem.json", &found.ecosystem)?;
    out.write_json("icp.json", &drafted.icp)?;
    out.write("icp.md", |w| {
        w.write_all(northstar_profile::markdown(&drafted.icp).as_bytes())
    })?;
    out.write_json("summary.json", &economics.summary)?;
    lap("write", &mut timings);
    timings.insert(
        "total".into(),
        serde_json::json!(started.elapsed().as_millis() as u64),
    );
    let run = run_record(
        request,
        &ingested,
        &economics,
        objective,
        &drafted.icp.version,
        timings,
    );
    out.write_json("run.json", &run)?;
    let files = out
        .commit()?
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    Ok(Built {
        out: request.out.to_owned(),
        files,
        rejects: ingested.rejects.len(),
        economics,
        objective,
        discovery: found,
        profile: drafted,
        ingested,
    })
}

/// Predicts each account's lifetime value as `settings` say (by default, the model the data call for).
fn lifetime_value(engine: &Engine, settings: &ClvSettings, economics: &mut Economics) -> Result<(), Failure> {
    let months = settings.horizon_months.unwrap_or(36);
    let discount = settings.discount.unwrap_or(0.1);
    if !(discount.is_finite() && discount > -1.0) {
        return Err(Failure::user(format!(
            "[clv] discount must be a yearly rate above -1 (0.1 for 10%), not {discount}"
        )));
    }
    let choice = match settings.model {
        ClvChoice::Auto => None,
        ClvChoice::Sbg => Some(LifetimeModel::Retention),
        ClvChoice::Bgnbd => Some(LifetimeModel::Purchases(Model::BgNbd)),
        ClvChoice::Mbgnbd => Some(LifetimeModel::Purchases(Model::MbgNbd)),
        ClvChoice::Pareto => Some(LifetimeModel::Purchases(Model::Pareto)),
        ClvChoice::None => {
            let reason = "turned off in northstar.toml ([clv] model = \"none\")".to_owned();
            economics.summary.lifetime_value = Some(LifetimeMethod::none(reason, months, discount));
            return Ok(());
        }
    };
    Ok(northstar_economics::predict_lifetime_value(
        engine, economics, choice, months, discount,
    )?)
}

/// The record of what ran: versions, inputs with checksums and counts, parameters, timings.
fn run_record(
    request: &BuildRequest<'_>,
    ingested: &Ingested,
    economics: &Economics,
    objective: Objective,
    icp_version: &str,
    timings: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    let inputs: Vec<serde_json::Value> = ingested
        .tables
        .iter()
        .map(|t| {
            serde_json::json!({
                "table": t.table,
                "file": t.file.as_ref().and_then(|f| f.file_name()).map(|f| f.to_string_lossy().into_owned()),
                "format": t.format,
                "sha256_checksum": t.sha256,
                "rows_read": t.rows_read,
                "rows_accepted": t.rows_accepted,
                "rows_rejected": t.rows_rejected,
                "rows_excluded": t.rows_excluded,
                "custom_attributes": t.extra_columns,
                "note": t.note,
            })
        })
        .collect();
    serde_json::json!({
        "schema": "northstar.run/v1",
        "versions": {"northstar": env!("CARGO_PKG_VERSION"), "engine": "Apache DataFusion 55"},
        "command": "build",
        "data": request.data.display().to_string(),
        "config": request.config.map(|p| p.display().to_string()),
        "parameters": {
            "max_rejects_percent": request.options.max_rejects,
            "as_of": request.options.as_of,
            "clv_model": economics.summary.lifetime_value.as_ref().map(|m| &m.model),
            "objective": objective.name(),
            "lift": northstar_discover::LiftSettings::default(),
            "subgroups": northstar_discover::SubgroupSettings::default(),
            "market": northstar_profile::MarketSettings::default(),
            "signal_prior_accounts": northstar_profile::signals::PRIOR_ACCOUNTS,
        },
        "icp_version": icp_version,
        "inputs": inputs,
        "rejects": ingested.rejects.len(),
        "timings_ms": timings,
    })
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The ICP in three lines: its market, its tier 1 and its strongest signals.
fn icp_headline(icp: &northstar_profile::Icp) -> String {
    let mut rules: Vec<String> = icp.filters.iter().map(|f| f.rule.describe()).collect();
    rules.extend(
        icp.anti_icp
            .iter()
            .filter(|a| a.excluded_from_sam)
            .map(|a| format!("not ({})", a.describe())),
    );
    let market = if rules.is_empty() {
        "every customer".to_owned()
    } else {
        rules.join(" and ")
    };
    let mut text = format!(
        "  ICP {} (icp.md): SAM = {market}: {} of {} customers, {} of the top fifth\n",
        icp.version,
        group(icp.market.customers),
        group(icp.market.all_customers),
        percent(icp.market.top_coverage)
    );
    if icp.signals.is_empty() {
        text.push_str(&format!(
            "  no attribute sets the best customers apart yet: every account scores {} (icp.md says what cannot be concluded)\n",
            icp.base_score
        ));
    } else if let Some(first) = icp.tiers.first() {
        let signals: Vec<String> = icp
            .signals
            .iter()
            .filter(|s| s.points > 0)
            .take(3)
            .map(|s| format!("{:+} {}", s.points, s.rule.describe()))
            .collect();
        text.push_str(&format!(
            "  tier 1 from {} points: {} customers, mean {} {}; strongest signals: {}\n",
            first.min_score,
            group(first.customers),
            icp.objective,
            money(first.mean_objective),
            if signals.is_empty() {
                "none".to_owned()
            } else {
                signals.join(", ")
            }
        ));
    }
    text
}

/// The headline figures of a build, for the terminal.
pub fn headline(built: &Built) -> String {
    let s = &built.economics.summary;
    let mut text = format!(
        "{} customer accounts{}: revenue {}, gross margin {}, cost to serve {}, CAC {}, profit {}\n",
        group(s.accounts),
        s.as_of
            .as_ref()
            .map(|d| format!(" as of {d}"))
            .unwrap_or_default(),
        money(s.revenue),
        money(s.gross_margin),
        money(s.cost_to_serve),
        money(s.cac),
        money(s.profit),
    );
    if s.profit > 0.0 {
        text.push_str(&format!(
            "  {} of accounts ({}) make 80% of profit\n",
            percent(s.share_of_accounts_for_80pct_profit),
            group(s.accounts_for_80pct_profit)
        ));
        text.push_str(&format!(
            "  the whale curve peaks at {} of profit, at the top {} of accounts\n",
            percent(s.whale_peak.share_of_profit),
            percent(s.whale_peak.share_of_accounts)
        ));
    } else {
        text.push_str("  total profit is not positive: the whale curve has no peak above zero\n");
    }
    text.push_str(&format!(
        "  {} loss-making accounts ({}) destroy {} ({} of profit)\n",
        group(s.loss_makers.accounts),
        percent(s.loss_makers.share_of_accounts),
        money(s.loss_makers.profit_destroyed),
        percent(s.loss_makers.share_of_profit)
    ));
    if let Some(win_rate) = s.deals.win_rate {
        let cycle = s
            .deals
            .median_sales_cycle_days
            .map(|d| format!(", median sales cycle {d:.0} days"))
            .unwrap_or_default();
        text.push_str(&format!("  win rate {}{cycle}\n", percent(win_rate)));
    }
    if let Some(method) = &s.lifetime_value {
        text.push_str(&match method.model.as_str() {
            "none" => format!("  lifetime value not predicted: {}\n", method.reason),
            model => format!(
                "  predicted lifetime value ({model}, {} months ahead at {}% a year, because {}): {} over {} accounts\n",
                method.horizon_months,
                method.annual_discount * 100.0,
                method.reason,
                money(method.total_ltv_predicted),
                group(method.accounts_predicted)
            ),
        });
    }
    let standouts: Vec<String> = built
        .discovery
        .lifts
        .iter()
        .filter(|l| l.ci[0] > 1.0)
        .take(3)
        .map(|l| {
            format!(
                "{} {} ({:.1}x, 95% CI {:.1}-{:.1}, {} accounts)",
                l.attribute,
                l.condition.describe(),
                l.lift,
                l.ci[0],
                l.ci[1],
                group(l.support)
            )
        })
        .collect();
    if !standouts.is_empty() {
        text.push_str(&format!(
            "  over-represented among the top 20% by {}: {}\n",
            built.objective.name(),
            standouts.join("; ")
        ));
    }
    text.push_str(&format!("  {}\n", built.discovery.pmf.verdict()));
    if let Some(best) = built.discovery.subgroups.first() {
        text.push_str(&format!(
            "  best segment by {}: {} ({} accounts, {} of the total, mean {} per account; {} segments in segments.csv)\n",
            built.objective.name(),
            best.describe(),
            group(best.members.len() as u64),
            percent(best.objective_share),
            money(best.mean_objective),
            built.discovery.subgroups.len()
        ));
    }
    if let Some(worst) = built.discovery.anti.first() {
        let members = || worst.members.iter().map(|&i| &built.economics.accounts[i]);
        let lost: f64 = members().map(|a| a.profit).sum();
        text.push_str(&format!(
            "  worst segment: {} ({} accounts, profit {}; without them total profit would be {}; see anti_icp.csv)\n",
            worst.describe(),
            group(worst.members.len() as u64),
            money(lost),
            money(s.profit - lost)
        ));
    }
    text.push_str(&icp_headline(&built.profile.icp));
    if s.unallocated_spend > 0.0 {
        text.push_str(&format!(
            "  {} of channel spend acquired no account in its month\n",
            money(s.unallocated_spend)
        ));
    }
    text.push_str(&format!(
        "outputs in `{}`: {}\n",
        built.out.display(),
        built.files.join(", ")
    ));
    if built.rejects > 0 {
        text.push_str(&format!(
            "{} rejected input problems are listed in rejects.csv\n",
            group(built.rejects as u64)
        ));
    }
    text
}
