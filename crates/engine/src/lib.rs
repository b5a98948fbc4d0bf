//! The embedded query engine behind northstar's relational work.
//!
//! This is the only crate that depends on Apache DataFusion. Every stage that needs joins or
//! aggregation states it as SQL over named tables and runs it here, so the same plans can later
//! be handed to a distributed DataFusion engine unchanged. The API is synchronous: the engine
//! owns its own runtime and callers never see `async`.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::{CsvReadOptions, DataFrame, ParquetReadOptions, SessionConfig};

mod arg_min;

pub use datafusion::arrow;
pub use datafusion::error::DataFusionError;
pub use datafusion::parquet;

/// What went wrong inside the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A query or expression could not be planned: usually a mistake in user-written SQL.
    #[error("cannot plan `{sql}`: {source}")]
    Plan {
        /// The SQL text that failed.
        sql: String,
        /// The engine's explanation.
        source: DataFusionError,
    },
    /// A planned query failed while it ran.
    #[error("query failed: {0}")]
    Execution(#[from] DataFusionError),
    /// The engine's runtime could not start.
    #[error("cannot start the query runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Who can fix a failure: the user (their data, request or machine; exit code 1) or northstar
/// (a bug; exit code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The data, the request or the machine's limits: the user can fix it.
    User,
    /// Something northstar got wrong.
    Internal,
}

impl EngineError {
    /// Who can fix it. northstar's own plans are tested, so a plan that fails to plan or run is a
    /// bug, unless it ran out of memory or disk, which the user can fix with `--memory-limit`
    /// or `--temp-dir`.
    pub fn fault(&self) -> Fault {
        match self {
            EngineError::Runtime(_) => Fault::User,
            EngineError::Plan { source, .. } | EngineError::Execution(source) => {
                if self.hint().is_some() || matches!(source.find_root(), DataFusionError::IoError(_)) {
                    Fault::User
                } else {
                    Fault::Internal
                }
            }
        }
    }

    /// What to change when the engine ran out of memory or disk.
    pub fn hint(&self) -> Option<&'static str> {
        let source = match self {
            EngineError::Plan { source, .. } | EngineError::Execution(source) => source,
            EngineError::Runtime(_) => return None,
        };
        match source.find_root() {
            DataFusionError::ResourcesExhausted(_) => Some(
                "the query needs more memory than allowed: raise --memory-limit, or give --temp-dir a folder with room to spill",
            ),
            DataFusionError::IoError(e) if is_disk_full(e) => {
                Some("the disk is full: give --temp-dir a folder on a disk with room")
            }
            _ => None,
        }
    }
}

/// Whether an I/O error says the disk is full or over quota.
fn is_disk_full(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// The memory queries may hold when no limit is given: half of what the process may use, the
/// machine's memory or its control group's limit, whichever is lower, and at most
/// [`DEFAULT_LIMIT_CAP`]; `None` (unbounded) where neither can be told.
pub fn default_memory_limit() -> Option<usize> {
    let usable = match (machine_memory(), control_group_memory()) {
        (Some(machine), Some(group)) => machine.min(group),
        (machine, group) => machine.or(group)?,
    };
    usize::try_from((usable / 2).min(DEFAULT_LIMIT_CAP)).ok()
}

/// The most memory the queries hold by default, however large the machine: past it they spill,
/// so that a large build keeps to a bound. Each operator that can spill gets an equal share of
/// it (an eighth in the repeat summary), so the cap is no lower: at 2 GiB the repeat summary of
/// 1 million customers spilled and took 1.1 s longer; at 6 GiB it does not, and the build on 100
/// million transactions peaks under 4 GiB (over it with half of a 24 GiB machine).
pub const DEFAULT_LIMIT_CAP: u64 = 6 << 30;

/// The machine's memory in bytes.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(
    clippy::useless_conversion,
    reason = "the count is 32 bits wide on 32-bit targets"
)]
fn machine_memory() -> Option<u64> {
    let info = rustix::system::sysinfo();
    u64::from(info.totalram).checked_mul(u64::from(info.mem_unit.max(1)))
}

/// The machine's memory in bytes, where it cannot be told.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn machine_memory() -> Option<u64> {
    None
}

