//! What the fuzz targets share: a file of any bytes read to its end as the readers read an
//! input table, with the header names a preset's mapping asks for.

use std::path::Path;
use std::sync::OnceLock;

use northstar_read::Config;
use northstar_read::source::{Format, ReadOptions, Record, Source, batch_records};

/// Most records read from one input: enough to reach every state of a reader.
const MOST_RECORDS: usize = 10_000;

/// Writes `bytes` to a file named `name` and reads it to its end, or to its first error, as
/// the `accounts` table mapped by the HubSpot preset; every record must have one field per
/// header column, and a delimited file read in batches must give the same records.
pub fn read(bytes: &[u8], name: &str) {
    contain_decoder_panics();
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"));
    let path = dir.path().join(name);
    if std::fs::write(&path, bytes).is_ok() {
        read_path(&path);
    }
}

/// The readers turn a panic of a third-party decoder into an error; libFuzzer's panic hook would
/// abort on it all the same. A panic that escapes a reader still aborts: libfuzzer-sys catches
/// it around the target.
fn contain_decoder_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
}

/// How the readers are asked to read: the header the HubSpot preset maps, in small batches.
fn options() -> &'static ReadOptions {
    static OPTIONS: OnceLock<ReadOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let config = Config::parse("[accounts]\npreset = \"hubspot\"\n").expect("the preset parses");
        let spec = northstar_read::contract::table("accounts").expect("the accounts table");
        ReadOptions {
            batch_rows: 64,
            header_names: config.table("accounts").required_headers(spec),
            ..ReadOptions::default()
        }
    })
}

fn read_path(path: &Path) {
    let Some((format, gz)) = Format::of(path) else {
        return;
    };
    let Ok(mut source) = Source::open(path, format, gz, options()) else {
        return;
    };
    let columns = source.header().len();
    let mut records = Vec::new();
    for _ in 0..MOST_RECORDS {
        match source.next_record() {
            Ok(Some(record)) => {
                match &record {
                    Record::Fields { fields, .. } => assert_eq!(fields.len(), columns),
                    Record::Broken(problem) => assert!(!problem.reason.is_empty()),
                }
                records.push(record);
            }
            Ok(None) => break,
            Err(_) => return,
        }
    }
    if matches!(format, Format::Csv | Format::Tsv) {
        assert_eq!(batched_records(path, format, gz, records.len()), Some(records));
    }
}

/// The first `most` records of the delimited file at `path` as its batches give them, rows
/// and rows that could not be split in line order; `None` when reading it fails.
fn batched_records(path: &Path, format: Format, gz: bool, most: usize) -> Option<Vec<Record>> {
    let mut source = Source::open(path, format, gz, options()).ok()?;
    let mut records = Vec::new();
    while records.len() < most {
        let Some(read) = source.next_batch().ok()? else {
            break;
        };
        let mut broken = read.broken.into_iter().peekable();
        for row in 0..read.batch.num_rows() {
            let line = read.lines.of(row);
            while let Some(problem) = broken.next_if(|p| p.line < line) {
                records.push(Record::Broken(problem));
            }
            records.extend(batch_records(path, &read.batch.slice(row, 1), line).ok()?);
        }
        records.extend(broken.map(Record::Broken));
    }
    records.truncate(most);
    Some(records)
}
