//! The input contract: every table northstar reads, its canonical columns, their types and rules.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// The type of a canonical column, which decides how its text is parsed and checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Free text.
    Text,
    /// A whole number.
    Integer,
    /// A real number.
    Number,
    /// An amount of money in one currency.
    Money,
    /// A calendar date (ISO 8601 unless a format is configured).
    Date,
    /// A calendar month (`YYYY-MM`, or a date taken as its month).
    Month,
    /// A `;`-separated list of text values.
    List,
    /// One of a fixed set of words, matched without regard to case.
    OneOf(&'static [&'static str]),
}

impl Kind {
    /// The Arrow type the column is stored as once validated.
    pub fn data_type(self) -> DataType {
        match self {
            Kind::Text | Kind::List | Kind::OneOf(_) => DataType::Utf8,
            Kind::Integer => DataType::Int64,
            Kind::Number | Kind::Money => DataType::Float64,
            Kind::Date | Kind::Month => DataType::Date32,
        }
    }
}

/// One canonical column of a table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Canonical name.
    pub name: &'static str,
    /// Type and parsing rule.
    pub kind: Kind,
    /// Whether every row must have a value.
    pub required: bool,
    /// Inclusive bounds a number must fall in, when it has any.
    pub range: Option<(f64, f64)>,
    /// The value an empty field stands for, when it stands for one.
    pub blank: Option<&'static str>,
}

const fn col(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: false,
        range: None,
        blank: None,
    }
}

const fn req(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: true,
        range: None,
        blank: None,
    }
}

const fn non_negative(mut spec: ColumnSpec) -> ColumnSpec {
    spec.range = Some((0.0, f64::MAX));
    spec
}

const fn blank_is(mut spec: ColumnSpec, value: &'static str) -> ColumnSpec {
    spec.blank = Some(value);
    spec
}

const fn within(mut spec: ColumnSpec, min: f64, max: f64) -> ColumnSpec {
    spec.range = Some((min, max));
    spec
}

/// A rule that ties several columns of one row together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RowRule {
    /// Exactly one of the columns has a value.
    ExactlyOne(&'static [&'static str]),
    /// The row has all of the first group or all of the second.
    EitherGroup(&'static [&'static str], &'static [&'static str]),
    /// The first date is not before the second (when both are given).
    NotBefore(&'static str, &'static str),
}

/// A column whose values must name a row of another table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reference {
    /// The column holding the reference.
    pub column: &'static str,
    /// The tables whose key it may name (any of them).
    pub tables: &'static [&'static str],
}

/// One input table of the contract.
#[derive(Debug)]
pub struct TableSpec {
    /// Table name, which is also the file's base name.
    pub name: &'static str,
    /// Canonical columns, in output order.
    pub columns: &'static [ColumnSpec],
    /// The column whose values must be unique, if any.
    pub key: Option<&'static str>,
    /// Columns that must name rows of other tables.
    pub references: &'static [Reference],
    /// Rules across the columns of one row.
    pub rules: &'static [RowRule],
    /// Whether columns outside the contract are kept as custom attributes.
    pub keeps_extra_columns: bool,
}

impl TableSpec {
    /// The canonical column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The Arrow schema of the validated table, with `extra` custom attribute columns (text) after
    /// the canonical ones.
    pub fn schema(&self, extra: &[String]) -> SchemaRef {
        let mut fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(c.name, c.kind.data_type(), !c.required))
            .collect();
        fields.extend(extra.iter().map(|name| Field::new(name, DataType::Utf8, true)));
        Arc::new(Schema::new(fields))
    }
}

const BUSINESS_MODELS: &[&str] = &["B2B", "B2C", "B2B2C"];
const ACCOUNT_STATUSES: &[&str] = &["customer", "churned", "prospect"];
const TRANSACTION_KINDS: &[&str] = &["new", "renewal", "expansion", "one_time"];
const DEAL_STAGES: &[&str] = &["won", "lost", "open"];
const CONTACT_ROLES: &[&str] = &["decider", "payer", "user", "influencer", "unknown"];
const ACCOUNT_TABLES: &[&str] = &["accounts"];

