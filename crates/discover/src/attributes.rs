//! Account attributes and the conditions that select accounts by them.

/// One attribute's values, one per account (in the order of the objective).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// A category per account, or none.
    Categorical(Vec<Option<String>>),
    /// A number per account, or none.
    Numeric(Vec<Option<f64>>),
    /// A set of elements per account (technologies, for instance).
    List(Vec<Vec<String>>),
}

/// A named attribute of the accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The input's canonical (or custom) column name.
    pub name: String,
    /// Its values.
    pub values: Values,
}

impl Attribute {
    /// Reads texts as numbers when every present value is one, else as categories.
    pub fn from_texts(name: &str, texts: Vec<Option<String>>) -> Self {
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Condition {
    /// The category is one of `values`.
    In {
        /// Accepted categories.
        values: Vec<String>,
    },
    /// The number lies in [min, max].
    Between {
        /// Lowest accepted value.
        min: f64,
        /// Highest accepted value.
        max: f64,
    },
    /// The list holds any of `values`.
    Contains {
        /// Accepted elements.
        values: Vec<String>,
    },
}

impl Condition {
    /// Whether an attribute's value, as written in an input table, meets the condition (lists
    /// are `;`-separated).
    pub fn matches_text(&self, text: &str) -> bool {
        match self {
            Condition::In { values } => values.iter().any(|v| v == text.trim()),
            Condition::Contains { values } => text.split(';').any(|e| values.iter().any(|v| v == e.trim())),
            Condition::Between { min, max } => {
                text.trim().parse::<f64>().is_ok_and(|x| x >= *min && x <= *max)
            }
        }
    }

    /// The condition in words, e.g. `in Logistics` or `between 200 and 5000`.
    pub fn describe(&self) -> String {
        match self {
            Condition::In { values } => format!("in {}", values.join(", ")),
            Condition::Between { min, max } => format!("between {min} and {max}"),
            Condition::Contains { values } => format!("contains {}", values.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
