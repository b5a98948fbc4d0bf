//! Read: northstar's input files as records, free of the query engine.
//!
//! [`source`] reads CSV, TSV, JSON Lines, Parquet and XLSX files (text formats may be
//! gzip-compressed) into text records with their line numbers, finding the header below a
//! report's title and counting a report's footer; Parquet and delimited text also come in
//! batches of columns ([`text_batch`]), the same rows with no text allocated per value;
//! [`values`] parses dates, money and numbers;
//! [`config`] reads the tables' part of `northstar.toml` (mappings, presets, formats);
//! [`contract`] is the input contract every table is checked against. Ingest maps, validates and
//! stages what these read; this crate holds no engine, so that its parsers can be fuzzed.

mod arrow_text;
mod blocks;
pub mod config;
pub mod contract;
pub mod error;
mod fields;
mod parquet_pages;
pub mod source;
pub mod survival;
pub mod text_batch;
pub mod values;

pub use config::{Chunking, Config, TableConfig};
pub use error::IngestError;
