//! The build: the stages in their order, each timed and observed, then the outputs committed as
//! one.

use std::path::Path;
use std::time::Instant;

use northstar_discover::{DealOutcome, Deals};
use northstar_economics::{DealFigures, Inputs, RevenueSource};
use northstar_ingest::Ingested;
use northstar_output::BuildFolder;

use crate::analyse::{discovered, profiled};
use crate::observe::observed;
use crate::outputs;
use crate::session::{Session, write_rejects};
use crate::{Build, BuildRequest, Observer, Options, PipelineError, Result, RunRecord, Settings, Step};
use crate::{targets, validation};

/// Runs the whole pipeline on `request.data` and commits every output into `request.out` as
/// one. A build that fails leaves the previous outputs exactly as they were.
pub fn build(request: &BuildRequest, observer: &dyn Observer) -> Result<Build> {
    let started = Instant::now();
    let as_of = request.options.check()?;
    // Checked before anything is made, so that a mistyped path leaves nothing behind.
    northstar_ingest::check_folder(&request.data)?;
    let settings = Settings::find(&request.data, request.config.as_deref())?;
    let mut folder = BuildFolder::create(&request.out)?;
    let mut clock = Clock::new(observer);
    let Session {
        ingested,
        engine,
        stage,
    } = clock.time(Step::Ingest, || {
        read_tables(&request.data, &settings, &request.options, &request.out, observer)
    })?;
    let mut economics = clock.time(Step::Economics, || {
        let economics = northstar_economics::compute(&engine, as_of, economics_inputs(&ingested))?;
        // The cost lines, one per account and activity, stream to their file: no later stage
        // reads them, and on a large base they would take hundreds of megabytes.
        let path = request.out.join("cost_to_serve.csv");
        outputs::write_with(&mut folder, "cost_to_serve.csv", |w| {
            outputs::tables::write_cost_lines(w, &path, &engine)
        })?;
        Ok(economics)
    })?;
    clock.time(Step::LifetimeValue, || {
        Ok(settings.clv.apply(&engine, &mut economics)?)
    })?;
    let (mut base, discovery) = clock.time(Step::Discover, || {
        let base = northstar_facts::base(&engine, &economics.accounts, settings.discover.objective)?;
        let discovery = discovered(&base, &settings);
        Ok((base, discovery))
    })?;
    let (mut profile, customers) = clock.time(Step::Profile, || {
        let mut profile = profiled(&base, &discovery, &settings);
        // The deals feed nothing after the profile's scorecard: their memory goes now, before
        // the customers' attributes are copied into a batch for the scorer.
        economics.summary.deals = deal_figures(&std::mem::take(&mut base.deals), discovery.deals);
        let customers = northstar_score::attribute_batch(&base.attributes, base.objective.len())?;
        profile.icp.reference = targets::reference(&engine, &economics, &customers, &profile.icp)?;
        profile.icp.labels = settings.labels.clone();
        Ok((profile, customers))
    })?;
    profile.icp.caveats.extend(measured_caveat(&economics.summary));
    let segments = discovery.segment_ranks(base.objective.len());
    let validation = clock.time(Step::Validate, || {
        let ids: Vec<String> = economics.accounts.iter().map(|a| a.account_id.clone()).collect();
        validation::validate_batch(&base, &customers, &settings, &ids)
    })?;
    // The customer base is done with: its memory goes before the prospects are scored.
    drop(base);
    let targets = clock.time(Step::Score, || {
        let as_of = match &economics.summary.as_of {
            Some(day) => crate::request::parse_day("--as-of", day)?,
            None => 0,
        };
        let signals = ingested.table("signals").is_some();
        let win_rate = discovery.deals.win_rate;
        targets::score(
            &engine,
            (&economics, &customers, &profile),
            &settings,
            (as_of, signals),
            win_rate,
            (&mut folder, &request.out),
            request.options.score_rows,
        )
    })?;
    let run = RunRecord::new(request, &settings, &ingested, &economics, &profile.icp.version);
    let mut build = Build {
        out: request.out.clone(),
        files: Vec::new(),
        settings,
        ingested,
        economics,
        discovery,
        profile,
        segments,
        targets,
        validation,
        run,
    };
    clock.time(Step::Write, || {
        Ok(outputs::write(&build, &mut folder, stage.path())?)
    })?;
    build.run.timings_ms = clock.timings(started);
    folder.write_json("run.json", &build.run)?;
    build.files = folder.commit()?;
    Ok(build)
}

