//! A table streamed to a consumer gets the same rows, in the same order, with the same counts
//! and rejects, as the same table staged for the engine: for text and Parquet files, keys in
//! order and out, duplicates, bad values, any chunking and a reject limit. A consumer that hangs
//! up stops the reading, and `accounts`, whose referrers are checked at the end, is not streamed.

use std::path::Path;
use std::sync::Arc;

use northstar_engine::Engine;
use northstar_engine::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use northstar_engine::arrow::compute::{cast, concat_batches};
use northstar_engine::arrow::datatypes::{DataType, Field, Schema};
use northstar_engine::parquet::arrow::ArrowWriter;
use northstar_engine::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use northstar_ingest::{
    Chunking, Config, IngestError, Ingested, NoProgress, Reject, ingest_file, stream_file,
};
use proptest::prelude::*;

/// One prospect: its id and its employees, as written.
type Prospect = (String, String);

fn prospects() -> impl Strategy<Value = Vec<Prospect>> {
    let id = prop_oneof![(0u32..40).prop_map(|i| format!("P{i:03}")), Just(String::new()),];
    let employees = prop_oneof![
        (0u32..5000).prop_map(|n| n.to_string()),
        Just(String::new()),
        Just("many".to_owned()),
        Just("-4".to_owned()),
    ];
    (prop::collection::vec((id, employees), 0..120), any::<bool>()).prop_map(|(mut rows, sorted)| {
        // Half of the lists come sorted by id, as exports often are, so that the keys are
        // found the way kept while they are in order, then out of order at the end.
        if sorted {
            let tail = rows.len() * 4 / 5;
            rows[..tail].sort();
        }
        rows
    })
}

fn write_csv(path: &Path, rows: &[Prospect]) {
    let mut text = String::from("account_id,employees,industry\n");
    for (id, employees) in rows {
        text.push_str(&format!("{id},{employees},Logistics\n"));
    }
    std::fs::write(path, text).unwrap();
}

/// Writes `rows` as Parquet with whole-number employees (text that is not a number is null),
/// so that the file is read by its typed columns.
fn write_parquet(path: &Path, rows: &[Prospect]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, true),
        Field::new("employees", DataType::Int64, true),
    ]));
    let ids: ArrayRef = Arc::new(StringArray::from_iter(rows.iter().map(|r| Some(r.0.as_str()))));
    let employees: ArrayRef = Arc::new(Int64Array::from_iter(
        rows.iter().map(|r| r.1.parse::<i64>().ok()),
    ));
    let batch = RecordBatch::try_new(schema.clone(), vec![ids, employees]).unwrap();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// What reading gave: counts (read, accepted, rejected), the cut line, the rows, the rejects.
type Read = ([u64; 3], Option<u64>, Option<RecordBatch>, Vec<Reject>);

fn summary(ingested: &Ingested, rows: Option<RecordBatch>) -> Read {
    assert_eq!(ingested.tables.len(), 1, "the list alone is read");
    let t = &ingested.tables[0];
    let counts = [t.rows_read, t.rows_accepted, t.rows_rejected];
    let rejects = ingested.rejects.iter().unwrap().map(Result::unwrap).collect();
    (counts, t.cut_after, rows, rejects)
}

fn concat(batches: &[RecordBatch]) -> Option<RecordBatch> {
    let first = batches.first()?;
    Some(concat_batches(first.schema_ref(), batches).unwrap())
}

fn staged(path: &Path, config: &Config) -> Result<Read, String> {
    let stage = tempfile::tempdir().unwrap();
    let engine = Engine::new(2).unwrap();
    let ingested = ingest_file("prospects", path, config, stage.path(), &engine, &NoProgress)
        .map_err(|e| e.to_string())?;
    let file = std::fs::File::open(ingested.tables[0].staged.as_ref().unwrap()).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).filter(|b| b.num_rows() > 0).collect();
    Ok(summary(&ingested, concat(&batches)))
}

fn streamed(path: &Path, config: &Config) -> Result<Read, String> {
    let stage = tempfile::tempdir().unwrap();
    let engine = Engine::new(2).unwrap();
    let (rows, received) = std::sync::mpsc::sync_channel(1);
    let (ingested, batches) = std::thread::scope(|scope| {
        let taking = scope.spawn(move || received.into_iter().collect::<Vec<RecordBatch>>());
        let ingested = stream_file(
            "prospects",
            path,
            config,
            stage.path(),
            &engine,
            &NoProgress,
            rows,
        );
        (ingested, taking.join().unwrap())
    });
    let ingested = ingested.map_err(|e| e.to_string())?;
    assert!(ingested.tables[0].staged.is_none(), "nothing is staged");
    // Text the file stores as a dictionary may come as one; as the staged types, the rows are
    // the same.
    let schema = ingested.tables[0].schema.clone();
    let batches: Vec<RecordBatch> = batches
        .into_iter()
        .filter(|b| b.num_rows() > 0)
        .map(|b| {
            let columns = (schema.fields().iter().zip(b.columns()))
                .map(|(field, column)| cast(column, field.data_type()).unwrap())
                .collect();
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        })
        .collect();
    Ok(summary(&ingested, concat(&batches)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn streamed_rows_are_the_staged_rows(
        rows in prospects(),
        parquet in any::<bool>(),
        chunk_rows in 1usize..40,
        batch_rows in 1usize..50,
        max_rejects in proptest::option::of(5.0f64..60.0),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if parquet { "list.parquet" } else { "list.csv" });
        if parquet {
            write_parquet(&path, &rows);
        } else {
            write_csv(&path, &rows);
        }
        let config = Config {
            chunking: Chunking { chunk_rows, batch_rows },
            max_rejects,
            ..Config::default()
        };
        let (staged, streamed) = (staged(&path, &config), streamed(&path, &config));
        prop_assert_eq!(&staged, &streamed);
        if let Ok((counts, _, _, _)) = staged {
            prop_assert_eq!(counts[1] + counts[2], counts[0], "every row read is accepted or rejected");
        }
    }
}

#[test]
fn a_consumer_that_hangs_up_stops_the_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.csv");
    let rows: Vec<Prospect> = (0..5000).map(|i| (format!("P{i:05}"), "10".to_owned())).collect();
    write_csv(&path, &rows);
    let config = Config {
        chunking: Chunking {
            chunk_rows: 100,
            batch_rows: 100,
        },
        ..Config::default()
    };
    let stage = tempfile::tempdir().unwrap();
    let engine = Engine::new(2).unwrap();
    let (sender, received) = std::sync::mpsc::sync_channel(0);
    drop(received);
    let stopped = stream_file(
        "prospects",
        &path,
        &config,
        stage.path(),
        &engine,
        &NoProgress,
        sender,
    );
    assert!(
        matches!(&stopped, Err(IngestError::Unconsumed { table }) if table == "prospects"),
        "{stopped:?}"
    );
}

#[test]
fn accounts_are_not_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    std::fs::write(&path, "account_id\nA1\n").unwrap();
    let stage = tempfile::tempdir().unwrap();
    let engine = Engine::new(2).unwrap();
    let (sender, _received) = std::sync::mpsc::sync_channel(4);
    let refused = stream_file(
        "accounts",
        &path,
        &Config::default(),
        stage.path(),
        &engine,
        &NoProgress,
        sender,
    );
    assert!(
        matches!(&refused, Err(IngestError::Layout(reason)) if reason.contains("referrers")),
        "{refused:?}"
    );
}
