//! A Parquet text column stored as a dictionary in every row group is read as one (a key per
//! row); a column whose writer fell back to plain pages, and any other column, keeps its type;
//! the rows read as text are the same either way.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::DataType;
use northstar_read::source::{Format, ReadOptions, Record, Source, batch_records};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

const ROWS: usize = 5_000;

/// A list of `ROWS` accounts: unique ids (past a small dictionary page, stored plain), an
/// industry of four values with blanks and padding, and a number.
fn accounts() -> RecordBatch {
    let industries = [
        Some("Logistics"),
        Some(" retail "),
        None,
        Some(""),
        Some("Energy"),
    ];
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "account_id",
            Arc::new(StringArray::from_iter_values(
                (0..ROWS).map(|i| format!("acct-{i:06}")),
            )),
        ),
        (
            "industry",
            Arc::new(
                (0..ROWS)
                    .map(|i| industries[i % industries.len()])
                    .collect::<StringArray>(),
            ),
        ),
        (
            "employees",
            Arc::new(Int64Array::from_iter_values(0..ROWS as i64)),
        ),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

/// Every record of the Parquet file `path`, by batches, with the type of each batch column.
fn read(path: &std::path::Path) -> (Vec<DataType>, Vec<Record>) {
    let options = ReadOptions {
        batch_rows: 700,
        ..ReadOptions::default()
    };
    let mut source = Source::open(path, Format::Parquet, false, &options).unwrap();
    let types = source
        .batch_schema()
        .unwrap()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    let mut records = Vec::new();
    while let Some(read) = source.next_batch().unwrap() {
        records.extend(batch_records(path, &read.batch, read.lines.of(0)).unwrap());
    }
    (types, records)
}

#[test]
fn a_column_stored_as_a_dictionary_is_read_as_one_with_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let batch = accounts();
    let write = |name: &str, dictionary: bool| {
        let path = dir.path().join(name);
        let properties = WriterProperties::builder()
            .set_dictionary_enabled(dictionary)
            .set_dictionary_page_size_limit(4096)
            .set_max_row_group_row_count(Some(2_000))
            .build();
        let mut writer = ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            batch.schema(),
            Some(properties),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        path
    };
    let (types, records) = read(&write("dictionary.parquet", true));
    let text = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    assert_eq!(types, [DataType::Utf8, text, DataType::Int64]);
    let (plain_types, plain_records) = read(&write("plain.parquet", false));
    assert_eq!(plain_types, [DataType::Utf8, DataType::Utf8, DataType::Int64]);
    assert_eq!(records.len(), ROWS);
    assert_eq!(records, plain_records);
    let Record::Fields { line, fields } = &records[2] else {
        panic!("row 3 is read: {:?}", records[2]);
    };
    assert_eq!(
        (*line, fields.as_slice()),
        (
            3,
            &[Some("acct-000002".to_owned()), None, Some("2".to_owned())][..]
        )
    );
}
