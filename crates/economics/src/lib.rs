//! Economics: per-account profitability and the whale curve.
//!
//! For every customer account: revenue, direct cost and gross margin from transactions; cost to
//! serve by activity-based costing (quantity × rate, where a rate is a unit cost or a cost pool
//! over the activity's total quantity); acquisition cost (per account, or a channel's monthly
//! spend shared equally by the accounts it acquired that month); profit = gross margin − cost to
//! serve − CAC. Then rank, the whale curve and its headline figures. Money is rounded to cents
//! before profit is formed, so the identities hold exactly on the written figures.
//!
//! The relational work runs as SQL in the engine ([`sql`]); this crate turns its rows into typed
//! records and the headline [`Summary`].

mod inputs;
mod lifetime;
mod repeat;
mod settings;
pub mod sql;
mod summary;

use northstar_engine::arrow::array::{
    Array, BooleanArray, Float64Array, Int32Array, Int64Array, StringArray,
};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::DataType;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_engine::arrow::temporal_conversions::date32_to_datetime;
use northstar_engine::{Engine, EngineError, Order};
use rayon::prelude::*;

pub use inputs::{Inputs, NotMeasured, RevenueFrom, RevenueSource};
pub use lifetime::{
    LifetimeMethod, LifetimeModel, PurchaseForecast, RetentionForecast, StepSeconds, forecast_purchases,
    forecast_retention, has_renewals, predict_lifetime_value,
};
pub use repeat::{RepeatHistory, RepeatSummary, repeat_summary};
pub use settings::{ClvChoice, ClvSettings, YEARLY_RATE, is_yearly_rate};
pub use summary::{DealFigures, LossMakers, Summary, WhalePeak};

/// An economics step that could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EconomicsError {
    /// The engine failed on one of the plans.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A plan returned a column of an unexpected shape (a bug).
    #[error("column `{0}` of an economics plan has an unexpected type")]
    Shape(String),
    /// There are no transactions to summarise.
    #[error("there are no transactions: repeat purchases cannot be summarised")]
    NoTransactions,
    /// A lifetime-value model could not be fitted to the data.
    #[error(transparent)]
    Clv(#[from] northstar_clv::ClvError),
}

/// Result of an economics call.
pub type Result<T, E = EconomicsError> = std::result::Result<T, E>;

/// The economics of one customer account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountEconomics {
    /// Account id.
    pub account_id: String,
    /// Sum of transaction amounts.
    pub revenue: f64,
    /// Sum of transaction costs; `None` when no cost is known (then gross margin is revenue).
    pub direct_cost: Option<f64>,
    /// Revenue − direct cost.
    pub gross_margin: f64,
    /// Activity-based cost to serve; `None` without an activities table.
    pub cost_to_serve: Option<f64>,
    /// Acquisition cost; `None` without an acquisition table.
    pub cac: Option<f64>,
    /// Gross margin − cost to serve − CAC, of the figures measured.
    pub profit: f64,
    /// 1 for the most profitable account.
    pub profit_rank: u64,
    /// Profit of this and every better-ranked account over total profit (the whale curve).
    pub cumulative_profit_share: f64,
    /// Months from `customer_since` (or first purchase) to churn (or the as-of date).
    pub tenure_months: Option<f64>,
    /// Share of the account's purchase days that were repeat purchases.
    pub repeat_purchase_rate: Option<f64>,
    /// Whether the account has churned.
    pub churned: bool,
    /// Gross margin − cost to serve earned to date.
    pub ltv_historical: f64,
    /// Historical LTV plus the discounted profit the lifetime-value model predicts over its horizon.
    pub ltv_predicted: Option<f64>,
    /// Chance the account is still a customer: of being alive (repeat purchases) or of renewing
    /// next month (contracts).
    pub p_alive: Option<f64>,
    /// Months of gross margin needed to earn back the CAC (none if it never pays back).
    pub payback_months: Option<f64>,
    /// Distinct purchase days.
    pub orders: u64,
}

/// Cost to serve of one account for one activity.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CostLine {
    /// Account id.
    pub account_id: String,
    /// Activity name.
    pub activity: String,
    /// Total quantity of the activity for the account.
    pub quantity: f64,
    /// Cost per unit of the activity; `None` for a cost pool whose activity has no quantity at
    /// all, shared over nothing.
    pub rate: Option<f64>,
    /// Quantity × rate: 0 when the rate is `None`, as every line of such an activity has no
    /// quantity (quantities are never negative).
    pub cost: f64,
}

/// Everything the economics stage computes.
#[derive(Debug, Clone)]
pub struct Economics {
    /// One row per customer account, most profitable first.
    pub accounts: Vec<AccountEconomics>,
    /// Headline figures.
    pub summary: Summary,
}

