//! Properties of the economics on random worlds: the components add up, ranks run 1..N, the whale
//! curve ends at 100% of profit, and the per-activity lines add up to each account's cost to serve.

use northstar_engine::Engine;
use proptest::prelude::*;

const SCHEMA: &[&str] = &[
    "CREATE TABLE accounts (account_id VARCHAR, status VARCHAR, customer_since DATE, churned_at DATE, acquisition_channel VARCHAR)",
    "CREATE TABLE transactions (account_id VARCHAR, date DATE, amount DOUBLE, cost DOUBLE)",
    "CREATE TABLE activities (account_id VARCHAR, activity VARCHAR, quantity DOUBLE, date DATE)",
    "CREATE TABLE activity_rates (activity VARCHAR, unit_cost DOUBLE, pool_cost DOUBLE)",
    "CREATE TABLE acquisition (account_id VARCHAR, cac DOUBLE, channel VARCHAR, month DATE, spend DOUBLE)",
    "CREATE TABLE deals (deal_id VARCHAR, stage VARCHAR, created DATE, closed DATE)",
];

#[derive(Debug, Clone)]
struct World {
    accounts: usize,
    transactions: Vec<(usize, u32, i64, u32)>,
    activities: Vec<(usize, usize, u32)>,
    cac: Vec<(usize, u32)>,
    spend: u32,
}

fn world() -> impl Strategy<Value = World> {
    (1usize..12).prop_flat_map(|n| {
        (
            Just(n),
            prop::collection::vec((0..n, 0u32..300, -50_000i64..200_000, 0u32..50_000), 0..40),
            prop::collection::vec((0..n, 0usize..2, 0u32..40), 0..20),
            prop::collection::vec((0..n, 0u32..100_000), 0..8),
            0u32..100_000,
        )
            .prop_map(|(accounts, transactions, activities, cac, spend)| World {
                accounts,
                transactions,
                activities,
                cac,
                spend,
            })
    })
}

fn load(world: &World) -> Engine {
    let engine = Engine::new(2).expect("engine");
    for statement in SCHEMA {
        engine.query(statement).expect("create");
    }
    let insert = |table: &str, rows: Vec<String>| {
        if !rows.is_empty() {
            engine
                .query(&format!("INSERT INTO {table} VALUES {}", rows.join(", ")))
                .expect("insert");
        }
    };
    let day = |d: u32| format!("DATE '2024-01-01' + INTERVAL '{d} days'");
    insert(
        "accounts",
        (0..world.accounts)
            .map(|i| {
                format!(
                    "('A{i}', 'customer', DATE '2024-01-{:02}', NULL, '{}')",
                    1 + i % 28,
                    if i % 2 == 0 { "ads" } else { "events" }
                )
            })
            .collect(),
    );
    insert(
        "transactions",
        world
            .transactions
            .iter()
            .map(|(a, d, cents, cost)| {
                format!(
                    "('A{a}', {}, {}, {})",
                    day(*d),
                    *cents as f64 / 100.0,
                    *cost as f64 / 100.0
                )
            })
            .collect(),
    );
    insert(
        "activity_rates",
        vec!["('ticket', 12.5, NULL)".into(), "('visit', NULL, 999.99)".into()],
    );
    insert(
        "activities",
        world
            .activities
            .iter()
            .map(|(a, k, q)| format!("('A{a}', '{}', {q}, NULL)", ["ticket", "visit"][*k]))
            .collect(),
    );
    let mut acquisition: Vec<String> = world
        .cac
        .iter()
        .map(|(a, c)| format!("('A{a}', {}, NULL, NULL, NULL)", *c as f64 / 100.0))
        .collect();
    acquisition.push(format!(
        "(NULL, NULL, 'ads', DATE '2024-01-01', {})",
        world.spend as f64 / 100.0
    ));
    insert("acquisition", acquisition);
    engine
}

