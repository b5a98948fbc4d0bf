//! Where reading stops for too many rejects: at the row whose reject makes the table certain to
//! pass `--max-rejects`, the same row whatever sizes the rows are read in, with the rejects ending
//! on a line that says so and no table read after it.

use std::io::Write;
use std::path::Path;

use northstar_ingest::{Ingested, Reject};
use northstar_pipeline::{Chunking, Options, Silent, Validated, check_reject_limit, validate};

use crate::support::options_with;

/// Reads the data folder `dir` with the default 1% limit, rows read in `chunking`'s sizes.
fn read(dir: &Path, chunking: Chunking) -> Validated {
    let options = Options {
        chunking,
        ..options_with(2)
    };
    validate(dir, None, &options, &Silent).expect("read")
}

/// An accounts file of `rows` rows, those numbered in `bad` (from 1) with employees "many", and
/// those in `ragged` with a field too many.
fn accounts(rows: u64, bad: &[u64], ragged: &[u64]) -> String {
    let mut text = String::from("account_id,name,employees\n");
    for row in 1..=rows {
        let employees = if bad.contains(&row) { "many" } else { "10" };
        let extra = if ragged.contains(&row) { ",x" } else { "" };
        text.push_str(&format!("A{row},Company {row},{employees}{extra}\n"));
    }
    text
}

/// The rejects as (line, column), and the reason of the last, read back from their file.
fn lines(ingested: &Ingested) -> (Vec<(u64, String)>, String) {
    let rejects: Vec<Reject> = ingested
        .rejects
        .iter()
        .expect("rejects")
        .collect::<Result<_, _>>()
        .expect("rejects read back");
    assert_eq!(rejects.len(), ingested.rejects.len(), "counted as written");
    let lines = rejects.iter().map(|r| (r.line, r.column.clone())).collect();
    let last = rejects.last().map(|r| r.reason.clone()).unwrap_or_default();
    (lines, last)
}

#[test]
fn reading_stops_at_the_reject_that_puts_a_table_past_the_limit_in_any_chunk_sizes() {
    let dir = tempfile::tempdir().expect("dir");
    // 1,000 rows on 1,001 lines: at most 1,002 rows, so the 11th reject passes 1% of them. Rows
    // that cannot be split (3 and 7) count among the others in line order.
    let bad: Vec<u64> = (1..=30).filter(|r| r % 7 != 0 && *r != 3).collect();
    fs_err::write(dir.path().join("accounts.csv"), accounts(1_000, &bad, &[3, 7])).expect("write");
    fs_err::write(
        dir.path().join("transactions.csv"),
        "account_id,date,amount\nA1,2024-01-31,10\n",
    )
    .expect("write");
    let mut expected: Vec<(u64, String)> = (1..=11)
        .map(|row| {
            let column = if row == 3 || row == 7 { "" } else { "employees" };
            (row + 1, column.to_owned())
        })
        .collect();
    expected.push((12, String::new()));
    for (chunk_rows, batch_rows) in [(8192, 65_536), (1, 1), (7, 13), (1000, 3)] {
        let validated = read(
            dir.path(),
            Chunking {
                chunk_rows,
                batch_rows,
            },
        );
        let ingested = &validated.ingested;
        let what = format!("chunks of {chunk_rows}");
        let tables: Vec<&str> = ingested.tables.iter().map(|t| t.table).collect();
        assert_eq!(tables, ["accounts"], "{what}: nothing read after the table");
        let accounts = &ingested.tables[0];
        assert_eq!(accounts.cut_after, Some(12), "{what}");
        assert_eq!(
            (accounts.rows_read, accounts.rows_rejected, accounts.rows_accepted),
            (11, 11, 0),
            "{what}"
        );
        let (lines, last) = lines(ingested);
        assert_eq!(lines, expected, "{what}");
        assert!(
            last.starts_with("reading stopped after line 12: 11 of the 11 rows read were rejected")
                && last.contains("the 1,002 rows the file can hold at most"),
            "{what}: {last}"
        );
        let error = check_reject_limit(ingested, 1.0, None).expect_err("past the limit");
        assert!(
            error.to_string().contains("reading stopped after line 12"),
            "{error}"
        );
    }
}

#[test]
fn a_reject_on_the_last_row_stops_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    // 100 rows: the second reject, on the last row, passes 1% of at most 102.
    fs_err::write(dir.path().join("accounts.csv"), accounts(100, &[99, 100], &[])).expect("write");
    fs_err::write(
        dir.path().join("transactions.csv"),
        "account_id,date,amount\nA1,2024-01-31,10\n",
    )
    .expect("write");
    let validated = read(dir.path(), Chunking::default());
    let ingested = &validated.ingested;
    assert_eq!(ingested.tables[0].cut_after, None);
    assert_eq!(ingested.tables[0].rows_read, 100);
    assert!(ingested.table("transactions").is_some(), "every table read");
    assert_eq!(
        lines(ingested).0,
        [(100, "employees".to_owned()), (101, "employees".to_owned())]
    );
    assert!(check_reject_limit(ingested, 1.0, None).is_err());
}

#[test]
fn a_compressed_file_stops_once_enough_rows_are_read_past_the_limit() {
    let dir = tempfile::tempdir().expect("dir");
    // Every tenth row is bad: 10% from the start, but an unsized file reads 100,000 rows first.
    let bad: Vec<u64> = (1..=120_000).filter(|r| r % 10 == 0).collect();
    let file = fs_err::File::create(dir.path().join("accounts.csv.gz")).expect("create");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(accounts(120_000, &bad, &[]).as_bytes())
        .expect("write");
    gz.finish().expect("finish");
    let validated = read(dir.path(), Chunking::default());
    let ingested = &validated.ingested;
    let accounts = &ingested.tables[0];
    assert_eq!(accounts.cut_after, Some(100_001));
    assert_eq!((accounts.rows_read, accounts.rows_rejected), (100_000, 10_000));
    let (lines, last) = lines(ingested);
    assert_eq!(lines.len(), 10_001);
    assert!(
        last.starts_with("reading stopped after line 100001: 10,000 of the 100,000 rows read")
            && last.contains("not known ahead"),
        "{last}"
    );
}
