//! An input file that changes while it is read is refused, naming it, with nothing staged from
//! it: the change is made as the read starts, through the progress hook, so it always lands
//! between the open and the end of the read. A file left alone is read with the checksum of its
//! bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use northstar_engine::Engine;
use northstar_ingest::{Config, IngestError, Ingested, NoProgress, Progress, ingest_file};

/// Changes the file being read as soon as its read starts.
struct Writer {
    path: PathBuf,
    change: fn(&std::path::Path),
}

impl Progress for Writer {
    fn start(&self, _: &str, _: u64, _: Arc<AtomicU64>) {
        (self.change)(&self.path);
    }
    fn finish(&self, _: &str) {}
}

/// Writes a transactions file of 5,000 rows into `dir`: 113 KB, more than one read of it.
fn transactions_file(dir: &Path) -> PathBuf {
    let path = dir.join("transactions.csv");
    let rows: String = (0..5000)
        .map(|i| format!("A{},2024-01-{:02},{}.50\n", i % 50, i % 28 + 1, i))
        .collect();
    fs_err::write(&path, format!("account_id,date,amount\n{rows}")).expect("write");
    path
}

/// Reads the transactions file at `path`, telling `progress`.
fn read(path: &Path, progress: &dyn Progress) -> Result<Ingested, IngestError> {
    let stage = tempfile::tempdir().expect("stage");
    let engine = Engine::new(1).expect("engine");
    ingest_file(
        "transactions",
        path,
        &Config::default(),
        stage.path(),
        &engine,
        progress,
    )
}

fn read_while(change: fn(&std::path::Path)) -> Result<(), IngestError> {
    let dir = tempfile::tempdir().expect("dir");
    let path = transactions_file(dir.path());
    let writer = Writer {
        path: path.clone(),
        change,
    };
    read(&path, &writer).map(|_| ())
}

/// A file's checksum is its BLAKE3 hash, as the reference implementation gives it (the
/// `blake3` Python package, over the same bytes).
#[test]
fn a_file_s_checksum_is_its_blake3_hash() {
    let dir = tempfile::tempdir().expect("dir");
    let read = read(&transactions_file(dir.path()), &NoProgress).expect("file");
    assert_eq!(
        read.tables[0].blake3.as_deref(),
        Some("d8d2b0cdd496f94a646d9126c4b51f9d0d37a6d1a9c4765e98108ac3a950e153")
    );
}

#[test]
fn a_file_appended_to_while_it_is_read_is_refused() {
    let error = read_while(|path| {
        use std::io::Write;
        let mut file = fs_err::File::options().append(true).open(path).expect("open");
        file.write_all(b"A1,2024-02-01,9.00\n").expect("append");
    })
    .expect_err("refused");
    let text = error.to_string();
    assert!(
        text.contains("transactions.csv")
            && text.contains("changed while it was read")
            && text.contains("size"),
        "{text}"
    );
    assert!(!error.is_bug(), "exit 1: the user's to fix");
}

#[test]
fn a_file_replaced_while_it_is_read_is_refused() {
    let error = read_while(|path| {
        let next = path.with_extension("next");
        fs_err::copy(path, &next).expect("copy");
        fs_err::rename(&next, path).expect("replace");
    })
    .expect_err("refused");
    assert!(error.to_string().contains("replaced by another file"), "{error}");
}

#[test]
fn a_file_left_alone_is_read() {
    read_while(|_| {}).expect("read");
}
