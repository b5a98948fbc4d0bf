//! A query's result as text columns: the one shape every fact is read in.

use northstar_engine::Engine;
use northstar_engine::arrow::array::{Array, Float64Array, StringArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::DataType;
use northstar_engine::arrow::record_batch::RecordBatch;

use crate::{FactsError, Result};

/// The rows of one query, read as text columns.
pub struct Table {
    /// The column names.
    pub names: Vec<String>,
    batches: Vec<RecordBatch>,
}

impl Table {
    /// Runs `sql`.
    pub fn read(engine: &Engine, sql: &str) -> Result<Self> {
        let batches = engine.query(sql)?;
        let names = batches
            .first()
            .map(|b| b.schema().fields().iter().map(|f| f.name().clone()).collect())
            .unwrap_or_default();
        Ok(Self { names, batches })
    }

    /// The rows, batch by batch, to read a few columns at a time without holding them all as
    /// text.
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// Column `index` of every row, as text.
    pub fn column(&self, index: usize) -> Result<Vec<Option<String>>> {
        let mut out = Vec::new();
        for batch in &self.batches {
            out.extend(texts(batch, index)?);
        }
        Ok(out)
    }
}

/// A column's values as text (numbers in their shortest form), empty ones as `None`.
pub fn texts(batch: &RecordBatch, column: usize) -> Result<Vec<Option<String>>> {
    let shape = || FactsError::Shape(batch.schema().field(column).name().clone());
    let array = batch.column(column);
    if let Some(numbers) = array.as_any().downcast_ref::<Float64Array>() {
        return Ok(numbers.iter().map(|x| x.map(|x| x.to_string())).collect());
    }
    let text = cast(array, &DataType::Utf8).map_err(|_| shape())?;
    let text = text.as_any().downcast_ref::<StringArray>().ok_or_else(shape)?;
    Ok(text
        .iter()
        .map(|t| t.filter(|t| !t.is_empty()).map(str::to_owned))
        .collect())
}
