//! Facts: what the discover stage needs to know of each customer account, read out of the
//! engine into the in-memory [`Base`] that discover's pure numerics work on.
//!
//! Here, and only here, live the definitions that turn the contract's tables into those facts:
//! an account came by referral when it has a referrer or came through the `referral` channel; an
//! NPS response of 9 or 10 is a promoter's, 0 to 6 a detractor's; an account was acquired on its
//! `customer_since`, else on its first transaction; a closed deal is one won or lost, and its
//! sales cycle runs from `created` to `closed`.

mod read;

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use northstar_discover::{
    Attribute, Base, Contacts, Deal, Deals, Objective, Outcomes, PmfInputs, UnknownAttribute, Values,
};
use northstar_economics::AccountEconomics;
use northstar_engine::arrow::array::Array;
use northstar_engine::{Engine, EngineError, Order};
use northstar_ingest::contract;

use read::{Shared, TextColumn, each_batch, each_text_in, numbers};
pub use read::{Table, shared_texts, texts};

/// A fact that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FactsError {
    /// The engine failed on one of the reads.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A read returned a column of an unexpected shape (a bug).
    #[error("column `{0}` cannot be read as text")]
    Shape(String),
    /// The objective is predicted lifetime value, but an account has none.
    #[error(
        "[discover] objective = \"ltv_predicted\", but account `{0}` has no predicted lifetime value \
         (see `lifetime_value` in summary.json); choose \"profit\" or \"gross_margin\""
    )]
    NoPredictedValue(String),
}

/// Result of a read.
pub type Result<T, E = FactsError> = std::result::Result<T, E>;

/// The customer base for discovery: `accounts` (the economics' customers, in their order) with
/// `objective` and every fact the engine's tables hold of them.
pub fn base(engine: &Engine, accounts: &[AccountEconomics], objective: Objective) -> Result<Base> {
    let customers = Customers::new(accounts);
    // The facts are read apart from one another: side by side, the engine's queries of one
    // beside the reading of another. The deals, the longest to read, begin at once.
    let (deals, ((known, pmf_inputs), (contacts, acquired))) = rayon::join(
        || deals(engine),
        || {
            rayon::join(
                || {
                    rayon::join(
                        || {
                            attributes(
                                &Table::read(engine, &attributes_of(engine, "accounts")?)?,
                                &customers,
                            )
                        },
                        || pmf_inputs(engine, accounts, &customers),
                    )
                },
                || {
                    rayon::join(
                        || contacts(engine, &customers),
                        || acquisition_days(engine, &customers),
                    )
                },
            )
        },
    );
    let (attributes, unknown_attributes) = known?;
    Ok(Base {
        objective: objective_values(accounts, objective)?,
        attributes,
        unknown_attributes,
        outcomes: outcomes(accounts),
        pmf_inputs: pmf_inputs?,
        contacts: contacts?,
        acquired: acquired?,
        deals: deals?,
    })
}

/// The query of `table`'s account ids, then its attributes: every column but those no rule can
/// name (a name, a status, a date, a link), which are not read.
fn attributes_of(engine: &Engine, table: &str) -> Result<String> {
    let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let columns: Vec<String> = std::iter::once("account_id".to_owned())
        .chain(
            engine
                .columns(table)?
                .into_iter()
                .filter(|name| !contract::NOT_ATTRIBUTES.contains(&name.as_str())),
        )
        .map(|name| quoted(&name))
        .collect();
    Ok(format!("SELECT {} FROM {table}", columns.join(", ")))
}

/// Each account's objective; predicted lifetime value must have been predicted for every account.
fn objective_values(accounts: &[AccountEconomics], objective: Objective) -> Result<Vec<f64>> {
    accounts
        .iter()
        .map(|a| match objective {
            Objective::Profit => Ok(a.profit),
            Objective::GrossMargin => Ok(a.gross_margin),
            Objective::LtvPredicted => a
                .ltv_predicted
                .ok_or_else(|| FactsError::NoPredictedValue(a.account_id.clone())),
        })
        .collect()
}

/// The accounts' economics as discover reads them.
fn outcomes(accounts: &[AccountEconomics]) -> Outcomes {
    Outcomes {
        profit: accounts.iter().map(|a| a.profit).collect(),
        revenue: accounts.iter().map(|a| a.revenue).collect(),
        cac: accounts.iter().map(|a| a.cac).collect(),
        churned: accounts.iter().map(|a| a.churned).collect(),
        ltv_predicted: accounts.iter().map(|a| a.ltv_predicted).collect(),
        ltv_historical: accounts.iter().map(|a| a.ltv_historical).collect(),
        payback_months: accounts.iter().map(|a| a.payback_months).collect(),
    }
}

/// The customer accounts, found by id.
struct Customers<'a> {
    /// Each customer account's index in the economics' accounts, by id.
    position: HashMap<&'a str, usize>,
    /// How many customer accounts there are.
    count: usize,
}