/// Columns that describe a company, shared by accounts and prospects.
macro_rules! company_columns {
    ($($more:expr),*) => {
        &[
            req("account_id", Kind::Text),
            col("name", Kind::Text),
            col("domain", Kind::Text),
            col("industry", Kind::Text),
            non_negative(col("employees", Kind::Integer)),
            non_negative(col("annual_revenue", Kind::Money)),
            col("country", Kind::Text),
            within(col("founded_year", Kind::Integer), 1600.0, 2100.0),
            col("business_model", Kind::OneOf(BUSINESS_MODELS)),
            col("technologies", Kind::List),
            $($more,)*
        ]
    };
}

/// Columns of `accounts` and `prospects` that identify or date an account rather than describe
/// it: never attributes of a profile.
pub const NOT_ATTRIBUTES: &[&str] = &[
    "account_id",
    "name",
    "domain",
    "status",
    "customer_since",
    "churned_at",
    "referred_by",
    "case_study_url",
];

/// Whether the accounts' column `name` holds `;`-separated lists.
pub fn is_list(name: &str) -> bool {
    ACCOUNTS.column(name).is_some_and(|c| c.kind == Kind::List)
}

/// The accounts table: one row per company, the only table that must be present.
pub const ACCOUNTS: TableSpec = TableSpec {
    name: "accounts",
    columns: company_columns!(
        col("status", Kind::OneOf(ACCOUNT_STATUSES)),
        col("customer_since", Kind::Date),
        col("churned_at", Kind::Date),
        col("acquisition_channel", Kind::Text),
        col("referred_by", Kind::Text),
        col("case_study_url", Kind::Text)
    ),
    key: Some("account_id"),
    references: &[Reference {
        column: "referred_by",
        tables: ACCOUNT_TABLES,
    }],
    rules: &[RowRule::NotBefore("churned_at", "customer_since")],
    keeps_extra_columns: true,
};

/// Revenue events: invoices, order lines, subscription payments.
pub const TRANSACTIONS: TableSpec = TableSpec {
    name: "transactions",
    columns: &[
        req("account_id", Kind::Text),
        req("date", Kind::Date),
        req("amount", Kind::Money),
        non_negative(col("cost", Kind::Money)),
        col("kind", Kind::OneOf(TRANSACTION_KINDS)),
        col("product", Kind::Text),
    ],
    key: None,
    references: &[Reference {
        column: "account_id",
        tables: ACCOUNT_TABLES,
    }],
    rules: &[],
    keeps_extra_columns: false,
};

/// Work done for an account (tickets, onboarding hours, shipments), the drivers of cost to serve.
pub const ACTIVITIES: TableSpec = TableSpec {
    name: "activities",
    columns: &[
        req("account_id", Kind::Text),
        req("activity", Kind::Text),
        non_negative(req("quantity", Kind::Number)),
        col("date", Kind::Date),
    ],
    key: None,
    references: &[
        Reference {
            column: "account_id",
            tables: ACCOUNT_TABLES,
        },
        Reference {
            column: "activity",
            tables: &["activity_rates"],
        },
    ],
    rules: &[],
    keeps_extra_columns: false,
};

/// The cost of each activity: a unit cost, or a cost pool shared by the activity's total quantity.
pub const ACTIVITY_RATES: TableSpec = TableSpec {
    name: "activity_rates",
    columns: &[
        req("activity", Kind::Text),
        non_negative(col("unit_cost", Kind::Money)),
        non_negative(col("pool_cost", Kind::Money)),
    ],
    key: Some("activity"),
    references: &[],
    rules: &[RowRule::ExactlyOne(&["unit_cost", "pool_cost"])],
    keeps_extra_columns: false,
};

/// Acquisition cost: per account, or spend per channel and month shared by the accounts it won.
pub const ACQUISITION: TableSpec = TableSpec {
    name: "acquisition",
    columns: &[
        col("account_id", Kind::Text),
        non_negative(col("cac", Kind::Money)),
        col("channel", Kind::Text),
        col("month", Kind::Month),
        non_negative(col("spend", Kind::Money)),
    ],
    key: None,
    references: &[Reference {
        column: "account_id",
        tables: ACCOUNT_TABLES,
    }],
    rules: &[RowRule::EitherGroup(
        &["account_id", "cac"],
        &["channel", "month", "spend"],
    )],
    keeps_extra_columns: false,
};

