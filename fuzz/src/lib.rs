//! What the fuzz targets share: a file of any bytes read to its end as the readers read an
//! input table, with the header names a preset's mapping asks for.

use std::path::Path;
use std::sync::OnceLock;

use northstar_read::Config;
use northstar_read::source::{Format, ReadOptions, Record, Source};

/// Most records read from one input: enough to reach every state of a reader.
const MOST_RECORDS: usize = 10_000;

/// Writes `bytes` to a file named `name` and reads it to its end, or to its first error, as
/// the `accounts` table mapped by the HubSpot preset; every record must have one field per
/// header column.
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
    for _ in 0..MOST_RECORDS {
        match source.next_record() {
            Ok(Some(Record::Fields { fields, .. })) => assert_eq!(fields.len(), columns),
            Ok(Some(Record::Broken(problem))) => assert!(!problem.reason.is_empty()),
            Ok(None) | Err(_) => return,
        }
    }
}
