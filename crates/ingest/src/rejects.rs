//! Rejected rows, written to a file in the staging folder as they come: memory holds their
//! count and the first of them, however many there are.
//!
//! The file is `rejects.csv` as a build writes it (a header, then one line per problem, in
//! reading order), so committing it is a copy.

use std::collections::BTreeMap;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::IngestError;

/// The columns of a rejects file.
const HEADER: [&str; 6] = ["table", "file", "line", "column", "value", "reason"];

/// One rejected input row (or one of its problems), as written to `rejects.csv`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    /// The table being read.
    pub table: String,
    /// The file, as named in the data folder or configuration.
    pub file: String,
    /// Line (sheet row, or row number for Parquet) where the row starts.
    pub line: u64,
    /// The column concerned (canonical name, or the file's for a row that could not be mapped).
    pub column: String,
    /// The value as read, shortened if long.
    pub value: String,
    /// What is wrong and, where it helps, how to fix it.
    pub reason: String,
}

/// Rejects being written while tables are read.
pub(crate) struct RejectWriter {
    path: PathBuf,
    writer: csv::Writer<BufWriter<fs_err::File>>,
    count: usize,
    first: Option<Reject>,
}

impl RejectWriter {
    /// Starts the rejects file at `path`.
    pub(crate) fn create(path: &Path) -> Result<Self, IngestError> {
        let file = fs_err::File::create(path).map_err(|source| io_error(path, source))?;
        // The header is written here, so that `serialize` writes none of its own.
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(BufWriter::new(file));
        writer.write_record(HEADER).map_err(|e| csv_error(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            count: 0,
            first: None,
        })
    }

    /// Appends `reject` to the file.
    pub(crate) fn push(&mut self, reject: Reject) -> Result<(), IngestError> {
        self.writer
            .serialize(&reject)
            .map_err(|e| csv_error(&self.path, e))?;
        if self.first.is_none() {
            self.first = Some(reject);
        }
        self.count += 1;
        Ok(())
    }

    /// The file complete, to be read.
    pub(crate) fn finish(mut self) -> Result<Rejects, IngestError> {
        self.writer
            .flush()
            .map_err(|source| io_error(&self.path, source))?;
        Ok(Rejects {
            path: self.path,
            count: self.count,
            first: self.first,
        })
    }
}

/// Every rejected row's problems, in reading order, in a file of the staging folder: they can be
/// read back while that folder lasts; the count and the first stay in memory after it.
#[derive(Debug)]
pub struct Rejects {
    path: PathBuf,
    count: usize,
    first: Option<Reject>,
}

impl Rejects {
    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no row was rejected.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The file that holds them.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first problem read.
    pub fn first(&self) -> Option<&Reject> {
        self.first.as_ref()
    }

    /// Every problem, read back from the file in order.
    pub fn iter(&self) -> io::Result<impl Iterator<Item = io::Result<Reject>>> {
        let file = fs_err::File::open(&self.path)?;
        let reader = csv::Reader::from_reader(BufReader::new(file));
        Ok(reader
            .into_deserialize()
            .map(|r: csv::Result<Reject>| r.map_err(io::Error::other)))
    }

    /// How many problems each table has for each reason, by table and reason.
    pub fn reason_counts(&self) -> io::Result<BTreeMap<(String, String), u64>> {
        let mut counts = BTreeMap::new();
        for reject in self.iter()? {
            let Reject { table, reason, .. } = reject?;
            *counts.entry((table, reason)).or_default() += 1;
        }
        Ok(counts)
    }

    /// Writes them to `out` as `rejects.csv`.
    pub fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        io::copy(&mut fs_err::File::open(&self.path)?, out)?;
        out.flush()
    }
}

/// An I/O error on the rejects file.
fn io_error(path: &Path, source: io::Error) -> IngestError {
    IngestError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A CSV writer's error on the rejects file, of the kind of its I/O error (a full disk is told
/// as one).
fn csv_error(path: &Path, error: csv::Error) -> IngestError {
    let kind = match error.kind() {
        csv::ErrorKind::Io(io) => io.kind(),
        _ => io::ErrorKind::Other,
    };
    io_error(path, io::Error::new(kind, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(line: u64, value: &str, reason: &str) -> Reject {
        Reject {
            table: "accounts".into(),
            file: "accounts.csv".into(),
            line,
            column: "employees".into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn rejects_read_back_in_order_with_quotes_and_new_lines_intact() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = RejectWriter::create(&dir.path().join("rejects.csv")).unwrap();
        let written = [
            reject(3, "many", "`many` is not a number"),
            reject(7, "a \"quoted\", value\nover two lines", "`x` is not a number"),
            reject(9, "", "`many` is not a number"),
        ];
        for r in written.clone() {
            writer.push(r).unwrap();
        }
        let rejects = writer.finish().unwrap();
        assert_eq!(rejects.len(), 3);
        assert_eq!(rejects.first(), Some(&written[0]));
        let read: Vec<Reject> = rejects.iter().unwrap().map(Result::unwrap).collect();
        assert_eq!(read, written);
        let counts = rejects.reason_counts().unwrap();
        let key = |reason: &str| ("accounts".to_owned(), reason.to_owned());
        assert_eq!(counts[&key("`many` is not a number")], 2);
        assert_eq!(counts[&key("`x` is not a number")], 1);
        let mut csv = Vec::new();
        rejects.write_csv(&mut csv).unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(
            text.starts_with("table,file,line,column,value,reason\naccounts,accounts.csv,3,employees,many,")
        );
        assert!(
            text.contains("\"a \"\"quoted\"\", value\nover two lines\""),
            "{text}"
        );
    }

    #[test]
    fn no_rejects_is_a_header_alone() {
        let dir = tempfile::tempdir().unwrap();
        let rejects = RejectWriter::create(&dir.path().join("rejects.csv"))
            .unwrap()
            .finish()
            .unwrap();
        assert!(rejects.is_empty());
        assert_eq!(rejects.first(), None);
        let mut csv = Vec::new();
        rejects.write_csv(&mut csv).unwrap();
        assert_eq!(csv, b"table,file,line,column,value,reason\n");
    }
}
