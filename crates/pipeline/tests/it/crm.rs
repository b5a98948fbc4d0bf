//! CRM exports as HubSpot and Salesforce write them, built with a northstar.toml of a file and a
//! preset per table. The fixtures keep the exact header lines of the exports; every figure
//! below is worked out by hand from their rows.

use std::fmt::Write as _;

use northstar_ingest::LoadedTable;
use northstar_pipeline::headline;

use crate::support::{build_with, data_folder, fixture, read_csv, rows_by_account};

/// How `label` of `column` was read in `table`, as run.json lists it.
fn read_as(table: &LoadedTable, column: &str, label: &str) -> Option<String> {
    table
        .mapping
        .labels
        .iter()
        .find(|l| l.column == column && l.label == label)
        .map(|l| l.read_as.clone())
}

#[test]
fn a_hubspot_export_of_companies_deals_and_contacts_builds_under_the_default_reject_policy() {
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(&fixture("crm/hubspot"), out.path()).expect("builds");

    // Companies: 9 rows, one "Other" left out (neither customer nor prospect), none rejected.
    let companies = built.ingested.table("accounts").expect("companies");
    assert_eq!(
        (
            companies.rows_read,
            companies.rows_accepted,
            companies.rows_rejected
        ),
        (9, 8, 0)
    );
    assert_eq!(companies.rows_excluded, 1);
    assert_eq!(companies.mapping.left_out_by_label, 1);
    assert_eq!(
        companies.mapping.not_in_file,
        [
            "Annual Revenue",
            "Year Founded",
            "Became a Customer Date",
            "Original Source Type"
        ],
        "the default view exports none of these"
    );
    assert!(
        companies.columns.iter().any(|c| c == "country"),
        "`Country/Region` is a column, not an expression"
    );
    assert!(
        companies.extra_columns.is_empty(),
        "owners, phones and audit dates are no attributes: {:?}",
        companies.extra_columns
    );
    // Deals: one names two companies (the first, the primary, is taken); one names none.
    let deals = built.ingested.table("deals").expect("deals");
    assert_eq!((deals.rows_read, deals.rows_accepted), (10, 10));
    assert_eq!(deals.mapping.several_accounts, 1);
    assert_eq!(
        read_as(deals, "stage", "closedwon").as_deref(),
        Some("won"),
        "internal stage id"
    );
    assert_eq!(read_as(deals, "stage", "Closed Lost").as_deref(), Some("lost"));
    assert_eq!(
        read_as(deals, "stage", "Negotiation").as_deref(),
        Some("open (not a listed label)")
    );

    // Customers are Customer and Evangelist: 1001, 1002, 1003, 1008. Leads, MQLs, opportunities
    // and subscribers are prospects, not customers.
    let s = &built.economics.summary;
    assert_eq!(s.accounts, 4);
    let rows = rows_by_account(&out.path().join("accounts.csv"));
    assert_eq!(rows.keys().collect::<Vec<_>>(), ["1001", "1002", "1003", "1008"]);
    // Revenue is the won amounts on their close dates: 1001 won 12,000 twice, 1002 8,500.50,
    // 1003 20,000, 1008 4,000 (by the internal id `closedwon`); 1,500 won with no company is
    // unattributed.
    let revenue = |id: &str| rows[id]["revenue"].parse::<f64>().expect("revenue");
    assert_eq!(
        [revenue("1001"), revenue("1002"), revenue("1003"), revenue("1008")],
        [24_000.0, 8_500.5, 20_000.0, 4_000.0]
    );
    assert_eq!(s.revenue, 56_500.5);
    assert_eq!(s.profit, 56_500.5, "with no cost data, profit is revenue");
    assert_eq!(
        s.profit_is,
        "profit is revenue: no cost, activity or acquisition data"
    );
    assert_eq!(s.revenue_from.won_deals, Some(5));
    assert_eq!(s.revenue_from.won_deals_without_account, Some(1));
    assert_eq!(s.revenue_from.unattributed_revenue, Some(1_500.0));
    // Not measured is empty, not 0.
    assert_eq!((s.cost_to_serve, s.cac), (None, None));
    assert_eq!(rows["1001"]["cost_to_serve"], "");
    assert_eq!(rows["1001"]["cac"], "");
    assert_eq!(rows["1001"]["direct_cost"], "");
    let missing: Vec<&str> = s.not_measured.iter().map(|m| m.figure).collect();
    assert_eq!(missing, ["direct cost", "cost to serve", "CAC"]);

    // Won 6 (one without a company), lost 2, open 2: win rate 6/8. Won cycles are 60, 30, 30,
    // 90, 30 and 30 days: the median is 30.
    assert_eq!((s.deals.won, s.deals.lost, s.deals.open), (6, 2, 2));
    assert_eq!(s.deals.win_rate, Some(0.75));
    assert_eq!(s.deals.median_sales_cycle_days, Some(30.0));

    // Contacts: a blank buying role and a Blocker are unknown, never rejects; every customer
    // has a contact, one in four a decider.
    let contacts = built.ingested.table("contacts").expect("contacts");
    assert_eq!((contacts.rows_accepted, contacts.rows_rejected), (6, 0));
    let e = &built.discovery.ecosystem;
    assert_eq!(e.coverage, 1.0);
    let decider = e.roles.iter().find(|r| r.role == "decider").expect("decider");
    assert_eq!(decider.coverage, 0.25);

    // Four customers cannot say what sets the best apart, and the build says so.
    assert!(built.discovery.nothing_to_learn.is_some());
    assert!(built.profile.icp.signals.is_empty());
    let text = headline(&built);
    assert!(
        text.contains("revenue from 5 won deals; no billing data"),
        "{text}"
    );
    assert!(text.contains("cost to serve not measured"), "{text}");
    assert!(text.contains("nothing to learn from profit"), "{text}");
    let icp_md = fs_err::read_to_string(out.path().join("icp.md")).expect("icp.md");
    assert!(
        icp_md.contains("Not measured: direct cost"),
        "the one page says what is missing"
    );
    let summary = crate::support::read_json(&out.path().join("summary.json"));
    assert_eq!(summary["revenue_from"]["source"], "won_deals");
    assert!(summary["cost_to_serve"].is_null());
}

