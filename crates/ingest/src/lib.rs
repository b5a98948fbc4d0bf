//! Ingest: reads a data folder's tables (CSV, TSV, JSON Lines, Parquet, XLSX; text formats may be
//! gzip-compressed), maps their columns onto the input contract, validates every row and stages
//! the accepted rows as Parquet for the engine.
//!
//! Nothing is dropped or coerced silently: a row that breaks the contract becomes a [`Reject`]
//! naming the file, line, column, value and reason; rows left out by a configured `where` are
//! counted. The pipeline is `source` (records with line numbers, from `northstar-read`) →
//! `mapping` (canonical columns, SQL expressions, filter) → `rows` (types, ranges, rules, keys,
//! references) → staged Parquet.

pub use northstar_read::{config, contract, error, source, survival, values};

mod columnar;
mod crm;
mod key_set;
mod limit;
mod load;
mod mapping;
mod rejects;
mod rows;
mod stamp;

pub use config::{Chunking, Config, TableConfig};
pub use error::IngestError;
pub use load::{Ingested, LoadedTable, NoProgress, Progress, check_folder, ingest, ingest_file, stream_file};
pub use mapping::{LabelUse, MappingUsage};
pub use rejects::{Reject, Rejects};
pub use rows::{Value, parse_value};