/// Reads the data folder and registers its tables in a new engine; stops when a table has too
/// many rejects, writing them beside `out` unless `--rejects` took them.
fn read_tables(
    data: &Path,
    settings: &Settings,
    options: &Options,
    out: &Path,
    observer: &dyn Observer,
) -> Result<Session> {
    let tables = options.tables(settings);
    let session = Session::read(options, observer, |stage, engine, progress| {
        northstar_ingest::ingest(data, &tables, stage, engine, progress)
    })?;
    let beside = options.rejects_beside(out);
    if let Err(error) = check_reject_limit(&session.ingested, options.max_rejects, Some(&beside)) {
        if options.rejects.is_none() {
            write_rejects(&beside, &session.ingested)?;
        }
        return Err(error);
    }
    session.ingested.register(&session.engine)?;
    if economics_inputs(&session.ingested).revenue == RevenueSource::WonDeals {
        session.engine.register_view(
            "transactions",
            northstar_economics::sql::WON_DEALS_AS_TRANSACTIONS,
        )?;
    }
    Ok(session)
}

/// What the ICP was learnt from, when some figure of its objective was not measured.
fn measured_caveat(summary: &northstar_economics::Summary) -> Option<String> {
    if summary.not_measured.is_empty() {
        return None;
    }
    let missing: Vec<String> = summary.not_measured.iter().map(ToString::to_string).collect();
    Some(format!(
        "Measured: {}; {}. Not measured: {}.",
        summary.profit_is,
        summary.revenue_from.describe(),
        missing.join(", ")
    ))
}

/// What the economics can be measured from: revenue from transactions, else from won deals;
/// direct cost, cost to serve and CAC only where their table (or column) was given.
fn economics_inputs(ingested: &Ingested) -> Inputs {
    let transactions = ingested.table("transactions").filter(|t| t.file.is_some());
    Inputs {
        revenue: match (transactions, ingested.table("deals")) {
            (Some(_), _) => RevenueSource::Transactions,
            (None, Some(_)) => RevenueSource::WonDeals,
            (None, None) => RevenueSource::Nothing,
        },
        direct_cost: transactions.is_some_and(|t| t.columns.iter().any(|c| c == "cost")),
        activities: ingested.table("activities").is_some(),
        acquisition: ingested.table("acquisition").is_some(),
    }
}

/// Fails when a table's rejected rows exceed `max_percent` of its rows; `rejects` is where they
/// are listed, if they were written.
pub fn check_reject_limit(ingested: &Ingested, max_percent: f64, rejects: Option<&Path>) -> Result<()> {
    use northstar_output::figures::group;
    let tables: Vec<String> = ingested
        .tables
        .iter()
        .filter(|t| t.cut_after.is_some() || t.reject_share() * 100.0 > max_percent)
        .map(|t| {
            let rejected = format!(
                "`{}`: {} of {} rows rejected ({:.1}%)",
                t.table,
                group(t.rows_rejected),
                group(t.rows_read - t.rows_excluded - t.footer_lines),
                t.reject_share() * 100.0
            );
            match t.cut_after {
                Some(line) => format!("{rejected} when reading stopped after line {line}"),
                None => rejected,
            }
        })
        .collect();
    if tables.is_empty() {
        return Ok(());
    }
    Err(PipelineError::TooManyRejects {
        tables,
        limit: max_percent,
        rejects: rejects.map(Path::to_owned),
    })
}

/// The deal counts of `deals`, with the win rate and sales cycle discover found in them.
fn deal_figures(deals: &Deals, outcome: DealOutcome) -> DealFigures {
    let won = deals.closed.iter().filter(|d| d.won).count() as u64;
    DealFigures {
        won,
        lost: deals.closed.len() as u64 - won,
        open: deals.open,
        win_rate: outcome.win_rate,
        median_sales_cycle_days: outcome.median_sales_cycle_days,
    }
}

/// Times each step and tells the observer.
struct Clock<'a> {
    observer: &'a dyn Observer,
    timings: serde_json::Map<String, serde_json::Value>,
}

impl<'a> Clock<'a> {
    fn new(observer: &'a dyn Observer) -> Self {
        Self {
            observer,
            timings: serde_json::Map::new(),
        }
    }

    /// Runs `step` with `work`.
    fn time<T>(&mut self, step: Step, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let started = Instant::now();
        let result = observed(self.observer, step, work)?;
        let elapsed = started.elapsed().as_millis() as u64;
        self.timings
            .insert(step.name().to_owned(), serde_json::json!(elapsed));
        Ok(result)
    }

    /// Every step's milliseconds, and the total since `started`.
    fn timings(&self, started: Instant) -> serde_json::Map<String, serde_json::Value> {
        let mut timings = self.timings.clone();
        timings.insert(
            "total".into(),
            serde_json::json!(started.elapsed().as_millis() as u64),
        );
        timings
    }
}
