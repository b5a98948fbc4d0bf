//! The rules of an ICP compiled into tests on the columns of a batch.

use std::collections::{HashMap, HashSet};

use northstar_discover::Condition;
use northstar_engine::arrow::array::{Array, AsArray, Float64Array, StringArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::DataType;
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_profile::Rule;

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
}

/// Batches of at most this many rows are judged without a cache of distinct texts.
const FEW_ROWS: usize = 8;

/// What the column's value must be.
#[derive(Debug, Clone)]
enum Kind {
    /// One of the categories (or, negated, none of them).
    Categories { values: HashSet<String>, negated: bool },
    /// Within [min, max].
    Range { min: f64, max: f64 },
    /// A `;`-separated list holding any of the elements.
    Elements(HashSet<String>),
    /// Exactly this value: as a number when both are numbers, else as text.
    Equals { text: String, number: Option<f64> },
}

/// Each rule's verdict on each row: `None` where the value is unknown (null, blank or a column
/// the batch lacks).
pub type RuleVerdicts = Vec<Vec<Option<bool>>>;

impl Plan {
    /// The tests of `rules`, in their order.
    pub fn new<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Self {
        let mut groups: Vec<Group> = Vec::new();
        let mut count = 0;
        for (i, rule) in rules.into_iter().enumerate() {
            count += 1;
            let kind = Kind::new(&rule.condition);
            match groups.iter_mut().find(|g| g.column == rule.attribute) {
                Some(group) => group.tests.push((i, kind)),
                None => groups.push(Group {
                    column: rule.attribute.clone(),
                    tests: vec![(i, kind)],
                }),
            }
        }
        Self { groups, rules: count }
    }

    /// Every rule's verdicts over the rows of `batch`, in the rules' order.
    pub fn apply(&self, batch: &RecordBatch) -> Result<RuleVerdicts, ArrowError> {
        let mut out = vec![Vec::new(); self.rules];
        for group in &self.groups {
            for ((i, _), verdicts) in group.tests.iter().zip(group.apply(batch)?) {
                out[*i] = verdicts;
            }
        }
        Ok(out)
    }
}

impl Group {
    /// The verdicts of each test of the group over the rows of `batch`.
    fn apply(&self, batch: &RecordBatch) -> Result<RuleVerdicts, ArrowError> {
        let n = batch.num_rows();
        let Some((at, _)) = batch.schema_ref().column_with_name(&self.column) else {
            return Ok(vec![vec![None; n]; self.tests.len()]);
        };
        let column = batch.column(at);
        let mut out: RuleVerdicts = self.tests.iter().map(|_| Vec::with_capacity(n)).collect();
        if column.data_type().is_numeric() {
            for x in as_numbers(column)?.iter() {
                for (verdicts, (_, kind)) in out.iter_mut().zip(&self.tests) {
                    verdicts.push(x.map(|x| kind.matches_number(x)));
                }
            }
            return Ok(out);
        }
        // Text read in place in the layouts the engine and Parquet give; others cast to text.
        match column.data_type() {
            DataType::Utf8View => self.judge(n, column.as_string_view().iter(), &mut out),
            DataType::Utf8 => self.judge(n, column.as_string::<i32>().iter(), &mut out),
            DataType::LargeUtf8 => self.judge(n, column.as_string::<i64>().iter(), &mut out),
            _ => self.judge(n, as_texts(column)?.iter(), &mut out),
        }
        Ok(out)
    }

    /// Judges each text by every test, each distinct text once (a batch of a few rows, as a
    /// service scores, is judged row by row: a cache would cost more than it saves).
    fn judge<'a>(&self, rows: usize, texts: impl Iterator<Item = Option<&'a str>>, out: &mut RuleVerdicts) {
        let k = self.tests.len();
        if rows <= FEW_ROWS {
            for text in texts {
                let text = text.map(str::trim).filter(|t| !t.is_empty());
                for (verdicts, (_, kind)) in out.iter_mut().zip(&self.tests) {
                    verdicts.push(text.map(|t| kind.matches(t)));
                }
            }
            return;
        }
        let mut seen: HashMap<&'a str, usize> = HashMap::new();
        let mut judged: Vec<bool> = Vec::new();
        for text in texts {
            let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
                out.iter_mut().for_each(|v| v.push(None));
                continue;
            };
            let at = *seen.entry(text).or_insert_with(|| {
                judged.extend(self.tests.iter().map(|(_, kind)| kind.matches(text)));
                judged.len() / k - 1
            });
            for (verdicts, verdict) in out.iter_mut().zip(&judged[at * k..(at + 1) * k]) {
                verdicts.push(Some(*verdict));
            }
        }
    }
}

impl Kind {
    /// The test of `condition`.
    fn new(condition: &Condition) -> Self {
        let set = |values: &[String]| values.iter().cloned().collect::<HashSet<_>>();
        match condition {
            Condition::In { values } => Kind::Categories {
                values: set(values),
                negated: false,
            },
            Condition::NotIn { values } => Kind::Categories {
                values: set(values),
                negated: true,
            },
            Condition::Between { min, max } => Kind::Range { min: *min, max: *max },
            Condition::Contains { values } => Kind::Elements(set(values)),
            Condition::Eq { value } => Kind::Equals {
                text: value.trim().to_owned(),
                number: value.trim().parse().ok(),
            },
        }
    }

    /// Whether a number meets the test: categories, elements and values are compared as
    /// numbers (one that is no number never matches).
    fn matches_number(&self, x: f64) -> bool {
        let listed = |values: &HashSet<String>| values.iter().any(|v| v.trim().parse::<f64>() == Ok(x));
        match self {
            Kind::Categories { values, negated } => listed(values) != *negated,
            Kind::Range { min, max } => x >= *min && x <= *max,
            Kind::Elements(values) => listed(values),
            Kind::Equals { number, .. } => *number == Some(x),
        }
    }

    /// Whether a value written as text meets the test.
    fn matches(&self, text: &str) -> bool {
        match self {
            Kind::Categories { values, negated } => values.contains(text) != *negated,
            Kind::Range { min, max } => text.parse::<f64>().is_ok_and(|x| x >= *min && x <= *max),
            Kind::Elements(values) => text.split(';').any(|e| values.contains(e.trim())),
            Kind::Equals { text: value, number } => match (text.parse::<f64>(), number) {
                (Ok(a), Some(b)) => a == *b,
                _ => text == value,
            },
        }
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
