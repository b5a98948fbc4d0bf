//! The discover stage of a build: the customer accounts' attributes, read from the engine, set
//! against the objective (profit by default): lift, subgroups, the anti-ICP, adopter cohorts and
//! the product-market-fit gate, and the CSV files they are written to.

use std::collections::HashMap;
use std::io::{self, Write};

use northstar_discover::{
    Adopters, Attribute, Condition, Contact, Drift, Ecosystem, Lift, LiftSettings, Pmf, PmfInputs, Subgroup,
    SubgroupSettings, Values,
};
use northstar_economics::AccountEconomics;
use northstar_engine::Engine;
use northstar_engine::arrow::array::{Array, Float64Array, StringArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::DataType;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_ingest::{DiscoverSettings, Objective};

use crate::Failure;

/// Account columns that identify or date an account rather than describe it.
const NOT_ATTRIBUTES: &[&str] = &[
    "account_id",
    "name",
    "status",
    "customer_since",
    "churned_at",
    "referred_by",
    "case_study_url",
];

/// Attribute columns holding `;`-separated lists.
const LIST_ATTRIBUTES: &[&str] = &["technologies"];

/// What the discover stage found.
pub struct Discovery {
    /// Lift of every attribute value among the top fifth by the objective, highest first.
    pub lifts: Vec<Lift>,
    /// Significant subgroups that concentrate the objective, best first.
    pub subgroups: Vec<Subgroup>,
    /// Significant subgroups that concentrate losses (the objective negated), worst first.
    pub anti: Vec<Subgroup>,
    /// Each account's adopter cohort, by acquisition order.
    pub cohorts: Vec<Option<Adopters>>,
    /// Each account's acquisition day (days since 1970-01-01), when known.
    pub acquired: Vec<Option<i64>>,
    /// Per cohort, the attribute values it has more of than the whole base.
    pub drift: Vec<(Adopters, Vec<Drift>)>,
    /// Each account's objective.
    pub objective: Vec<f64>,
    /// What the product-market-fit gate knows of each account.
    pub pmf_inputs: PmfInputs,
    /// The gate for the whole base.
    pub pmf: Pmf,
    /// Who decides, pays, uses and influences at the top accounts.
    pub ecosystem: Ecosystem,
    /// The closed deals of every account, with the accounts' attributes.
    pub deals: Deals,
    /// The customer accounts' attributes, in `accounts` order.
    pub attributes: Vec<Attribute>,
}

/// The closed deals and the accounts (customers or prospects) they belong to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deals {
    /// Each closed deal.
    pub deals: Vec<Deal>,
    /// The attribute values, by column name, of each account with a closed deal; the first is
    /// the account of deals whose account is in no table (it has no values).
    pub accounts: Vec<HashMap<String, String>>,
}

/// A closed deal.
#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    /// Won (else lost).
    pub won: bool,
    /// Days from created to closed, when both are known.
    pub cycle_days: Option<f64>,
    /// Its account: an index into [`Deals::accounts`].
    pub account: usize,
}

/// Whether an account, given as its attribute values, meets every condition of `subgroup`.
fn meets(subgroup: &Subgroup, attributes: &HashMap<String, String>) -> bool {
    subgroup
        .conditions
        .iter()
        .all(|(attribute, c)| c.matches(attributes.get(attribute).map(String::as_str)))
}

impl Deals {
    /// For each deal, `test` of its account's attributes, evaluated once per account.
    pub fn per_account(&self, test: impl Fn(&HashMap<String, String>) -> bool) -> Vec<bool> {
        let flags: Vec<bool> = self.accounts.iter().map(test).collect();
        self.deals.iter().map(|d| flags[d.account]).collect()
    }
}

/// The deals whose flag in `selected` is `wanted`.
pub fn select<'a>(deals: &'a [Deal], selected: &'a [bool], wanted: bool) -> impl Iterator<Item = &'a Deal> {
    deals
        .iter()
        .zip(selected)
        .filter(move |(_, s)| **s == wanted)
        .map(|(d, _)| d)
}

