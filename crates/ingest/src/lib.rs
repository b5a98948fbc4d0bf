//! Ingest: reads a data folder's tables (CSV, TSV, JSON Lines, Parquet, XLSX; text formats may be
//! gzip-compressed), maps their columns onto the input contract, validates every row and stages
//! the accepted rows as Parquet for the engine.
//!
//! Nothing is dropped or coerced silently: a row that breaks the contract becomes a [`Reject`]
//! naming the file, line, column, value and reason; rows left out by a configured `where` are
//! counted. The pipeline is `source` (records with line numbers) → `mapping` (canonical columns,
//! SQL expressions, filter) → `rows` (types, ranges, rules, keys, references) → staged Parquet.

pub mod config;
pub mod contract;
mod crm;
mod error;
mod load;
mod mapping;
mod rows;
pub mod source;
mod stamp;
pub mod survival;
pub mod values;

pub use config::{Chunking, Config, TableConfig};
pub use error::IngestError;
pub use load::{Ingested, LoadedTable, NoProgress, Progress, Reject, check_folder, ingest, ingest_file};
pub use mapping::{LabelUse, MappingUsage};
pub use rows::{Value, parse_value};
