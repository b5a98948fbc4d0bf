//! An `icp.json` as a build writes it (the demo's, with its long lists shortened) read back and
//! applied to hand-worked accounts: the file format other tools and older builds rely on.

use std::collections::BTreeMap;

use northstar_profile::Icp;

fn fixture() -> Icp {
    let text = include_str!("fixtures/icp.json");
    Icp::from_json(text).expect("the fixture is an ICP")
}

fn account(values: &[(&str, &str)]) -> BTreeMap<String, String> {
    values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_large_account_scores_its_signals_but_fails_the_employee_filter() {
    let icp = fixture();
    let a = icp.assess(&account(&[
        ("employees", "6000"),
        ("annual_revenue", "400000000"),
        ("fleet_size", "200"),
        ("industry", "Logistics"),
        ("technologies", "Salesforce;Azure"),
        ("acquisition_channel", "outbound"),
    ]));
    // Base 64, +11 revenue of 354,450,000 or more, +11 fleet of 124 or more, +3 Logistics,
    // +3 Salesforce, -6 Azure.
    assert_eq!(a.score, 64 + 11 + 11 + 3 + 3 - 6);
    assert!(!a.in_sam);
    assert_eq!(a.tier, None);
    assert_eq!(a.outside.len(), 1, "{:?}", a.outside);
    assert!(a.outside[0].starts_with("fails employees"), "{:?}", a.outside);
    // The first two anti-ICP segments (4,997 or more employees, the first through outbound);
    // neither excludes.
    assert_eq!(a.warnings.len(), 2, "{:?}", a.warnings);
    let points: Vec<i64> = a.reasons.iter().map(|r| r.points).collect();
    assert_eq!(points, [11, 11, 3, 3, -6]);
}

#[test]
fn a_mid_sized_wholesaler_is_tier_2_and_a_blank_account_is_unverified() {
    let icp = fixture();
    let a = icp.assess(&account(&[
        ("employees", "1000"),
        ("fleet_size", "70"),
        ("industry", "Wholesale"),
    ]));
    // Base 64, +6 fleet of 63 to 122, +4 Wholesale: 74, under tier 1's 77 and over tier 2's 50.
    assert_eq!((a.in_sam, a.score, a.tier), (true, 74, Some(2)));
    assert!(a.unverified.is_empty());
    let blank = icp.assess(&account(&[]));
    assert_eq!((blank.in_sam, blank.score, blank.tier), (true, 64, Some(2)));
    assert_eq!(
        blank.unverified,
        vec![std::sync::Arc::<str>::from("employees unknown")]
    );
}