impl<'a> Customers<'a> {
    /// The customers `accounts`.
    fn new(accounts: &'a [AccountEconomics]) -> Self {
        Self {
            position: accounts
                .iter()
                .enumerate()
                .map(|(i, a)| (a.account_id.as_str(), i))
                .collect(),
            count: accounts.len(),
        }
    }

    /// The index of the customer account whose id is `id`.
    fn get(&self, id: &str) -> Option<usize> {
        self.position.get(id).copied()
    }

    /// For each row of `table`, the customer account whose id is in its first column, if any.
    fn rows(&self, table: &Table) -> Result<Vec<Option<usize>>> {
        table.rows_of(0, |id| self.get(id))
    }

    /// Column `column` of `table` as numbers, one per customer account (from the row that `rows`
    /// gives it), when it is a column of numbers, every one finite and some customer's known:
    /// what [`Attribute::from_texts`] makes of their texts, without writing them.
    fn numbers(
        &self,
        table: &Table,
        column: usize,
        rows: &[Option<usize>],
    ) -> Result<Option<Vec<Option<f64>>>> {
        let Some(numbers) = table.numeric(column)? else {
            return Ok(None);
        };
        let mut out = vec![None; self.count];
        for (row, x) in numbers.into_iter().enumerate() {
            if let (Some(i), Some(x)) = (rows[row], x) {
                if !x.is_finite() {
                    return Ok(None);
                }
                out[i] = Some(x);
            }
        }
        Ok(out.iter().any(Option::is_some).then_some(out))
    }

    /// Column `column` of `table`, one text per customer account: that of the row that `rows`
    /// (from [`Customers::rows`]) gives it, if any; each text held once and shared by the
    /// accounts that have it.
    fn shared_texts(
        &self,
        table: &Table,
        column: usize,
        rows: &[Option<usize>],
    ) -> Result<Vec<Option<Arc<str>>>> {
        let mut shared = Shared::default();
        let mut out = vec![None; self.count];
        table.each_text(column, |row, text| {
            if let Some(i) = rows[row] {
                out[i] = Some(shared.get(text));
            }
        })?;
        Ok(out)
    }
}

/// The closed deals, each with its account's attributes from the accounts table or the
/// prospects table (the accounts table's value where both have one), and the count of open
/// deals.
fn deals(engine: &Engine) -> Result<Deals> {
    let mut out = Deals::default();
    // Deals whose account is in no table share the first account, which has no values.
    out.accounts.push();
    let mut index: HashMap<String, usize> = HashMap::new();
    let sql = "SELECT account_id, stage, CAST(CAST(closed AS INT) - CAST(created AS INT) AS DOUBLE)
               FROM deals";
    each_batch(engine, sql, Order::Partitions, |batch| {
        let (ids, stages, cycles) = (
            TextColumn::of(batch, 0)?,
            TextColumn::of(batch, 1)?,
            numbers(batch, 2)?,
        );
        for row in 0..batch.num_rows() {
            let won = match stages.get(row) {
                Some("won") => true,
                Some("lost") => false,
                _ => {
                    out.open += 1;
                    continue;
                }
            };
            let account = ids.get(row).map_or(0, |id| match index.get(id) {
                Some(&account) => account,
                None => {
                    let next = index.len() + 1;
                    index.insert(id.to_owned(), next);
                    next
                }
            });
            out.closed.push(Deal {
                won,
                cycle_days: cycles.is_valid(row).then(|| cycles.value(row)),
                account: u32::try_from(account).expect("fewer than four billion accounts with deals"),
            });
        }
        Ok(())
    })?;
    out.closed.shrink_to_fit();
    for _ in 0..index.len() {
        out.accounts.push();
    }
    // The tables stream past: only the deals' accounts' values are kept.
    for table in ["prospects", "accounts"] {
        // The table's attribute columns among the deal accounts', named at its first batch.
        let mut columns: Option<Vec<usize>> = None;
        each_batch(
            engine,
            &attributes_of(engine, table)?,
            Order::Partitions,
            |batch| {
                let columns = columns.get_or_insert_with(|| {
                    let schema = batch.schema();
                    let names = schema.fields().iter().skip(1);
                    names.map(|f| out.accounts.add_column(f.name())).collect()
                });
                let mut accounts = vec![None; batch.num_rows()];
                each_text_in(batch, 0, &mut String::new(), |row, id| {
                    accounts[row] = index.get(id).copied()
                })?;
                // Each column on a core of its own: they share nothing.
                out.accounts
                    .columns_at(columns)
                    .into_par_iter()
                    .enumerate()
                    .try_for_each(|(column, mut values)| {
                        each_text_in(batch, column + 1, &mut String::new(), |row, value| {
                            if let Some(account) = accounts[row] {
                                values.set(account, value);
                            }
                        })
                    })
            },
        )?;
    }
    Ok(out)
}

