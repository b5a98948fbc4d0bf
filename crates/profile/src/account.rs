//! An account as the ICP sees it: its attribute values as written in an input table.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use northstar_discover::{Attribute, Values};

/// Looks up an account's attribute values by column name (lists `;`-separated).
pub trait Account {
    /// The value of `attribute`, when known.
    fn value(&self, attribute: &str) -> Option<Cow<'_, str>>;
}

impl Account for HashMap<String, String> {
    fn value(&self, attribute: &str) -> Option<Cow<'_, str>> {
        self.get(attribute).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl Account for BTreeMap<String, String> {
    fn value(&self, attribute: &str) -> Option<Cow<'_, str>> {
        self.get(attribute).map(|v| Cow::Borrowed(v.as_str()))
    }
}

/// One account of an in-memory attribute table, read in place.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The table's attributes.
    pub attributes: &'a [Attribute],
    /// The account's position in them.
    pub index: usize,
}

impl Account for Row<'_> {
    fn value(&self, attribute: &str) -> Option<Cow<'_, str>> {
        let found = self.attributes.iter().find(|a| a.name == attribute)?;
        match &found.values {
            Values::Categorical(v) => v[self.index].as_deref().map(Cow::Borrowed),
            Values::Numeric(v) => v[self.index].map(|x| Cow::Owned(x.to_string())),
            Values::List(v) => (!v[self.index].is_empty()).then(|| Cow::Owned(v[self.index].join(";"))),
        }
    }
}
