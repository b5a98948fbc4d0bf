//! What the tests comparing two ways of reading a folder share: reading it, and the assertion
//! that both ways agree.

use std::path::Path;

use northstar_engine::Engine;
use northstar_engine::arrow::array::RecordBatch;
use northstar_engine::arrow::compute::concat_batches;
use northstar_engine::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use northstar_ingest::{Chunking, Config, Ingested, NoProgress, Reject, ingest};
use proptest::prelude::*;

/// One table read: its name, counts (read, accepted, rejected, excluded), cut, footer lines and
/// staged rows.
type TableRead = (String, [u64; 4], Option<u64>, u64, RecordBatch);

/// What reading a folder gave: its tables, then the rejects.
pub type Read = (Vec<TableRead>, Vec<Reject>);

/// Reads the folder `dir` with `config` into a staging folder of its own.
pub fn read(dir: &Path, config: &Config) -> Result<Read, String> {
    let stage = tempfile::tempdir().unwrap();
    let engine = Engine::new(2).unwrap();
    let Ingested { tables, rejects } =
        ingest(dir, config, stage.path(), &engine, &NoProgress).map_err(|e| e.to_string())?;
    let tables = tables
        .iter()
        .map(|t| {
            let file = std::fs::File::open(t.staged.as_ref().unwrap()).unwrap();
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap();
            let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
            let rows = concat_batches(&t.schema, &batches).unwrap();
            let counts = [t.rows_read, t.rows_accepted, t.rows_rejected, t.rows_excluded];
            (t.table.to_owned(), counts, t.cut_after, t.footer_lines, rows)
        })
        .collect();
    Ok((tables, rejects.iter().unwrap().map(Result::unwrap).collect()))
}

/// Two readings of one folder agree: the same rejects, and per table the same counts, cut,
/// footer lines and staged rows; or the same error.
pub fn agree(a: Result<Read, String>, b: Result<Read, String>) -> Result<(), TestCaseError> {
    match (a, b) {
        (Ok((tables, rejects)), Ok((other_tables, other_rejects))) => {
            prop_assert_eq!(rejects, other_rejects);
            prop_assert_eq!(tables.len(), other_tables.len());
            for (a, b) in tables.iter().zip(&other_tables) {
                prop_assert_eq!(&a.0, &b.0);
                prop_assert_eq!(a.1, b.1, "counts of {}", a.0);
                prop_assert_eq!(a.2, b.2, "cut of {}", a.0);
                prop_assert_eq!(a.3, b.3, "footer lines of {}", a.0);
                prop_assert_eq!(&a.4, &b.4, "staged rows of {}", a.0);
            }
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        (a, b) => prop_assert!(false, "one way failed: {:?} against {:?}", a.err(), b.err()),
    }
    Ok(())
}

/// The configuration `text`, read in chunks of `chunk_rows` (staged in batches one larger), with
/// a reject limit of `max_rejects` percent when given.
pub fn config(text: &str, chunk_rows: usize, max_rejects: Option<f64>) -> Config {
    let mut config = Config::parse(text).unwrap();
    config.chunking = Chunking {
        chunk_rows,
        batch_rows: chunk_rows + 1,
    };
    config.max_rejects = max_rejects;
    config
}
