//! Validation of one row against its table's contract, and the typed columns it is appended to.

use std::cmp::Ordering;
use std::hash::BuildHasher;
use std::sync::Arc;

use northstar_engine::arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
};
use northstar_engine::arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int32Type, Int64Type, SchemaRef,
};
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;

use crate::columnar::BatchRow;
use crate::config::TableConfig;
use crate::contract::{ColumnSpec, Kind, Reference, RowRule, TableSpec};
use crate::key_set::{KeySet, LOOKUP_RUN};
use crate::values::{
    NumberFormat, days_since_epoch, iso_epoch_day, parse_date, parse_integer, parse_month, parse_number,
    plausible_date,
};

/// The value of `text` in `column`, checked by the column's kind and range as ingest checks it
/// (a word of a fixed set in its canonical case), or why it is refused.
pub fn parse_value(
    column: &ColumnSpec,
    text: &str,
    format: NumberFormat,
    date_format: Option<&str>,
) -> Result<Value, String> {
    let value = match column.kind {
        Kind::Text | Kind::List => return Ok(Value::Text(text.to_owned())),
        Kind::OneOf(words) => {
            return match words.iter().find(|w| w.eq_ignore_ascii_case(text)) {
                Some(word) => Ok(Value::Text((*word).to_owned())),
                None => Err(format!("`{text}` is not one of {}", words.join(", "))),
            };
        }
        Kind::Integer => Value::Int(parse_integer(text, format)?),
        Kind::Number | Kind::Money => Value::Num(parse_number(text, format)?),
        Kind::Date => Value::Date(
            match date_format.is_none().then(|| iso_epoch_day(text)).flatten() {
                Some(day) => day,
                None => days_since_epoch(plausible_date(parse_date(text, date_format)?)?),
            },
        ),
        Kind::Month => Value::Date(days_since_epoch(plausible_date(parse_month(text, date_format)?)?)),
    };
    if let Some((min, max)) = column.range {
        let number = match value {
            Value::Int(i) => i as f64,
            Value::Num(x) => x,
            _ => return Ok(value),
        };
        if number < min && min == 0.0 {
            return Err(format!("{} must not be negative", column.name));
        }
        if number < min || number > max {
            return Err(format!("{} must be between {min} and {max}", column.name));
        }
    }
    Ok(value)
}

/// A validated value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value.
    Null,
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A real number.
    Num(f64),
    /// Days since 1970-01-01.
    Date(i32),
}

/// A row's values as the checks across its columns, and what takes an accepted row, read them:
/// by column index, canonical columns in contract order then custom ones.
pub trait RowView {
    /// Whether column `i` holds a value.
    fn present(&self, i: usize) -> bool;
    /// Column `i`'s text, when it holds text.
    fn text(&self, i: usize) -> Option<&str>;
    /// Column `i`'s date (days since 1970-01-01), when it holds a date.
    fn date(&self, i: usize) -> Option<i32>;
}

impl RowView for Vec<Value> {
    fn present(&self, i: usize) -> bool {
        self.get(i).is_some_and(|v| *v != Value::Null)
    }

    fn text(&self, i: usize) -> Option<&str> {
        match self.get(i) {
            Some(Value::Text(text)) => Some(text),
            _ => None,
        }
    }

    fn date(&self, i: usize) -> Option<i32> {
        match self.get(i) {
            Some(Value::Date(days)) => Some(*days),
            _ => None,
        }
    }
}

/// A problem with one field of a row: the canonical column, the value and the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// Canonical (or custom) column name.
    pub column: String,
    /// The value as read.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

/// The keys accepted so far by tables that others refer to, by table: a few tables, found once
/// per referring table by [`RowValidator::new`], not once per row.
#[derive(Debug, Default)]
pub struct KeySets {
    sets: Vec<(&'static str, KeySet)>,
}

impl KeySets {
    /// Records that `table` is loaded and holds `keys`.
    pub(crate) fn add(&mut self, table: &'static str, keys: KeySet) {
        self.sets.retain(|(t, _)| *t != table);
        self.sets.push((table, keys));
    }

