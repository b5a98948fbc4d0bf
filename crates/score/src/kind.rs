//! A rule's test of one value: categories, a numeric range, list elements or a value.

use std::collections::HashSet;

use foldhash::fast::FixedState;
use northstar_discover::Condition;

/// A set of texts, hashed fast: its texts are an ICP's, not an adversary's.
type Texts = HashSet<String, FixedState>;

/// What the column's value must be.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// One of the categories (or, negated, none of them); `numbers` are those that are numbers.
    Categories {
        values: Texts,
        numbers: Vec<f64>,
        negated: bool,
    },
    /// Within [min, max].
    Range { min: f64, max: f64 },
    /// A `;`-separated list holding any of the elements; `numbers` are those that are numbers.
    Elements { values: Texts, numbers: Vec<f64> },
    /// Exactly this value: as a number when both are numbers, else as text.
    Equals { text: String, number: Option<f64> },
}

impl Kind {
    /// The test of `condition`.
    pub(crate) fn new(condition: &Condition) -> Self {
        let set = |values: &[String]| values.iter().cloned().collect::<Texts>();
        let numbers = |values: &[String]| values.iter().filter_map(|v| v.trim().parse().ok()).collect();
        match condition {
            Condition::In { values } => Kind::Categories {
                values: set(values),
                numbers: numbers(values),
                negated: false,
            },
            Condition::NotIn { values } => Kind::Categories {
                values: set(values),
                numbers: numbers(values),
                negated: true,
            },
            Condition::Between { min, max } => Kind::Range { min: *min, max: *max },
            Condition::Contains { values } => Kind::Elements {
                values: set(values),
                numbers: numbers(values),
            },
            Condition::Eq { value } => Kind::Equals {
                text: value.trim().to_owned(),
                number: value.trim().parse().ok(),
            },
        }
    }

    /// Whether a number meets the test: categories, elements and values are compared as
    /// numbers (one that is no number never matches).
    pub(crate) fn matches_number(&self, x: f64) -> bool {
        match self {
            Kind::Categories { numbers, negated, .. } => numbers.contains(&x) != *negated,
            Kind::Range { min, max } => x >= *min && x <= *max,
            Kind::Elements { numbers, .. } => numbers.contains(&x),
            Kind::Equals { number, .. } => *number == Some(x),
        }
    }

    /// Whether a value written as text meets the test.
    pub(crate) fn matches(&self, text: &str) -> bool {
        match self {
            Kind::Categories { values, negated, .. } => values.contains(text) != *negated,
            Kind::Range { min, max } => text.parse::<f64>().is_ok_and(|x| x >= *min && x <= *max),
            Kind::Elements { values, .. } => text.split(';').any(|e| values.contains(e.trim())),
            Kind::Equals { text: value, number } => match (text.parse::<f64>(), number) {
                (Ok(a), Some(b)) => a == *b,
                _ => text == value,
            },
        }
    }
}
