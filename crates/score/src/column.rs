//! One rule compiled into a test on one column of a batch.

use std::collections::HashSet;

use northstar_discover::Condition;
use northstar_engine::arrow::array::{Array, AsArray, Float64Array, StringArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::DataType;
use northstar_engine::arrow::error::ArrowError;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_profile::Rule;

/// A rule as a test on its column.
#[derive(Debug, Clone)]
pub struct Test {
    column: String,
    kind: Kind,
}

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

impl Test {
    /// The test of `rule`.
    pub fn new(rule: &Rule) -> Self {
        let set = |values: &[String]| values.iter().cloned().collect::<HashSet<_>>();
        let kind = match &rule.condition {
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
        };
        Self {
            column: rule.attribute.clone(),
            kind,
        }
    }

    /// The verdict for each row of `batch`: `None` where the value is unknown (null, blank or
    /// a column the batch lacks).
    pub fn apply(&self, batch: &RecordBatch) -> Result<Vec<Option<bool>>, ArrowError> {
        let Ok(at) = batch.schema().index_of(&self.column) else {
            return Ok(vec![None; batch.num_rows()]);
        };
        let column = batch.column(at);
        let numeric = column.data_type().is_numeric();
        if numeric {
            let numbers = as_numbers(column)?;
            return Ok(numbers
                .iter()
                .map(|x| x.map(|x| self.kind.matches_number(x)))
                .collect());
        }
        let judge = |t: Option<&str>| {
            t.map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| self.kind.matches(t))
        };
        // Text read in place in the layouts the engine and Parquet give; others cast to text.
        Ok(match column.data_type() {
            DataType::Utf8View => column.as_string_view().iter().map(judge).collect(),
            DataType::Utf8 => column.as_string::<i32>().iter().map(judge).collect(),
            DataType::LargeUtf8 => column.as_string::<i64>().iter().map(judge).collect(),
            _ => as_texts(column)?.iter().map(judge).collect(),
        })
    }
}

impl Kind {
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