    /// The keys of `table`, when it is loaded.
    fn set(&self, table: &str) -> Option<&KeySet> {
        self.sets.iter().find(|(t, _)| *t == table).map(|(_, s)| s)
    }
}

/// A row parsed and checked but for duplicate keys: its values, and the problems found.
pub struct Prepared {
    values: Vec<Value>,
    problems: Vec<FieldProblem>,
}

/// Checks rows of one table, each on its own: its values, rules and references (a row's key
/// is checked against the keys before it by [`Keys`], in line order). Shared by the threads
/// that check rows.
pub struct RowValidator<'a> {
    spec: &'static TableSpec,
    config: &'a TableConfig,
    key_index: Option<usize>,
    /// The position of each column the table's rules name, rule by rule, in the order named.
    rule_columns: Vec<Vec<Option<usize>>>,
    references: Vec<KnownReference<'a>>,
}

/// The keys of a table's accepted rows, each with the line it was first seen on, to find
/// duplicates in line order.
pub struct Keys {
    /// The key column's name and position, when the table has a key.
    column: Option<(&'static str, usize)>,
    seen: SeenKeys,
}

/// A reference to tables already loaded: the referring column and the keys it must be among.
struct KnownReference<'a> {
    index: usize,
    reference: &'static Reference,
    keys: Vec<&'a KeySet>,
}

impl KnownReference<'_> {
    /// Whether `key` is among the keys of a table referred to.
    fn holds(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k.contains(key))
    }

    /// Marks not clean each row of `run` whose key is not among the keys referred to, and
    /// empties the run.
    fn judge(&self, run: &mut LookupRun<'_>) {
        let mut found = [false; LOOKUP_RUN];
        for set in &self.keys {
            set.find_each(&run.keys, &mut found);
        }
        for &(row, key) in &run.rows {
            run.clean[row] &= found[usize::from(key)];
        }
        run.rows.clear();
        run.keys.clear();
    }
}

/// Rows whose keys are looked up together: at most [`LOOKUP_RUN`] distinct keys, a key repeated
/// on consecutive rows held once.
struct LookupRun<'a> {
    /// Each row, and the place of its key in `keys`.
    rows: Vec<(usize, u8)>,
    keys: Vec<&'a str>,
    /// Whether each row of the batch is clean.
    clean: &'a mut [bool],
}

impl<'a> LookupRun<'a> {
    /// Adds `row` with `key`; whether the run has room for another distinct key.
    fn push(&mut self, row: usize, key: &'a str) -> bool {
        if self.keys.last() != Some(&key) {
            self.keys.push(key);
        }
        self.rows.push((row, (self.keys.len() - 1) as u8));
        self.keys.len() < LOOKUP_RUN
    }
}

impl<'a> RowValidator<'a> {
    /// A validator for `spec` read with `config`, whose references are checked against the
    /// tables of `keys` loaded (a reference to the table itself is checked once it is read).
    pub fn new(spec: &'static TableSpec, config: &'a TableConfig, keys: &'a KeySets) -> Self {
        let index = |name: &str| spec.columns.iter().position(|c| c.name == name);
        let references = spec
            .references
            .iter()
            .filter(|r| !r.tables.contains(&spec.name))
            .filter_map(|reference| {
                let keys: Vec<_> = reference.tables.iter().filter_map(|t| keys.set(t)).collect();
                let index = index(reference.column)?;
                (!keys.is_empty()).then_some(KnownReference {
                    index,
                    reference,
                    keys,
                })
            })
            .collect();
        let rule_columns = spec
            .rules
            .iter()
            .map(|rule| {
                let names: Vec<&str> = match *rule {
                    RowRule::ExactlyOne(names) => names.to_vec(),
                    RowRule::EitherGroup(first, second) => [first, second].concat(),
                    RowRule::NotBefore(later, earlier) => vec![later, earlier],
                };
                names.into_iter().map(index).collect()
            })
            .collect();
        Self {
            spec,
            config,
            key_index: spec.key.and_then(index),
            rule_columns,
            references,
        }
    }

