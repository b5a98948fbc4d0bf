//! A query's result as text columns: the one shape every fact is read in.

use std::fmt::Write as _;
use std::sync::Arc;

use foldhash::HashSet;

use northstar_engine::arrow::array::{
    Array, AsArray, Float64Array, StringArray, StringViewArray, new_null_array,
};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef};
use northstar_engine::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use northstar_engine::{DataFusionError, Engine, EngineError, Order};

use crate::{FactsError, Result};

/// The rows of one query, read as text columns.
pub struct Table {
    /// The column names.
    pub names: Vec<String>,
    batches: Vec<RecordBatch>,
}

impl Table {
    /// Runs `sql`. A column with no value in any row is held as nulls alone, without the room
    /// its type takes per row (a table staged without a file has every column but its ids
    /// empty, say).
    pub fn read(engine: &Engine, sql: &str) -> Result<Self> {
        let mut schema = None;
        let mut batches = Vec::new();
        engine.stream::<FactsError>(sql, Order::Partitions, |batch| {
            let schema = schema.get_or_insert_with(|| batch.schema());
            let empty: Vec<bool> = batch
                .columns()
                .iter()
                .map(|c| c.null_count() == c.len())
                .collect();
            batches.push(held(&batch, schema, &empty)?);
            Ok(())
        })?;
        let Some(schema) = schema else {
            return Ok(Self {
                names: Vec::new(),
                batches,
            });
        };
        let empty: Vec<bool> = (0..schema.fields().len())
            .map(|c| batches.iter().all(|b| *b.column(c).data_type() == DataType::Null))
            .collect();
        let batches = batches
            .iter()
            .map(|b| held(b, &schema, &empty))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            batches,
        })
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
            each_text_in(batch, index, &mut number, |row, text| each(first + row, text))?;
            first += batch.num_rows();
        }
        Ok(())
    }

    /// Hands `each(row, x)` every number of column `index`, a column of doubles (a bug
    /// otherwise), rows counted from the first batch.
    pub fn each_number(&self, index: usize, mut each: impl FnMut(usize, f64)) -> Result<()> {
        let mut first = 0;
        for batch in &self.batches {
            if *batch.column(index).data_type() == DataType::Null {
                first += batch.num_rows();
                continue;
            }
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

/// `batch`, a batch of a read whose columns are `schema`, with the columns `empty` marks as
/// nulls alone and the others of their type.
fn held(batch: &RecordBatch, schema: &SchemaRef, empty: &[bool]) -> Result<RecordBatch, EngineError> {
    let rows = batch.num_rows();
    let (mut fields, mut columns) = (Vec::new(), Vec::new());
    for ((column, field), &empty) in batch.columns().iter().zip(schema.fields()).zip(empty) {
        if empty {
            fields.push(Field::new(field.name(), DataType::Null, true));
            columns.push(new_null_array(&DataType::Null, rows));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(match column.data_type() {
                DataType::Null => new_null_array(field.data_type(), rows),
                _ => column.clone(),
            });
        }
    }
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns, &options)
        .map_err(|e| EngineError::Execution(DataFusionError::from(e)))
}

/// Hands `each(row, text)` every value of column `index` of `batch` that is not empty, read in
/// place (numbers written in their shortest form, into `number`).
pub(crate) fn each_text_in(
    batch: &RecordBatch,
    index: usize,
    number: &mut String,
    mut each: impl FnMut(usize, &str),
) -> Result<()> {
    match batch.column(index).as_any().downcast_ref::<Float64Array>() {
        Some(numbers) => {
            for (row, x) in numbers.iter().enumerate() {
                if let Some(x) = x {
                    number.clear();
                    write!(number, "{x}").expect("writing to a String");
                    each(row, number);
                }
            }
        }
        None => {
            let texts = TextColumn::of(batch, index)?;
            for row in 0..batch.num_rows() {
                if let Some(text) = texts.get(row) {
                    each(row, text);
                }
            }
        }
    }
    Ok(())
}

/// Runs `sql` and hands `each` its rows one batch at a time, in `order`, without holding them
/// all; the first error ends the read.
pub fn each_batch(
    engine: &Engine,
    sql: &str,
    order: Order,
    mut each: impl FnMut(&RecordBatch) -> Result<()>,
) -> Result<()> {
    engine.stream(sql, order, |batch| each(&batch))
}

/// A column's values as text (numbers in their shortest form), empty ones as `None`.
pub fn texts(batch: &RecordBatch, column: usize) -> Result<Vec<Option<String>>> {
    column_values(batch, column, str::to_owned)
}

/// [`texts`], each distinct text held once and shared by the rows that have it.
pub fn shared_texts(batch: &RecordBatch, column: usize) -> Result<Vec<Option<Arc<str>>>> {
    let mut shared = Shared::default();
    column_values(batch, column, |text| shared.get(text))
}

/// `make` of each of a column's values as text (numbers in their shortest form), empty ones as
/// `None`.
fn column_values<T>(
    batch: &RecordBatch,
    column: usize,
    mut make: impl FnMut(&str) -> T,
) -> Result<Vec<Option<T>>> {
    if let Some(numbers) = batch.column(column).as_any().downcast_ref::<Float64Array>() {
        return Ok(numbers.iter().map(|x| x.map(|x| make(&x.to_string()))).collect());
    }
    let texts = TextColumn::of(batch, column)?;
    Ok((0..batch.num_rows())
        .map(|row| texts.get(row).map(&mut make))
        .collect())
}

/// Texts read so far, each held once.
#[derive(Default)]
pub(crate) struct Shared(HashSet<Arc<str>>);

impl Shared {
    /// `text`, shared with every equal text read before.
    pub(crate) fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(seen) = self.0.get(text) {
            return seen.clone();
        }
        let text: Arc<str> = text.into();
        self.0.insert(text.clone());
        text
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use northstar_engine::arrow::array::ArrayRef;

    /// Two batches: `id` always given, `none` never, `late` only in the second batch's last row,
    /// `count` (doubles) only in the first batch's first row.
    fn engine() -> Engine {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8View, true),
            Field::new("none", DataType::Utf8View, true),
            Field::new("late", DataType::Utf8View, true),
            Field::new("count", DataType::Float64, true),
        ]));
        let batch = |ids: [&str; 2], late: [Option<&str>; 2], count: [Option<f64>; 2]| {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(StringViewArray::from(ids.to_vec())),
                Arc::new(StringViewArray::from(vec![None::<&str>, None])),
                Arc::new(StringViewArray::from(late.to_vec())),
                Arc::new(Float64Array::from(count.to_vec())),
            ];
            RecordBatch::try_new(schema.clone(), columns).expect("batch")
        };
        let engine = Engine::new(1).expect("engine");
        let batches = vec![
            batch(["a", "b"], [None, None], [Some(3.0), None]),
            batch(["c", "d"], [None, Some("late")], [None, None]),
        ];
        engine.register_batches("t", schema, batches).expect("register");
        engine
    }

    #[test]
    fn a_column_empty_in_every_row_is_held_as_nulls_and_read_as_empty() {
        let table = Table::read(&engine(), "SELECT * FROM t").expect("read");
        assert_eq!(table.names, ["id", "none", "late", "count"]);
        let types: Vec<Vec<DataType>> = table
            .batches
            .iter()
            .map(|b| b.columns().iter().map(|c| c.data_type().clone()).collect())
            .collect();
        let typed = vec![
            DataType::Utf8View,
            DataType::Null,
            DataType::Utf8View,
            DataType::Float64,
        ];
        assert_eq!(types, [typed.clone(), typed]);
        let texts = |column| {
            let mut seen = Vec::new();
            table
                .each_text(column, |row, text| seen.push((row, text.to_owned())))
                .expect("texts");
            seen
        };
        assert_eq!(texts(1), []);
        assert_eq!(texts(2), [(3, "late".to_owned())]);
        let mut numbers = Vec::new();
        table
            .each_number(3, |row, x| numbers.push((row, x)))
            .expect("numbers");
        table
            .each_number(1, |row, x| numbers.push((row, x)))
            .expect("no numbers");
        assert_eq!(numbers, [(0, 3.0)]);
        assert_eq!(table.numeric(1).expect("numeric"), None);
        assert_eq!(table.column(1).expect("column"), [None, None, None, None]);
    }

    #[test]
    fn a_batch_text_is_held_once_and_an_empty_cell_stays_empty() {
        let column: ArrayRef = Arc::new(StringArray::from(vec![
            Some("Logistics"),
            None,
            Some("Logistics"),
            Some("Retail"),
        ]));
        let batch = RecordBatch::try_from_iter([("industry", column)]).unwrap();
        let texts = shared_texts(&batch, 0).unwrap();
        let read: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
        assert_eq!(read, [Some("Logistics"), None, Some("Logistics"), Some("Retail")]);
        let (first, third) = (texts[0].as_ref().unwrap(), texts[2].as_ref().unwrap());
        assert!(Arc::ptr_eq(first, third));
    }
}
