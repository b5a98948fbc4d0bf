//! The hand-computed world: four customers and a prospect, every figure worked out below.

use crate::support::{build_with, fixture, read_csv};

// Inputs: tests/fixtures/economics/hand_world. As-of date = last date in the data = 2023-12-31.
//
// revenue / direct cost (null cost counts 0) / distinct purchase days:
//   A 1000+1000+1000 = 3000 / 300 / 3      B 5000+500 = 5500 / 3200 / 1 (same day)
//   C 200+200 = 400 / 100 / 2              D 800+800 = 1600 / 80 / 2
// gross margin: A 2700, B 2300, C 300, D 1520
// rates: ticket unit 20; onboarding pool 1000 / (30 + 10) units = 25
// cost to serve: A 5×20 = 100; B 30×20 + 30×25 = 1350; C 10×20 = 200; D 10×25 = 250
// CAC: A 500, D 100 (per account); events 2023-03 spend 960 shared by B and C (both acquired in
//   March via events) = 480 each; events 2023-05 spend 300 acquired nobody: unallocated
// profit: A 2700-100-500 = 2100; B 2300-1350-480 = 470; C 300-200-480 = -380; D 1520-250-100 = 1170
// total 3360; rank A, D, B, C; cumulative 2100, 3270, 3740, 3360 → shares 0.625, 0.9732142857,
//   1.1130952381, 1
// tenure (days / 30.436875, 2 decimals): A 364 d → 11.96; B 305 d → 10.02; C to churn 184 d → 6.05;
//   D 213 d → 7.0
// repeat purchase rate (days-1)/days: A 2/3, B 0, C 1/2, D 1/2
// historical LTV = margin - cost to serve: A 2600, B 950, C 100, D 1270
// payback = CAC / (margin / tenure): A 500/(2700/11.96) = 2.21; B 480/(2300/10.02) = 2.09;
//   C 480/(300/6.05) = 9.68; D 100/(1520/7) = 0.46
// E is a prospect: not a customer account.

struct Expected {
    id: &'static str,
    money: [f64; 6], // revenue, direct_cost, gross_margin, cost_to_serve, cac, profit
    rank: u64,
    share: f64,
    tenure: f64,
    repeat: f64,
    churned: bool,
    ltv: f64,
    payback: f64,
}

const EXPECTED: &[Expected] = &[
    Expected {
        id: "A",
        money: [3000.0, 300.0, 2700.0, 100.0, 500.0, 2100.0],
        rank: 1,
        share: 0.625,
        tenure: 11.96,
        repeat: 2.0 / 3.0,
        churned: false,
        ltv: 2600.0,
        payback: 2.21,
    },
    Expected {
        id: "D",
        money: [1600.0, 80.0, 1520.0, 250.0, 100.0, 1170.0],
        rank: 2,
        share: 3270.0 / 3360.0,
        tenure: 7.0,
        repeat: 0.5,
        churned: false,
        ltv: 1270.0,
        payback: 0.46,
    },
    Expected {
        id: "B",
        money: [5500.0, 3200.0, 2300.0, 1350.0, 480.0, 470.0],
        rank: 3,
        share: 3740.0 / 3360.0,
        tenure: 10.02,
        repeat: 0.0,
        churned: false,
        ltv: 950.0,
        payback: 2.09,
    },
    Expected {
        id: "C",
        money: [400.0, 100.0, 300.0, 200.0, 480.0, -380.0],
        rank: 4,
        share: 1.0,
        tenure: 6.05,
        repeat: 0.5,
        churned: true,
        ltv: 100.0,
        payback: 9.68,
    },
];

fn num(row: &std::collections::BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = `{}` is a number", row[column]))
}

#[test]
fn every_economics_column_matches_the_hand_computation() {
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(&fixture("economics/hand_world"), out.path()).expect("build");
    let rows = read_csv(&out.path().join("accounts.csv"));
    assert_eq!(rows.len(), EXPECTED.len(), "prospect E is not a customer account");
    for (row, want) in rows.iter().zip(EXPECTED) {
        assert_eq!(row["account_id"], want.id, "rows are in profit-rank order");
        let columns = [
            "revenue",
            "direct_cost",
            "gross_margin",
            "cost_to_serve",
            "cac",
            "profit",
        ];
        for (column, value) in columns.iter().zip(want.money) {
            assert_eq!(num(row, column), value, "{} {column}", want.id);
        }
        assert_eq!(num(row, "profit_rank") as u64, want.rank, "{} rank", want.id);
        assert!(
            (num(row, "cumulative_profit_share") - want.share).abs() <= 5e-7, // shares are written to 6 decimals
            "{} share",
            want.id
        );
        assert_eq!(num(row, "tenure_months"), want.tenure, "{} tenure", want.id);
        assert!(
            (num(row, "repeat_purchase_rate") - want.repeat).abs() <= 5e-7,
            "{} repeat",
            want.id
        );
        assert_eq!(row["churned"], want.churned.to_string(), "{} churned", want.id);
        assert_eq!(num(row, "ltv_historical"), want.ltv, "{} ltv", want.id);
        assert_eq!(num(row, "payback_months"), want.payback, "{} payback", want.id);
    }

    let s = &built.economics.summary;
    assert_eq!(s.as_of.as_deref(), Some("2023-12-31"));
    assert_eq!((s.accounts, s.revenue, s.gross_margin), (4, 10500.0, 6820.0));
    assert_eq!(
        (s.cost_to_serve, s.cac, s.profit),
        (Some(1900.0), Some(1560.0), 3360.0)
    );
    assert_eq!(s.accounts_for_80pct_profit, 2, "2100 < 0.8 × 3360 = 2688 ≤ 3270");
    assert_eq!(s.share_of_accounts_for_80pct_profit, 0.5);
    assert!((s.whale_peak.share_of_profit - 3740.0 / 3360.0).abs() < 1e-12);
    assert_eq!((s.whale_peak.accounts, s.whale_peak.share_of_accounts), (3, 0.75));
    assert_eq!(
        (s.loss_makers.accounts, s.loss_makers.profit_destroyed),
        (1, 380.0)
    );
    assert!((s.loss_makers.share_of_profit - 380.0 / 3360.0).abs() < 1e-12);
    assert_eq!((s.repeat_purchase_rate, s.churn_rate), (0.75, 0.25));
    assert_eq!(s.unallocated_spend, 300.0);
    assert_eq!((s.deals.won, s.deals.lost, s.deals.open), (2, 1, 1));
    assert_eq!(s.deals.win_rate, Some(2.0 / 3.0));
    assert_eq!(
        s.deals.median_sales_cycle_days,
        Some(75.5),
        "median of 31 and 120 days"
    );

    let lines = read_csv(&out.path().join("cost_to_serve.csv"));
    let got: Vec<(String, String, f64)> = lines
        .iter()
        .map(|l| (l["account_id"].clone(), l["activity"].clone(), num(l, "cost")))
        .collect();
    let want = [
        ("A", "ticket", 100.0),
        ("B", "onboarding", 750.0),
        ("B", "ticket", 600.0),
        ("C", "ticket", 200.0),
        ("D", "onboarding", 250.0),
    ];
    let want: Vec<(String, String, f64)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
    assert_eq!(got, want);
}
