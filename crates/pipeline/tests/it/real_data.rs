//! The real UCI Online Retail transactions through `build`, mapped by a few lines of northstar.toml.

use crate::support::{build_with, fixture, read_csv};

#[test]
fn online_retail_builds_with_a_few_lines_of_mapping() {
    let file = fixture("real/online_retail.csv.gz")
        .canonicalize()
        .expect("the Online Retail file is in the repository");
    let config = format!(
        "[transactions]\nfile = \"{}\"\naccount_id = \"CustomerID\"\ndate = \"InvoiceDate\"\n\
         amount = \"Quantity * UnitPrice\"\nwhere = \"CustomerID IS NOT NULL AND InvoiceNo NOT LIKE 'C%'\"\n",
        file.display()
    );
    let data = crate::support::data_folder(&[("northstar.toml", &config)]);
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(data.path(), out.path()).expect("build");

    let tx = built.ingested.table("transactions").expect("transactions read");
    // Published counts of this file: 541,909 lines; 397,924 with a customer and not cancelled.
    assert_eq!(tx.rows_read, 541_909);
    assert_eq!(tx.rows_accepted, 397_924);
    assert_eq!(tx.rows_excluded, 541_909 - 397_924);
    assert_eq!(tx.rows_rejected, 0);
    assert_eq!(
        built.economics.summary.accounts, 4_339,
        "customers with a non-cancelled invoice"
    );
    assert_eq!(built.economics.summary.as_of.as_deref(), Some("2011-12-09"));

    // Revenue is the sum of Quantity × UnitPrice over the kept lines: 8,911,407.904 in the file.
    assert!(
        (built.economics.summary.revenue - 8_911_407.90).abs() < 0.05,
        "{}",
        built.economics.summary.revenue
    );
    let rows = read_csv(&out.path().join("accounts.csv"));
    assert_eq!(rows.len(), 4_339);
    let top = &rows[0];
    assert_eq!(top["account_id"], "14646", "the largest customer of the file");

    // No contract renewals: repeat purchasing (BG/NBD) predicts lifetime value, and every
    // customer gets a chance of being alive.
    let method = built
        .economics
        .summary
        .lifetime_value
        .as_ref()
        .expect("lifetime value stated");
    assert_eq!(method.model, "bgnbd", "{method:?}");
    let mut with_revenue = 0;
    for row in &rows {
        let p_alive: f64 = row["p_alive"].parse().expect("p_alive");
        assert!((0.0..=1.0).contains(&p_alive));
        // Future purchases are valued at the account's own margin, which needs some revenue.
        if row["revenue"].parse::<f64>().expect("revenue") > 0.0 {
            with_revenue += 1;
            let ltv = |c: &str| {
                row[c]
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("{c}: {:?}", row[c]))
            };
            assert!(
                ltv("ltv_predicted") >= ltv("ltv_historical"),
                "{}",
                row["account_id"]
            );
        }
    }
    assert_eq!(method.accounts_predicted, with_revenue);
    assert!(with_revenue >= 4_330, "{with_revenue}");
}