    /// Parses one row and checks its rules and references: canonical texts in contract order,
    /// then custom attribute texts. Needs nothing but the row, so rows are prepared in parallel;
    /// [`Keys::admit`] then finds duplicate keys in line order.
    pub fn prepare(&self, texts: Vec<Option<String>>) -> Prepared {
        let mut problems = Vec::new();
        let mut values = Vec::with_capacity(texts.len());
        for (i, text) in texts.into_iter().enumerate() {
            match self.spec.columns.get(i) {
                Some(column) => match self.parse(column, text) {
                    Ok(value) => values.push(value),
                    Err(problem) => {
                        problems.push(problem);
                        values.push(Value::Null);
                    }
                },
                None => values.push(text.map_or(Value::Null, Value::Text)),
            }
        }
        if problems.is_empty() {
            self.check_across(&values, &mut problems);
        }
        Prepared { values, problems }
    }

    /// Checks what concerns several columns of a row whose values each passed: its rules and
    /// its references to the keys of other tables.
    fn check_across(&self, row: &(impl RowView + ?Sized), problems: &mut Vec<FieldProblem>) {
        self.check_rules(row, problems);
        self.check_references(row, problems);
    }

    /// The keys of the rows this validator checks, none yet.
    pub fn keys(&self) -> Keys {
        Keys {
            column: self.spec.key.zip(self.key_index),
            seen: SeenKeys::default(),
        }
    }

    fn parse(&self, column: &ColumnSpec, text: Option<String>) -> Result<Value, FieldProblem> {
        let problem = |value: &str, reason: String| FieldProblem {
            column: column.name.to_owned(),
            value: crate::source::shorten(value),
            reason,
        };
        let Some(text) = text else {
            return if let Some(blank) = column.blank {
                Ok(Value::Text(blank.to_owned()))
            } else if column.required {
                Err(problem("", "required value is missing".to_owned()))
            } else {
                Ok(Value::Null)
            };
        };
        parse_value(
            column,
            &text,
            self.config.number_format,
            self.config.date_format.as_deref(),
        )
        .map_err(|reason| problem(&text, reason))
    }

    /// Finds which of the rows still `clean` break a rule or refer to a key not among the
    /// other tables' (those then are not clean), of the rows of `batch`. Each reference is
    /// checked column by column, its keys looked up [`LOOKUP_RUN`] at a time.
    pub fn check_rows(&self, clean: &mut [bool], batch: &RecordBatch) {
        let mut problems = Vec::new();
        if !self.spec.rules.is_empty() {
            for (i, ok) in clean.iter_mut().enumerate() {
                if *ok {
                    self.check_rules(&BatchRow::new(batch, i), &mut problems);
                    *ok = problems.is_empty();
                    problems.clear();
                }
            }
        }
        let mut run = LookupRun {
            rows: Vec::new(),
            keys: Vec::with_capacity(LOOKUP_RUN),
            clean,
        };
        for reference in &self.references {
            for row in 0..run.clean.len() {
                let Some(key) = BatchRow::new(batch, row)
                    .text_of(reference.index)
                    .filter(|_| run.clean[row])
                else {
                    continue;
                };
                if !run.push(row, key) {
                    reference.judge(&mut run);
                }
            }
            reference.judge(&mut run);
        }
    }

    fn check_rules(&self, row: &(impl RowView + ?Sized), problems: &mut Vec<FieldProblem>) {
        for (rule, columns) in self.spec.rules.iter().zip(&self.rule_columns) {
            // The `k`th column the rule names.
            let present = |k: usize| columns[k].is_some_and(|i| row.present(i));
            let date = |k: usize| columns[k].and_then(|i| row.date(i));
            match *rule {
                RowRule::ExactlyOne(names) => {
                    let given = (0..names.len()).filter(|&k| present(k)).count();
                    if given != 1 {
                        problems.push(FieldProblem {
                            column: names.join("|"),
                            value: String::new(),
                            reason: format!(
                                "give exactly one of {} (this row has {given})",
                                names.join(", ")
                            ),
                        });
                    }
                }
                RowRule::EitherGroup(first, second) => {
                    let split = first.len();
                    let complete = |mut group: std::ops::Range<usize>| group.all(present);
                    if !complete(0..split) && !complete(split..split + second.len()) {
                        problems.push(FieldProblem {
                            column: String::new(),
                            value: String::new(),
                            reason: format!(
                                "give either all of {} or all of {}",
                                first.join(", "),
                                second.join(", ")
                            ),
                        });
                    }
                }
                RowRule::NotBefore(later, earlier) => {
                    if let (Some(a), Some(b)) = (date(0), date(1))
                        && a < b
                    {
                        problems.push(FieldProblem {
                            column: later.to_owned(),
                            value: crate::values::format_days(a),
                            reason: format!(
                                "{later} is before {earlier} ({})",
                                crate::values::format_days(b)
                            ),
                        });
                    }
                }
            }
        }
    }

