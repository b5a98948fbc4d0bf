//! The compiled scorer, `Icp::assess` and the ICP's verdicts over an in-memory attribute table
//! agree on every account of random ICPs, and every score is the base plus the points of its
//! reasons. The scorer gives the same whether text comes plain or as dictionaries, as Parquet
//! stores it.

use std::collections::BTreeMap;
use std::sync::Arc;

use northstar_discover::{Attribute, Condition, DealAccounts, Values};
use northstar_engine::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use northstar_engine::arrow::compute::cast;
use northstar_engine::arrow::datatypes::DataType;
use northstar_engine::arrow::record_batch::RecordBatch;
use northstar_profile::{Icp, Rule, Tier, UnknownValues};
use northstar_score::Scorer;
use proptest::prelude::*;

/// One account: an industry, a headcount and a list of technologies, each possibly unknown.
type Account = (Option<String>, Option<i64>, Vec<String>);

fn rule() -> impl Strategy<Value = Rule> {
    let categories = prop::collection::vec(prop::sample::select(vec!["A", "B", "C"]), 1..3)
        .prop_map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>());
    // Headcounts and bounds on one grid of 50, so that values fall on the bounds.
    let grid = || (0i64..25).prop_map(|x| x * 50);
    let bound = prop_oneof![Just(f64::INFINITY), grid().prop_map(|x| x as f64)];
    let elements = prop::collection::vec(prop::sample::select(vec!["x", "y", "z"]), 1..3)
        .prop_map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>());
    let industry = prop_oneof![
        categories.clone().prop_map(|values| Condition::In { values }),
        categories.prop_map(|values| Condition::NotIn { values }),
        prop::sample::select(vec!["A", "D"]).prop_map(|v| Condition::Eq { value: v.into() }),
    ]
    .prop_map(|condition| Rule {
        attribute: "industry".into(),
        condition,
    });
    let employees = prop_oneof![
        (bound.clone(), bound).prop_map(|(a, b)| Condition::Between { min: -a, max: b }),
        grid().prop_map(|x| Condition::Between {
            min: x as f64,
            max: f64::INFINITY
        }),
        grid().prop_map(|x| Condition::Eq { value: x.to_string() }),
    ]
    .prop_map(|condition| Rule {
        attribute: "employees".into(),
        condition,
    });
    let technologies = elements.prop_map(|values| Rule {
        attribute: "technologies".into(),
        condition: Condition::Contains { values },
    });
    let absent = Just(Rule {
        attribute: "fleet_size".into(),
        condition: Condition::Between {
            min: 1.0,
            max: f64::INFINITY,
        },
    });
    prop_oneof![industry, employees, technologies, absent]
}

fn icp() -> impl Strategy<Value = Icp> {
    icp_with(prop::collection::vec(
        (prop::collection::vec(rule(), 1..3), any::<bool>()),
        0..3,
    ))
}

/// ICPs with more conditions of anti-ICP segments excluded from the SAM than the scorer has bits
/// for (66 against 64).
fn icp_with_many_exclusions() -> impl Strategy<Value = Icp> {
    icp_with(prop::collection::vec(
        (prop::collection::vec(rule(), 2..3), Just(true)),
        33..34,
    ))
}

/// ICPs with the anti-ICP segments of `anti`.
fn icp_with(anti: impl Strategy<Value = Vec<(Vec<Rule>, bool)>>) -> impl Strategy<Value = Icp> {
    (
        prop::collection::vec(rule(), 0..3),
        anti,
        prop::collection::vec((rule(), -30i64..40), 0..6),
        (0i64..50, 0i64..30, 0i64..30),
        any::<bool>(),
    )
        .prop_map(|(filters, anti, signals, (base, t1, t2), exclude)| {
            let unknown = if exclude {
                UnknownValues::Exclude
            } else {
                UnknownValues::Unverified
            };
            crate::support::icp(
                filters,
                anti,
                signals,
                base,
                [base + t1 + t2 + 1, base + t2],
                unknown,
            )
        })
}

fn accounts() -> impl Strategy<Value = Vec<Account>> {
    let industry = prop::option::of(prop::sample::select(vec!["A", "B", "C", "D"]).prop_map(str::to_owned));
    let employees = prop::option::of((0i64..25).prop_map(|x| x * 50));
    let technologies = prop::collection::vec(
        prop::sample::select(vec!["x", "y", "z", "w"]).prop_map(str::to_owned),
        0..3,
    );
    prop::collection::vec((industry, employees, technologies), 0..40)
}

/// The accounts as an Arrow batch, as ingest stages them: text, whole numbers, `;`-lists.
fn batch(accounts: &[Account]) -> RecordBatch {
    let industry: StringArray = accounts.iter().map(|a| a.0.clone()).collect();
    let employees: Int64Array = accounts.iter().map(|a| a.1).collect();
    let technologies: StringArray = accounts
        .iter()
        .map(|a| (!a.2.is_empty()).then(|| a.2.join(";")))
        .collect();
    RecordBatch::try_from_iter([
        ("industry", Arc::new(industry) as ArrayRef),
        ("employees", Arc::new(employees) as ArrayRef),
        ("technologies", Arc::new(technologies) as ArrayRef),
    ])
    .expect("batch")
}

