//! Property tests of the readers, without the engine: any bytes in any supported format are read
//! to their end, one field per header column in every record, or refused with a reason; never a
//! panic.

use northstar_read::source::{Format, ReadOptions, Record, Source};
use proptest::prelude::*;

/// Lines that look like an accounts table, mixed with noise: quotes, delimiters, byte-order marks,
/// line ends of every kind, braces and invalid UTF-8.
fn text_lines() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        "A[0-9]{1,3},[A-Za-z ]{0,8},[0-9]{0,5}".prop_map(String::into_bytes),
        "[a-c\",;\t\r {}\\[\\]:.0-9-]{0,24}".prop_map(String::into_bytes),
        "\\{\"account_id\": ?\"A[0-9]\"(, ?\"name\": ?\"[a-z\"]{0,4}\")?\\}".prop_map(String::into_bytes),
        Just(b"account_id,name,employees".to_vec()),
        prop::collection::vec(any::<u8>(), 0..12),
    ];
    let bom = prop::sample::select(vec![&b""[..], b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]);
    let end = prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r"]);
    (bom, end, prop::collection::vec(line, 0..16)).prop_map(|(bom, end, lines)| {
        let mut bytes = bom.to_vec();
        bytes.extend_from_slice(b"account_id,name,employees");
        for line in lines {
            bytes.extend_from_slice(end);
            bytes.extend(line);
        }
        bytes
    })
}

/// Reads the file `name` holding `bytes` to its end, checking every record against the header.
fn read(
    name: &str,
    bytes: &[u8],
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let (format, gz) = Format::of(&path).unwrap();
    let options = ReadOptions {
        batch_rows: 3,
        encoding,
        ..ReadOptions::default()
    };
    let Ok(mut source) = Source::open(&path, format, gz, &options) else {
        return Ok(());
    };
    let width = source.header().len();
    let mut last_line = 0;
    while let Ok(Some(record)) = source.next_record() {
        match record {
            Record::Fields { line, fields } => {
                prop_assert_eq!(fields.len(), width);
                prop_assert!(line > last_line, "line {} after {}", line, last_line);
                last_line = line;
            }
            Record::Broken(problem) => {
                prop_assert!(!problem.reason.is_empty());
                prop_assert!(
                    problem.line > last_line,
                    "line {} after {}",
                    problem.line,
                    last_line
                );
                last_line = problem.line;
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_text_file_is_read_or_refused(
        bytes in text_lines(),
        name in prop::sample::select(vec!["accounts.csv", "accounts.tsv", "accounts.jsonl"]),
        latin1 in any::<bool>(),
    ) {
        read(name, &bytes, latin1.then_some(encoding_rs::WINDOWS_1252))?;
    }

    #[test]
    fn any_bytes_as_a_workbook_or_parquet_file_are_refused_or_read(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        name in prop::sample::select(vec!["accounts.xlsx", "accounts.parquet", "accounts.csv.gz"]),
    ) {
        read(name, &bytes, None)?;
    }
}