/// The customer accounts' contacts.
fn contacts(engine: &Engine, customers: &Customers) -> Result<Contacts> {
    let sql = "SELECT account_id, lower(role), title, department, person_key FROM contacts";
    let mut out = Contacts::default();
    each_batch(engine, sql, Order::Partitions, |batch| {
        let columns = (0..5)
            .map(|c| TextColumn::of(batch, c))
            .collect::<Result<Vec<_>>>()?;
        let [ids, roles, titles, departments, people] = &columns[..] else {
            unreachable!("five columns were read");
        };
        // An export lists an account's contacts together: its id is looked up once per run.
        let mut last: Option<(&str, Option<usize>)> = None;
        for row in 0..batch.num_rows() {
            let (Some(id), Some(role)) = (ids.get(row), roles.get(row)) else {
                continue;
            };
            let account = match last {
                Some((seen, account)) if seen == id => account,
                _ => customers.get(id),
            };
            last = Some((id, account));
            if let Some(account) = account {
                out.push(
                    account,
                    role,
                    titles.get(row),
                    departments.get(row),
                    people.get(row),
                );
            }
        }
        Ok(())
    })?;
    out.shrink_to_fit();
    Ok(out)
}

/// Referral, NPS responses, churn and repeat purchase of each account.
fn pmf_inputs(engine: &Engine, accounts: &[AccountEconomics], customers: &Customers) -> Result<PmfInputs> {
    let mut known = vec![[0.0; 4]; accounts.len()];
    let sql = "SELECT a.account_id,
                CAST(CASE WHEN a.referred_by IS NOT NULL OR lower(a.acquisition_channel) = 'referral'
                     THEN 1 ELSE 0 END AS DOUBLE),
                CAST(COALESCE(n.promoters, 0) AS DOUBLE),
                CAST(COALESCE(n.detractors, 0) AS DOUBLE),
                CAST(COALESCE(n.responses, 0) AS DOUBLE)
         FROM accounts a
         LEFT JOIN (SELECT account_id,
                           sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters,
                           sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors,
                           count(*) AS responses
                    FROM nps GROUP BY account_id) n
           ON n.account_id = a.account_id";
    each_batch(engine, sql, Order::Any, |batch| {
        let ids = TextColumn::of(batch, 0)?;
        let columns = (1..=4).map(|c| numbers(batch, c)).collect::<Result<Vec<_>>>()?;
        for row in 0..batch.num_rows() {
            let Some(i) = ids.get(row).and_then(|id| customers.get(id)) else {
                continue;
            };
            for (c, column) in columns.iter().enumerate() {
                if column.is_valid(row) {
                    known[i][c] = column.value(row);
                }
            }
        }
        Ok(())
    })?;
    let mut inputs = PmfInputs::default();
    for (a, [referred, promoters, detractors, responses]) in accounts.iter().zip(known) {
        inputs.referred.push(referred > 0.0);
        inputs.promoters.push(promoters as u32);
        inputs.detractors.push(detractors as u32);
        inputs.responses.push(responses as u32);
        inputs.churned.push(a.churned);
        inputs.repeat.push(a.orders >= 2);
    }
    Ok(inputs)
}

/// When each customer account became a customer: `customer_since`, else its first transaction.
fn acquisition_days(engine: &Engine, customers: &Customers) -> Result<Vec<Option<i64>>> {
    let mut days = vec![None; customers.count];
    let sql = "SELECT a.account_id, CAST(CAST(COALESCE(a.customer_since, t.first) AS INT) AS DOUBLE) AS day
         FROM accounts a
         LEFT JOIN (SELECT account_id, min(date) AS first FROM transactions GROUP BY account_id) t
           ON t.account_id = a.account_id";
    each_batch(engine, sql, Order::Any, |batch| {
        let (ids, day) = (TextColumn::of(batch, 0)?, numbers(batch, 1)?);
        for row in 0..batch.num_rows() {
            if let Some(i) = ids.get(row).and_then(|id| customers.get(id))
                && day.is_valid(row)
            {
                days[i] = Some(day.value(row) as i64);
            }
        }
        Ok(())
    })?;
    Ok(days)
}