#[test]
fn a_salesforce_report_export_with_its_footer_and_both_id_forms_builds() {
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(&fixture("crm/salesforce"), out.path()).expect("builds");

    // Each report ends with Salesforce's footer: a blank line and five lines of one field. They
    // are counted, not rejected: read = accepted + rejected + excluded + footer.
    for (table, accepted, excluded) in [("accounts", 5, 3), ("deals", 8, 0)] {
        let t = built.ingested.table(table).expect("read");
        assert_eq!(t.footer_lines, 6, "{table}");
        assert_eq!(t.rows_rejected, 0, "{table}");
        assert_eq!(
            (t.rows_accepted, t.rows_excluded),
            (accepted, excluded),
            "{table}"
        );
        assert_eq!(
            t.rows_read,
            t.rows_accepted + t.rows_rejected + t.rows_excluded + t.footer_lines
        );
    }
    // The accounts report writes 15-character ids, the opportunities 18-character ones: both
    // are read in the 18-character form, so every opportunity finds its account.
    let rows = rows_by_account(&out.path().join("accounts.csv"));
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        ["001A000001aBcDeIAK", "001A000001aBcDfIAK", "001A000001aBcDjIAK"],
        "Customer - Direct and Customer - Channel are customers; prospects and partners are not"
    );
    // Partners and Other are left out and counted.
    let accounts = built.ingested.table("accounts").expect("accounts");
    let left_out: Vec<&str> = accounts
        .mapping
        .labels
        .iter()
        .filter(|l| l.read_as == "left out")
        .map(|l| l.label.as_str())
        .collect();
    assert_eq!(
        left_out,
        ["Channel Partner / Reseller", "Technology Partner", "Other"]
    );

    // Won: Northwind 10,000 twice, Contoso 5,000, Tailspin 7,000 (by its Won and Closed
    // flags, under a custom stage) and 1,000. Lost 2, open 1: win rate 5/7; cycles 30, 20, 30,
    // 30 and 30 days.
    let s = &built.economics.summary;
    assert_eq!(s.revenue, 33_000.0);
    assert_eq!(
        rows["001A000001aBcDjIAK"]["revenue"]
            .parse::<f64>()
            .expect("revenue"),
        8_000.0
    );
    assert_eq!((s.deals.won, s.deals.lost, s.deals.open), (5, 2, 1));
    assert_eq!(s.deals.win_rate, Some(5.0 / 7.0));
    assert_eq!(s.deals.median_sales_cycle_days, Some(30.0));
    let deals = built.ingested.table("deals").expect("deals");
    assert_eq!(read_as(deals, "kind", "Renewal").as_deref(), Some("renewal"));
    assert_eq!(
        read_as(deals, "kind", "Existing Business").as_deref(),
        Some("expansion")
    );
    assert_eq!(
        read_as(deals, "kind", "Add-On Business").as_deref(),
        Some("empty (not recognised)")
    );
    assert_eq!(built.run.inputs[1].mapping.ids_lengthened, 8);
}

