//! Property-based fuzzing of the parsers: any bytes in any supported text format, and any text in
//! a value parser, end in values or errors, never in a panic; a file that is read loses no row.

use northstar_engine::Engine;
use northstar_ingest::values::{NumberFormat, parse_date, parse_integer, parse_month, parse_number};
use northstar_ingest::{Config, NoProgress, ingest};
use proptest::prelude::*;

/// Lines that look like a transactions table, mixed with noise: the shapes that reach deep into
/// the parser (quotes, delimiters, BOMs, ragged rows, bad values, invalid UTF-8).
fn transaction_lines() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        "[a-c]{1,2},20[0-9]{2}-[01][0-9]-[0-3][0-9],-?[0-9]{1,4}(\\.[0-9]{1,3})?"
            .prop_map(String::into_bytes),
        "[a-c\",;\t $.0-9-]{0,20}".prop_map(String::into_bytes),
        "\"[a-c\n,]{0,6}\",2024-01-01,1".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..12),
    ];
    (prop::bool::ANY, prop::collection::vec(line, 0..12)).prop_map(|(bom, lines)| {
        let mut bytes = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(b"account_id,date,amount\n");
        for line in lines {
            bytes.extend(line);
            bytes.push(b'\n');
        }
        bytes
    })
}

proptest! {
    // Each case ingests a folder through the engine.
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_transactions_file_is_read_or_refused_and_keeps_every_row(
        bytes in transaction_lines(),
        name in prop::sample::select(vec!["transactions.csv", "transactions.tsv", "transactions.jsonl"]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let stage = tempfile::tempdir().unwrap();
        let engine = Engine::new(1).unwrap();
        if let Ok(ingested) = ingest(dir.path(), &Config::default(), stage.path(), &engine, &NoProgress) {
            let tx = ingested.table("transactions").unwrap();
            prop_assert_eq!(tx.rows_read, tx.rows_accepted + tx.rows_rejected + tx.rows_excluded + tx.footer_lines);
            let rejected_lines: std::collections::BTreeSet<u64> =
                ingested.rejects.iter().unwrap().map(Result::unwrap).filter(|r| r.table == "transactions").map(|r| r.line).collect();
            prop_assert_eq!(rejected_lines.len() as u64, tx.rows_rejected);
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn value_parsers_never_panic(
        text in "\\PC{0,30}",
        format in prop::sample::select(vec![None, Some("%d/%m/%Y"), Some("%m/%d/%Y %H:%M")]),
    ) {
        for number_format in [NumberFormat::Plain, NumberFormat::Us, NumberFormat::Eu] {
            let _ = parse_number(&text, number_format);
            let _ = parse_integer(&text, number_format);
        }
        let _ = parse_date(&text, format);
        let _ = parse_month(&text, format);
    }

    #[test]
    fn plain_numbers_and_iso_dates_round_trip(x in -1e15f64..1e15, days in 0i64..40_000) {
        prop_assert_eq!(parse_number(&format!("{x}"), NumberFormat::Plain), Ok(x));
        let date = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(days);
        prop_assert_eq!(parse_date(&date.to_string(), None), Ok(date));
    }
}