/// Computes the economics from the contract tables registered in `engine`, of which `inputs`
/// says what was given (a figure whose table is absent is not measured). `as_of` (days since
/// 1970-01-01) is the date tenure runs to for accounts that have not churned; by default the
/// last date in the data. Win rate and sales cycle are the caller's to fill (`summary.deals`),
/// from the one definition of them in discover.
pub fn compute(engine: &Engine, as_of: Option<i32>, inputs: Inputs) -> Result<Economics> {
    let as_of = match as_of {
        Some(day) => Some(day),
        None => first_day(&engine.query(sql::AS_OF)?)?,
    };
    let as_of_text = as_of.map(iso_date).transpose()?;
    let literal = as_of.map_or("CAST(NULL AS INT)".to_owned(), |d| d.to_string());
    engine.hold(sql::REVENUE_TABLE, sql::REVENUE)?;
    let accounts = engine.query(&sql::accounts(&literal));
    engine.release(sql::REVENUE_TABLE)?;
    let accounts = read_accounts(&accounts?, inputs)?;
    let unallocated = single_f64(&engine.query(sql::UNALLOCATED_SPEND)?)?;
    let revenue_from = match inputs.revenue {
        RevenueSource::WonDeals => won_deals(&engine.query(sql::WON_DEALS_COUNTS)?)?,
        source => RevenueFrom::plain(source),
    };
    let summary = Summary::new(&accounts, as_of_text, unallocated, inputs, revenue_from);
    Ok(Economics { accounts, summary })
}

/// The first value of a one-column result of days, when there is one.
fn first_day(batches: &[RecordBatch]) -> Result<Option<i32>> {
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(None);
    };
    let days = cast(batch.column(0), &DataType::Int32).map_err(|_| EconomicsError::Shape("day".into()))?;
    let days = days
        .as_any()
        .downcast_ref::<Int32Array>()
        .ok_or_else(|| EconomicsError::Shape("day".into()))?;
    Ok((!days.is_null(0)).then(|| days.value(0)))
}

/// `day` (days since 1970-01-01) as an ISO date.
fn iso_date(day: i32) -> Result<String> {
    date32_to_datetime(day)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| EconomicsError::Shape("date".into()))
}

fn single_f64(batches: &[RecordBatch]) -> Result<f64> {
    let batch = batches.iter().find(|b| b.num_rows() > 0);
    batch.map_or(Ok(0.0), |b| column::<Float64Array>(b, 0).map(|c| c.value(0)))
}

/// Column `index` of `batch` as the array type `A`.
pub(crate) fn column<A: Array + 'static>(batch: &RecordBatch, index: usize) -> Result<&A> {
    batch
        .column(index)
        .as_any()
        .downcast_ref::<A>()
        .ok_or_else(|| EconomicsError::Shape(batch.schema().field(index).name().clone()))
}

/// The index of the column called `name`.
fn position(batch: &RecordBatch, name: &str) -> Result<usize> {
    batch
        .schema()
        .index_of(name)
        .map_err(|_| EconomicsError::Shape(name.to_owned()))
}

fn named<'a, A: Array + 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a A> {
    column(batch, position(batch, name)?)
}

/// A text column as plain UTF-8, whatever string layout the engine chose.
fn texts(batch: &RecordBatch, name: &str) -> Result<StringArray> {
    let shape = || EconomicsError::Shape(name.to_owned());
    let text = cast(batch.column(position(batch, name)?), &DataType::Utf8).map_err(|_| shape())?;
    text.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(shape)
}

fn option(values: &Float64Array, row: usize) -> Option<f64> {
    (!values.is_null(row)).then(|| values.value(row))
}

/// How the won deals became revenue, from the one row of [`sql::WON_DEALS_COUNTS`].
fn won_deals(batches: &[RecordBatch]) -> Result<RevenueFrom> {
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(RevenueFrom {
            won_deals: Some(0),
            won_deals_without_account: Some(0),
            unattributed_revenue: Some(0.0),
            won_deals_without_amount_or_date: Some(0),
            ..RevenueFrom::plain(RevenueSource::WonDeals)
        });
    };
    let count = |i: usize| -> Result<Option<u64>> {
        let values = column::<Int64Array>(batch, i)?;
        Ok(Some(if values.is_null(0) {
            0
        } else {
            values.value(0).max(0) as u64
        }))
    };
    Ok(RevenueFrom {
        source: RevenueSource::WonDeals,
        won_deals: count(0)?,
        won_deals_without_account: count(1)?,
        unattributed_revenue: Some(round_cents(column::<Float64Array>(batch, 2)?.value(0))),
        won_deals_without_amount_or_date: count(3)?,
    })
}