/// Win rate and median sales cycle (of won deals) of `deals`.
pub fn deal_figures<'a>(deals: impl Iterator<Item = &'a Deal>) -> (Option<f64>, Option<f64>) {
    let chosen: Vec<&Deal> = deals.collect();
    let won = chosen.iter().filter(|d| d.won).count();
    let win_rate = (!chosen.is_empty()).then(|| won as f64 / chosen.len() as f64);
    let mut cycles: Vec<f64> = chosen
        .iter()
        .filter(|d| d.won)
        .filter_map(|d| d.cycle_days)
        .collect();
    cycles.sort_by(f64::total_cmp);
    let median = match cycles.len() {
        0 => None,
        n if n % 2 == 1 => Some(cycles[n / 2]),
        n => Some((cycles[n / 2 - 1] + cycles[n / 2]) / 2.0),
    };
    (win_rate, median)
}

/// The closed (won or lost) deals, each with its account's attributes from the accounts table
/// (`account_batches`) or the prospects table, so that a segment's win rate counts the deals it
/// lost too.
fn closed_deals(engine: &Engine, account_batches: &[RecordBatch]) -> Result<Deals, Failure> {
    let mut attributes: HashMap<String, HashMap<String, String>> = HashMap::new();
    let prospects = engine.query("SELECT * FROM prospects")?;
    for batch in prospects.iter().chain(account_batches) {
        let schema = batch.schema();
        let ids = texts(batch, 0)?;
        for (column, field) in schema.fields().iter().enumerate().skip(1) {
            for (id, value) in ids.iter().zip(texts(batch, column)?) {
                if let (Some(id), Some(value)) = (id, value) {
                    attributes
                        .entry(id.clone())
                        .or_default()
                        .insert(field.name().clone(), value);
                }
            }
        }
    }
    let mut out = Deals {
        deals: Vec::new(),
        accounts: vec![HashMap::new()],
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let sql = "SELECT account_id, lower(stage),
                      CAST(CAST(closed AS INT) - CAST(created AS INT) AS DOUBLE)
               FROM deals WHERE lower(stage) IN ('won', 'lost')";
    for batch in engine.query(sql)? {
        let (ids, stages, cycles) = (texts(&batch, 0)?, texts(&batch, 1)?, texts(&batch, 2)?);
        for ((id, stage), cycle) in ids.into_iter().zip(stages).zip(cycles) {
            let account = id.map_or(0, |id| match index.get(&id) {
                Some(&known) => known,
                None => {
                    let values = attributes.remove(&id).unwrap_or_default();
                    out.accounts.push(values);
                    index.insert(id, out.accounts.len() - 1);
                    out.accounts.len() - 1
                }
            });
            out.deals.push(Deal {
                won: stage.as_deref() == Some("won"),
                cycle_days: cycle.and_then(|c| c.parse().ok()),
                account,
            });
        }
    }
    Ok(out)
}

/// Lift and subgroups of the customer accounts' attributes for `objective`.
pub fn discover(
    engine: &Engine,
    accounts: &[AccountEconomics],
    settings: &DiscoverSettings,
) -> Result<Discovery, Failure> {
    let values = objective_values(accounts, settings.objective)?;
    let threshold = settings.referral_threshold.unwrap_or(0.3);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Failure::user(format!(
            "[discover] referral_threshold must be a share from 0 to 1, not {threshold}"
        )));
    }
    let pmf_inputs = pmf_inputs(engine, accounts)?;
    let everyone: Vec<usize> = (0..accounts.len()).collect();
    let top = northstar_discover::top_accounts(&values, LiftSettings::default().top_share);
    let ecosystem = northstar_discover::ecosystem(&contacts(engine, accounts)?, &top, &values, 10);
    let batches = engine.query("SELECT * FROM accounts")?;
    let attributes = attributes(&batches, accounts)?;
    let acquired = acquisition_days(engine, accounts)?;
    let cohorts = northstar_discover::adopter_cohorts(&acquired);
    let drift = northstar_discover::drift(&attributes, &cohorts, 20, 3);
    Ok(Discovery {
        lifts: northstar_discover::lift(&values, &attributes, &LiftSettings::default()),
        subgroups: northstar_discover::subgroups(&values, &attributes, &SubgroupSettings::default()),
        anti: {
            let losses: Vec<f64> = values.iter().map(|v| -v).collect();
            northstar_discover::subgroups(&losses, &attributes, &SubgroupSettings::default())
        },
        cohorts,
        acquired,
        drift,
        objective: values,
        pmf: northstar_discover::pmf(&pmf_inputs, &everyone, threshold),
        pmf_inputs,
        ecosystem,
        deals: closed_deals(engine, &batches)?,
        attributes,
    })
}

