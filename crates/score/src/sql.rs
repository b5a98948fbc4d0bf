//! The scorer as one SQL `SELECT`, so that a warehouse scores its own tables: account_id,
//! in_sam, fit_score, tier and reasons, equal to the compiled scorer's.
//!
//! Every rule is a verdict that is NULL where the value is unknown (a NULL or blank column), as
//! in the scorer: a signal met earns its points only when known; a filter passes an unknown value
//! or refuses it as the ICP's market says; an anti-ICP segment holds an account only when every
//! condition is known and met. Values are compared as trimmed text, numbers as numbers, lists
//! split on `;`. The reasons are the same words, in the same order, as `prospects_scored.csv`.

use std::fmt::Write;

use northstar_discover::Condition;
use northstar_profile::{Icp, Rule, UnknownValues};

/// Which SQL the scorer is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB.
    DuckDb,
    /// PostgreSQL.
    Postgres,
    /// Standard SQL: lists are matched with `LIKE` after folding single spaces around `;`, and a
    /// range over a column holding text that is not a number fails as the database's cast does.
    Ansi,
}

impl Dialect {
    /// The dialect named `name`: `duckdb`, `postgres` or `ansi`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "duckdb" => Some(Self::DuckDb),
            "postgres" | "postgresql" => Some(Self::Postgres),
            "ansi" => Some(Self::Ansi),
            _ => None,
        }
    }

    fn text_type(self) -> &'static str {
        match self {
            Self::DuckDb | Self::Postgres => "VARCHAR",
            Self::Ansi => "VARCHAR(4000)",
        }
    }

    /// `text` (known to be non-null) as a number, or NULL where it is not one.
    fn number(self, text: &str) -> String {
        match self {
            Self::DuckDb => format!("TRY_CAST({text} AS DOUBLE)"),
            Self::Postgres => format!(
                "CASE WHEN {text} ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$' \
                 THEN CAST({text} AS DOUBLE PRECISION) END"
            ),
            Self::Ansi => format!("CAST({text} AS DOUBLE PRECISION)"),
        }
    }

    /// Whether the `;`-separated list `text` (trimmed) holds any of `values`: split on `;` and
    /// the white space around it, so that elements come out trimmed.
    fn contains(self, text: &str, values: &[String]) -> String {
        let listed = literals(values);
        match self {
            Self::DuckDb => format!("list_has_any(regexp_split_to_array({text}, '\\s*;\\s*'), [{listed}])"),
            Self::Postgres => {
                format!("regexp_split_to_array({text}, '\\s*;\\s*') && ARRAY[{listed}]::text[]")
            }
            Self::Ansi => {
                let folded = format!("(';' || REPLACE(REPLACE({text}, ' ;', ';'), '; ', ';') || ';')");
                let any: Vec<String> = values
                    .iter()
                    .map(|v| format!("{folded} LIKE {}", literal(&format!("%;{v};%"))))
                    .collect();
                format!("({})", any.join(" OR "))
            }
        }
    }
}

/// The scorer of `icp` over the table `table` (which has a column for each attribute the ICP
/// names, NULL where unknown), in `dialect`.
pub fn scorer_sql(icp: &Icp, dialect: Dialect, table: &str) -> String {
    let attributes = icp.attributes();
    let text = |rule: &Rule| {
        let at = attributes.iter().position(|a| a == &rule.attribute).unwrap_or(0);
        format!("v{at}")
    };
    let mut columns = Vec::new();
    for (k, f) in icp.filters.iter().enumerate() {
        columns.push(format!("{} AS f{k}", verdict(&f.rule, &text(&f.rule), dialect)));
    }
    for (k, a) in icp.anti_icp.iter().enumerate() {
        let all: Vec<String> = a
            .conditions
            .iter()
            .map(|r| verdict(r, &text(r), dialect))
            .collect();
        columns.push(format!("COALESCE({}, FALSE) AS a{k}", all.join(" AND ")));
    }
    for (k, s) in icp.signals.iter().enumerate() {
        columns.push(format!(
            "COALESCE({}, FALSE) AS s{k}",
            verdict(&s.rule, &text(&s.rule), dialect)
        ));
    }
    let unknown_passes = icp.market.unknown_values == UnknownValues::Unverified;
    let mut inside: Vec<String> = (0..icp.filters.len())
        .map(|k| {
            format!(
                "COALESCE(f{k}, {})",
                if unknown_passes { "TRUE" } else { "FALSE" }
            )
        })
        .collect();
    inside.extend(
        icp.anti_icp
            .iter()
            .enumerate()
            .filter(|(_, a)| a.excluded_from_sam)
            .map(|(k, _)| format!("NOT a{k}")),
    );
    if inside.is_empty() {
        inside.push("TRUE".to_owned());
    }
    let points: String = icp
        .signals
        .iter()
        .enumerate()
        .map(|(k, s)| format!(" + CASE WHEN s{k} THEN {} ELSE 0 END", s.points))
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- northstar ICP {} as SQL: fit score, tier and reasons.",
        icp.version
    );
    let _ = writeln!(
        out,
        "-- The table needs account_id{}{}.",
        if attributes.is_empty() { "" } else { " and " },
        attributes.join(", ")
    );
    // Each attribute as trimmed text, NULL where blank: the unknown state of every rule.
    let _ = writeln!(out, "WITH attributes AS (\n  SELECT account_id");
    for (k, name) in attributes.iter().enumerate() {
        let _ = writeln!(
            out,
            "    , NULLIF(TRIM(CAST({} AS {})), '') AS v{k}",
            identifier(name),
            dialect.text_type()
        );
    }
    let _ = writeln!(out, "  FROM {}\n),", identifier(table));
    let _ = writeln!(out, "verdicts AS (\n  SELECT account_id");
    for c in &columns {
        let _ = writeln!(out, "    , {c}");
    }
    let _ = writeln!(out, "  FROM attributes\n),");
    let _ = writeln!(
        out,
        "scored AS (\n  SELECT *, {}{points} AS fit_score,\n    ({}) AS in_sam\n  FROM verdicts\n)",
        icp.base_score,
        inside.join(" AND ")
    );
    let _ = writeln!(
        out,
        "SELECT account_id, in_sam, fit_score,\n  {} AS tier,",
        tier(icp)
    );
    let _ = writeln!(out, "  {} AS reasons", reasons(icp, unknown_passes));
    let _ = write!(out, "FROM scored");
    out
}

