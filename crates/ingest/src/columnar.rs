//! The way through for a file read in batches (Parquet, delimited text) whose columns map one
//! to one onto the table's: its Arrow columns, typed or text, are converted and checked whole,
//! with no text allocated per value. A text value is parsed by the text way's own function.
//!
//! A row is taken this way only when the text way would accept it with the same values: text
//! read as the text way reads it (trimmed, empty as absent, a word of a fixed set in the
//! contract's case, absence as a blank's value), a finite number, a whole number, a plausible
//! date, absence where it is allowed, and its rules and references met. Its key is checked as
//! every key is, in line order. Any other row is read the text way, so its rejects and values
//! are those of every other format.

use std::sync::Arc;

use northstar_engine::arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Int32Array, Int64Array, PrimitiveArray, StringArray,
    new_null_array,
};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Field, Float64Type, Int32Type, Int64Type, Schema, SchemaRef,
};
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;

use crate::config::TableConfig;
use crate::contract::{ColumnSpec, Kind, TableSpec};
use crate::rows::{RowValidator, RowView, Value, parse_value, text_at};
use crate::values::{NumberFormat, plausible_days, trim};
use northstar_read::source::is_text_dictionary;

/// The largest whole number the text way reads from a number with a fraction part (`5.0`).
const LARGEST_WHOLE: f64 = 9.0e15;

/// How each column of a table is made from the columns of a file's batches.
pub(crate) struct Columnar {
    columns: Vec<Conversion>,
    /// How text is read as numbers and dates.
    formats: Formats,
    /// The staged schema.
    schema: SchemaRef,
    /// The staged schema with every column nullable, for batches whose rows are not all clean.
    loose: SchemaRef,
    /// Whether rows taken whole keep a text column stored as a dictionary as one (rows sent to
    /// a consumer that reads dictionaries); staged rows are plain text.
    keep_dictionaries: bool,
    /// The first and last day a date may fall on.
    days: (i32, i32),
}

/// How the table's text is read as numbers and dates, as the text way reads it.
struct Formats {
    number: NumberFormat,
    date: Option<String>,
}

/// One output column: its source column, what it becomes, and its contract when canonical.
struct Conversion {
    source: Option<usize>,
    target: Target,
    spec: Option<&'static ColumnSpec>,
}

/// What a column becomes.
#[derive(Clone, Copy)]
enum Target {
    /// Text; a word of this set, when it is one.
    Text(Option<&'static [&'static str]>),
    Integer,
    Number,
    Date,
    /// A month, read from text only.
    Month,
}

/// A batch converted: its rows as the table's columns, and which of them may be taken this way.
pub(crate) struct Converted {
    /// The rows in the staged schema (a row not taken holds whatever its values became).
    pub batch: RecordBatch,
    /// Per row: whether every value and check across columns passed.
    pub clean: Vec<bool>,
}

