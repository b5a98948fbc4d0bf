//! Account attributes and the conditions that select accounts by them.

use std::sync::Arc;

/// One attribute's values, one per account (in the order of the objective). A text is shared
/// by the accounts that hold it: a million accounts hold a few categories.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// A category per account, or none.
    Categorical(Vec<Option<Arc<str>>>),
    /// A number per account, or none.
    Numeric(Vec<Option<f64>>),
    /// A set of elements per account (technologies, for instance).
    List(Vec<Vec<Arc<str>>>),
}

impl Values {
    /// Whether each account's value is known: present, or a list with an element.
    pub fn known(&self) -> Vec<bool> {
        match self {
            Values::Categorical(v) => v.iter().map(Option::is_some).collect(),
            Values::Numeric(v) => v.iter().map(Option::is_some).collect(),
            Values::List(v) => v.iter().map(|e| !e.is_empty()).collect(),
        }
    }
}

/// A named attribute of the accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The input's canonical (or custom) column name.
    pub name: String,
    /// Its values.
    pub values: Values,
}

/// An attribute of the accounts that no customer has a value of: its name and kind alone,
/// so that it says it is unknown without holding an empty value per customer.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownAttribute {
    /// The input's canonical (or custom) column name.
    pub name: String,
    /// Whether its values would be lists (technologies, for instance).
    pub is_list: bool,
}

impl Attribute {
    /// The lowest and highest value of a numeric attribute, when it has any.
    pub fn range(&self) -> Option<(f64, f64)> {
        let Values::Numeric(values) = &self.values else {
            return None;
        };
        let mut present = values.iter().flatten().copied().peekable();
        present.peek()?;
        Some(
            present.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), x| {
                (low.min(x), high.max(x))
            }),
        )
    }

    /// The attribute restricted to the accounts `rows`, in that order.
    pub fn subset(&self, rows: &[usize]) -> Attribute {
        fn pick<T: Clone>(values: &[T], rows: &[usize]) -> Vec<T> {
            rows.iter().map(|&r| values[r].clone()).collect()
        }
        let values = match &self.values {
            Values::Categorical(v) => Values::Categorical(pick(v, rows)),
            Values::Numeric(v) => Values::Numeric(pick(v, rows)),
            Values::List(v) => Values::List(pick(v, rows)),
        };
        Attribute {
            name: self.name.clone(),
            values,
        }
    }

    /// Reads texts as numbers when every present value is one, else as categories.
    pub fn from_texts(name: &str, texts: Vec<Option<Arc<str>>>) -> Self {
        let numbers: Option<Vec<Option<f64>>> = texts
            .iter()
            .map(|t| match t {
                None => Some(None),
                Some(t) => t.trim().parse::<f64>().ok().filter(|x| x.is_finite()).map(Some),
            })
            .collect();
        let values = match numbers {
            Some(numbers) if numbers.iter().any(Option::is_some) => Values::Numeric(numbers),
            _ => Values::Categorical(texts),
        };
        Attribute {
            name: name.to_owned(),
            values,
        }
    }
}

/// A condition on one attribute, with the operators of the ICP (SPEC §4).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Condition {
    /// The category is one of `values`.
    In {
        /// Accepted categories.
        values: Vec<String>,
    },
    /// The category is none of `values` (an unknown category passes).
    NotIn {
        /// Refused categories.
        values: Vec<String>,
    },
    /// The number lies in [min, max]; an absent bound is open (infinite).
    Between {
        /// Lowest accepted value.
        #[serde(default = "open_low", skip_serializing_if = "is_open")]
        min: f64,
        /// Highest accepted value.
        #[serde(default = "open_high", skip_serializing_if = "is_open")]
        max: f64,
    },
    /// The list holds any of `values`.
    Contains {
        /// Accepted elements.
        values: Vec<String>,
    },
    /// The value is exactly `value` (a number is compared as a number).
    Eq {
        /// The accepted value, as written.
        #[serde(deserialize_with = "scalar_text")]
        value: String,
    },
}

/// The absent lower bound of a range.
fn open_low() -> f64 {
    f64::NEG_INFINITY
}

/// The absent upper bound of a range.
fn open_high() -> f64 {
    f64::INFINITY
}

/// Whether a bound is absent (infinite), so that it is left out of the JSON.
fn is_open(bound: &f64) -> bool {
    bound.is_infinite()
}

/// Reads a JSON string, number or boolean as text.
fn scalar_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match <serde_json::Value as serde::Deserialize>::deserialize(deserializer)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "`value` must be a string, number or boolean, not {other}"
        ))),
    }
}

impl Condition {
    /// Whether an attribute's value, as written in an input table (lists `;`-separated), meets
    /// the condition; an unknown value (`None`) meets only `not_in`.
    pub fn matches(&self, text: Option<&str>) -> bool {
        match (self, text) {
            (Condition::NotIn { .. }, None) => true,
            (_, None) => false,
            (_, Some(text)) => self.matches_text(text),
        }
    }

    /// Whether a value, as written in an input table (lists are `;`-separated), meets the
    /// condition.
    pub fn matches_text(&self, text: &str) -> bool {
        let text = text.trim();
        match self {
            Condition::In { values } => values.iter().any(|v| v == text),
            Condition::NotIn { values } => !values.iter().any(|v| v == text),
            Condition::Contains { values } => text.split(';').any(|e| values.iter().any(|v| v == e.trim())),
            Condition::Between { min, max } => text.parse::<f64>().is_ok_and(|x| x >= *min && x <= *max),
            Condition::Eq { value } => match (text.parse::<f64>(), value.trim().parse::<f64>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => text == value.trim(),
            },
        }
    }

