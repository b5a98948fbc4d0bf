//! TAM, the funnel to SAM and SOM of a small market, worked out by hand.

use std::collections::BTreeMap;

use northstar_discover::Condition;
use northstar_profile::Verdicts;
use northstar_profile::{Icp, UnknownValues};
use northstar_score::market::{Customer, ExpectedValues, MarketSize, MarketTally};

use crate::support::{between, rule};

/// Filters employees at least 50 and industry not Banking; anti-ICP country XX, excluded;
/// +30 for Logistics from base 40; tier 1 from 70, tier 2 from 50.
fn icp() -> Icp {
    crate::support::icp(
        vec![
            between("employees", 50.0, f64::INFINITY),
            rule(
                "industry",
                Condition::NotIn {
                    values: vec!["Banking".into()],
                },
            ),
        ],
        vec![(
            vec![rule(
                "country",
                Condition::In {
                    values: vec!["XX".into()],
                },
            )],
            true,
        )],
        vec![(
            rule(
                "industry",
                Condition::In {
                    values: vec!["Logistics".into()],
                },
            ),
            30,
        )],
        40,
        [70, 50],
        UnknownValues::Unverified,
    )
}

fn account(values: &[(&str, &str)]) -> BTreeMap<String, String> {
    values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// One listed account: its verdicts, its tier and whether it is a customer.
type Listed = (Verdicts, Option<u8>, bool);

fn listed(icp: &Icp, values: &[(&str, &str)], customer: bool) -> Listed {
    let a = account(values);
    (icp.verdicts(&a), icp.assess(&a).tier, customer)
}

/// The market of `accounts`, tallied in their order.
fn size(
    icp: &Icp,
    accounts: &[Listed],
    values: ExpectedValues,
    win_rate: Option<f64>,
    capacity: Option<f64>,
) -> MarketSize {
    let mut tally = MarketTally::new(icp, values);
    for (verdicts, tier, customer) in accounts {
        tally.add(verdicts, *tier, *customer);
    }
    tally.size(win_rate, capacity)
}

#[test]
fn expected_values_are_profit_per_customer_year_by_tier() {
    // Tier 1: 1,200 over a year and 600 over two: 1,800 / 3 years = 600 a year. Tier 3: 100 in
    // half a month, counted as a month: 1,200 a year. Outside: -300 a year. Tier 2 has no
    // customer: all customers' 1,600 over 49 months.
    let customers = [
        (Some(1), 1200.0, Some(12.0)),
        (Some(1), 600.0, Some(24.0)),
        (Some(3), 100.0, Some(0.5)),
        (None, -300.0, Some(12.0)),
    ]
    .map(|(tier, profit, tenure_months)| Customer {
        tier,
        profit,
        tenure_months,
    });
    let values = ExpectedValues::from_customers(&customers);
    assert_eq!(values.tiers[0], 600.0);
    assert!((values.tiers[1] - 1600.0 * 12.0 / 49.0).abs() < 1e-9);
    assert_eq!((values.tiers[2], values.outside), (1200.0, -300.0));
}

#[test]
fn the_funnel_removes_each_filter_s_accounts_in_turn_and_som_is_bounded() {
    let icp = icp();
    let values = ExpectedValues {
        tiers: [600.0, 400.0, 1200.0],
        outside: -300.0,
    };
    let accounts = [
        // Prospects: in (tier 1); too small; Banking; unknown size (kept) but in country XX;
        // in (tier 3).
        listed(
            &icp,
            &[("employees", "100"), ("industry", "Logistics"), ("country", "FR")],
            false,
        ),
        listed(&icp, &[("employees", "10"), ("industry", "Logistics")], false),
        listed(&icp, &[("employees", "200"), ("industry", "Banking")], false),
        listed(&icp, &[("industry", "Retail"), ("country", "XX")], false),
        listed(&icp, &[("employees", "300"), ("industry", "Retail")], false),
        // Customers: two in tier 1, one in tier 3, one too small.
        listed(&icp, &[("employees", "100"), ("industry", "Logistics")], true),
        listed(&icp, &[("employees", "900"), ("industry", "Logistics")], true),
        listed(&icp, &[("employees", "60"), ("industry", "Retail")], true),
        listed(&icp, &[("employees", "5"), ("industry", "Retail")], true),
    ];
    let m = size(&icp, &accounts, values, Some(0.25), None);
    assert_eq!((m.tam.accounts, m.tam.customers, m.tam.value), (9, 4, 3000.0));
    let steps: Vec<(&str, u64, u64, f64, u64, f64)> = m
        .funnel
        .iter()
        .map(|s| {
            let (r, l) = (&s.removed, &s.left);
            (
                s.rule.as_str(),
                r.accounts,
                r.customers,
                r.value,
                l.accounts,
                l.value,
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("Employees 50 or more", 2, 1, -600.0, 7, 3600.0),
            ("Industry not Banking", 1, 0, -300.0, 6, 3900.0),
            ("not Country XX", 1, 0, -300.0, 5, 4200.0),
        ]
    );
    assert_eq!((m.sam.accounts, m.sam.customers, m.sam.value), (5, 3, 4200.0));
    // Two prospects inside (600 and 1,200 a year) at a win rate of a quarter: half an account
    // worth 450 a year.
    let som = m.som.expect("a win rate sizes the SOM");
    assert_eq!((som.accounts, som.value, som.bound_by), (0.5, 450.0, "win rate"));
    let capped = size(&icp, &accounts, values, Some(0.25), Some(0.2))
        .som
        .expect("som");
    assert_eq!(
        (capped.accounts, capped.value, capped.bound_by),
        (0.2, 180.0, "capacity")
    );
    let unknown = size(&icp, &accounts, values, None, None);
    assert!(unknown.som.is_none());
    assert!(unknown.som_not_measured.expect("why").contains("deals"));
}

#[test]
fn excluded_unknown_values_leave_at_their_filter() {
    let mut icp = icp();
    icp.market.unknown_values = UnknownValues::Exclude;
    let values = ExpectedValues {
        tiers: [1.0, 1.0, 1.0],
        outside: 1.0,
    };
    let accounts = [listed(&icp, &[("industry", "Retail")], false)];
    let m = size(&icp, &accounts, values, None, None);
    assert_eq!(
        m.funnel[0].removed.accounts, 1,
        "unknown employees fail the first filter"
    );
    assert_eq!(m.sam.accounts, 0);
}
