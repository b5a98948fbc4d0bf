//! A Parquet file whose columns map one to one is read by its typed columns, with no text per
//! value; a `where` that keeps every row makes the same file go the text way, value by value.
//! Both ways must stage the same rows and report the same rejects, whatever the file holds:
//! nulls, blanks, padded text, words in another case, fractions and non-finite numbers where
//! whole numbers belong, values out of range, implausible dates, broken rules, unknown
//! references, duplicate keys, and a reject limit.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::read;
use northstar_engine::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use northstar_engine::parquet::arrow::ArrowWriter;
use northstar_engine::parquet::file::properties::WriterProperties;
use northstar_ingest::Chunking;
use proptest::prelude::*;

/// A number column, as whole numbers or as floats.
#[derive(Debug, Clone)]
enum Numbers {
    Whole(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
}

impl Numbers {
    fn array(&self) -> ArrayRef {
        match self {
            Numbers::Whole(v) => Arc::new(Int64Array::from(v.clone())),
            Numbers::Real(v) => Arc::new(Float64Array::from(v.clone())),
        }
    }
}

fn numbers(rows: usize) -> impl Strategy<Value = Numbers> {
    let whole = prop_oneof![
        Just(None),
        (-3i64..3000).prop_map(Some),
        Just(Some(i64::MAX)),
        Just(Some(1500)),
    ];
    let real = prop_oneof![
        Just(None),
        (0i64..50).prop_map(|x| Some(x as f64)),
        (-10.0f64..1e6).prop_map(Some),
        Just(Some(f64::NAN)),
        Just(Some(f64::INFINITY)),
        Just(Some(-0.0)),
        Just(Some(1e16)),
        Just(Some(2024.0)),
    ];
    prop_oneof![
        prop::collection::vec(whole, rows).prop_map(Numbers::Whole),
        prop::collection::vec(real, rows).prop_map(Numbers::Real),
    ]
}

/// Text as exports hold it: plain, padded, empty, absent, or one of `words` in any case.
fn texts(rows: usize, words: &'static [&'static str]) -> impl Strategy<Value = Vec<Option<String>>> {
    let word = prop::sample::select(words.to_vec()).prop_map(str::to_owned);
    let text = prop_oneof![
        4 => word.clone().prop_map(Some),
        1 => word.clone().prop_map(|w| Some(w.to_lowercase())),
        1 => word.prop_map(|w| Some(format!(" {w}\u{a0}"))),
        1 => Just(Some(String::new())),
        1 => Just(Some("  ".to_owned())),
        1 => Just(None),
    ];
    prop::collection::vec(text, rows)
}

fn dates(rows: usize) -> impl Strategy<Value = Vec<Option<i32>>> {
    let date = prop_oneof![
        6 => (17_000i32..20_000).prop_map(Some),
        1 => Just(None),
        1 => Just(Some(-30_000)),
        1 => Just(Some(60_000)),
    ];
    prop::collection::vec(date, rows)
}

const IDS: &[&str] = &["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"];

/// An accounts table and a transactions table of `rows` rows each.
#[derive(Debug, Clone)]
struct Tables {
    accounts: RecordBatch,
    transactions: RecordBatch,
}