    fn check_references(&self, row: &(impl RowView + ?Sized), problems: &mut Vec<FieldProblem>) {
        for known in &self.references {
            if let Some(key) = row.text(known.index)
                && !known.holds(key)
            {
                let reference = known.reference;
                problems.push(FieldProblem {
                    column: reference.column.to_owned(),
                    value: key.to_owned(),
                    reason: format!(
                        "{} `{key}` is not in {}",
                        reference.column,
                        reference.tables.join(" or ")
                    ),
                });
            }
        }
    }
}

/// The keys accepted so far, each with the line it was first on: their bytes side by side in
/// one buffer, so that ten million keys cost no allocation each. While every key is greater
/// than the one before (a list sorted by its id, as exports often are), none can repeat and
/// they are found by bisection; the first key out of order builds a table of indices by hash.
#[derive(Default)]
struct SeenKeys {
    bytes: Vec<u8>,
    /// Where each key ends in `bytes`.
    ends: Vec<usize>,
    lines: Vec<u64>,
    /// The keys by hash, once one came out of order.
    table: Option<hashbrown::HashTable<usize>>,
    /// The keys room is made for in the table when it is built.
    expected: usize,
    state: foldhash::fast::RandomState,
}

impl Keys {
    /// Makes room for the keys of `rows` rows, when the table has a key, so that its table of
    /// keys is not grown and copied again and again; a room that cannot be had is left.
    pub fn expect_rows(&mut self, rows: u64) {
        if self.column.is_some() {
            self.seen.reserve(rows.min(MOST_KEYS_RESERVED) as usize);
        }
    }

    /// The index of the table's key column, when it has one.
    pub fn index(&self) -> Option<usize> {
        self.column.map(|(_, index)| index)
    }

    /// Admits the key of a row of `line` whose every other check passed: whether it is new
    /// (then it is noted as first seen on `line`), or was seen on an earlier line.
    pub fn admit_key(&mut self, line: u64, key: &str) -> bool {
        if self.seen.first_line(key).is_some() {
            return false;
        }
        self.seen.insert(key, line);
        true
    }