impl Columnar {
    /// The conversions of `spec`'s columns (then its custom ones) from batches of schema
    /// `file`, each output column taken from `sources` (see
    /// [`crate::mapping::ColumnPlan::direct_sources`]) and staged as `staged`; `None` when a
    /// column needs the text way: a nested or unusual type, or a typed column whose number or
    /// date format the text way would apply to its text. With `keep_dictionaries`, a text
    /// column the file stores as a dictionary stays one in the rows taken whole.
    pub fn new(
        spec: &'static TableSpec,
        sources: &[Option<usize>],
        file: &Schema,
        config: &TableConfig,
        staged: SchemaRef,
        keep_dictionaries: bool,
    ) -> Option<Self> {
        let mut columns = Vec::with_capacity(sources.len());
        for (i, &source) in sources.iter().enumerate() {
            let spec = spec.columns.get(i);
            let target = match spec.map(|c| c.kind) {
                None | Some(Kind::Text | Kind::List) => Target::Text(None),
                Some(Kind::OneOf(words)) => Target::Text(Some(words)),
                Some(Kind::Integer) => Target::Integer,
                Some(Kind::Number | Kind::Money) => Target::Number,
                Some(Kind::Date) => Target::Date,
                Some(Kind::Month) => Target::Month,
            };
            if spec.is_some_and(|c| c.blank.is_some()) && !matches!(target, Target::Text(_)) {
                return None;
            }
            if let Some(source) = source {
                let typed = file.fields().get(source)?.data_type();
                if !readable(target, typed, config) {
                    return None;
                }
            }
            columns.push(Conversion { source, target, spec });
        }
        let loose = staged
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), f.data_type().clone(), true))
            .collect::<Vec<_>>();
        Some(Self {
            columns,
            formats: Formats {
                number: config.number_format,
                date: config.date_format.clone(),
            },
            schema: staged,
            loose: Arc::new(Schema::new(loose)),
            keep_dictionaries,
            days: plausible_days(),
        })
    }

    /// Converts `batch`, read from the file, and finds its clean rows: each value plain, then
    /// the rules and references `validator` checks across columns.
    pub fn convert(&self, batch: &RecordBatch, validator: &RowValidator) -> Result<Converted, ArrowError> {
        let mut clean = vec![true; batch.num_rows()];
        let columns = self
            .columns
            .iter()
            .map(|c| c.apply(batch, self.days, &self.formats, &mut clean))
            .collect::<Result<Vec<_>, _>>()?;
        let batch = RecordBatch::try_new(with_types(&self.loose, &columns), columns)?;
        validator.check_rows(&mut clean, &batch);
        Ok(Converted { batch, clean })
    }

    /// `converted`, every row of it clean, to stage or send: its text stored as dictionaries
    /// kept only when they may be.
    pub fn taken(&self, converted: &Converted) -> Result<RecordBatch, ArrowError> {
        let columns = converted.batch.columns();
        if self.keep_dictionaries {
            return RecordBatch::try_new(with_types(&self.schema, columns), columns.to_vec());
        }
        let plain = columns
            .iter()
            .map(|c| match is_text_dictionary(c.data_type()) {
                true => cast(c, &DataType::Utf8),
                false => Ok(c.clone()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        RecordBatch::try_new(self.schema.clone(), plain)
    }

    /// A row of the file as the text way maps it: `fields` (the file's columns as text) taken
    /// into the table's columns.
    pub fn map_fields(&self, fields: &[Option<String>]) -> Vec<Option<String>> {
        self.columns
            .iter()
            .map(|c| c.source.and_then(|i| fields.get(i).cloned().flatten()))
            .collect()
    }
}

/// `schema` with each field of the type of its column in `columns` (a text column may be a
/// dictionary of text); the schema itself when every type is its own.
fn with_types(schema: &SchemaRef, columns: &[ArrayRef]) -> SchemaRef {
    let fields = schema.fields();
    if fields
        .iter()
        .zip(columns)
        .all(|(f, c)| f.data_type() == c.data_type())
    {
        return schema.clone();
    }
    let typed = fields
        .iter()
        .zip(columns)
        .map(|(f, c)| f.as_ref().clone().with_data_type(c.data_type().clone()));
    Arc::new(Schema::new_with_metadata(
        typed.collect::<Vec<_>>(),
        schema.metadata().clone(),
    ))
}

/// Whether a column of type `typed` becomes `target` this way, read with `config`.
fn readable(target: Target, typed: &DataType, config: &TableConfig) -> bool {
    let whole = matches!(
        typed,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
    );
    let plain = config.number_format == NumberFormat::Plain;
    let text = *typed == DataType::Utf8;
    match target {
        Target::Text(_) => !typed.is_nested(),
        Target::Integer | Target::Number => text || (plain && (whole || *typed == DataType::Float64)),
        Target::Date => text || (config.date_format.is_none() && *typed == DataType::Date32),
        Target::Month => text,
    }
}

/// Whether two texts are equal, told at once when they are the same slice (a value read as it is).
fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.len() == b.len() && (std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

impl Conversion {
    /// This column of `batch` in its staged type; a row whose value the text way would not
    /// take as it is here is marked not clean.
    fn apply(
        &self,
        batch: &RecordBatch,
        days: (i32, i32),
        formats: &Formats,
        clean: &mut [bool],
    ) -> Result<ArrayRef, ArrowError> {
        let rows = batch.num_rows();
        let blank = self.spec.and_then(|c| c.blank);
        let may_be_empty = blank.is_some() || !self.spec.is_some_and(|c| c.required);
        let Some(source) = self.source else {
            if !may_be_empty {
                clean.fill(false);
            }
            return Ok(match blank {
                Some(blank) => Arc::new(StringArray::from(vec![blank; rows])),
                None => new_null_array(&self.spec.map_or(DataType::Utf8, |c| c.kind.data_type()), rows),
            });
        };
        let column = batch.column(source);
        let mut check = |row: usize, plain: &dyn Fn() -> bool| {
            let ok = if column.is_null(row) {
                may_be_empty
            } else {
                plain()
            };
            clean[row] &= ok;
        };
        let in_range = |x: f64| {
            self.spec
                .and_then(|c| c.range)
                .is_none_or(|(min, max)| min <= x && x <= max)
        };
        if let (Some(spec), DataType::Utf8) = (self.spec, column.data_type())
            && !matches!(self.target, Target::Text(_))
        {
            let texts = column.as_string::<i32>();
            let parsed = |text: &str| parse_value(spec, text, formats.number, formats.date.as_deref());
            return Ok(match self.target {
                Target::Integer => {
                    Arc::new(parse_texts::<Int64Type>(
                        texts,
                        may_be_empty,
                        clean,
                        |t| match parsed(t) {
                            Ok(Value::Int(i)) => Some(i),
                            _ => None,
                        },
                    ))
                }
                Target::Number => {
                    Arc::new(parse_texts::<Float64Type>(
                        texts,
                        may_be_empty,
                        clean,
                        |t| match parsed(t) {
                            Ok(Value::Num(x)) => Some(x),
                            _ => None,
                        },
                    ))
                }
                _ => Arc::new(parse_texts::<Date32Type>(
                    texts,
                    may_be_empty,
                    clean,
                    |t| match parsed(t) {
                        Ok(Value::Date(day)) => Some(day),
                        _ => None,
                    },
                )),
            });
        }
        Ok(match self.target {
            Target::Text(words) if is_text_dictionary(column.data_type()) => text_of_dictionary(
                column.as_dictionary::<Int32Type>(),
                words,
                blank,
                may_be_empty,
                clean,
            )?,
            Target::Text(words) => {
                let cast = cast(column, &DataType::Utf8)?;
                let text = cast.as_string::<i32>();
                let read = |row: usize| {
                    let read = text.is_valid(row).then(|| text.value(row));
                    (read_text(read, words, blank, may_be_empty), read)
                };
                // Most columns are read as they are: the values are gathered anew only when
                // one is not.
                let mut changed = false;
                for (row, clean) in clean.iter_mut().enumerate() {
                    let ((value, ok), read) = read(row);
                    *clean &= ok;
                    changed |= !same_text(value, read);
                }
                if changed {
                    Arc::new(StringArray::from_iter((0..rows).map(|row| read(row).0.0)))
                } else {
                    cast
                }
            }
            Target::Integer if *column.data_type() == DataType::Float64 => {
                let numbers = column.as_primitive::<Float64Type>();
                let whole = |x: f64| x.is_finite() && x.fract() == 0.0 && x.abs() <= LARGEST_WHOLE;
                for row in 0..rows {
                    check(row, &|| {
                        let x = numbers.value(row);
                        whole(x) && in_range(x)
                    });
                }
                let values = numbers.iter().map(|x| x.filter(|x| whole(*x)).map(|x| x as i64));
                Arc::new(values.collect::<Int64Array>())
            }
            Target::Integer => {
                let cast = cast(column, &DataType::Int64)?;
                let numbers = cast.as_primitive::<Int64Type>();
                for row in 0..rows {
                    check(row, &|| in_range(numbers.value(row) as f64));
                }
                cast
            }
            Target::Number => {
                let cast = cast(column, &DataType::Float64)?;
                let numbers = cast.as_primitive::<Float64Type>();
                for row in 0..rows {
                    check(row, &|| {
                        let x = numbers.value(row);
                        x.is_finite() && in_range(x)
                    });
                }
                cast
            }
            Target::Date | Target::Month => {
                let dates = column.as_primitive::<Date32Type>();
                for row in 0..rows {
                    check(row, &|| (days.0..=days.1).contains(&dates.value(row)));
                }
                column.clone()
            }
        })
    }
}

/// A column of text parsed by `parse` as the text way parses a value (trimmed, empty as absent);
/// a row whose value does not parse, or is absent where it may not be, is marked not clean.
fn parse_texts<T: ArrowPrimitiveType>(
    texts: &StringArray,
    may_be_empty: bool,
    clean: &mut [bool],
    parse: impl Fn(&str) -> Option<T::Native>,
) -> PrimitiveArray<T> {
    (0..texts.len())
        .map(|row| {
            let text = texts.is_valid(row).then(|| texts.value(row).trim());
            match text.filter(|t| !t.is_empty()) {
                None => {
                    clean[row] &= may_be_empty;
                    None
                }
                Some(text) => {
                    let value = parse(text);
                    clean[row] &= value.is_some();
                    value
                }
            }
        })
        .collect()
}

/// A value as the text way reads it: trimmed, empty as absent, a word of a fixed set `words` in
/// the contract's case, absence as the `blank`'s value; with whether it may be taken as it is
/// (absence only where `may_be_empty`, a word only of the set).
fn read_text<'a>(
    read: Option<&'a str>,
    words: Option<&'static [&'static str]>,
    blank: Option<&'static str>,
    may_be_empty: bool,
) -> (Option<&'a str>, bool) {
    match (read.map(trim).filter(|t| !t.is_empty()), words) {
        (None, _) => (blank, may_be_empty),
        (Some(t), None) => (Some(t), true),
        (Some(t), Some(words)) => match words.iter().find(|w| w.eq_ignore_ascii_case(t)) {
            Some(word) => (Some(*word), true),
            None => (Some(t), false),
        },
    }
}

/// A text column stored as a dictionary, read as [`read_text`] reads each value: each distinct
/// text is read once, and each row takes its text's reading. It stays a dictionary: of the
/// same texts when every one reads as it is stored, else of their readings.
fn text_of_dictionary(
    column: &DictionaryArray<Int32Type>,
    words: Option<&'static [&'static str]>,
    blank: Option<&'static str>,
    may_be_empty: bool,
    clean: &mut [bool],
) -> Result<ArrayRef, ArrowError> {
    let texts = column.values().as_string::<i32>();
    let readings: Vec<(Option<&str>, bool, bool)> = (0..texts.len())
        .map(|i| {
            let read = texts.is_valid(i).then(|| texts.value(i));
            let (value, ok) = read_text(read, words, blank, may_be_empty);
            (value, ok, !same_text(value, read))
        })
        .collect();
    let null = read_text(None, words, blank, may_be_empty);
    let keys = column.keys();
    let mut changed = false;
    for (row, clean) in clean.iter_mut().enumerate() {
        let (ok, differs) = match column.is_valid(row) {
            true => {
                let (_, ok, differs) = readings[keys.value(row) as usize];
                (ok, differs)
            }
            false => (null.1, null.0.is_some()),
        };
        *clean &= ok;
        changed |= differs;
    }
    if !changed {
        return Ok(Arc::new(column.clone()));
    }
    // The readings as the dictionary's texts, the blank's value after them; a row whose text
    // reads as absent has no key.
    let mut values: Vec<Option<&str>> = readings.iter().map(|r| r.0).collect();
    let blank_key = null.0.map(|b| {
        values.push(Some(b));
        (values.len() - 1) as i32
    });
    let keys: Int32Array = (0..column.len())
        .map(|row| match column.is_valid(row) {
            true => Some(keys.value(row)).filter(|k| readings[*k as usize].0.is_some()),
            false => blank_key,
        })
        .collect();
    Ok(Arc::new(DictionaryArray::try_new(
        keys,
        Arc::new(StringArray::from(values)),
    )?))
}

/// One row of a converted batch, read by column index.
pub(crate) struct BatchRow<'a> {
    batch: &'a RecordBatch,
    row: usize,
}

impl<'a> BatchRow<'a> {
    /// Row `row` of `batch`.
    pub fn new(batch: &'a RecordBatch, row: usize) -> Self {
        Self { batch, row }
    }

    fn column(&self, i: usize) -> Option<&'a ArrayRef> {
        self.batch.columns().get(i).filter(|c| c.is_valid(self.row))
    }

    /// Column `i`'s text, when it holds text, borrowed from the batch.
    pub fn text_of(&self, i: usize) -> Option<&'a str> {
        text_at(self.column(i)?, self.row)
    }
}

impl RowView for BatchRow<'_> {
    fn present(&self, i: usize) -> bool {
        self.column(i).is_some()
    }

    fn text(&self, i: usize) -> Option<&str> {
        self.text_of(i)
    }

    fn date(&self, i: usize) -> Option<i32> {
        let row = self.row;
        self.column(i)?
            .as_primitive_opt::<Date32Type>()
            .map(|d| d.value(row))
    }
}
