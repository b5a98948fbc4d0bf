//! Inputs the fuzzers found to crash a reader, each read again here: a clear error or records,
//! never a panic.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use northstar_read::source::{Format, ReadOptions, Source};
use parquet::column::page::{CompressedPage, Page, PageWriteSpec, PageWriter};
use parquet::column::writer::{ColumnWriter, get_column_writer};
use parquet::errors::Result as ParquetResult;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::SchemaDescriptor;

/// Reads the found input `name` as `format` to its end; returns the error, if any.
fn read(name: &str, format: Format) -> Option<String> {
    read_path(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz_found")
            .join(name),
        format,
    )
}

/// Reads the file at `path` as `format` to its end; returns the error, if any.
fn read_path(path: &Path, format: Format) -> Option<String> {
    let mut source = match Source::open(path, format, false, &ReadOptions::default()) {
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

#[test]
fn a_parquet_dictionary_page_that_declares_billions_of_values() {
    // The fuzzer's 2 KB file declared billions of values in a dictionary page of a few bytes; the
    // decoder reserved room for all of them and the process ran out of memory. The same damage is
    // made here to a valid file, to a page of two eight-byte values.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("declares-billions.parquet");
    write_int64_column_declaring(&path, &[7, 9, 7, 9], 2_000_000_000);
    let error = read_path(&path, Format::Parquet).expect("refused");
    assert!(
        error.contains("declares-billions.parquet")
            && error.contains("a dictionary page declares 2000000000 values but holds 16 bytes"),
        "{error}"
    );

    // The undamaged file reads whole: the check refuses only what its bytes cannot back.
    let sound = dir.path().join("sound.parquet");
    write_int64_column_declaring(&sound, &[7, 9, 7, 9], 2);
    assert_eq!(read_path(&sound, Format::Parquet), None);
}

/// Writes a Parquet file of one dictionary-encoded INT64 column holding `values`, whose
/// dictionary page declares `declared` values.
fn write_int64_column_declaring(path: &Path, values: &[i64], declared: u32) {
    let schema = Arc::new(parse_message_type("message t { required int64 amount; }").unwrap());
    let properties = Arc::new(WriterProperties::builder().build());
    let chunk_path = path.with_extension("chunk");
    let mut chunk = TrackedWrite::new(File::create(&chunk_path).unwrap());
    let closed = {
        let pages = Box::new(Declaring {
            inner: SerializedPageWriter::new(&mut chunk),
            declared,
        });
        let column = SchemaDescriptor::new(Arc::clone(&schema)).column(0);
        let mut writer = get_column_writer(column, Arc::clone(&properties), pages);
        let ColumnWriter::Int64ColumnWriter(typed) = &mut writer else {
            unreachable!("the column is INT64")
        };
        typed.write_batch(values, None, None).unwrap();
        writer.close().unwrap()
    };
    chunk.into_inner().unwrap().sync_all().unwrap();
    let mut file = SerializedFileWriter::new(File::create(path).unwrap(), schema, properties).unwrap();
    let mut group = file.next_row_group().unwrap();
    group
        .append_column(&File::open(&chunk_path).unwrap(), closed)
        .unwrap();
    group.close().unwrap();
    file.close().unwrap();
}

/// A page writer that writes each dictionary page declaring `declared` values, whatever it holds.
struct Declaring<P> {
    inner: P,
    declared: u32,
}

impl<P: PageWriter> PageWriter for Declaring<P> {
    fn write_page(&mut self, page: CompressedPage) -> ParquetResult<PageWriteSpec> {
        let page = match page.compressed_page() {
            Page::DictionaryPage {
                buf,
                encoding,
                is_sorted,
                ..
            } => CompressedPage::new(
                Page::DictionaryPage {
                    buf: buf.clone(),
                    num_values: self.declared,
                    encoding: *encoding,
                    is_sorted: *is_sorted,
                },
                page.uncompressed_size(),
            ),
            _ => page,
        };
        self.inner.write_page(page)
    }

    fn close(&mut self) -> ParquetResult<()> {
        self.inner.close()
    }
}