    /// Admits a prepared row of `line`: its typed values, or every problem found, a key seen on
    /// an earlier line among them.
    pub fn admit(&mut self, line: u64, prepared: Prepared) -> Result<Vec<Value>, Vec<FieldProblem>> {
        let Prepared { values, mut problems } = prepared;
        let key = self.column.and_then(|(column, i)| match &values[i] {
            Value::Text(k) => Some((column, k)),
            _ => None,
        });
        if let Some((column, key)) = key
            && let Some(first) = self.seen.first_line(key)
        {
            problems.push(FieldProblem {
                column: column.to_owned(),
                value: key.clone(),
                reason: format!("duplicate {column} `{key}` (first on line {first})"),
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if let Some((_, key)) = key {
            self.seen.insert(key, line);
        }
        Ok(values)
    }
}

/// The most keys room is made for ahead: a file's row count is its own claim.
const MOST_KEYS_RESERVED: u64 = 1 << 26;

/// The bytes per key room is made for ahead; longer keys grow the room as they come.
const KEY_BYTES_RESERVED: usize = 24;

impl SeenKeys {
    /// Makes room for `keys` more keys (of up to [`KEY_BYTES_RESERVED`] bytes each on average:
    /// room not written to costs no memory).
    fn reserve(&mut self, keys: usize) {
        let Self {
            bytes,
            ends,
            lines,
            table,
            expected,
            state,
        } = self;
        let _ = bytes.try_reserve(keys.saturating_mul(KEY_BYTES_RESERVED));
        let _ = ends.try_reserve(keys);
        let _ = lines.try_reserve(keys);
        *expected = ends.len().saturating_add(keys);
        if let Some(table) = table {
            let _ = table.try_reserve(keys, rehash(state, bytes, ends));
        }
    }

    /// The line `key` was first accepted on, if it was.
    fn first_line(&self, key: &str) -> Option<u64> {
        self.position(key.as_bytes()).map(|i| self.lines[i])
    }

    /// Where `key` is among the keys, if it is.
    fn position(&self, key: &[u8]) -> Option<usize> {
        if let Some(table) = &self.table {
            return table
                .find(self.state.hash_one(key), |&i| self.key(i) == key)
                .copied();
        }
        if self.in_order_after_last(key) {
            return None;
        }
        // In order so far: bisect.
        let (mut low, mut high) = (0, self.ends.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.key(middle).cmp(key) {
                Ordering::Less => low = middle + 1,
                Ordering::Greater => high = middle,
                Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// Notes that `key`, not seen before, was accepted on `line`.
    fn insert(&mut self, key: &str, line: u64) {
        let key = key.as_bytes();
        if self.table.is_none() && !self.in_order_after_last(key) {
            self.index();
        }
        let Self {
            bytes,
            ends,
            lines,
            table,
            state,
            ..
        } = self;
        bytes.extend_from_slice(key);
        ends.push(bytes.len());
        lines.push(line);
        if let Some(table) = table {
            table.insert_unique(state.hash_one(key), lines.len() - 1, rehash(state, bytes, ends));
        }
    }

    /// Whether `key` sorts after every key so far.
    fn in_order_after_last(&self, key: &[u8]) -> bool {
        self.ends.is_empty() || self.key(self.ends.len() - 1) < key
    }

    /// Builds the table of the keys so far, with room for those expected.
    fn index(&mut self) {
        let Self {
            bytes,
            ends,
            table,
            expected,
            state,
            ..
        } = self;
        let mut index = hashbrown::HashTable::new();
        let _ = index.try_reserve((*expected).max(ends.len()), rehash(state, bytes, ends));
        for i in 0..ends.len() {
            index.insert_unique(
                state.hash_one(key_at(bytes, ends, i)),
                i,
                rehash(state, bytes, ends),
            );
        }
        *table = Some(index);
    }

    /// Key `i`.
    fn key(&self, i: usize) -> &[u8] {
        key_at(&self.bytes, &self.ends, i)
    }
}

/// The hash of the key an entry of the table stands for, as the table asks when it grows.
fn rehash<'a>(
    state: &'a foldhash::fast::RandomState,
    bytes: &'a [u8],
    ends: &'a [usize],
) -> impl Fn(&usize) -> u64 + 'a {
    move |&i| state.hash_one(key_at(bytes, ends, i))
}

/// Key `i` of keys stored side by side in `bytes`, ending at `ends`.
fn key_at<'a>(bytes: &'a [u8], ends: &[usize], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &bytes[start..ends[i]]
}

/// Typed column builders for a table's accepted rows.
pub struct TableBuilder {
    schema: SchemaRef,
    columns: Vec<ColumnBuilder>,
}

enum ColumnBuilder {
    Text(StringBuilder),
    Int(Int64Builder),
    Num(Float64Builder),
    Date(Date32Builder),
}

impl TableBuilder {
    /// Builders for `schema`.
    pub fn new(schema: SchemaRef) -> Self {
        let columns = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int64 => ColumnBuilder::Int(Int64Builder::new()),
                DataType::Float64 => ColumnBuilder::Num(Float64Builder::new()),
                DataType::Date32 => ColumnBuilder::Date(Date32Builder::new()),
                _ => ColumnBuilder::Text(StringBuilder::new()),
            })
            .collect();
        Self { schema, columns }
    }

    /// Appends one validated row.
    pub fn push(&mut self, values: Vec<Value>) {
        for (builder, value) in self.columns.iter_mut().zip(values) {
            match (builder, value) {
                (ColumnBuilder::Text(b), Value::Text(s)) => b.append_value(s),
                (ColumnBuilder::Int(b), Value::Int(i)) => b.append_value(i),
                (ColumnBuilder::Num(b), Value::Num(x)) => b.append_value(x),
                (ColumnBuilder::Date(b), Value::Date(d)) => b.append_value(d),
                (ColumnBuilder::Text(b), _) => b.append_null(),
                (ColumnBuilder::Int(b), _) => b.append_null(),
                (ColumnBuilder::Num(b), _) => b.append_null(),
                (ColumnBuilder::Date(b), _) => b.append_null(),
            }
        }
    }

    /// Appends row `row` of `batch`, whose columns are of this builder's types.
    pub fn push_row(&mut self, batch: &RecordBatch, row: usize) {
        for (builder, column) in self.columns.iter_mut().zip(batch.columns()) {
            let valid = column.is_valid(row);
            match builder {
                ColumnBuilder::Text(b) => b.append_option(text_at(column, row)),
                ColumnBuilder::Int(b) => {
                    b.append_option(valid.then(|| column.as_primitive::<Int64Type>().value(row)))
                }
                ColumnBuilder::Num(b) => {
                    b.append_option(valid.then(|| column.as_primitive::<Float64Type>().value(row)))
                }
                ColumnBuilder::Date(b) => {
                    b.append_option(valid.then(|| column.as_primitive::<Date32Type>().value(row)))
                }
            }
        }
    }

    /// Rows appended since the last batch.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, |c| match c {
            ColumnBuilder::Text(b) => b.len(),
            ColumnBuilder::Int(b) => b.len(),
            ColumnBuilder::Num(b) => b.len(),
            ColumnBuilder::Date(b) => b.len(),
        })
    }

    /// Whether no row is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows appended so far as one batch; the builders start empty again.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    ColumnBuilder::Text(b) => Arc::new(b.finish()),
                    ColumnBuilder::Int(b) => Arc::new(b.finish()),
                    ColumnBuilder::Num(b) => Arc::new(b.finish()),
                    ColumnBuilder::Date(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}