/// The accounts of [`sql::accounts`]'s rows, most profitable first, ranked from 1 with the whale
/// curve's cumulative share of total profit.
fn read_accounts(batches: &[RecordBatch], inputs: Inputs) -> Result<Vec<AccountEconomics>> {
    let columns = batches
        .iter()
        .map(AccountColumns::of)
        .collect::<Result<Vec<_>>>()?;
    // Each account as its batch and row, ranked by the profit the plan formed, before rounding
    // (ties by id). Ranked here rather than in the plan: the engine's sort of the joined
    // accounts would need a reservation for all of them at once, which a memory-limited run may
    // not have.
    let mut order: Vec<(u32, u32)> = columns
        .iter()
        .enumerate()
        .flat_map(|(b, c)| (0..c.id.len()).map(move |row| (b as u32, row as u32)))
        .collect();
    let profit = |&(b, row): &(u32, u32)| columns[b as usize].profit.value(row as usize);
    let id = |&(b, row): &(u32, u32)| columns[b as usize].id.value(row as usize);
    order.par_sort_unstable_by(|a, b| profit(b).total_cmp(&profit(a)).then_with(|| id(a).cmp(id(b))));
    // The whale curve's cumulative share of total profit, summed in rank order.
    let total: f64 = order.iter().map(profit).sum();
    let mut cumulative = 0.0;
    let shares: Vec<f64> = order
        .iter()
        .map(|at| {
            cumulative += profit(at);
            if total == 0.0 { 0.0 } else { cumulative / total }
        })
        .collect();
    // Made in rank order on every core, each straight into its place.
    Ok(order
        .par_iter()
        .zip(shares)
        .enumerate()
        .map(|(rank, (&(b, row), share))| {
            let mut account = columns[b as usize].account(row as usize, inputs);
            account.profit_rank = rank as u64 + 1;
            account.cumulative_profit_share = share;
            account
        })
        .collect())
}

/// The columns of one batch of [`sql::accounts`]'s rows.
struct AccountColumns<'a> {
    id: StringArray,
    revenue: &'a Float64Array,
    direct_cost: &'a Float64Array,
    gross_margin: &'a Float64Array,
    cost_to_serve: &'a Float64Array,
    cac: &'a Float64Array,
    profit: &'a Float64Array,
    tenure: &'a Float64Array,
    repeat: &'a Float64Array,
    ltv: &'a Float64Array,
    payback: &'a Float64Array,
    churned: &'a BooleanArray,
    orders: &'a Int64Array,
}

impl<'a> AccountColumns<'a> {
    /// The columns of `batch`.
    fn of(batch: &'a RecordBatch) -> Result<Self> {
        let money = |name| named::<Float64Array>(batch, name);
        Ok(Self {
            id: texts(batch, "account_id")?,
            revenue: money("revenue")?,
            direct_cost: money("direct_cost")?,
            gross_margin: money("gross_margin")?,
            cost_to_serve: money("cost_to_serve")?,
            cac: money("cac")?,
            profit: money("profit")?,
            tenure: money("tenure_months")?,
            repeat: money("repeat_purchase_rate")?,
            ltv: money("ltv_historical")?,
            payback: money("payback_months")?,
            churned: named::<BooleanArray>(batch, "churned")?,
            orders: named::<Int64Array>(batch, "orders")?,
        })
    }

    /// The account in `row`, its rank not yet known; a figure whose table was not given is
    /// empty.
    fn account(&self, row: usize, inputs: Inputs) -> AccountEconomics {
        AccountEconomics {
            account_id: self.id.value(row).to_owned(),
            revenue: self.revenue.value(row),
            direct_cost: inputs.direct_cost.then(|| self.direct_cost.value(row)),
            gross_margin: round_cents(self.gross_margin.value(row)),
            cost_to_serve: inputs.activities.then(|| self.cost_to_serve.value(row)),
            cac: inputs.acquisition.then(|| self.cac.value(row)),
            profit: round_cents(self.profit.value(row)),
            profit_rank: 0,
            cumulative_profit_share: 0.0,
            tenure_months: option(self.tenure, row),
            repeat_purchase_rate: option(self.repeat, row),
            churned: self.churned.value(row),
            ltv_historical: round_cents(self.ltv.value(row)),
            ltv_predicted: None,
            p_alive: None,
            payback_months: option(self.payback, row).filter(|_| inputs.acquisition),
            orders: self.orders.value(row).max(0) as u64,
        }
    }
}

/// Hands the cost to serve of each account and activity to `each`, by account id then
/// activity, a batch of lines at a time: the lines are never all held at once. Empty without an
/// activities table.
pub fn each_cost_lines<E>(
    engine: &Engine,
    mut each: impl FnMut(Vec<CostLine>) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<EconomicsError> + From<EngineError>,
{
    engine.stream(&sql::cost_to_serve(), Order::Any, |batch| {
        each(read_cost_lines(&batch)?)
    })
}

/// The cost lines of `batch`, in its order.
fn read_cost_lines(batch: &RecordBatch) -> Result<Vec<CostLine>> {
    let id = texts(batch, "account_id")?;
    let activity = texts(batch, "activity")?;
    let (quantity, rate, cost) = (
        named::<Float64Array>(batch, "quantity")?,
        named::<Float64Array>(batch, "rate")?,
        named::<Float64Array>(batch, "cost")?,
    );
    Ok((0..batch.num_rows())
        .map(|row| CostLine {
            account_id: id.value(row).to_owned(),
            activity: activity.value(row).to_owned(),
            quantity: quantity.value(row),
            rate: option(rate, row),
            cost: option(cost, row).unwrap_or(0.0),
        })
        .collect())
}

/// Rounds money to cents, removing the binary noise of sums of rounded figures.
pub fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
