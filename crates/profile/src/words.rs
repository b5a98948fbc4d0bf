//! Rules for people: attribute names as labels and thresholds exact with separators, an open
//! end left open ("Employees 4,997 or more", never "between 4997 and 59939").

use std::collections::BTreeMap;

use northstar_discover::Condition;
use northstar_output::figures::exact;

use crate::Rule;

/// An attribute's name for people: its label when one is set, else the name with its first
/// letter capitalised and underscores as spaces (`annual_revenue` → `Annual revenue`).
pub fn label(attribute: &str, labels: &BTreeMap<String, String>) -> String {
    if let Some(label) = labels.get(attribute) {
        return label.clone();
    }
    let spaced = attribute.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// A rule for people: `Employees 165 to 4,997`, `Annual revenue 354,450,000 or more`,
/// `Industry Logistics or Wholesale`, `Industry not Media`, `Technologies include Kubernetes`.
pub fn rule_words(rule: &Rule, labels: &BTreeMap<String, String>) -> String {
    let name = label(&rule.attribute, labels);
    // A year is written as years are (1998), other numbers grouped (4,997).
    let exact = |x: f64| match rule.attribute.contains("year") {
        true => x.to_string(),
        false => exact(x),
    };
    let listed = |values: &[String]| values.join(" or ");
    match &rule.condition {
        Condition::In { values } => format!("{name} {}", listed(values)),
        Condition::NotIn { values } => format!("{name} not {}", listed(values)),
        Condition::Contains { values } => format!("{name} include {}", listed(values)),
        Condition::Eq { value } => format!("{name} {value}"),
        Condition::Between { min, max } => match (min.is_finite(), max.is_finite()) {
            (true, true) => format!("{name} {} to {}", exact(*min), exact(*max)),
            (true, false) => format!("{name} {} or more", exact(*min)),
            (false, true) => format!("{name} {} or less", exact(*max)),
            (false, false) => format!("{name} any"),
        },
    }
}

/// A condition on `attribute` for people, as [`rule_words`] writes it.
pub fn condition_words(attribute: &str, condition: &Condition, labels: &BTreeMap<String, String>) -> String {
    let rule = Rule {
        attribute: attribute.to_owned(),
        condition: condition.clone(),
    };
    rule_words(&rule, labels)
}

/// Conditions (attribute, condition) for people, joined by "and": a segment of discover.
pub fn conditions_words(conditions: &[(String, Condition)], labels: &BTreeMap<String, String>) -> String {
    let words: Vec<String> = conditions
        .iter()
        .map(|(a, c)| condition_words(a, c, labels))
        .collect();
    words.join(" and ")
}

/// Rules for people, joined by "and".
pub fn rules_words(rules: &[Rule], labels: &BTreeMap<String, String>) -> String {
    let words: Vec<String> = rules.iter().map(|r| rule_words(r, labels)).collect();
    words.join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(attribute: &str, condition: Condition) -> Rule {
        Rule {
            attribute: attribute.into(),
            condition,
        }
    }

    #[test]
    fn thresholds_are_exact_open_ends_stay_open_and_names_become_labels() {
        let none = BTreeMap::new();
        let at_least = rule(
            "employees",
            Condition::Between {
                min: 4997.0,
                max: f64::INFINITY,
            },
        );
        assert_eq!(rule_words(&at_least, &none), "Employees 4,997 or more");
        let band = rule(
            "annual_revenue",
            Condition::Between {
                min: 83_250_000.0,
                max: 339_450_000.0,
            },
        );
        assert_eq!(
            rule_words(&band, &none),
            "Annual revenue 83,250,000 to 339,450,000"
        );
        let labels: BTreeMap<String, String> = [("fleet_size".to_owned(), "Trucks".to_owned())].into();
        let fleet = rule(
            "fleet_size",
            Condition::Between {
                min: f64::NEG_INFINITY,
                max: 12.5,
            },
        );
        assert_eq!(rule_words(&fleet, &labels), "Trucks 12.5 or less");
        let tech = rule(
            "technologies",
            Condition::Contains {
                values: vec!["Kubernetes".into(), "SAP".into()],
            },
        );
        let not = rule(
            "industry",
            Condition::NotIn {
                values: vec!["Media".into()],
            },
        );
        assert_eq!(
            rules_words(&[tech, not], &none),
            "Technologies include Kubernetes or SAP and Industry not Media"
        );
    }
}
