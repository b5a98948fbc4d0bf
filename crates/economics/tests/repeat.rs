//! The repeat-purchase summary reproduces Fader and Hardie's CDNOW calibration summary from the
//! raw transactions.

use std::sync::Arc;

use northstar_clv::TimeUnit;
use northstar_economics::repeat_summary;
use northstar_engine::Engine;
use northstar_engine::arrow::array::{ArrayRef, Date32Array, Float64Array, StringArray};
use northstar_engine::arrow::datatypes::{DataType, Field, Schema};
use northstar_engine::arrow::record_batch::RecordBatch;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../clv/tests/fixtures/cdnow");

/// Days from 1970-01-01 to the civil date `yyyymmdd`.
fn epoch_days(yyyymmdd: &str) -> i32 {
    let (y, m, d): (i64, i64, i64) = (
        yyyymmdd[..4].parse().unwrap(),
        yyyymmdd[4..6].parse().unwrap(),
        yyyymmdd[6..].parse().unwrap(),
    );
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

/// The CDNOW sample's transactions as the contract's `transactions` table.
fn engine_with_cdnow() -> Engine {
    let text = fs_err::read_to_string(format!("{FIXTURES}/CDNOW_sample.txt")).unwrap();
    let (mut ids, mut dates, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        ids.push(fields[1].trim_start_matches('0').to_owned());
        dates.push(epoch_days(fields[2]));
        amounts.push(fields[4].parse::<f64>().unwrap());
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("amount", DataType::Float64, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(ids)),
        Arc::new(Date32Array::from(dates)),
        Arc::new(Float64Array::from(amounts)),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let engine = Engine::new(2).unwrap();
    engine
        .register_batches("transactions", schema, vec![batch])
        .unwrap();
    engine
}

#[test]
fn cdnow_summary_matches_fader_and_hardie() {
    let engine = engine_with_cdnow();
    let summary = repeat_summary(&engine, TimeUnit::Week, Some(10_134 /* 1997-09-30 */)).unwrap();
    assert_eq!(summary.histories.len(), 2357);
    assert_eq!(summary.holdout_end.as_deref(), Some("1998-06-30"));
    assert!((summary.holdout_length - 39.0).abs() < 1e-12);
    let mut reader = csv::Reader::from_path(format!(
        "{FIXTURES}/cdnow_customers_summary_with_transactions.csv"
    ))
    .unwrap();
    let mut checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let history = summary
            .histories
            .iter()
            .find(|h| h.account_id == record[0])
            .unwrap_or_else(|| panic!("customer {} missing", &record[0]));
        let published = |i: usize| record[i].parse::<f64>().unwrap();
        assert_eq!(
            f64::from(history.customer.frequency),
            published(1),
            "x of {}",
            &record[0]
        );
        // The published summary is rounded to two decimals.
        assert!(
            (history.customer.recency - published(2)).abs() <= 0.005 + 1e-9,
            "t_x of {}",
            &record[0]
        );
        assert!(
            (history.customer.age - published(3)).abs() <= 0.005 + 1e-9,
            "T of {}",
            &record[0]
        );
        assert!(
            (history.mean_spend - published(4)).abs() <= 0.005 + 1e-9,
            "zbar of {}",
            &record[0]
        );
        checked += 1;
    }
    assert_eq!(checked, 2357);
    let holdout: u32 = summary.histories.iter().map(|h| h.holdout_purchases).sum();
    assert_eq!(holdout, holdout_purchase_days(), "holdout purchases");
}

#[test]
fn calibration_defaults_to_the_last_day_and_units_scale() {
    let engine = engine_with_cdnow();
    let weeks = repeat_summary(&engine, TimeUnit::Week, None).unwrap();
    let days = repeat_summary(&engine, TimeUnit::Day, None).unwrap();
    assert_eq!(weeks.calibration_end, "1998-06-30");
    assert_eq!((weeks.holdout_end.clone(), weeks.holdout_length), (None, 0.0));
    for (w, d) in weeks.histories.iter().zip(&days.histories) {
        assert_eq!(w.customer.frequency, d.customer.frequency);
        assert!((w.customer.age * 7.0 - d.customer.age).abs() < 1e-9);
        assert_eq!(w.holdout_purchases, 0);
    }
    // Every customer's first purchase is in the first quarter of 1997: T ≥ 1998-06-30 − 1997-03-31.
    assert!(days.histories.iter().all(|h| h.customer.age >= 456.0));
}

/// Customer-days with a purchase after 1997-09-30, counted straight from the raw file.
fn holdout_purchase_days() -> u32 {
    let text = fs_err::read_to_string(format!("{FIXTURES}/CDNOW_sample.txt")).unwrap();
    let days: std::collections::BTreeSet<(String, String)> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f[2] > "19970930")
        .map(|f| (f[1].to_owned(), f[2].to_owned()))
        .collect();
    days.len() as u32
}