    /// The condition with a numeric bound at or past the data's edge (`lowest`, `highest`) made
    /// open, so that a value beyond the data seen still meets the end bin.
    pub fn open_beyond(&self, (lowest, highest): (f64, f64)) -> Condition {
        match self {
            Condition::Between { min, max } => Condition::Between {
                min: if *min <= lowest { f64::NEG_INFINITY } else { *min },
                max: if *max >= highest { f64::INFINITY } else { *max },
            },
            other => other.clone(),
        }
    }

    /// Which accounts' values are known and fail the condition, one flag per account (an
    /// unknown value fails nothing).
    pub fn fails(&self, values: &Values) -> Vec<bool> {
        self.verdicts(values)
            .into_iter()
            .map(|verdict| verdict == Some(false))
            .collect()
    }

    /// Whether each account's value meets the condition, `None` where it is unknown (no value,
    /// or an empty list).
    pub fn verdicts(&self, values: &Values) -> Vec<Option<bool>> {
        self.selects(values)
            .into_iter()
            .zip(values.known())
            .map(|(meets, known)| known.then_some(meets))
            .collect()
    }

    /// Which accounts' values meet the condition, one flag per account.
    pub fn selects(&self, values: &Values) -> Vec<bool> {
        match values {
            Values::Categorical(v) => v.iter().map(|v| self.matches(v.as_deref())).collect(),
            Values::Numeric(v) => v
                .iter()
                .map(|v| match (self, v) {
                    (Condition::Between { min, max }, Some(x)) => x >= min && x <= max,
                    (_, v) => self.matches(v.map(|x| x.to_string()).as_deref()),
                })
                .collect(),
            Values::List(v) => v
                .iter()
                .map(|elements| match self {
                    Condition::Contains { values } => {
                        elements.iter().any(|e| values.iter().any(|v| **v == **e))
                    }
                    _ => self.matches((!elements.is_empty()).then(|| elements.join(";")).as_deref()),
                })
                .collect(),
        }
    }

    /// The condition in words, e.g. `in Logistics`, `between 200 and 5000` or `at least 50`.
    pub fn describe(&self) -> String {
        match self {
            Condition::In { values } => format!("in {}", values.join(", ")),
            Condition::NotIn { values } => format!("not in {}", values.join(", ")),
            Condition::Between { min, max } => match (min.is_finite(), max.is_finite()) {
                (true, true) => format!("between {min} and {max}"),
                (true, false) => format!("at least {min}"),
                (false, true) => format!("at most {max}"),
                (false, false) => "any number".to_owned(),
            },
            Condition::Contains { values } => format!("contains {}", values.join(", ")),
            Condition::Eq { value } => format!("= {value}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edges_of_the_data_are_open_ends() {
        // A bin of employees that ends at the largest value seen catches a larger prospect.
        let band = Condition::Between {
            min: 4997.0,
            max: 59939.0,
        };
        let opened = band.open_beyond((12.0, 59939.0));
        assert!(!band.matches_text("70000") && opened.matches_text("70000"));
        assert!(!opened.matches_text("4000"), "an inner bound stays");
        let employees = Attribute {
            name: "employees".into(),
            values: Values::Numeric(vec![Some(12.0), None, Some(59939.0)]),
        };
        assert_eq!(employees.range(), Some((12.0, 59939.0)));
        assert_eq!(
            band.fails(&employees.values),
            [true, false, false],
            "unknown fails nothing"
        );
    }

    #[test]
    fn conditions_match_values_as_written() {
        let industry = Condition::In {
            values: vec!["Logistics".into()],
        };
        assert!(industry.matches_text(" Logistics") && !industry.matches_text("Retail"));
        let tech = Condition::Contains {
            values: vec!["Kubernetes".into()],
        };
        assert!(tech.matches_text("AWS; Kubernetes") && !tech.matches_text("AWS;Kube"));
        let size = Condition::Between {
            min: 200.0,
            max: 5000.0,
        };
        assert!(size.matches_text("200") && size.matches_text("5000") && !size.matches_text("5001"));
        assert!(!size.matches_text("") && !size.matches_text("many"));
        let not_retail = Condition::NotIn {
            values: vec!["Retail".into()],
        };
        assert!(
            not_retail.matches(None)
                && not_retail.matches(Some("Logistics"))
                && !not_retail.matches(Some("Retail"))
        );
        assert!(!industry.matches(None));
        let exact = Condition::Eq { value: "50".into() };
        assert!(exact.matches_text("50.0") && !exact.matches_text("51"));
    }

    #[test]
    fn open_ranges_leave_their_bounds_out_of_the_json_and_read_back() {
        let at_least = Condition::Between {
            min: 50.0,
            max: f64::INFINITY,
        };
        let json = serde_json::to_string(&at_least).unwrap();
        assert_eq!(json, r#"{"op":"between","min":50.0}"#);
        assert_eq!(serde_json::from_str::<Condition>(&json).unwrap(), at_least);
        assert_eq!(at_least.describe(), "at least 50");
        let eq: Condition = serde_json::from_str(r#"{"op":"eq","value":7}"#).unwrap();
        assert_eq!(eq, Condition::Eq { value: "7".into() });
        let numbers = Values::Numeric(vec![Some(10.0), None, Some(50.0)]);
        assert_eq!(at_least.selects(&numbers), [false, false, true]);
        let lists = Values::List(vec![vec!["AWS".into()], vec![]]);
        let aws = Condition::Contains {
            values: vec!["AWS".into()],
        };
        assert_eq!(aws.selects(&lists), [true, false]);
    }
}