/// The tier of a scored row: the first tier whose minimum the score meets, else the last; NULL
/// outside the SAM.
fn tier(icp: &Icp) -> String {
    let mut case = String::from("CASE WHEN NOT in_sam THEN NULL");
    let (last, rest) = match icp.tiers.split_last() {
        Some((last, rest)) => (last.tier, rest),
        None => (3, &[][..]),
    };
    for t in rest {
        let _ = write!(case, " WHEN fit_score >= {} THEN {}", t.min_score, t.tier);
    }
    let _ = write!(case, " ELSE {last} END");
    case
}

/// The reasons of a scored row, as `Assessment::explain` writes them.
fn reasons(icp: &Icp, unknown_passes: bool) -> String {
    let mut parts = vec![literal(&format!("base {}", icp.base_score))];
    let mut piece = |when: String, text: String| {
        parts.push(format!(
            "CASE WHEN {when} THEN {} ELSE '' END",
            literal(&format!("; {text}"))
        ));
    };
    for (k, s) in icp.signals.iter().enumerate() {
        piece(format!("s{k}"), format!("{:+} {}", s.points, s.rule.describe()));
    }
    for (k, f) in icp.filters.iter().enumerate() {
        let rule = f.rule.describe();
        piece(format!("f{k} = FALSE"), format!("outside the SAM: fails {rule}"));
        if !unknown_passes {
            let text = format!("outside the SAM: fails {rule}: {} unknown", f.rule.attribute);
            piece(format!("f{k} IS NULL"), text);
        }
    }
    for (k, a) in icp
        .anti_icp
        .iter()
        .enumerate()
        .filter(|(_, a)| a.excluded_from_sam)
    {
        piece(
            format!("a{k}"),
            format!("outside the SAM: in anti-ICP segment {}", a.describe()),
        );
    }
    if unknown_passes {
        for (k, f) in icp.filters.iter().enumerate() {
            piece(
                format!("f{k} IS NULL"),
                format!("unverified: {} unknown", f.rule.attribute),
            );
        }
    }
    for (k, a) in icp
        .anti_icp
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.excluded_from_sam)
    {
        piece(format!("a{k}"), format!("anti-ICP: {}", a.describe()));
    }
    parts.join("\n    || ")
}

/// The verdict of `rule` on its attribute's trimmed text `text`: NULL where the value is
/// unknown, else whether it is met.
fn verdict(rule: &Rule, text: &str, dialect: Dialect) -> String {
    let test = match &rule.condition {
        Condition::In { values } => format!("{text} IN ({})", literals(values)),
        Condition::NotIn { values } => format!("{text} NOT IN ({})", literals(values)),
        Condition::Contains { values } => dialect.contains(text, values),
        Condition::Between { min, max } => {
            let number = dialect.number(text);
            let bounds = match (min.is_finite(), max.is_finite()) {
                (true, true) => format!("{number} BETWEEN {min} AND {max}"),
                (true, false) => format!("{number} >= {min}"),
                (false, true) => format!("{number} <= {max}"),
                (false, false) => format!("{number} IS NOT NULL"),
            };
            format!("COALESCE({bounds}, FALSE)")
        }
        Condition::Eq { value } => {
            let value = value.trim();
            match value.parse::<f64>() {
                Ok(x) => format!(
                    "COALESCE({} = {x}, {text} = {})",
                    dialect.number(text),
                    literal(value)
                ),
                Err(_) => format!("{text} = {}", literal(value)),
            }
        }
    };
    format!("CASE WHEN {text} IS NULL THEN NULL ELSE {test} END")
}

/// `values` as a comma-separated list of string literals.
fn literals(values: &[String]) -> String {
    values.iter().map(|v| literal(v)).collect::<Vec<_>>().join(", ")
}

/// `text` as a string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `name` as a quoted identifier.
fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
