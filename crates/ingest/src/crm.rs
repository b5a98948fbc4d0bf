//! How CRM exports write what the contract reads: their own labels for canonical values
//! (lifecycle stages, deal stages, buying roles), closed and won flags, Salesforce's two id
//! forms, and several associated ids in one field.

use std::collections::{BTreeMap, HashMap};

use crate::contract::{Kind, TableSpec, Unlabelled, unlabelled};

/// How the labels of one canonical column are read.
#[derive(Debug, Clone)]
pub struct LabelReader {
    by_label: HashMap<String, &'static str>,
    words: &'static [&'static str],
    unlabelled: Unlabelled,
}

/// What one label was read as.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// A canonical value.
    Value(&'static str),
    /// A label no list names, read by the column's rule as this value.
    Unlisted(&'static str),
    /// The row is left out.
    LeaveOut,
    /// The field is empty.
    Empty,
}

impl Reading {
    /// The reading in words, for the run record.
    pub fn describe(self) -> String {
        match self {
            Reading::Value(word) => word.to_owned(),
            Reading::Unlisted(word) => format!("{word} (not a listed label)"),
            Reading::LeaveOut => "left out".to_owned(),
            Reading::Empty => "empty (not recognised)".to_owned(),
        }
    }
}

impl LabelReader {
    /// The reader of `column` of `spec` given the configured `labels` (canonical value → the
    /// file's labels), or `None` when the column is not one of fixed values.
    pub fn new(spec: &TableSpec, column: &str, labels: &BTreeMap<String, Vec<String>>) -> Option<Self> {
        let Kind::OneOf(words) = spec.column(column)?.kind else {
            return None;
        };
        let mut by_label = HashMap::new();
        for (word, listed) in labels {
            let word = words.iter().find(|w| w.eq_ignore_ascii_case(word))?;
            for label in listed {
                by_label.insert(label.trim().to_lowercase(), *word);
            }
        }
        Some(Self {
            by_label,
            words,
            unlabelled: unlabelled(spec.name, column),
        })
    }

    /// How `label` is read: a listed label, a canonical value as written, the first of several
    /// `;`-separated labels (a multiple choice, such as HubSpot's buying roles), or the column's
    /// rule for labels nobody listed.
    pub fn read(&self, label: &str) -> Reading {
        let key = label.trim().to_lowercase();
        if let Some((first, _)) = key.split_once(';')
            && !self.by_label.contains_key(&key)
        {
            return self.read(first);
        }
        if let Some(word) = self.by_label.get(&key) {
            return Reading::Value(word);
        }
        if let Some(word) = self.words.iter().find(|w| w.eq_ignore_ascii_case(&key)) {
            return Reading::Value(word);
        }
        match self.unlabelled {
            Unlabelled::LeaveOut => Reading::LeaveOut,
            Unlabelled::Read(word) => Reading::Unlisted(word),
            Unlabelled::Empty => Reading::Empty,
        }
    }
}

/// A yes/no flag as CRMs export it (`true`, `1`, `yes`), or `None` when it is neither.
pub fn flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" => Some(true),
        "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// The stage closed and won flags give, when they decide it.
pub fn stage_from_flags(closed: Option<bool>, won: Option<bool>) -> Option<&'static str> {
    match (closed, won) {
        (_, Some(true)) => Some("won"),
        (Some(true), Some(false)) => Some("lost"),
        (Some(false), _) => Some("open"),
        _ => None,
    }
}

/// The 18-character form of a 15-character Salesforce id: three check characters, one per
/// five characters, whose bits mark the upper-case letters. Other values are `None`.
pub fn salesforce_id18(id: &str) -> Option<String> {
    const CHECK: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    if id.len() != 15 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut long = String::with_capacity(18);
    long.push_str(id);
    for chunk in id.as_bytes().chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_uppercase())
            .fold(0usize, |bits, (i, _)| bits | 1 << i);
        long.push(char::from(CHECK[bits]));
    }
    Some(long)
}

/// The first of several `;`-separated ids, and whether there were several.
pub fn first_id(text: &str) -> (Option<String>, bool) {
    let mut ids = text.split(';').map(str::trim).filter(|s| !s.is_empty());
    let first = ids.next().map(str::to_owned);
    (first, ids.next().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract;

    #[test]
    fn salesforce_ids_gain_the_published_check_characters() {
        // The example of Salesforce's own documentation of the two forms.
        assert_eq!(
            salesforce_id18("0015000000Gv7qJ").as_deref(),
            Some("0015000000Gv7qJAAR")
        );
        assert_eq!(
            salesforce_id18("001000000000000").as_deref(),
            Some("001000000000000AAA")
        );
        assert_eq!(
            salesforce_id18("ABCDEABCDEABCDE").as_deref(),
            Some("ABCDEABCDEABCDE555")
        );
        assert_eq!(salesforce_id18("0015000000Gv7qJAAR"), None, "already long");
        assert_eq!(salesforce_id18("0015000000Gv7q-"), None);
    }

    #[test]
    fn labels_are_read_as_listed_then_by_the_columns_rule() {
        let mut labels = BTreeMap::new();
        labels.insert("customer".to_owned(), vec!["Customer - Direct".to_owned()]);
        labels.insert("prospect".to_owned(), vec!["Prospect".to_owned()]);
        let status = LabelReader::new(&contract::ACCOUNTS, "status", &labels).expect("fixed values");
        assert_eq!(status.read("customer - direct "), Reading::Value("customer"));
        assert_eq!(status.read("Churned"), Reading::Value("churned"));
        assert_eq!(status.read("Technology Partner"), Reading::LeaveOut);
        assert_eq!(
            status.read("Prospect;Customer - Direct"),
            Reading::Value("prospect")
        );
        let stage = LabelReader::new(&contract::DEALS, "stage", &BTreeMap::new()).expect("fixed values");
        assert_eq!(stage.read("Negotiation"), Reading::Unlisted("open"));
        let kind = LabelReader::new(&contract::DEALS, "kind", &BTreeMap::new()).expect("fixed values");
        assert_eq!(kind.read("Upsell"), Reading::Empty);
        assert!(LabelReader::new(&contract::ACCOUNTS, "industry", &labels).is_none());
    }

    #[test]
    fn flags_decide_the_stage_only_when_they_can() {
        assert_eq!(stage_from_flags(flag("1"), flag("TRUE")), Some("won"));
        assert_eq!(stage_from_flags(flag("true"), flag("false")), Some("lost"));
        assert_eq!(stage_from_flags(flag("0"), flag("0")), Some("open"));
        assert_eq!(stage_from_flags(flag("1"), None), None);
        assert_eq!(stage_from_flags(None, None), None);
        assert_eq!(first_id("123; 456"), (Some("123".to_owned()), true));
        assert_eq!(first_id(" ;789"), (Some("789".to_owned()), false));
    }
}
