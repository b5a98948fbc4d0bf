//! The way to tier 1, worked out by hand.

use std::sync::Arc;

use northstar_discover::Condition;
use northstar_engine::arrow::array::{ArrayRef, Int64Array, StringArray};
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_profile::UnknownValues;
use northstar_score::{Scorer, ToTier1};

use crate::support::{between, rule};

#[test]
fn the_fewest_signals_to_tier_1_unknown_attributes_first() {
    // Base 40, tier 1 from 70. Signals: industry in Logistics +20; employees at least 100 +15;
    // employees 10 to 99 +5; fleet_size at least 10 +12; technologies contain Kubernetes +6.
    let signals = vec![
        (
            rule(
                "industry",
                Condition::In {
                    values: vec!["Logistics".into()],
                },
            ),
            20,
        ),
        (between("employees", 100.0, f64::INFINITY), 15),
        (between("employees", 10.0, 99.0), 5),
        (between("fleet_size", 10.0, f64::INFINITY), 12),
        (
            rule(
                "technologies",
                Condition::Contains {
                    values: vec!["Kubernetes".into()],
                },
            ),
            6,
        ),
    ];
    let filters = vec![between("employees", 5.0, f64::INFINITY)];
    let icp = crate::support::icp(
        filters,
        Vec::new(),
        signals.clone(),
        40,
        [70, 50],
        UnknownValues::Unverified,
    );
    let industry: StringArray = vec![Some("Retail"), Some("Logistics"), Some("Retail")]
        .into_iter()
        .collect();
    let employees: Int64Array = vec![Some(50), Some(500), Some(3)].into_iter().collect();
    let fleet: Int64Array = vec![None, Some(40), None].into_iter().collect();
    let batch = RecordBatch::try_from_iter([
        ("industry", Arc::new(industry) as ArrayRef),
        ("employees", Arc::new(employees) as ArrayRef),
        ("fleet_size", Arc::new(fleet) as ArrayRef),
    ])
    .expect("batch");
    let reached = Scorer::new(icp).assess_with_reach(&batch).expect("assessed");

    // A retailer of 50 (45 points) needs 25: the gains are industry +20, fleet size +12 (unknown),
    // employees +10 (100 or more instead of the 10-99 bin) and Kubernetes +6; the two largest
    // make 32.
    assert_eq!(reached[0].assessment.score, 45);
    assert_eq!(
        reached[0].to_tier_1.to_string(),
        "find out fleet_size (+12 fleet_size at least 10); +20 industry in Logistics"
    );
    // A large logistics firm with a fleet has 40 + 20 + 15 + 12 = 87: tier 1 already.
    assert_eq!(
        (reached[1].assessment.score, &reached[1].to_tier_1),
        (87, &ToTier1::InTier1)
    );
    // Three employees fail the filter: that is the way.
    assert_eq!(reached[2].to_tier_1.to_string(), "fails employees at least 5");

    // With tier 1 from 100, the retailer reaches at most 45 + 20 + 12 + 10 + 6 = 93.
    let far = crate::support::icp(
        vec![],
        Vec::new(),
        signals,
        40,
        [100, 50],
        UnknownValues::Unverified,
    );
    let reached = Scorer::new(far).assess_with_reach(&batch).expect("assessed");
    assert_eq!(reached[0].to_tier_1, ToTier1::OutOfReach { at_most: 93 });
    assert_eq!(
        reached[0].to_tier_1.to_string(),
        "cannot reach tier 1 (at most 93 points)"
    );
}
