//! The nearest profitable customer, worked out by hand.

use northstar_discover::Condition;
use northstar_profile::UnknownValues;
use northstar_score::nearest::reference;
use northstar_score::{Candidate, Nearest};

use crate::support::{between, rule};

fn candidate(id: &str, profit: f64, case_study: bool, met: [bool; 3]) -> Candidate {
    Candidate {
        account_id: id.into(),
        case_study,
        profit,
        met: met.to_vec(),
    }
}

#[test]
fn customers_are_bucketed_by_signal_set_and_the_nearest_shares_most_points() {
    // Signals: industry Logistics +20, employees at least 100 +15, a negative one (-10) for
    // employees below 10.
    let mut icp = crate::support::icp(
        vec![],
        vec![],
        vec![
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
            (between("employees", f64::NEG_INFINITY, 9.0), -10),
        ],
        40,
        [70, 50],
        UnknownValues::Unverified,
    );
    let customers = [
        // Logistics and large: A has the most profit, B a case study; B is preferred.
        candidate("A", 900.0, false, [true, true, false]),
        candidate("B", 500.0, true, [true, true, false]),
        // Logistics alone: C and D tie on everything but the id.
        candidate("D", 300.0, false, [true, false, false]),
        candidate("C", 300.0, false, [true, false, false]),
        // Small: E; F loses money and is never a reference.
        candidate("E", 50.0, false, [false, false, true]),
        candidate("F", -50.0, true, [false, true, false]),
    ];
    icp.reference = reference(&customers);
    // The caller reads the case studies of the customers chosen: B's.
    for l in icp.reference.iter_mut().filter(|l| l.account_id == "B") {
        l.case_study_url = Some("https://example.com/B".into());
    }
    let sets: Vec<(Vec<usize>, &str, u64)> = icp
        .reference
        .iter()
        .map(|l| (l.signals.clone(), l.account_id.as_str(), l.customers))
        .collect();
    assert_eq!(
        sets,
        [(vec![0], "C", 2), (vec![0, 1], "B", 2), (vec![2], "E", 1)],
        "one per set, in signal order"
    );
    let mut nearest = Nearest::new(&icp);
    // A large logistics prospect shares 35 points with B's set.
    let (found, shared) = nearest.find(&[true, true, false]).expect("found");
    assert_eq!((found.account_id.as_str(), shared), ("B", 35));
    // A large non-logistics prospect shares 15 with B's set only.
    let (found, shared) = nearest.find(&[false, true, false]).expect("found");
    assert_eq!((found.account_id.as_str(), shared), ("B", 15));
    // A small one shares the negative signal's 10 points with E.
    let (found, shared) = nearest.find(&[false, false, true]).expect("found");
    assert_eq!((found.account_id.as_str(), shared), ("E", 10));
    // Sharing nothing, the preferred reference is the one with a case study.
    let (found, shared) = nearest.find(&[false, false, false]).expect("found");
    assert_eq!((found.account_id.as_str(), shared), ("B", 0));
    icp.reference.clear();
    assert!(Nearest::new(&icp).find(&[true, true, false]).is_none());
}

/// The nearest reference set of `met` by brute force: the most shared points, then a case
/// study, then the most profit, then the lowest id.
fn brute_force(icp: &northstar_profile::Icp, met: &[bool]) -> Option<(String, i64)> {
    let shared = |l: &northstar_profile::Lookalike| -> i64 {
        l.signals
            .iter()
            .filter(|&&s| met[s])
            .map(|&s| icp.signals[s].points.abs())
            .sum()
    };
    icp.reference
        .iter()
        .min_by(|a, b| {
            shared(b)
                .cmp(&shared(a))
                .then(b.case_study_url.is_some().cmp(&a.case_study_url.is_some()))
                .then(b.profit.total_cmp(&a.profit))
                .then(a.account_id.cmp(&b.account_id))
        })
        .map(|l| (l.account_id.clone(), shared(l)))
}

proptest::proptest! {
    #[test]
    fn the_nearest_is_the_brute_force_answer(
        points in proptest::collection::vec(-30i64..=30, 1..70),
        customers in proptest::collection::vec(
            (0u64..u64::MAX, 0u64..u64::MAX, -100i32..1000, proptest::bool::ANY),
            0..40,
        ),
        prospects in proptest::collection::vec((0u64..u64::MAX, 0u64..u64::MAX), 1..30),
    ) {
        let n = points.len();
        let flags = |(low, high): (u64, u64)| -> Vec<bool> {
            (0..n).map(|s| if s < 64 { low >> s & 1 == 1 } else { high >> (s - 64) & 1 == 1 }).collect()
        };
        let signals = points
            .iter()
            .enumerate()
            .map(|(s, &p)| (between(&format!("a{s}"), 0.0, 1.0), p))
            .collect();
        let mut icp = crate::support::icp(vec![], vec![], signals, 0, [70, 50], UnknownValues::Unverified);
        let candidates: Vec<Candidate> = customers
            .iter()
            .enumerate()
            .map(|(i, &(low, high, profit, case_study))| Candidate {
                account_id: format!("c{i:02}"),
                case_study,
                profit: f64::from(profit),
                met: flags((low, high)),
            })
            .collect();
        icp.reference = reference(&candidates);
        for l in &mut icp.reference {
            if candidates.iter().any(|c| c.account_id == l.account_id && c.case_study) {
                l.case_study_url = Some(format!("https://example.com/{}", l.account_id));
            }
        }
        let mut nearest = Nearest::new(&icp);
        for &prospect in &prospects {
            let met = flags(prospect);
            let found = nearest.find(&met).map(|(l, shared)| (l.account_id.clone(), shared));
            proptest::prop_assert_eq!(found, brute_force(&icp, &met));
        }
    }
}