/// Sales opportunities, won, lost or open.
pub const DEALS: TableSpec = TableSpec {
    name: "deals",
    columns: &[
        req("deal_id", Kind::Text),
        col("account_id", Kind::Text),
        col("created", Kind::Date),
        col("closed", Kind::Date),
        req("stage", Kind::OneOf(DEAL_STAGES)),
        non_negative(col("amount", Kind::Money)),
        col("kind", Kind::OneOf(TRANSACTION_KINDS)),
    ],
    key: Some("deal_id"),
    references: &[Reference {
        column: "account_id",
        tables: &["accounts", "prospects"],
    }],
    rules: &[RowRule::NotBefore("closed", "created")],
    keeps_extra_columns: false,
};

/// Net Promoter Score answers.
pub const NPS: TableSpec = TableSpec {
    name: "nps",
    columns: &[
        req("account_id", Kind::Text),
        within(req("score", Kind::Integer), 0.0, 10.0),
        col("date", Kind::Date),
    ],
    key: None,
    references: &[Reference {
        column: "account_id",
        tables: ACCOUNT_TABLES,
    }],
    rules: &[],
    keeps_extra_columns: false,
};

/// People at accounts and their role in buying.
pub const CONTACTS: TableSpec = TableSpec {
    name: "contacts",
    columns: &[
        req("account_id", Kind::Text),
        col("contact_id", Kind::Text),
        col("title", Kind::Text),
        blank_is(col("role", Kind::OneOf(CONTACT_ROLES)), "unknown"),
        col("department", Kind::Text),
        col("seniority", Kind::Text),
        col("person_key", Kind::Text),
    ],
    key: Some("contact_id"),
    references: &[Reference {
        column: "account_id",
        tables: &["accounts", "prospects"],
    }],
    rules: &[],
    keeps_extra_columns: false,
};

/// Behavioural and intent signals (web visits, events, competitor evaluation).
pub const SIGNALS: TableSpec = TableSpec {
    name: "signals",
    columns: &[
        req("account_id", Kind::Text),
        req("signal", Kind::Text),
        col("value", Kind::Number),
        col("date", Kind::Date),
    ],
    key: None,
    references: &[Reference {
        column: "account_id",
        tables: &["accounts", "prospects"],
    }],
    rules: &[],
    keeps_extra_columns: false,
};

/// Companies that are not customers yet, to be scored.
pub const PROSPECTS: TableSpec = TableSpec {
    name: "prospects",
    columns: company_columns!(col("case_study_url", Kind::Text)),
    key: Some("account_id"),
    references: &[],
    rules: &[],
    keeps_extra_columns: true,
};

/// Every table, in the order they are read (a table comes after the tables it references).
pub const TABLES: &[&TableSpec] = &[
    &ACTIVITY_RATES,
    &ACCOUNTS,
    &PROSPECTS,
    &TRANSACTIONS,
    &ACTIVITIES,
    &ACQUISITION,
    &DEALS,
    &NPS,
    &CONTACTS,
    &SIGNALS,
];

/// What a CRM label becomes when a mapping lists labels for its column but none names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unlabelled {
    /// The row is left out and counted (an account that is neither customer nor prospect, such
    /// as a partner).
    LeaveOut,
    /// The label is read as this value (a custom deal stage is still open).
    Read(&'static str),
    /// The field is read as empty.
    Empty,
}

/// What an unlisted label of `table.column` becomes.
pub fn unlabelled(table: &str, column: &str) -> Unlabelled {
    match (table, column) {
        ("accounts", "status") => Unlabelled::LeaveOut,
        ("deals", "stage") => Unlabelled::Read("open"),
        ("contacts", "role") => Unlabelled::Read("unknown"),
        _ => Unlabelled::Empty,
    }
}

/// The table called `name`.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().copied().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_point_to_tables_read_earlier() {
        for (i, spec) in TABLES.iter().enumerate() {
            for reference in spec.references {
                for target in reference.tables {
                    let at = TABLES
                        .iter()
                        .position(|t| t.name == *target)
                        .expect("known table");
                    assert!(
                        at < i || *target == spec.name,
                        "{} reads before {}",
                        spec.name,
                        target
                    );
                }
            }
        }
    }

    #[test]
    fn keys_and_rules_name_real_columns() {
        for spec in TABLES {
            let names: Vec<&str> = spec
                .key
                .into_iter()
                .chain(spec.references.iter().map(|r| r.column))
                .collect();
            for name in names {
                assert!(spec.column(name).is_some(), "{}.{name}", spec.name);
            }
        }
    }
}