/// The memory limit of the process's control group (cgroup v2, as in a container), if it has
/// one.
fn control_group_memory() -> Option<u64> {
    let limit = std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok()?;
    // "max" when there is no limit.
    limit.trim().parse().ok()
}

/// The largest memory consumers an out-of-memory error names.
const NAMED_CONSUMERS: NonZeroUsize = NonZeroUsize::new(5).expect("five is not zero");

/// How an engine runs: threads, the memory it may take, and where it spills.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineConfig {
    /// Threads for queries; by default one per core.
    pub threads: Option<usize>,
    /// Most bytes of memory queries may hold; past it they spill to disk or fail. By default
    /// [`default_memory_limit`].
    pub memory_limit: Option<usize>,
    /// Folder for spill files; by default the system's temporary folder.
    pub temp_dir: Option<PathBuf>,
}

/// The order [`Engine::stream`] hands a result's batches in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Partition after partition: a table scanned in parallel gives its rows in the file's
    /// order, run after run. For plans that only scan: a join or a grouping, whose partitions
    /// feed one another, can stall unless they are read side by side.
    Partitions,
    /// As the partitions, read side by side, give them.
    Any,
}

/// Result of an engine call.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// An embedded engine: named tables and SQL over them.
pub struct Engine {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
    threads: usize,
}

impl Engine {
    /// Starts an engine that runs queries on `threads` threads (at least one).
    pub fn new(threads: usize) -> Result<Self> {
        Self::start(&EngineConfig {
            threads: Some(threads),
            ..EngineConfig::default()
        })
    }

    /// Starts an engine as `config` says.
    pub fn start(config: &EngineConfig) -> Result<Self> {
        let threads = config
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("northstar-engine")
            .build()?;
        let session = SessionConfig::new()
            .with_target_partitions(threads)
            .with_information_schema(false)
            // No partial aggregation once a sample shows at least one group per ten rows (a
            // customer's days, where the partial step merges almost nothing); DataFusion's
            // default waits for four in five.
            .set_str(
                "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold",
                "0.1",
            )
            // Parquet strings stay string views (DataFusion's default: no copy when scanning and
            // grouping); every reader of a result casts text columns to plain UTF-8.
            // Column names are matched as written (`Quantity`, not `quantity`), as users expect of a mapping.
            .set_bool("datafusion.sql_parser.enable_ident_normalization", false);
        let mut env = RuntimeEnvBuilder::new();
        if let Some(bytes) = config.memory_limit.or_else(default_memory_limit) {
            // Each operator that can spill gets a fair share of what the others cannot give
            // back, so that one large aggregation spills instead of starving its neighbours.
            let pool = TrackConsumersPool::new(FairSpillPool::new(bytes), NAMED_CONSUMERS);
            env = env.with_memory_pool(Arc::new(pool));
        }
        if let Some(dir) = &config.temp_dir {
            env = env.with_temp_file_path(dir);
        }
        let ctx = SessionContext::new_with_config_rt(session, env.build_arc()?);
        ctx.register_udaf(arg_min::arg_min());
        Ok(Self {
            ctx,
            runtime,
            threads,
        })
    }

    /// The threads queries run on.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Makes the Parquet file (or folder of files) at `path` queryable as `name`.
    pub fn register_parquet(&self, name: &str, path: &Path) -> Result<()> {
        let path = path.to_string_lossy().into_owned();
        self.runtime.block_on(
            self.ctx
                .register_parquet(name, &path, ParquetReadOptions::default()),
        )?;
        Ok(())
    }

    /// Makes the CSV file at `path` (with a header row) queryable as `name`, with the given schema.
    pub fn register_csv(&self, name: &str, path: &Path, schema: &SchemaRef) -> Result<()> {
        let path = path.to_string_lossy().into_owned();
        let options = CsvReadOptions::new().has_header(true).schema(schema);
        self.runtime
            .block_on(self.ctx.register_csv(name, &path, options))?;
        Ok(())
    }