/// Each customer account's index in `accounts`, by id.
fn positions(accounts: &[AccountEconomics]) -> HashMap<&str, usize> {
    accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.account_id.as_str(), i))
        .collect()
}

/// The customer accounts' contacts.
fn contacts(engine: &Engine, accounts: &[AccountEconomics]) -> Result<Vec<Contact>, Failure> {
    let position = positions(accounts);
    let mut out = Vec::new();
    for batch in engine.query("SELECT account_id, role, title, department, person_key FROM contacts")? {
        let (ids, roles, titles) = (texts(&batch, 0)?, texts(&batch, 1)?, texts(&batch, 2)?);
        let (departments, people) = (texts(&batch, 3)?, texts(&batch, 4)?);
        let rows = ids
            .into_iter()
            .zip(roles)
            .zip(titles)
            .zip(departments)
            .zip(people);
        for ((((id, role), title), department), person_key) in rows {
            let (Some(id), Some(role)) = (id, role) else {
                continue;
            };
            if let Some(&account) = position.get(id.as_str()) {
                out.push(Contact {
                    account,
                    role: role.to_lowercase(),
                    title,
                    department,
                    person_key,
                });
            }
        }
    }
    Ok(out)
}

/// Referral, NPS responses, churn and repeat purchase of each account.
fn pmf_inputs(engine: &Engine, accounts: &[AccountEconomics]) -> Result<PmfInputs, Failure> {
    let batches = engine.query(
        "SELECT a.account_id,
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
           ON n.account_id = a.account_id",
    )?;
    let mut known: HashMap<String, [f64; 4]> = HashMap::new();
    for batch in &batches {
        let ids = texts(batch, 0)?;
        let columns = [
            texts(batch, 1)?,
            texts(batch, 2)?,
            texts(batch, 3)?,
            texts(batch, 4)?,
        ];
        for (row, id) in ids.into_iter().enumerate() {
            let value = |c: usize| {
                columns[c][row]
                    .as_deref()
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            if let Some(id) = id {
                known.insert(id, [value(0), value(1), value(2), value(3)]);
            }
        }
    }
    let mut inputs = PmfInputs::default();
    for a in accounts {
        let [referred, promoters, detractors, responses] =
            known.get(&a.account_id).copied().unwrap_or_default();
        inputs.referred.push(referred > 0.0);
        inputs.promoters.push(promoters as u32);
        inputs.detractors.push(detractors as u32);
        inputs.responses.push(responses as u32);
        inputs.churned.push(a.churned);
        inputs.repeat.push(a.orders >= 2);
    }
    Ok(inputs)
}

/// When each account became a customer: `customer_since`, else its first transaction.
fn acquisition_days(engine: &Engine, accounts: &[AccountEconomics]) -> Result<Vec<Option<i64>>, Failure> {
    let batches = engine.query(
        "SELECT a.account_id, CAST(CAST(COALESCE(a.customer_since, t.first) AS INT) AS DOUBLE) AS day
         FROM accounts a
         LEFT JOIN (SELECT account_id, min(date) AS first FROM transactions GROUP BY account_id) t
           ON t.account_id = a.account_id",
    )?;
    let mut days: HashMap<String, i64> = HashMap::new();
    for batch in &batches {
        let (ids, day) = (texts(batch, 0)?, texts(batch, 1)?);
        for (id, day) in ids.into_iter().zip(day) {
            if let (Some(id), Some(day)) = (id, day.and_then(|d| d.parse::<f64>().ok())) {
                days.insert(id, day as i64);
            }
        }
    }
    Ok(accounts
        .iter()
        .map(|a| days.get(&a.account_id).copied())
        .collect())
}

/// Each account's objective; predicted lifetime value must have been predicted for every account.
fn objective_values(accounts: &[AccountEconomics], objective: Objective) -> Result<Vec<f64>, Failure> {
    accounts
        .iter()
        .map(|a| match objective {
            Objective::Profit => Ok(a.profit),
            Objective::GrossMargin => Ok(a.gross_margin),
            Objective::LtvPredicted => a.ltv_predicted.ok_or_else(|| {
                Failure::user(format!(
                    "[discover] objective = \"ltv_predicted\", but account `{}` has no predicted lifetime \
                     value (see `lifetime_value` in summary.json); choose \"profit\" or \"gross_margin\"",
                    a.account_id
                ))
            }),
        })
        .collect()
}

/// Every attribute of the accounts table, one value per customer account in `accounts` order.
fn attributes(batches: &[RecordBatch], accounts: &[AccountEconomics]) -> Result<Vec<Attribute>, Failure> {
    let Some(schema) = batches.first().map(|b| b.schema()) else {
        return Ok(Vec::new());
    };
    let position = positions(accounts);
    // For each row of the accounts table, the customer account it is, if any.
    let mut rows: Vec<Option<usize>> = Vec::new();
    for batch in batches {
        let ids = texts(batch, 0)?;
        rows.extend(
            ids.iter()
                .map(|id| id.as_deref().and_then(|id| position.get(id)).copied()),
        );
    }
    let mut out = Vec::new();
    for (column, field) in schema.fields().iter().enumerate() {
        let name = field.name().as_str();
        if NOT_ATTRIBUTES.contains(&name) {
            continue;
        }
        let mut values: Vec<Option<String>> = vec![None; accounts.len()];
        let mut offset = 0;
        for batch in batches {
            let column_texts = texts(batch, column)?;
            for (r, text) in column_texts.into_iter().enumerate() {
                if let Some(i) = rows[offset + r] {
                    values[i] = text;
                }
            }
            offset += batch.num_rows();
        }
        out.push(if LIST_ATTRIBUTES.contains(&name) {
            let lists = values
                .into_iter()
                .map(|v| {
                    v.map(|v| {
                        v.split(';')
                            .map(str::trim)
                            .filter(|e| !e.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
                })
                .collect();
            Attribute {
                name: name.to_owned(),
                values: Values::List(lists),
            }
        } else {
            Attribute::from_texts(name, values)
        });
    }
    Ok(out)
}

/// A column's values as text (numbers in their shortest form), empty ones as `None`.
fn texts(batch: &RecordBatch, column: usize) -> Result<Vec<Option<String>>, Failure> {
    let shape = || Failure::Internal(anyhow::anyhow!("accounts column {column} cannot be read as text"));
    let array = batch.column(column);
    if let Some(numbers) = array.as_any().downcast_ref::<Float64Array>() {
        return Ok(numbers.iter().map(|x| x.map(|x| x.to_string())).collect());
    }
    let text = cast(array, &DataType::Utf8).map_err(|_| shape())?;
    let text = text.as_any().downcast_ref::<StringArray>().ok_or_else(shape)?;
    Ok(text
        .iter()
        .map(|t| t.filter(|t| !t.is_empty()).map(str::to_owned))
        .collect())
}

/// A figure rounded to 6 decimals, so that sums taken in another order write the same bytes.
fn round6(x: f64) -> String {
    ((x * 1e6).round() / 1e6).to_string()
}

/// Mean predicted lifetime value of `members`, when every one has one.
fn mean_ltv_predicted<'a>(members: impl ExactSizeIterator<Item = &'a AccountEconomics>) -> Option<f64> {
    let n = members.len() as f64;
    let ltv: Option<Vec<f64>> = members.map(|a| a.ltv_predicted).collect();
    ltv.map(|l| l.iter().sum::<f64>() / n)
}

/// The columns of `lift.csv`.
const LIFT_COLUMNS: &[&str] = &[
    "attribute",
    "op",
    "values",
    "min",
    "max",
    "accounts",
    "top_accounts",
    "top_rate",
    "lift",
    "ci_low",
    "ci_high",
    "mean_objective",
];

/// Writes `lift.csv`: one row per attribute value, numeric range or list element.
pub fn write_lift(out: &mut dyn Write, lifts: &[Lift]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(LIFT_COLUMNS).map_err(io::Error::other)?;
    for l in lifts {
        let (op, values, min, max) = condition_cells(&l.condition);
        w.write_record([
            l.attribute.clone(),
            op.to_owned(),
            values,
            min,
            max,
            l.support.to_string(),
            l.top.to_string(),
            round6(l.top_rate),
            round6(l.lift),
            round6(l.ci[0]),
            round6(l.ci[1]),
            round6(l.mean_objective),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}

/// A condition as the cells `op`, `values` (`;`-joined), `min` and `max` (empty when open).
fn condition_cells(condition: &Condition) -> (&'static str, String, String, String) {
    let bound = |x: &f64| {
        if x.is_finite() {
            x.to_string()
        } else {
            String::new()
        }
    };
    match condition {
        Condition::In { values } => ("in", values.join(";"), String::new(), String::new()),
        Condition::NotIn { values } => ("not_in", values.join(";"), String::new(), String::new()),
        Condition::Contains { values } => ("contains", values.join(";"), String::new(), String::new()),
        Condition::Eq { value } => ("eq", value.clone(), String::new(), String::new()),
        Condition::Between { min, max } => ("between", String::new(), bound(min), bound(max)),
    }
}

/// The columns of `segments.csv`.
const SEGMENT_COLUMNS: &[&str] = &[
    "rank",
    "segment",
    "conditions",
    "accounts",
    "share_of_accounts",
    "objective_share",
    "mean_objective",
    "mean_profit",
    "mean_ltv_predicted",
    "mean_cac",
    "churn_rate",
    "win_rate",
    "median_sales_cycle_days",
    "quality",
    "p_value",
    "referral_share",
    "nps",
    "retention",
    "repeat_purchase_rate",
    "pmf",
];

/// Writes `segments.csv`: each significant subgroup with its accounts' economics.
pub fn write_segments(
    out: &mut dyn Write,
    found: &Discovery,
    accounts: &[AccountEconomics],
) -> io::Result<()> {
    let subgroups = &found.subgroups;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(SEGMENT_COLUMNS).map_err(io::Error::other)?;
    for (rank, s) in subgroups.iter().enumerate() {
        let gate = northstar_discover::pmf(&found.pmf_inputs, &s.members, found.pmf.threshold);
        let inside = found.deals.per_account(|a| meets(s, a));
        let (win_rate, cycle) = deal_figures(select(&found.deals.deals, &inside, true));
        let members: Vec<&AccountEconomics> = s.members.iter().map(|&i| &accounts[i]).collect();
        let n = members.len() as f64;
        let mean = |f: &dyn Fn(&AccountEconomics) -> f64| members.iter().map(|a| f(a)).sum::<f64>() / n;
        let conditions = conditions_json(s)?;
        w.write_record([
            (rank + 1).to_string(),
            s.describe(),
            conditions,
            members.len().to_string(),
            round6(n / accounts.len() as f64),
            round6(s.objective_share),
            round6(s.mean_objective),
            round6(mean(&|a| a.profit)),
            mean_ltv_predicted(members.iter().copied())
                .map(round6)
                .unwrap_or_default(),
            round6(mean(&|a| a.cac)),
            round6(mean(&|a| f64::from(u8::from(a.churned)))),
            win_rate.map(round6).unwrap_or_default(),
            cycle.map(round6).unwrap_or_default(),
            round6(s.quality),
            format!("{:.3e}", s.p_value),
            round6(gate.referral_share),
            gate.nps.map(round6).unwrap_or_default(),
            round6(gate.retention),
            round6(gate.repeat_purchase_rate),
            gate.fit.to_string(),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}

/// The columns of `cohorts.csv`.
const COHORT_COLUMNS: &[&str] = &[
    "cohort",
    "accounts",
    "share_of_accounts",
    "first_acquired",
    "last_acquired",
    "mean_objective",
    "objective_share",
    "mean_ltv_predicted",
    "churn_rate",
    "more_common_than_overall",
];

/// Writes `cohorts.csv`: each adopter cohort's size, dates, profitability and what it has more of.
pub fn write_cohorts(
    out: &mut dyn Write,
    found: &Discovery,
    accounts: &[AccountEconomics],
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COHORT_COLUMNS).map_err(io::Error::other)?;
    let total: f64 = found.objective.iter().sum();
    let known = found.cohorts.iter().filter(|c| c.is_some()).count().max(1) as f64;
    for (cohort, drift) in &found.drift {
        let members: Vec<usize> = (0..accounts.len())
            .filter(|&i| found.cohorts[i] == Some(*cohort))
            .collect();
        if members.is_empty() {
            continue;
        }
        let n = members.len() as f64;
        let sum: f64 = members.iter().map(|&i| found.objective[i]).sum();
        let days = members.iter().filter_map(|&i| found.acquired[i]);
        let (first, last) = (days.clone().min(), days.max());
        let date = |d: Option<i64>| {
            d.and_then(|d| i32::try_from(d).ok())
                .map(northstar_ingest::values::format_days)
                .unwrap_or_default()
        };
        let more: Vec<String> = drift
            .iter()
            .map(|d| {
                format!(
                    "{} {} ({:.0}% vs {:.0}%)",
                    d.attribute,
                    d.condition.describe(),
                    d.cohort_share * 100.0,
                    d.overall_share * 100.0
                )
            })
            .collect();
        w.write_record([
            cohort.name().to_owned(),
            members.len().to_string(),
            round6(n / known),
            date(first),
            date(last),
            round6(sum / n),
            round6(if total == 0.0 { 0.0 } else { sum / total }),
            mean_ltv_predicted(members.iter().map(|&i| &accounts[i]))
                .map(round6)
                .unwrap_or_default(),
            round6(members.iter().filter(|&&i| accounts[i].churned).count() as f64 / n),
            more.join("; "),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}

/// The columns of `anti_icp.csv`.
const ANTI_COLUMNS: &[&str] = &[
    "rank",
    "segment",
    "conditions",
    "accounts",
    "share_of_accounts",
    "profit",
    "revenue",
    "cac",
    "churn_rate",
    "p_value",
    "profit_without",
    "revenue_per_account_without",
    "revenue_per_account_with",
    "cac_per_account_without",
    "cac_per_account_with",
    "win_rate_without",
    "win_rate_with",
    "median_sales_cycle_days_without",
    "median_sales_cycle_days_with",
];

/// Writes `anti_icp.csv`: the segments that concentrate losses, each with what the whole base's
/// profit, revenue per account and CAC per account would have been without it.
pub fn write_anti_icp(
    out: &mut dyn Write,
    found: &Discovery,
    accounts: &[AccountEconomics],
) -> io::Result<()> {
    let anti = &found.anti;
    let (win_with, cycle_with) = deal_figures(found.deals.deals.iter());
    let optional = |x: Option<f64>| x.map(|x| format!("{x:.4}")).unwrap_or_default();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ANTI_COLUMNS).map_err(io::Error::other)?;
    let round = |x: f64| ((x * 100.0).round() / 100.0).to_string();
    let sum = |pick: fn(&AccountEconomics) -> f64, of: &mut dyn Iterator<Item = &AccountEconomics>| {
        of.map(pick).sum::<f64>()
    };
    let all = accounts.len() as f64;
    let (profit, revenue, cac) = (
        sum(|a| a.profit, &mut accounts.iter()),
        sum(|a| a.revenue, &mut accounts.iter()),
        sum(|a| a.cac, &mut accounts.iter()),
    );
    for (rank, s) in anti.iter().enumerate() {
        let members = || s.members.iter().map(|&i| &accounts[i]);
        let n = s.members.len() as f64;
        let (p, r, c) = (
            sum(|a| a.profit, &mut members()),
            sum(|a| a.revenue, &mut members()),
            sum(|a| a.cac, &mut members()),
        );
        let rest = (all - n).max(1.0);
        let inside = found.deals.per_account(|a| meets(s, a));
        let (win_without, cycle_without) = deal_figures(select(&found.deals.deals, &inside, false));
        w.write_record([
            (rank + 1).to_string(),
            s.describe(),
            conditions_json(s)?,
            s.members.len().to_string(),
            format!("{:.4}", n / all),
            round(p),
            round(r),
            round(c),
            format!("{:.4}", members().filter(|a| a.churned).count() as f64 / n),
            format!("{:.3e}", s.p_value),
            round(profit - p),
            round((revenue - r) / rest),
            round(revenue / all),
            round((cac - c) / rest),
            round(cac / all),
            optional(win_without),
            optional(win_with),
            optional(cycle_without),
            optional(cycle_with),
        ])
        .map_err(io::Error::other)?;
    }
    w.flush()
}

/// A subgroup's conditions as JSON: `[{"attribute": .., "condition": {"op": .., ..}}, ..]`.
fn conditions_json(s: &Subgroup) -> io::Result<String> {
    serde_json::to_string(
        &s.conditions
            .iter()
            .map(|(attribute, c)| serde_json::json!({"attribute": attribute, "condition": c}))
            .collect::<Vec<_>>(),
    )
    .map_err(io::Error::other)
}
