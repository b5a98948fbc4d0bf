//! The rules of an ICP compiled into tests on the columns of a batch.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use northstar_engine::arrow::array::{Array, AsArray, DictionaryArray, Float64Array, StringArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::{DataType, Int32Type};
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_profile::Rule;
use northstar_read::source::is_text_dictionary;
use northstar_read::values::trim;

use crate::effect::{Cuts, Effect, Role};
use crate::kind::Kind;

/// Every rule of an ICP compiled into a test on its column, the tests grouped by column so that
/// a batch's column is read once however many rules read it: numbers cast once, and each
/// distinct text (a category or a whole `;`-separated list) judged once by every test of its
/// column.
#[derive(Debug, Clone)]
pub struct Plan {
    groups: Vec<Group>,
    rules: usize,
}

/// The tests of one column, each with the position of its rule.
#[derive(Debug, Clone)]
struct Group {
    column: String,
    tests: Vec<(usize, Kind)>,
    /// The cut points of the tests, for the column read as numbers.
    cuts: Cuts,
}

/// Batches of at most this many rows are judged without a cache of distinct texts.
const FEW_ROWS: usize = 8;

/// Each rule's verdict on each row: `None` where the value is unknown (null, blank or a column
/// the batch lacks).
pub type RuleVerdicts = Vec<Vec<Option<bool>>>;

impl Plan {
    /// The tests of `rules`, in their order.
    pub fn new<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Self {
        let mut columns: Vec<(String, Vec<(usize, Kind)>)> = Vec::new();
        let mut count = 0;
        for (i, rule) in rules.into_iter().enumerate() {
            count += 1;
            let kind = Kind::new(&rule.condition);
            match columns.iter_mut().find(|(column, _)| *column == rule.attribute) {
                Some((_, tests)) => tests.push((i, kind)),
                None => columns.push((rule.attribute.clone(), vec![(i, kind)])),
            }
        }
        let groups = columns
            .into_iter()
            .map(|(column, tests)| Group {
                cuts: Cuts::new(tests.iter().map(|(_, kind)| kind)),
                column,
                tests,
            })
            .collect();
        Self { groups, rules: count }
    }

    /// Every rule's verdicts over the rows of `batch`, in the rules' order.
    pub fn apply(&self, batch: &RecordBatch) -> Result<RuleVerdicts, ArrowError> {
        let mut out = vec![Vec::new(); self.rules];
        self.visit(batch, |rule, verdicts| out[rule] = verdicts.to_vec())?;
        Ok(out)
    }

    /// Hands each rule's verdicts over the rows of `batch` to `each(rule, verdicts)`, rule by
    /// rule, in one buffer reused for every rule.
    fn visit(
        &self,
        batch: &RecordBatch,
        mut each: impl FnMut(usize, &[Option<bool>]),
    ) -> Result<(), ArrowError> {
        let mut buffer = Vec::with_capacity(batch.num_rows());
        for group in &self.groups {
            group.visit(batch, &mut buffer, &mut each)?;
        }
        Ok(())
    }

    /// Hands, column by column, what the rules of each column do to the rows of `batch` to
    /// `each(table, index)`: row r meets `table[index[r]]`. `roles` gives each rule's role, in
    /// the rules' order.
    pub fn effects(
        &self,
        batch: &RecordBatch,
        roles: &[Role],
        mut each: impl FnMut(&[Effect], &[u32]),
    ) -> Result<(), ArrowError> {
        let mut index = Vec::with_capacity(batch.num_rows());
        for group in &self.groups {
            let table = group.effects(batch, roles, &mut index)?;
            each(&table, &index);
        }
        Ok(())
    }
}