#[test]
fn a_mapping_that_names_a_column_the_file_lacks_says_so_with_the_closest_header() {
    let companies = fs_err::read_to_string(fixture(
        "crm/hubspot/hubspot-crm-exports-all-companies-2024-06-30.csv",
    ))
    .expect("fixture");
    for (mapping, expected) in [
        ("industry = \"Industy\"", "did you mean `Industry`?"),
        (
            "industry = \"Sector\"",
            "its columns are: `Record ID`, `Company name`",
        ),
    ] {
        let config = format!("[accounts]\nfile = \"companies.csv\"\npreset = \"hubspot\"\n{mapping}\n");
        let data = data_folder(&[("companies.csv", &companies), ("northstar.toml", &config)]);
        let out = tempfile::tempdir().expect("tempdir");
        let error = build_with(data.path(), out.path())
            .expect_err("refused")
            .to_string();
        assert!(error.contains("is not in"), "{error}");
        assert!(error.contains(expected), "{error}");
        assert!(!error.contains("SQL"), "never an SQL error: {error}");
    }
}

#[test]
fn a_title_line_above_the_header_is_not_data() {
    let data = data_folder(&[(
        "accounts.csv",
        "\"Customer list, exported 2024-06-30\"\naccount_id,name\nA1,One\nA2,\n",
    )]);
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(data.path(), out.path()).expect("builds");
    let accounts = built.ingested.table("accounts").expect("accounts");
    assert_eq!(
        (accounts.title_rows, accounts.rows_read, accounts.rows_accepted),
        (1, 2, 2)
    );
}

#[test]
fn an_objective_with_no_spread_gives_nothing_to_learn() {
    // 200 companies, all customers, no revenue data at all: every profit is 0.
    let mut accounts = String::from("account_id,industry\n");
    for i in 0..200 {
        writeln!(accounts, "A{i:03},{}", ["Software", "Retail"][i % 2]).expect("write");
    }
    let data = data_folder(&[("accounts.csv", &accounts)]);
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(data.path(), out.path()).expect("builds");
    let reason = built
        .discovery
        .nothing_to_learn
        .as_deref()
        .expect("nothing to learn");
    assert!(reason.contains("same value"), "{reason}");
    assert!(built.discovery.lifts.is_empty() && built.discovery.subgroups.is_empty());
    assert!(built.profile.icp.signals.is_empty() && built.profile.icp.filters.is_empty());
    assert!(
        built.profile.icp.caveats[0].starts_with("Nothing to learn from profit"),
        "{:?}",
        built.profile.icp.caveats
    );
}