    /// Makes in-memory batches queryable as `name`; an empty list gives an empty table.
    pub fn register_batches(&self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<()> {
        let table = MemTable::try_new(schema, vec![batches])?;
        self.ctx.register_table(name, Arc::new(table))?;
        Ok(())
    }

    /// Runs the query `sql` once and holds its rows in memory as the table `name`, replacing
    /// any table of that name, until [`Engine::release`].
    pub fn hold(&self, name: &str, sql: &str) -> Result<()> {
        let (schema, batches) = self.runtime.block_on(async {
            let frame = self.plan(sql).await?;
            let schema = Arc::new(frame.schema().as_arrow().clone());
            Ok::<_, EngineError>((schema, frame.collect().await?))
        })?;
        self.release(name)?;
        self.register_batches(name, schema, batches)
    }

    /// The column names of the table `name`, in its order.
    pub fn columns(&self, name: &str) -> Result<Vec<String>> {
        self.runtime.block_on(async {
            let table = self.ctx.table_provider(name).await?;
            Ok(table.schema().fields().iter().map(|f| f.name().clone()).collect())
        })
    }

    /// Forgets the table `name`, if there is one.
    pub fn release(&self, name: &str) -> Result<()> {
        self.ctx.deregister_table(name)?;
        Ok(())
    }

    /// The query `sql`, planned.
    async fn plan(&self, sql: &str) -> Result<DataFrame> {
        self.ctx.sql(sql).await.map_err(|source| EngineError::Plan {
            sql: sql.to_owned(),
            source,
        })
    }

    /// Makes the query `sql` queryable as `name`, replacing any table of that name; the query
    /// runs each time the view is read.
    pub fn register_view(&self, name: &str, sql: &str) -> Result<()> {
        self.runtime.block_on(async {
            let frame = self.plan(sql).await?;
            self.release(name)?;
            self.ctx.register_table(name, frame.into_view())?;
            Ok(())
        })
    }

    /// Runs one SQL statement and returns all its rows.
    pub fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.runtime.block_on(async {
            let frame = self.plan(sql).await?;
            Ok(frame.collect().await?)
        })
    }

    /// Runs one SQL statement and hands its rows to `each`, one batch at a time, without
    /// holding the whole result, in the `order` asked for. The first error, the engine's or
    /// `each`'s, ends the read and is returned.
    pub fn stream<E: From<EngineError>>(
        &self,
        sql: &str,
        order: Order,
        mut each: impl FnMut(RecordBatch) -> Result<(), E>,
    ) -> Result<(), E> {
        use futures::StreamExt;
        self.runtime.block_on(async {
            let frame = self.plan(sql).await?;
            let partitions = match order {
                Order::Partitions => frame.execute_stream_partitioned().await,
                Order::Any => frame.execute_stream().await.map(|all| vec![all]),
            }
            .map_err(EngineError::from)?;
            for mut batches in partitions {
                while let Some(batch) = batches.next().await {
                    each(batch.map_err(EngineError::from)?)?;
                }
            }
            Ok(())
        })
    }

    /// Compiles an SQL expression over the columns of `schema`, for evaluation row by row.
    pub fn compile_expr(&self, schema: SchemaRef, sql: &str) -> Result<RowExpr> {
        let plan_error = |source| EngineError::Plan {
            sql: sql.to_owned(),
            source,
        };
        let df_schema = DFSchema::try_from(schema).map_err(plan_error)?;
        let expr = self.ctx.parse_sql_expr(sql, &df_schema).map_err(plan_error)?;
        let physical = self
            .ctx
            .create_physical_expr(expr, &df_schema)
            .map_err(plan_error)?;
        Ok(RowExpr { physical })
    }
}

/// A compiled SQL expression that gives one value per row of a batch.
#[derive(Debug)]
pub struct RowExpr {
    physical: Arc<dyn PhysicalExpr>,
}

