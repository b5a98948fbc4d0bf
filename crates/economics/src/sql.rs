//! The economics as SQL plans over the contract's tables.
//!
//! Written for any DataFusion engine, embedded or distributed: plain SQL over the tables
//! `accounts`, `transactions`, `activities`, `activity_rates`, `acquisition` and `deals`.

/// The last date any table mentions, in days since 1970-01-01: the "today" of the data, used
/// when none is configured.
pub const AS_OF: &str = "
SELECT CAST(max(d) AS INT) AS as_of FROM (
    SELECT max(date) AS d FROM transactions
    UNION ALL SELECT max(date) FROM activities
    UNION ALL SELECT max(closed) FROM deals
    UNION ALL SELECT max(created) FROM deals
    UNION ALL SELECT max(customer_since) FROM accounts
    UNION ALL SELECT max(churned_at) FROM accounts
)";

/// Won deals as revenue events, for a build without a transactions table: each won amount on
/// its close date, of the kind the CRM's business type gave.
pub const WON_DEALS_AS_TRANSACTIONS: &str = "
SELECT account_id, closed AS date, amount, CAST(NULL AS DOUBLE) AS cost, kind,
       CAST(NULL AS VARCHAR) AS product
FROM deals
WHERE stage = 'won' AND account_id IS NOT NULL AND amount IS NOT NULL AND closed IS NOT NULL";

