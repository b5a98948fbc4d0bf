//! An account as the ICP sees it: its attribute values as written in an input table.

use std::collections::{BTreeMap, HashMap};

/// Looks up an account's attribute values by column name (lists `;`-separated).
pub trait Account {
    /// The value of `attribute`, when known.
    fn value(&self, attribute: &str) -> Option<&str>;
}

impl Account for HashMap<String, String> {
    fn value(&self, attribute: &str) -> Option<&str> {
        self.get(attribute).map(String::as_str)
    }
}

impl Account for BTreeMap<String, String> {
    fn value(&self, attribute: &str) -> Option<&str> {
        self.get(attribute).map(String::as_str)
    }
}