fn tables(rows: usize) -> impl Strategy<Value = Tables> {
    let accounts = (
        texts(rows, IDS),
        numbers(rows),
        numbers(rows),
        numbers(rows),
        texts(rows, &["B2B", "B2C", "B2B2C", "Other"]),
        texts(rows, &["Shopify;AWS", "AWS", "HubSpot"]),
        dates(rows),
        dates(rows),
        texts(rows, IDS),
        numbers(rows),
    )
        .prop_map(
            |(ids, employees, revenue, founded, model, technologies, since, churned, referrer, fleet)| {
                let columns: Vec<(&str, ArrayRef)> = vec![
                    ("account_id", Arc::new(StringArray::from(ids))),
                    ("employees", employees.array()),
                    ("annual_revenue", revenue.array()),
                    ("founded_year", founded.array()),
                    ("business_model", Arc::new(StringArray::from(model))),
                    ("technologies", Arc::new(StringArray::from(technologies))),
                    ("customer_since", Arc::new(Date32Array::from(since))),
                    ("churned_at", Arc::new(Date32Array::from(churned))),
                    ("referred_by", Arc::new(StringArray::from(referrer))),
                    ("fleet_size", fleet.array()),
                ];
                RecordBatch::try_from_iter(columns).unwrap()
            },
        );
    let transactions = (
        texts(rows, &["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "zz"]),
        dates(rows),
        numbers(rows),
        numbers(rows),
        texts(rows, &["new", "renewal", "Expansion"]),
    )
        .prop_map(|(ids, dates, amount, cost, kind)| {
            let columns: Vec<(&str, ArrayRef)> = vec![
                ("account_id", Arc::new(StringArray::from(ids))),
                ("date", Arc::new(Date32Array::from(dates))),
                ("amount", amount.array()),
                ("cost", cost.array()),
                ("kind", Arc::new(StringArray::from(kind))),
            ];
            RecordBatch::try_from_iter(columns).unwrap()
        });
    (accounts, transactions).prop_map(|(accounts, transactions)| Tables {
        accounts,
        transactions,
    })
}

fn write_parquet(path: &Path, batch: &RecordBatch, row_group: usize) {
    let file = std::fs::File::create(path).unwrap();
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group.max(1)))
        .build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// Reads the folder holding `tables` both ways, in chunks of `chunk_rows`, with a reject limit
/// of `max_rejects` percent when given; both ways must agree.
fn both_ways_agree(
    tables: &Tables,
    chunk_rows: usize,
    max_rejects: Option<f64>,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(
        &dir.path().join("accounts.parquet"),
        &tables.accounts,
        chunk_rows + 3,
    );
    write_parquet(
        &dir.path().join("transactions.parquet"),
        &tables.transactions,
        chunk_rows * 2,
    );
    let configure = |text: &str| common::config(text, chunk_rows, max_rejects);
    let columnar = read(dir.path(), &configure(""));
    let text_way = read(
        dir.path(),
        &configure("[accounts]\nwhere = \"TRUE\"\n[transactions]\nwhere = \"TRUE\"\n"),
    );
    common::agree(columnar, text_way)
}

proptest! {
    // Each case reads two Parquet tables twice through the engine.
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn typed_columns_and_text_agree(
        tables in (1usize..40).prop_flat_map(tables),
        chunk_rows in 1usize..12,
        max_rejects in prop::option::weighted(0.3, 10.0f64..60.0),
    ) {
        both_ways_agree(&tables, chunk_rows, max_rejects)?;
    }
}

/// Batches of the default size, split over the threads, with a few bad rows among many clean
/// ones: the clean rows around each bad one are taken whole.
#[test]
fn large_batches_with_scattered_problems_agree() {
    let rows = 20_000;
    let id = |i: usize| format!("c{i}");
    let mut ids: Vec<Option<String>> = (0..rows).map(|i| Some(id(i))).collect();
    ids[4_100] = Some(id(17));
    ids[9_000] = None;
    ids[12_345] = Some(" padded".to_owned());
    let mut employees: Vec<Option<f64>> = (0..rows).map(|i| Some((i % 500) as f64)).collect();
    employees[8_191] = Some(2.5);
    employees[8_192] = Some(-1.0);
    let accounts = RecordBatch::try_from_iter([
        ("account_id", Arc::new(StringArray::from(ids)) as ArrayRef),
        ("employees", Arc::new(Float64Array::from(employees)) as ArrayRef),
    ])
    .unwrap();
    let mut tx_ids: Vec<Option<String>> = (0..rows).map(|i| Some(id(i % 1_000))).collect();
    tx_ids[15_000] = Some("unknown".to_owned());
    let transactions = RecordBatch::try_from_iter([
        ("account_id", Arc::new(StringArray::from(tx_ids)) as ArrayRef),
        (
            "date",
            Arc::new(Date32Array::from_value(19_000, rows)) as ArrayRef,
        ),
        (
            "amount",
            Arc::new(Int64Array::from_iter_values(0..rows as i64)) as ArrayRef,
        ),
    ])
    .unwrap();
    let tables = Tables {
        accounts,
        transactions,
    };
    both_ways_agree(&tables, Chunking::default().chunk_rows, None).unwrap();
}
