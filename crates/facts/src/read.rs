//! A query's result as text columns: the one shape every fact is read in.

use std::fmt::Write as _;

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

    /// How many rows there are.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Column `index` of every row, as text.
    pub fn column(&self, index: usize) -> Result<Vec<Option<String>>> {
        let mut out = Vec::with_capacity(self.rows());
        for batch in &self.batches {
            out.extend(texts(batch, index)?);
        }
        Ok(out)
    }

    /// Hands `each(row, text)` every value of column `index` that is not empty, read in place
    /// (numbers written in their shortest form), rows counted from the first batch.
    pub fn each_text(&self, index: usize, mut each: impl FnMut(usize, &str)) -> Result<()> {
        let mut first = 0;
        let mut number = String::new();
        for batch in &self.batches {
            match batch.column(index).as_any().downcast_ref::<Float64Array>() {
                Some(numbers) => {
                    for (row, x) in numbers.iter().enumerate() {
                        if let Some(x) = x {
                            number.clear();
                            write!(number, "{x}").expect("writing to a String");
                            each(first + row, &number);
                        }
                    }
                }
                None => {
                    for (row, text) in text_column(batch, index)?.iter().enumerate() {
                        if let Some(text) = text.filter(|t| !t.is_empty()) {
                            each(first + row, text);
                        }
                    }
                }
            }
            first += batch.num_rows();
        }
        Ok(())
    }

    /// For each row, what `find` gives its column `index` (an id, say), `None` where that is
    /// empty.
    pub fn rows_of(&self, index: usize, find: impl Fn(&str) -> Option<usize>) -> Result<Vec<Option<usize>>> {
        let mut out = vec![None; self.rows()];
        self.each_text(index, |row, text| out[row] = find(text))?;
        Ok(out)
    }
}

/// A column's values as text (numbers in their shortest form), empty ones as `None`.
pub fn texts(batch: &RecordBatch, column: usize) -> Result<Vec<Option<String>>> {
    if let Some(numbers) = batch.column(column).as_any().downcast_ref::<Float64Array>() {
        return Ok(numbers.iter().map(|x| x.map(|x| x.to_string())).collect());
    }
    Ok(text_column(batch, column)?
        .iter()
        .map(|t| t.filter(|t| !t.is_empty()).map(str::to_owned))
        .collect())
}

/// A column other than doubles as a text array.
fn text_column(batch: &RecordBatch, column: usize) -> Result<StringArray> {
    let shape = || FactsError::Shape(batch.schema().field(column).name().clone());
    let text = cast(batch.column(column), &DataType::Utf8).map_err(|_| shape())?;
    text.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(shape)
}