/// Row `row`'s text in a text column, plain or a dictionary of text; `None` when null or not
/// text.
pub(crate) fn text_at(column: &dyn Array, row: usize) -> Option<&str> {
    if let Some(texts) = column.as_string_opt::<i32>() {
        return texts.is_valid(row).then(|| texts.value(row));
    }
    let dictionary = column.as_dictionary_opt::<Int32Type>()?;
    let key = dictionary.is_valid(row).then(|| dictionary.keys().value(row))?;
    let texts = dictionary.values().as_string_opt::<i32>()?;
    texts.is_valid(key as usize).then(|| texts.value(key as usize))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// Keys stored side by side are told apart however they join ("a" then "b" is not
        /// "ab", nor is the empty key any other), in order and out, through the table's
        /// growth, as a map of owned strings tells them.
        #[test]
        fn seen_keys_find_the_first_line_as_a_map_does(
            ordered in proptest::collection::btree_set("[ab]{0,3}", 0..12),
            after in proptest::collection::vec("[ab]{0,3}", 0..200),
            reserve in proptest::option::of(0usize..300),
        ) {
            let mut seen = SeenKeys::default();
            if let Some(keys) = reserve {
                seen.reserve(keys);
            }
            // A run in order first, found by bisection, then any keys, through the table.
            let keys: Vec<String> = ordered.into_iter().chain(after).collect();
            let mut expected: HashMap<String, u64> = HashMap::new();
            for (line, key) in keys.iter().enumerate() {
                let line = line as u64 + 2;
                proptest::prop_assert_eq!(seen.first_line(key), expected.get(key).copied());
                if !expected.contains_key(key) {
                    seen.insert(key, line);
                    expected.insert(key.clone(), line);
                }
            }
        }
    }
}
