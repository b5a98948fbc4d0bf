//! Inputs the fuzzers found to crash a reader, each read again here: a clear error or records,
//! never a panic.

use std::path::Path;

use northstar_read::source::{Format, ReadOptions, Source};

/// Reads the found input `name` as `format` to its end; returns the error, if any.
fn read(name: &str, format: Format) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_found")
        .join(name);
    let mut source = match Source::open(&path, format, false, &ReadOptions::default()) {
        Ok(source) => source,
        Err(e) => return Some(e.to_string()),
    };
    loop {
        match source.next_record() {
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(e) => return Some(e.to_string()),
        }
    }
}

#[test]
fn a_parquet_file_whose_embedded_arrow_schema_names_an_unknown_type() {
    // The Arrow schema a writer embeds named type 68, which the decoder met with a panic; the
    // Parquet schema alone is read.
    let outcome = read("parquet-unknown-arrow-type.parquet", Format::Parquet);
    if let Some(error) = outcome {
        assert!(error.contains("parquet-unknown-arrow-type.parquet"), "{error}");
    }
}

#[test]
fn an_xlsx_file_whose_cells_point_past_their_strings() {
    // calamine indexed past an empty list while reading the sheet's cells.
    let error = read("xlsx-shared-string-index.xlsx", Format::Xlsx).expect("refused");
    assert!(
        error.contains("xlsx-shared-string-index.xlsx") && error.contains("likely damaged"),
        "{error}"
    );
}

#[test]
fn a_parquet_file_whose_dictionary_page_is_missing() {
    // The column decoder met dictionary-encoded data before any dictionary.
    let error = read("parquet-dictionary-page-missing.parquet", Format::Parquet).expect("refused");
    assert!(
        error.contains("parquet-dictionary-page-missing.parquet"),
        "{error}"
    );
}
