//! The embedded query engine behind northstar's relational work.
//!
//! This is the only crate that depends on Apache DataFusion. Every stage that needs joins or
//! aggregation states it as SQL over named tables and runs it here, so the same plans can later
//! be handed to a distributed DataFusion engine unchanged. The API is synchronous: the engine
//! owns its own runtime and callers never see `async`.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SessionContext;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig};

pub use datafusion::arrow;
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

/// Result of an engine call.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// An embedded engine: named tables and SQL over them.
pub struct Engine {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
}

impl Engine {
    /// Starts an engine that runs queries on `threads` threads (at least one).
    pub fn new(threads: usize) -> Result<Self> {
        let threads = threads.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("northstar-engine")
            .build()?;
        let config = SessionConfig::new()
            .with_target_partitions(threads)
            .with_information_schema(false)
            // Parquet strings stay string views (DataFusion's default: no copy when scanning and
            // grouping); every reader of a result casts text columns to plain UTF-8.
            // Column names are matched as written (`Quantity`, not `quantity`), as users expect of a mapping.
            .set_bool("datafusion.sql_parser.enable_ident_normalization", false);
        Ok(Self {
            ctx: SessionContext::new_with_config(config),
            runtime,
        })
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

    /// Runs one SQL statement and returns all its rows.
    pub fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.runtime.block_on(async {
            let frame = self.ctx.sql(sql).await.map_err(|source| EngineError::Plan {
                sql: sql.to_owned(),
                source,
            })?;
            Ok(frame.collect().await?)
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
    fn bad_sql_is_a_plan_error_naming_the_text() {
        let engine = Engine::new(1).expect("engine");
        let (schema, _) = sample();
        let err = engine.compile_expr(schema, "nosuch + 1").expect_err("must fail");
        assert!(err.to_string().contains("nosuch + 1"), "{err}");
    }

    #[test]
    fn sql_over_registered_batches() {
        let engine = Engine::new(2).expect("engine");
        let (schema, batch) = sample();
        engine
            .register_batches("t", schema, vec![batch])
            .expect("register");
        let rows = engine.query("SELECT sum(p) AS total FROM t").expect("query");
        let total = rows[0]
            .column(0)
            .as_any()
            .downcast_ref::<Float64Array>()
            .expect("f64");
        assert_eq!(total.value(0), 6.5);
    }
}