impl Group {
    /// The group's column of `batch` as its tests read it.
    fn read(&self, batch: &RecordBatch) -> Result<Read, ArrowError> {
        let n = batch.num_rows();
        let Some((at, _)) = batch.schema_ref().column_with_name(&self.column) else {
            return Ok(Read::Missing);
        };
        let column = batch.column(at);
        if column.data_type().is_numeric() {
            return Ok(Read::Numbers(as_numbers(column)?));
        }
        // Text read in place in the layouts the engine and Parquet give; others cast to text.
        Ok(Read::Texts(match column.data_type() {
            DataType::Utf8View => self.judge(n, column.as_string_view().iter()),
            DataType::Utf8 => self.judge(n, column.as_string::<i32>().iter()),
            DataType::LargeUtf8 => self.judge(n, column.as_string::<i64>().iter()),
            DataType::Dictionary(..) if is_text_dictionary(column.data_type()) => {
                self.judge_dictionary(column.as_dictionary::<Int32Type>())
            }
            _ => self.judge(n, as_texts(column)?.iter()),
        }))
    }

    /// Hands each test's verdicts over the rows of `batch` to `each`, through `buffer`.
    fn visit(
        &self,
        batch: &RecordBatch,
        buffer: &mut Vec<Option<bool>>,
        each: &mut impl FnMut(usize, &[Option<bool>]),
    ) -> Result<(), ArrowError> {
        let k = self.tests.len();
        let read = self.read(batch)?;
        for (t, (i, kind)) in self.tests.iter().enumerate() {
            buffer.clear();
            match &read {
                Read::Missing => buffer.resize(batch.num_rows(), None),
                Read::Numbers(numbers) => match kind {
                    Kind::Range { min, max } => judge_numbers(numbers, buffer, |x| x >= *min && x <= *max),
                    _ => judge_numbers(numbers, buffer, |x| kind.matches_number(x)),
                },
                Read::Texts(texts) => buffer.extend(
                    (texts.rows.iter()).map(|d| (*d != BLANK).then(|| texts.judged[*d as usize * k + t])),
                ),
            }
            each(*i, buffer);
        }
        Ok(())
    }

    /// What the group's rules, in `roles`, do to each row of `batch`: a table of effects, and
    /// each row's position in it, in `index`.
    fn effects(
        &self,
        batch: &RecordBatch,
        roles: &[Role],
        index: &mut Vec<u32>,
    ) -> Result<Vec<Effect>, ArrowError> {
        let rules = || self.tests.iter().map(|(i, _)| *i);
        let unknown = Effect::of(roles, rules().map(|i| (i, None)));
        index.clear();
        match self.read(batch)? {
            Read::Missing => {
                index.resize(batch.num_rows(), 0);
                Ok(vec![unknown])
            }
            Read::Numbers(numbers) => {
                let cuts = &self.cuts;
                let mut table: Vec<Effect> = (0..cuts.regions())
                    .map(|r| {
                        let x = cuts.representative(r);
                        Effect::of(
                            roles,
                            self.tests.iter().map(|(i, k)| (*i, Some(k.matches_number(x)))),
                        )
                    })
                    .collect();
                let null = table.len() as u32;
                table.push(unknown);
                let values = numbers.values().iter();
                match numbers.nulls() {
                    None => index.extend(values.map(|x| cuts.region(*x))),
                    Some(nulls) => {
                        index.extend(
                            values
                                .zip(nulls)
                                .map(|(x, valid)| if valid { cuts.region(*x) } else { null }),
                        );
                    }
                }
                Ok(table)
            }
            Read::Texts(texts) => {
                let k = self.tests.len();
                let table = texts
                    .judged
                    .chunks(k)
                    .enumerate()
                    .map(|(d, judged)| match d as u32 {
                        BLANK => unknown,
                        _ => Effect::of(roles, rules().zip(judged.iter().map(|v| Some(*v)))),
                    })
                    .collect();
                *index = texts.rows;
                Ok(table)
            }
        }
    }

