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