#[test]
fn a_hubspot_export_large_enough_gives_an_icp_that_finds_the_planted_industry() {
    // 300 customers and 100 leads. Software customers win 20,000 and more, the others 5,000
    // and more: the top fifth (60) are all software, and the ICP must say so.
    let header = "\"Record ID\",\"Company name\",\"Industry\",\"Lifecycle Stage\",\"Number of Employees\"\n";
    let mut companies = String::from(header);
    let mut deals = String::from(
        "\"Record ID\",\"Deal Stage\",\"Close Date\",\"Amount\",\"Create Date\",\"Associated Company IDs\"\n",
    );
    let industries = ["COMPUTER_SOFTWARE", "RETAIL", "BANKING", "CONSTRUCTION"];
    for i in 0..400 {
        let stage = if i < 300 { "Customer" } else { "Lead" };
        let industry = industries[i % 4];
        writeln!(
            companies,
            "\"{}\",\"Company {i}\",\"{industry}\",\"{stage}\",\"{}\"",
            9000 + i,
            10 + i
        )
        .expect("write");
        if i < 300 {
            let amount = if i % 4 == 0 { 20_000 } else { 5_000 } + (i % 7) * 100;
            writeln!(
                deals,
                "\"{}\",\"Closed Won\",\"2024-0{}-15 05:00\",\"{amount}\",\"2024-01-02 09:00\",\"{}\"",
                50_000 + i,
                2 + i % 7,
                9000 + i
            )
            .expect("write");
        }
    }
    let config = "[accounts]\nfile = \"companies.csv\"\npreset = \"hubspot\"\n\n\
                  [deals]\nfile = \"deals.csv\"\npreset = \"hubspot\"\n";
    let data = data_folder(&[
        ("companies.csv", &companies),
        ("deals.csv", &deals),
        ("northstar.toml", config),
    ]);
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(data.path(), out.path()).expect("builds");
    assert_eq!(built.economics.summary.accounts, 300, "leads are not customers");
    assert!(built.discovery.nothing_to_learn.is_none());
    let best = built.profile.icp.signals.first().expect("a signal");
    assert_eq!(best.rule.attribute, "industry");
    assert_eq!(best.rule.describe(), "industry in COMPUTER_SOFTWARE");
    let rows = read_csv(&out.path().join("accounts.csv"));
    assert!(rows.iter().take(60).all(|r| {
        let id: usize = r["account_id"].parse().expect("record id");
        (id - 9000).is_multiple_of(4)
    }));
}

#[test]
fn a_column_blank_for_every_customer_is_named_unknown_and_learns_nothing() {
    // 200 customers with industry and employees, and a country and technologies column blank
    // on every row (as an export leaves the fields nobody fills in).
    let mut accounts = String::from("account_id,industry,employees,country,technologies\n");
    let mut transactions = String::from("account_id,date,amount\n");
    for i in 0..200 {
        let industry = ["Software", "Retail"][i % 2];
        writeln!(accounts, "A{i:03},{industry},{},,", 10 + i).expect("write");
        let amount = if i % 2 == 0 { 9_000 } else { 1_000 } + i * 10;
        writeln!(transactions, "A{i:03},2024-03-{:02},{amount}", 1 + i % 28).expect("write");
    }
    let data = data_folder(&[("accounts.csv", &accounts), ("transactions.csv", &transactions)]);
    let out = tempfile::tempdir().expect("tempdir");
    let built = build_with(data.path(), out.path()).expect("builds");
    let population = serde_json::to_value(&built.profile.icp.population).expect("json");
    assert_eq!(
        population["country"],
        serde_json::json!({"kind": "categorical", "shares": {}, "missing": 1.0})
    );
    assert_eq!(
        population["technologies"],
        serde_json::json!({"kind": "list", "shares": {}, "missing": 1.0})
    );
    assert_eq!(population["industry"]["missing"], 0.0);
    assert!(population["employees"]["quantiles"].is_array());
    // Nothing is learnt from them: every lift is on industry or employees.
    assert!(!built.discovery.lifts.is_empty());
    assert!(
        built
            .discovery
            .lifts
            .iter()
            .all(|l| l.attribute == "industry" || l.attribute == "employees")
    );
}