    /// Judges each distinct text by every test once (a batch of a few rows, as a service scores,
    /// is judged row by row: a cache would cost more than it saves).
    fn judge<'a>(&self, rows: usize, texts: impl Iterator<Item = Option<&'a str>>) -> Distinct {
        let mut distinct = Distinct::new(rows, self.tests.len());
        let mut seen: HashMap<&'a str, u32, FixedState> = HashMap::default();
        for text in texts {
            let entry = match text.map(trim).filter(|t| !t.is_empty()) {
                None => BLANK,
                Some(text) if rows <= FEW_ROWS => self.judge_text(text, &mut distinct.judged),
                Some(text) => *seen
                    .entry(text)
                    .or_insert_with(|| self.judge_text(text, &mut distinct.judged)),
            };
            distinct.rows.push(entry);
        }
        distinct
    }

    /// Judges `text` by every test, appending the verdicts to `judged`; its position there.
    fn judge_text(&self, text: &str, judged: &mut Vec<bool>) -> u32 {
        let k = self.tests.len();
        judged.extend(self.tests.iter().map(|(_, kind)| kind.matches(text)));
        (judged.len() / k - 1) as u32
    }

    /// Judges a column of texts stored as a dictionary, as [`Group::judge`] judges plain texts:
    /// each text a row refers to is judged once, when a row first refers to it, and found again
    /// by its key, with no hashing (a slice of a batch shares the whole dictionary, most of
    /// which its rows may not refer to).
    fn judge_dictionary(&self, column: &DictionaryArray<Int32Type>) -> Distinct {
        let texts = column.values().as_string::<i32>();
        let mut distinct = Distinct::new(column.len(), self.tests.len());
        let mut positions = vec![UNJUDGED; texts.len()];
        for (row, key) in column.keys().values().iter().enumerate() {
            if column.is_null(row) {
                distinct.rows.push(BLANK);
                continue;
            }
            let key = *key as usize;
            if positions[key] == UNJUDGED {
                let text = texts.is_valid(key).then(|| trim(texts.value(key)));
                positions[key] = match text.filter(|t| !t.is_empty()) {
                    None => BLANK,
                    Some(text) => self.judge_text(text, &mut distinct.judged),
                };
            }
            distinct.rows.push(positions[key]);
        }
        distinct
    }
}

/// A dictionary key's position before its text is judged.
const UNJUDGED: u32 = u32::MAX;

/// A batch's column as the tests of its group read it.
enum Read {
    /// The batch lacks the column: every value is unknown.
    Missing,
    /// A numeric column, as doubles.
    Numbers(Float64Array),
    /// A text column, each distinct text judged.
    Texts(Distinct),
}

/// The texts of a column judged once each: per row, the position of its text ([`BLANK`] for
/// none), and per position, each test's verdict (none judged at [`BLANK`]).
struct Distinct {
    rows: Vec<u32>,
    judged: Vec<bool>,
}

/// The position of a row without text.
const BLANK: u32 = 0;

impl Distinct {
    /// No rows yet, for `rows` rows judged by `tests` tests (position [`BLANK`] holds no
    /// verdicts of its own).
    fn new(rows: usize, tests: usize) -> Self {
        Self {
            rows: Vec::with_capacity(rows),
            judged: vec![false; tests],
        }
    }
}

/// Each number's verdict by `test`, `None` where it is null, into `buffer`: a loop of its own
/// for each test, so that the test is inlined.
fn judge_numbers(numbers: &Float64Array, buffer: &mut Vec<Option<bool>>, test: impl Fn(f64) -> bool) {
    let values = numbers.values().iter();
    match numbers.nulls() {
        None => buffer.extend(values.map(|x| Some(test(*x)))),
        Some(nulls) => buffer.extend(values.zip(nulls).map(|(x, valid)| valid.then(|| test(*x)))),
    }
}

/// A numeric column as doubles.
fn as_numbers(column: &dyn Array) -> Result<Float64Array, ArrowError> {
    if let Some(numbers) = column.as_any().downcast_ref::<Float64Array>() {
        return Ok(numbers.clone());
    }
    cast_to(column, &DataType::Float64)
}

/// A column as text (a category or a `;`-separated list).
fn as_texts(column: &dyn Array) -> Result<StringArray, ArrowError> {
    cast_to(column, &DataType::Utf8)
}

/// `column` cast to `data_type`, as the array type `A` of that type.
fn cast_to<A: Array + Clone + 'static>(column: &dyn Array, data_type: &DataType) -> Result<A, ArrowError> {
    let cast = cast(&column.slice(0, column.len()), data_type)?;
    cast.as_any()
        .downcast_ref::<A>()
        .cloned()
        .ok_or_else(|| ArrowError::CastError(format!("not a {data_type} column")))
}