/// `batch` with its text columns as dictionaries of text, as a Parquet list stores them.
fn with_dictionaries(batch: &RecordBatch) -> RecordBatch {
    let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let columns = batch
        .schema_ref()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, column)| {
            let column = match column.data_type() {
                DataType::Utf8 => cast(column, &dictionary).expect("dictionary"),
                _ => column.clone(),
            };
            (field.name().clone(), column)
        });
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    assert!(batch.columns().iter().any(|c| c.data_type() == &dictionary));
    batch
}

/// One account as text, as a list file gives it to `Icp::assess`.
fn as_text(account: &Account) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    if let Some(industry) = &account.0 {
        values.insert("industry".to_owned(), industry.clone());
    }
    if let Some(employees) = account.1 {
        values.insert("employees".to_owned(), employees.to_string());
    }
    if !account.2.is_empty() {
        values.insert("technologies".to_owned(), account.2.join(";"));
    }
    values
}

/// The accounts as discover holds customers: categories, numbers and lists of elements.
fn attributes(accounts: &[Account]) -> Vec<Attribute> {
    let attribute = |name: &str, values| Attribute {
        name: name.into(),
        values,
    };
    vec![
        attribute(
            "industry",
            Values::Categorical(accounts.iter().map(|a| a.0.as_deref().map(Into::into)).collect()),
        ),
        attribute(
            "employees",
            Values::Numeric(accounts.iter().map(|a| a.1.map(|x| x as f64)).collect()),
        ),
        attribute(
            "technologies",
            Values::List(
                accounts
                    .iter()
                    .map(|a| a.2.iter().map(|e| e.as_str().into()).collect())
                    .collect(),
            ),
        ),
    ]
}

/// The accounts as the deals hold them: each value written once, as the text the input gave.
fn deal_accounts(accounts: &[Account]) -> DealAccounts {
    let mut table = DealAccounts::default();
    for account in accounts {
        let index = table.push();
        for (name, value) in as_text(account) {
            table.set(index, &name, &value);
        }
    }
    table
}

/// The compiled scorer's assessments and scores, the verdicts and shared assessments over the
/// attribute table, the SAM over the deals' accounts and the scorer's one-account path, against
/// `Icp::assess` on each account.
fn agree(icp: &Icp, accounts: &[Account]) -> Result<(), TestCaseError> {
    let scorer = Scorer::new(icp.clone());
    let batch = batch(accounts);
    let compiled = scorer.assess(&batch).expect("assessed");
    let reached = scorer.assess_with_reach(&batch).expect("assessed");
    let scores = scorer.scores(&batch).expect("scored");
    let dictionaries = with_dictionaries(&batch);
    prop_assert_eq!(&scorer.assess(&dictionaries).expect("assessed"), &compiled);
    prop_assert_eq!(&scorer.scores(&dictionaries).expect("scored"), &scores);
    let table = icp.table_verdicts(&attributes(accounts), accounts.len());
    let shared = icp.table_assessments(&attributes(accounts), accounts.len(), &icp.descriptions());
    let in_sam = icp.accounts_in_sam(&deal_accounts(accounts));
    prop_assert_eq!(compiled.len(), accounts.len());
    prop_assert_eq!(in_sam.len(), accounts.len());
    prop_assert_eq!(table.len(), accounts.len());
    for (i, account) in accounts.iter().enumerate() {
        let expected = icp.assess(&as_text(account));
        prop_assert_eq!(
            &table[i],
            &icp.verdicts(&as_text(account)),
            "account {:?}",
            account
        );
        prop_assert_eq!(&compiled[i], &expected, "account {:?}", account);
        prop_assert_eq!(shared.of(i), &expected, "account {:?}", account);
        prop_assert_eq!(
            &scorer.assess_account(&as_text(account)),
            &reached[i],
            "account {:?}",
            account
        );
        prop_assert_eq!(in_sam[i], expected.in_sam, "account {:?}", account);
        let points: i64 = expected.reasons.iter().map(|r| r.points).sum();
        prop_assert_eq!(expected.score, icp.base_score + points);
        prop_assert_eq!(
            (scores.in_sam[i], scores.score[i], scores.tier[i]),
            (expected.in_sam, expected.score, expected.tier)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_compiled_scorer_agrees_with_assess_and_reasons_add_up(icp in icp(), accounts in accounts()) {
        agree(&icp, &accounts)?;
    }

    #[test]
    fn the_scorer_agrees_with_tiers_in_any_order(
        icp in icp(),
        tiers in prop::collection::vec((1u8..4, -20i64..60), 0..5),
        accounts in accounts(),
    ) {
        let mut icp = icp;
        icp.tiers = tiers
            .into_iter()
            .map(|(tier, min_score)| Tier { tier, min_score, customers: 0, mean_objective: 0.0, top_share: 0.0 })
            .collect();
        agree(&icp, &accounts)?;
    }

    #[test]
    fn the_scorer_agrees_with_more_excluding_conditions_than_bits(
        icp in icp_with_many_exclusions(),
        accounts in accounts(),
    ) {
        agree(&icp, &accounts)?;
    }
}
