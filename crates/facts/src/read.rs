//! A query's result as text columns: the one shape every fact is read in.

use std::fmt::Write as _;

use northstar_engine::Engine;
use northstar_engine::arrow::array::{Array, AsArray, Float64Array, StringArray, StringViewArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::{DataType, Float64Type};
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

    /// Column `index` of every row as a number, when it is a column of integers or doubles
    /// (`None` for text, dates and every other type).
    pub fn numeric(&self, index: usize) -> Result<Option<Vec<Option<f64>>>> {
        let mut out = Vec::with_capacity(self.rows());
        for batch in &self.batches {
            let array = batch.column(index);
            if !(array.data_type().is_integer() || *array.data_type() == DataType::Float64) {
                return Ok(None);
            }
            let shape = || FactsError::Shape(batch.schema().field(index).name().clone());
            let numbers = cast(array, &DataType::Float64).map_err(|_| shape())?;
            out.extend(numbers.as_primitive::<Float64Type>().iter());
        }
        Ok(Some(out))
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
                    let texts = TextColumn::of(batch, index)?;
                    for row in 0..batch.num_rows() {
                        if let Some(text) = texts.get(row) {
                            each(first + row, text);
                        }
                    }
                }
            }
            first += batch.num_rows();
        }
        Ok(())
    }

    /// Hands `each(row, x)` every number of column `index`, a column of doubles (a bug
    /// otherwise), rows counted from the first batch.
    pub fn each_number(&self, index: usize, mut each: impl FnMut(usize, f64)) -> Result<()> {
        let mut first = 0;
        for batch in &self.batches {
            for (row, x) in numbers(batch, index)?.iter().enumerate() {
                if let Some(x) = x {
                    each(first + row, x);
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

/// Runs `sql` and hands `each` its rows one batch at a time, in the order a read would give
/// them, without holding them all; the first error `each` returns ends the read.
pub fn each_batch(
    engine: &Engine,
    sql: &str,
    mut each: impl FnMut(&RecordBatch) -> Result<()>,
) -> Result<()> {
    let mut failed = None;
    engine.stream(sql, |batch| {
        if failed.is_none() {
            failed = each(&batch).err();
        }
        Ok(())
    })?;
    failed.map_or(Ok(()), Err)
}

/// A column's values as text (numbers in their shortest form), empty ones as `None`.
pub fn texts(batch: &RecordBatch, column: usize) -> Result<Vec<Option<String>>> {
    if let Some(numbers) = batch.column(column).as_any().downcast_ref::<Float64Array>() {
        return Ok(numbers.iter().map(|x| x.map(|x| x.to_string())).collect());
    }
    let texts = TextColumn::of(batch, column)?;
    Ok((0..batch.num_rows())
        .map(|row| texts.get(row).map(str::to_owned))
        .collect())
}

/// Column `column` of `batch`, a column of doubles (a bug otherwise).
pub fn numbers(batch: &RecordBatch, column: usize) -> Result<&Float64Array> {
    batch
        .column(column)
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| FactsError::Shape(batch.schema().field(column).name().clone()))
}

/// A column other than doubles, its texts read in place.
pub enum TextColumn {
    /// Texts stored one after another.
    Plain(StringArray),
    /// Texts stored as views.
    View(StringViewArray),
}

impl TextColumn {
    /// Column `column` of `batch`: texts as they are, other values cast to text.
    pub fn of(batch: &RecordBatch, column: usize) -> Result<Self> {
        let array = batch.column(column);
        if let Some(views) = array.as_string_view_opt() {
            return Ok(Self::View(views.clone()));
        }
        let shape = || FactsError::Shape(batch.schema().field(column).name().clone());
        let text = cast(array, &DataType::Utf8).map_err(|_| shape())?;
        Ok(Self::Plain(
            text.as_string_opt::<i32>().cloned().ok_or_else(shape)?,
        ))
    }

    /// The text at `row`, `None` where it is null or empty.
    pub fn get(&self, row: usize) -> Option<&str> {
        let text = match self {
            Self::Plain(texts) => texts.is_valid(row).then(|| texts.value(row)),
            Self::View(texts) => texts.is_valid(row).then(|| texts.value(row)),
        };
        text.filter(|t| !t.is_empty())
    }
}