/// What became of the won deals when they are the revenue: counted, without an account (and
/// their amount), without an amount or a close date.
pub const WON_DEALS_COUNTS: &str = "
SELECT CAST(sum(CASE WHEN account_id IS NOT NULL AND amount IS NOT NULL AND closed IS NOT NULL
                     THEN 1 ELSE 0 END) AS BIGINT) AS counted,
       CAST(sum(CASE WHEN account_id IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS without_account,
       CAST(COALESCE(sum(CASE WHEN account_id IS NULL THEN amount END), 0) AS DOUBLE) AS unattributed,
       CAST(sum(CASE WHEN account_id IS NOT NULL AND (amount IS NULL OR closed IS NULL)
                     THEN 1 ELSE 0 END) AS BIGINT) AS undated
FROM deals WHERE stage = 'won'";

/// Rate per activity: the unit cost, or the cost pool over the activity's total quantity.
const RATES: &str = "
rates AS (
    SELECT r.activity,
           COALESCE(r.unit_cost, r.pool_cost / NULLIF(q.total_quantity, 0)) AS rate
    FROM activity_rates r
    LEFT JOIN (SELECT activity, sum(quantity) AS total_quantity FROM activities GROUP BY activity) q
        ON q.activity = r.activity
)";

/// The per-account, per-activity cost to serve, by account id then activity. Each account's
/// quantity of an activity is summed before it meets its rate, so that the sort is fed the
/// join's batches, each holding its own rows: a grouping's output batches are slices of all its
/// groups, and the memory pool counted each as all of them, so that the sort spilled with
/// memory to spare. The account ids are made plain text for the same reason.
pub fn cost_to_serve() -> String {
    format!(
        "WITH {RATES},
        lines AS (
            SELECT account_id, activity, sum(quantity) AS quantity
            FROM activities GROUP BY account_id, activity
        )
        SELECT arrow_cast(l.account_id, 'Utf8') AS account_id, rates.activity, l.quantity,
               rates.rate, l.quantity * rates.rate AS cost
        FROM lines l JOIN rates ON rates.activity = l.activity
        ORDER BY account_id, activity, rate"
    )
}

/// The table [`REVENUE`] is held in while [`accounts`] reads it.
pub const REVENUE_TABLE: &str = "economics_revenue";

/// Revenue, direct cost, purchase days and first purchase per account that has transactions.
/// Each account's transactions are summed by day first, so that its purchase days are counted
/// as groups rather than as a set of days held per account (which took 3.9 GB for 5 million
/// accounts). A query of its own: in one plan with the other figures, this grouping (a row per
/// account and purchase day) would get a smaller share of the memory limit, which the engine
/// divides among every operator of the plan that can spill, and spilled on a million accounts.
pub const REVENUE: &str = "
WITH purchase_days AS (
    SELECT account_id, date, sum(amount) AS amount, sum(COALESCE(cost, 0)) AS cost
    FROM transactions GROUP BY account_id, date
)
SELECT account_id,
       round(sum(amount), 2) AS revenue,
       round(sum(cost), 2) AS direct_cost,
       count(date) AS orders,
       min(date) AS first_purchase
FROM purchase_days GROUP BY account_id";

/// One row per customer account with every economics figure, in no particular order, its
/// revenue read from [`REVENUE_TABLE`]. A channel's monthly spend is split evenly over the
/// accounts acquired through it that month, counted by a grouping (a window over them would
/// sort every acquired account).
/// `as_of` is a whole number of days since 1970-01-01, or an SQL `NULL`.
pub fn accounts(as_of: &str) -> String {
    format!(
        "WITH {RATES},
        serve AS (
            SELECT a.account_id, round(sum(a.quantity * rates.rate), 2) AS cost_to_serve
            FROM activities a JOIN rates ON rates.activity = a.activity
            GROUP BY a.account_id
        ),
        acquired AS (
            SELECT account_id, acquisition_channel AS channel,
                   CAST(date_trunc('month', customer_since) AS DATE) AS month
            FROM accounts
            WHERE acquisition_channel IS NOT NULL AND customer_since IS NOT NULL
        ),
        channel_spend AS (
            SELECT channel, month, sum(spend) AS spend FROM acquisition
            WHERE channel IS NOT NULL GROUP BY channel, month
        ),
        acquired_counts AS (
            SELECT channel, month, count(*) AS accounts FROM acquired GROUP BY channel, month
        ),
        allocated AS (
            SELECT q.account_id, s.spend / n.accounts AS cac
            FROM channel_spend s
            JOIN acquired_counts n ON n.channel = s.channel AND n.month = s.month
            JOIN acquired q ON q.channel = s.channel AND q.month = s.month
        ),
        acquisition_cost AS (
            SELECT account_id, round(sum(cac), 2) AS cac FROM (
                SELECT account_id, cac FROM acquisition WHERE account_id IS NOT NULL AND cac IS NOT NULL
                UNION ALL SELECT account_id, cac FROM allocated
            ) GROUP BY account_id
        ),
        base AS (
            SELECT a.account_id,
                   COALESCE(r.revenue, 0.0) AS revenue,
                   COALESCE(r.direct_cost, 0.0) AS direct_cost,
                   COALESCE(s.cost_to_serve, 0.0) AS cost_to_serve,
                   COALESCE(c.cac, 0.0) AS cac,
                   COALESCE(r.orders, 0) AS orders,
                   (a.status = 'churned' OR a.churned_at IS NOT NULL) AS churned,
                   COALESCE(CAST(a.churned_at AS INT), {as_of})
                       - CAST(COALESCE(a.customer_since, r.first_purchase) AS INT) AS tenure_days
            FROM accounts a
            LEFT JOIN {REVENUE_TABLE} r ON r.account_id = a.account_id
            LEFT JOIN serve s ON s.account_id = a.account_id
            LEFT JOIN acquisition_cost c ON c.account_id = a.account_id
            WHERE a.status IS NULL OR a.status <> 'prospect'
        ),
        figures AS (
            SELECT *,
                   revenue - direct_cost AS gross_margin,
                   revenue - direct_cost - cost_to_serve - cac AS profit,
                   revenue - direct_cost - cost_to_serve AS ltv_historical,
                   CASE WHEN tenure_days >= 0 THEN round(tenure_days / 30.436875, 2) END AS tenure_months,
                   CASE WHEN orders > 0 THEN CAST(orders - 1 AS DOUBLE) / orders END AS repeat_purchase_rate
            FROM base
        )
        SELECT account_id, revenue, direct_cost, gross_margin, cost_to_serve, cac, profit,
               tenure_months, repeat_purchase_rate, COALESCE(churned, false) AS churned, ltv_historical,
               CASE WHEN cac = 0 THEN 0.0
                    WHEN gross_margin > 0 AND tenure_months > 0 THEN round(cac / (gross_margin / tenure_months), 2)
               END AS payback_months,
               orders
        FROM figures"
    )
}

/// Channel spend that no account acquired in that channel and month could carry.
pub const UNALLOCATED_SPEND: &str = "
SELECT COALESCE(sum(s.spend), 0.0) AS spend FROM acquisition s
WHERE s.channel IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM accounts a
    WHERE a.acquisition_channel = s.channel
      AND CAST(date_trunc('month', a.customer_since) AS DATE) = s.month
)";