/// Every cost line `engine` gives, in its order.
fn all_cost_lines(engine: &Engine) -> Vec<northstar_economics::CostLine> {
    let mut all = Vec::new();
    northstar_economics::each_cost_lines(engine, |lines| {
        all.extend(lines);
        Ok::<_, northstar_economics::EconomicsError>(())
    })
    .expect("cost lines");
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn components_add_up_and_the_whale_curve_ends_at_one(world in world()) {
        let engine = load(&world);
        let economics = northstar_economics::compute(&engine, Some(20_088 /* 2024-12-31 */), northstar_economics::Inputs::ALL).expect("economics");
        let accounts = &economics.accounts;
        let cost_lines = all_cost_lines(&engine);
        prop_assert_eq!(accounts.len(), world.accounts);
        let mut total = 0.0;
        for (i, a) in accounts.iter().enumerate() {
            prop_assert_eq!(a.profit_rank, i as u64 + 1);
            let (direct, serve, cac) = (a.direct_cost.expect("measured"), a.cost_to_serve.expect("measured"), a.cac.expect("measured"));
            prop_assert!((a.gross_margin - (a.revenue - direct)).abs() < 1e-6);
            prop_assert!((a.profit - (a.gross_margin - serve - cac)).abs() < 1e-6);
            prop_assert!(i == 0 || accounts[i - 1].profit >= a.profit);
            let lines: f64 = cost_lines.iter().filter(|l| l.account_id == a.account_id).map(|l| l.cost).sum();
            prop_assert!((lines - serve).abs() <= 0.005 + 1e-9, "{} vs {}", lines, serve);
            total += a.profit;
        }
        // A ticket costs its unit cost; the visits share a pool of 999.99 over their total
        // quantity, a rate no one can give when there is none.
        let visits: u32 = world.activities.iter().filter(|a| a.1 == 1).map(|a| a.2).sum();
        for line in &cost_lines {
            let rate = match line.activity.as_str() {
                "ticket" => Some(12.5),
                _ => (visits > 0).then(|| 999.99 / f64::from(visits)),
            };
            prop_assert_eq!(line.rate, rate);
            prop_assert_eq!(line.cost, line.quantity * rate.unwrap_or(0.0));
        }
        let revenue: f64 = world.transactions.iter().map(|t| t.2 as f64 / 100.0).sum();
        prop_assert!((accounts.iter().map(|a| a.revenue).sum::<f64>() - revenue).abs() < 0.01 * world.accounts as f64);
        if total.abs() > 1e-6 {
            let last = accounts.last().map_or(0.0, |a| a.cumulative_profit_share);
            prop_assert!((last - 1.0).abs() < 1e-9, "whale curve ends at {}", last);
        }
        let allocated: f64 = accounts.iter().filter_map(|a| a.cac).sum::<f64>() - world.cac.iter().map(|c| c.1 as f64 / 100.0).sum::<f64>();
        let acquired_in_january = world.accounts.div_ceil(2) > 0;
        prop_assert!(!acquired_in_january || (allocated - world.spend as f64 / 100.0).abs() < 0.01 * world.accounts as f64,
            "channel spend is shared out in full: {} vs {}", allocated, world.spend);
    }
}

/// 200,000 accounts, ids held as string views as the staged tables hold them; account `i` has
/// revenue `i` dollars, a cost of a tenth of it and one support ticket.
fn many_accounts(engine: &Engine) {
    let id = "arrow_cast('A' || lpad(CAST(value AS VARCHAR), 6, '0'), 'Utf8View')";
    for statement in [
        format!(
            "CREATE TABLE accounts AS SELECT {id} AS account_id, arrow_cast('customer', 'Utf8View') AS status,
                    DATE '2024-01-01' AS customer_since, CAST(NULL AS DATE) AS churned_at,
                    CAST(NULL AS VARCHAR) AS acquisition_channel
             FROM generate_series(1, 200000)"
        ),
        format!(
            "CREATE TABLE transactions AS SELECT {id} AS account_id, DATE '2024-06-01' AS date,
                    CAST(value AS DOUBLE) AS amount, CAST(value AS DOUBLE) / 10 AS cost
             FROM generate_series(1, 200000)"
        ),
        format!(
            "CREATE TABLE activities AS SELECT {id} AS account_id, 'ticket' AS activity,
                    1.0 AS quantity, DATE '2024-06-01' AS date
             FROM generate_series(1, 200000)"
        ),
        "CREATE TABLE activity_rates AS SELECT 'ticket' AS activity, 12.5 AS unit_cost, CAST(NULL AS DOUBLE) AS pool_cost".into(),
    ] {
        engine.query(&statement).expect("create");
    }
    for statement in &SCHEMA[4..] {
        engine.query(statement).expect("create");
    }
}

/// In 48 MiB (the joins' build sides, which cannot spill, take about 25 MB of it) the accounts
/// are ranked and their cost lines ordered as without a limit: neither needs the engine to hold
/// a whole result at once.
#[test]
fn a_memory_limited_engine_ranks_every_account_as_an_unlimited_one() {
    let limited = Engine::start(&northstar_engine::EngineConfig {
        threads: Some(2),
        memory_limit: Some(48 << 20),
        temp_dir: None,
    })
    .expect("engine");
    many_accounts(&limited);
    let economics = northstar_economics::compute(&limited, Some(20_088), northstar_economics::Inputs::ALL)
        .expect("ranked within 48 MiB");
    let n = 200_000u64;
    // Profit of account i: 0.9 i - 12.5, so the best is the last, and every profit is distinct.
    let total = 0.9 * (n * (n + 1) / 2) as f64 - 12.5 * n as f64;
    let mut cumulative = 0.0;
    for (rank, a) in economics.accounts.iter().enumerate() {
        let i = n - rank as u64;
        assert_eq!(a.account_id, format!("A{i:06}"));
        assert_eq!(a.profit_rank, rank as u64 + 1);
        assert!((a.profit - (0.9 * i as f64 - 12.5)).abs() < 1e-6, "{a:?}");
        cumulative += 0.9 * i as f64 - 12.5;
        assert!(
            (a.cumulative_profit_share - cumulative / total).abs() < 1e-9,
            "{a:?}"
        );
    }
    assert_eq!(economics.accounts.len() as u64, n);
    let cost_lines = all_cost_lines(&limited);
    let lines: Vec<&str> = cost_lines.iter().map(|l| l.account_id.as_str()).collect();
    assert!(
        lines.len() as u64 == n && lines.is_sorted(),
        "one line per account, by account"
    );

    let unlimited = Engine::new(2).expect("engine");
    many_accounts(&unlimited);
    let reference = northstar_economics::compute(&unlimited, Some(20_088), northstar_economics::Inputs::ALL)
        .expect("economics");
    assert_eq!(economics.accounts, reference.accounts);
    assert_eq!(cost_lines, all_cost_lines(&unlimited));
}