impl RowExpr {
    /// Evaluates the expression on every row of `batch`.
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<ArrayRef> {
        Ok(self.physical.evaluate(batch)?.into_array(batch.num_rows())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Float64Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    /// An engine on `threads` threads with [`sample`] registered as `t`.
    fn sample_engine(threads: usize) -> Engine {
        let engine = Engine::new(threads).expect("engine");
        let (schema, batch) = sample();
        engine
            .register_batches("t", schema, vec![batch])
            .expect("register");
        engine
    }

    /// The first column of the first batch of `rows`, as an `A`.
    fn first_column<A: Array + 'static>(rows: &[RecordBatch]) -> &A {
        rows[0]
            .column(0)
            .as_any()
            .downcast_ref::<A>()
            .expect("the column's type")
    }

    fn sample() -> (SchemaRef, RecordBatch) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("q", DataType::Int64, true),
            Field::new("p", DataType::Float64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![Some(2), Some(-1), None])),
                Arc::new(Float64Array::from(vec![1.5, 2.0, 3.0])),
                Arc::new(StringArray::from(vec!["A1", "C2", "A3"])),
            ],
        )
        .expect("batch");
        (schema, batch)
    }

    #[test]
    fn expressions_evaluate_row_by_row() {
        let engine = Engine::new(1).expect("engine");
        let (schema, batch) = sample();
        let product = engine.compile_expr(schema.clone(), "q * p").expect("compile");
        let out = product.evaluate(&batch).expect("evaluate");
        let out = out.as_any().downcast_ref::<Float64Array>().expect("f64");
        assert_eq!(out.value(0), 3.0);
        assert_eq!(out.value(1), -2.0);
        assert!(out.is_null(2));
        let keep = engine
            .compile_expr(schema, "s NOT LIKE 'C%' AND q IS NOT NULL")
            .expect("compile");
        let keep = keep.evaluate(&batch).expect("evaluate");
        let keep = keep
            .as_any()
            .downcast_ref::<datafusion::arrow::array::BooleanArray>()
            .expect("bool");
        assert_eq!(
            (keep.value(0), keep.value(1), keep.value(2)),
            (true, false, false)
        );
    }

    #[test]
    fn a_file_scanned_in_parallel_streams_in_its_own_order() {
        use datafusion::parquet::arrow::ArrowWriter;
        // Past DataFusion's 10 MB, a file is scanned as byte ranges, one per thread.
        let rows = 1_600_000i64;
        let schema = Arc::new(Schema::new(vec![
            Field::new("i", DataType::Int64, false),
            Field::new("noise", DataType::Int64, false),
        ]));
        let path =
            std::env::temp_dir().join(format!("northstar-engine-order-{}.parquet", std::process::id()));
        let file = std::fs::File::create(&path).expect("file");
        let mut writer = ArrowWriter::try_new(file, schema.clone(), None).expect("writer");
        for start in (0..rows).step_by(100_000) {
            let i: Int64Array = (start..start + 100_000).collect();
            let noise: Int64Array = (start..start + 100_000)
                .map(|x| x.wrapping_mul(0x5851_F42D_4C95_7F2D))
                .collect();
            let batch =
                RecordBatch::try_new(schema.clone(), vec![Arc::new(i), Arc::new(noise)]).expect("batch");
            writer.write(&batch).expect("write");
        }
        writer.close().expect("close");
        assert!(std::fs::metadata(&path).expect("size").len() > 10 << 20);
        let engine = Engine::new(2).expect("engine");
        engine.register_parquet("t", &path).expect("register");
        let mut next = 0i64;
        engine
            .stream::<EngineError>("SELECT i FROM t", Order::Partitions, |b| {
                let i = b.column(0).as_any().downcast_ref::<Int64Array>().expect("i64");
                for x in i.values() {
                    assert_eq!(*x, next, "rows out of order");
                    next += 1;
                }
                Ok(())
            })
            .expect("stream");
        std::fs::remove_file(&path).expect("removed");
        assert_eq!(next, rows);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_default_memory_limit_is_half_the_machine_or_its_control_group_limit_at_most_the_cap() {
        let meminfo = std::fs::read_to_string("/proc/meminfo").expect("meminfo");
        let kib: u64 = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|number| number.trim().parse().ok())
            .expect("MemTotal in kB");
        let group = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok());
        let usable = group.map_or(kib * 1024, |g| g.min(kib * 1024));
        let expected = (usable / 2).min(DEFAULT_LIMIT_CAP);
        assert_eq!(default_memory_limit(), Some(expected as usize));
    }

    #[test]
    fn a_stream_gives_every_row_and_a_memory_limit_is_a_user_fault() {
        let engine = sample_engine(1);
        let mut rows = 0;
        engine
            .stream::<EngineError>("SELECT * FROM t", Order::Any, |b| {
                rows += b.num_rows();
                Ok(())
            })
            .expect("stream");
        assert_eq!(rows, 3);

        let tight = Engine::start(&EngineConfig {
            threads: Some(1),
            memory_limit: Some(1024),
            temp_dir: None,
        })
        .expect("engine");
        let err = tight
            .query("SELECT v, count(*) FROM (SELECT CAST(value % 100000 AS BIGINT) AS v FROM generate_series(1, 2000000)) GROUP BY v ORDER BY v")
            .expect_err("1 KiB is too little");
        assert_eq!(err.fault(), Fault::User, "{err}");
        assert!(err.hint().is_some_and(|h| h.contains("--memory-limit")), "{err}");
        let bug = engine.query("SELECT nosuch FROM t").expect_err("no such column");
        assert_eq!(bug.fault(), Fault::Internal);
    }

    #[test]
    fn a_held_query_runs_once_and_is_read_as_a_table_until_released() {
        let engine = sample_engine(2);
        engine.hold("held", "SELECT count(*) AS n FROM t").expect("hold");
        // Rows added to `t` after it is held do not change what it holds.
        let (schema, batch) = sample();
        engine.release("t").expect("release");
        engine
            .register_batches("t", schema, vec![batch.clone(), batch])
            .expect("register");
        let held = engine.query("SELECT n FROM held").expect("read");
        assert_eq!(first_column::<Int64Array>(&held).value(0), 3);
        engine.release("held").expect("release");
        let gone = engine.query("SELECT n FROM held").expect_err("released");
        assert!(gone.to_string().contains("held"), "{gone}");
        engine
            .release("held")
            .expect("releasing what is not held does nothing");
    }

    #[test]
    fn an_aggregation_past_the_memory_limit_spills_and_gives_the_exact_answer() {
        // 2,000,000 groups of four values each, v, v + 2,000,000, v + 4,000,000 and
        // v + 6,000,000 (v = 0 stands for 2,000,000), grouped and sorted by two partitions in
        // 64 MiB, 20 of them set aside for the sort's merge: the groups alone need more, so they
        // spill.
        let sql = "SELECT v, count(*) AS n, sum(value) AS s
                   FROM (SELECT value, value % 2000000 AS v FROM generate_series(1, 8000000))
                   GROUP BY v ORDER BY v";
        let limited = Engine::start(&EngineConfig {
            threads: Some(2),
            memory_limit: Some(64 << 20),
            temp_dir: None,
        })
        .expect("engine");
        let mut expected_v = 0i64;
        for batch in limited.query(sql).expect("spills rather than fails") {
            let column = |i: usize| {
                batch
                    .column(i)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .expect("i64")
            };
            let (v, n, s) = (column(0), column(1), column(2));
            for row in 0..batch.num_rows() {
                assert_eq!(v.value(row), expected_v);
                assert_eq!(n.value(row), 4);
                let first = if expected_v == 0 { 2_000_000 } else { expected_v };
                assert_eq!(s.value(row), 4 * first + 12_000_000, "v = {expected_v}");
                expected_v += 1;
            }
        }
        assert_eq!(expected_v, 2_000_000);
    }

    #[test]
    fn bad_sql_is_a_plan_error_naming_the_text() {
        let engine = Engine::new(1).expect("engine");
        let (schema, _) = sample();
        let err = engine.compile_expr(schema, "nosuch + 1").expect_err("must fail");
        assert!(err.to_string().contains("nosuch + 1"), "{err}");
    }

    #[test]
    fn sql_over_registered_batches() {
        let engine = sample_engine(2);
        let rows = engine.query("SELECT sum(p) AS total FROM t").expect("query");
        assert_eq!(first_column::<Float64Array>(&rows).value(0), 6.5);
    }

    #[test]
    fn a_table_s_columns_are_named_in_its_order() {
        let engine = sample_engine(1);
        assert_eq!(engine.columns("t").expect("columns"), ["q", "p", "s"]);
        assert!(engine.columns("nosuch").is_err());
    }
}