/// Every attribute of the accounts table (`rows`, its ids and attributes as [`attributes_of`]
/// reads them), one value per customer account, and apart, by name alone, those no customer has
/// a value of (a table that only names its columns holds none).
fn attributes(rows: &Table, customers: &Customers) -> Result<(Vec<Attribute>, Vec<UnknownAttribute>)> {
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    if rows.names.is_empty() {
        return Ok((known, unknown));
    }
    let customer = customers.rows(rows)?;
    for (column, name) in rows.names.iter().enumerate().skip(1) {
        let is_list = contract::is_list(name);
        if let Some(numbers) = customers.numbers(rows, column, &customer)?.filter(|_| !is_list) {
            known.push(Attribute {
                name: name.clone(),
                values: Values::Numeric(numbers),
            });
            continue;
        }
        let values = customers.shared_texts(rows, column, &customer)?;
        if customers.count > 0 && values.iter().all(Option::is_none) {
            unknown.push(UnknownAttribute {
                name: name.clone(),
                is_list,
            });
        } else if is_list {
            let mut elements = Shared::default();
            let lists = values.iter().map(|v| list(v.as_deref(), &mut elements));
            known.push(Attribute {
                name: name.clone(),
                values: Values::List(lists.collect()),
            });
        } else {
            known.push(Attribute::from_texts(name, values));
        }
    }
    Ok((known, unknown))
}

/// The ids of the accounts that have a case study.
pub fn case_studies(engine: &Engine) -> Result<std::collections::HashSet<String>> {
    let mut ids = std::collections::HashSet::new();
    let sql = "SELECT account_id, case_study_url FROM accounts";
    each_batch(engine, sql, Order::Partitions, |batch| {
        let (id, study) = (TextColumn::of(batch, 0)?, TextColumn::of(batch, 1)?);
        for row in (0..batch.num_rows()).filter(|&row| study.get(row).is_some()) {
            ids.extend(id.get(row).map(str::to_owned));
        }
        Ok(())
    })?;
    Ok(ids)
}

/// An account's name and case study, when known.
pub type Shown = (Option<String>, Option<String>);

/// The name and case study of each account of `ids`, what the ICP's reference customers show:
/// read in one pass over the accounts table that keeps only theirs.
pub fn showcase(
    engine: &Engine,
    ids: &std::collections::HashSet<&str>,
) -> Result<std::collections::HashMap<String, Shown>> {
    let mut shown = std::collections::HashMap::new();
    let sql = "SELECT account_id, name, case_study_url FROM accounts";
    each_batch(engine, sql, Order::Partitions, |batch| {
        let id = TextColumn::of(batch, 0)?;
        let (name, study) = (TextColumn::of(batch, 1)?, TextColumn::of(batch, 2)?);
        for row in 0..batch.num_rows() {
            if let Some(id) = id.get(row).filter(|id| ids.contains(id)) {
                let text = |column: &TextColumn, row| column.get(row).map(str::to_owned);
                shown.insert(id.to_owned(), (text(&name, row), text(&study, row)));
            }
        }
        Ok(())
    })?;
    Ok(shown)
}

/// One behavioural signal of an account, as the signals table holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRow {
    /// The account.
    pub account_id: String,
    /// The signal's name.
    pub signal: String,
    /// Its value, when given.
    pub value: Option<f64>,
    /// Its day (days since 1970-01-01), when given.
    pub day: Option<i32>,
}

/// Every row of the signals table.
pub fn signal_rows(engine: &Engine) -> Result<Vec<SignalRow>> {
    let rows = Table::read(
        engine,
        "SELECT account_id, signal, CAST(value AS DOUBLE), CAST(CAST(date AS INT) AS DOUBLE) FROM signals",
    )?;
    let number = |v: Option<String>| v.and_then(|v| v.parse::<f64>().ok());
    let columns = (rows.column(0)?, rows.column(1)?, rows.column(2)?, rows.column(3)?);
    let (ids, signals, values, days) = columns;
    Ok(ids
        .into_iter()
        .zip(signals)
        .zip(values.into_iter().zip(days))
        .filter_map(|((id, signal), (value, day))| {
            Some(SignalRow {
                account_id: id?,
                signal: signal?,
                value: number(value),
                day: number(day).map(|d| d as i32),
            })
        })
        .collect())
}

/// The elements of a `;`-separated list, shared through `elements`.
fn list(text: Option<&str>, elements: &mut Shared) -> Vec<Arc<str>> {
    text.map(|v| {
        v.split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| elements.get(e))
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_semicolons_and_drop_blanks() {
        let mut elements = Shared::default();
        let sap: Arc<str> = "SAP".into();
        assert_eq!(
            list(Some(" SAP; ;Kubernetes "), &mut elements),
            vec![sap.clone(), "Kubernetes".into()]
        );
        assert!(list(None, &mut elements).is_empty());
        // The same element is held once.
        assert!(Arc::ptr_eq(
            &list(Some("SAP"), &mut elements)[0],
            &list(Some("SAP;Go"), &mut elements)[0]
        ));
    }

    #[test]
    fn identity_columns_are_not_attributes_and_technologies_is_a_list() {
        assert!(contract::NOT_ATTRIBUTES.contains(&"account_id"));
        assert!(contract::is_list("technologies"));
        assert!(!contract::is_list("industry"));
    }
}
