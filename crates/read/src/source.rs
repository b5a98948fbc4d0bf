//! Input files of every supported format, read as text records with their line numbers.
//!
//! A source yields the file's header and then one [`Record`] per row: either the row's fields as
//! text, or the reason the row could not even be split into fields (ragged, not UTF-8, an
//! over-long field). Typing and validation happen later, the same way for every format.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{Data, Reader};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};

use crate::arrow_text::TextColumn;
use crate::blocks::Blocks;
use crate::error::IngestError;
use crate::fields::{RawFields, field, split};
use crate::parquet_pages;
use crate::text_batch::{Lines, SourceBatch, text_schema};

/// The longest field accepted, in bytes; longer ones are rejected (often an unclosed quote).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// The file formats northstar reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated values (optionally gzip-compressed).
    Csv,
    /// Tab-separated values (optionally gzip-compressed).
    Tsv,
    /// JSON Lines: one object per line (optionally gzip-compressed).
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// Excel workbook; the first sheet unless one is configured.
    Xlsx,
}

impl Format {
    /// The format and compression of a file, from its name.
    pub fn of(path: &Path) -> Option<(Format, bool)> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let (stem, gz) = match name.strip_suffix(".gz") {
            Some(stem) => (stem.to_owned(), true),
            None => (name, false),
        };
        let format = match stem.rsplit('.').next()? {
            "csv" | "txt" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "jsonl" | "ndjson" => Format::Jsonl,
            "parquet" if !gz => Format::Parquet,
            "xlsx" | "xlsm" | "xls" | "ods" if !gz => Format::Xlsx,
            _ => return None,
        };
        Some((format, gz))
    }

    /// File name endings searched for in a data folder, most specific first.
    pub const EXTENSIONS: &'static [&'static str] = &[
        "csv", "csv.gz", "tsv", "tsv.gz", "jsonl", "jsonl.gz", "ndjson", "parquet", "xlsx",
    ];
}

/// One row of a source file.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// The row's fields, trimmed, one per header column; `None` for an empty field.
    Fields {
        /// Line (or sheet row, or row number for Parquet) where the row starts; the header is line 1
        /// for text formats with a header.
        line: u64,
        /// One value per header column.
        fields: Vec<Option<String>>,
    },
    /// A row that could not be split into fields.
    Broken(Problem),
}

/// Why one row or field could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Line where the row starts.
    pub line: u64,
    /// The source column concerned, or empty for the whole row.
    pub column: String,
    /// The offending value, possibly shortened.
    pub value: String,
    /// What is wrong, in words.
    pub reason: String,
}

/// Options that change how a file is read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Rows per batch read from Parquet.
    pub batch_rows: usize,
    /// Field delimiter for delimited text; defaults from the format.
    pub delimiter: Option<u8>,
    /// Worksheet to read from a workbook; defaults to the first.
    pub sheet: Option<String>,
    /// Encoding of a text file that is not UTF-8; a byte-order mark of UTF-16 is followed
    /// without it.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Headers the header row must hold, each a list of alternatives: the header is the first
    /// of the first [`HEADER_SEARCH_ROWS`] rows of a text file or sheet that holds them all
    /// (rows above it are a title). With none given, or none found, it is the first row.
    pub header_names: Vec<Vec<String>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            batch_rows: crate::Chunking::default().chunk_rows,
            delimiter: None,
            sheet: None,
            encoding: None,
            header_names: Vec::new(),
        }
    }
}

/// How many rows at the top of a file may hold its header.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// What footer detection needs to know of a row: how many fields hold a value, and whether
/// blank lines (which a CSV reader skips) came before it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    filled: usize,
    pub(crate) blank_lines_before: u64,
}

impl Shape {
    /// A row that can never be part of a footer (formats without footers, broken rows).
    const DATA: Shape = Shape {
        filled: usize::MAX,
        blank_lines_before: 0,
    };

    /// The shape of a delimited `record` after `blank_lines_before` blank lines. A footer line
    /// of a text file is a line of one field; a row of full width with a value is data, however
    /// empty its other fields.
    pub(crate) fn of(record: &impl RawFields, blank_lines_before: u64) -> Shape {
        let holds = |i: usize| record.field_bytes(i).iter().any(|b| !b.is_ascii_whitespace());
        let mut fields = 0..record.count();
        let filled = match record.count() {
            0 | 1 => fields.filter(|&i| holds(i)).count(),
            _ if fields.any(holds) => usize::MAX,
            _ => 0,
        };
        Shape {
            filled,
            blank_lines_before,
        }
    }

    /// Whether a row of this shape, in a file of `width` columns, may start a report footer:
    /// an empty row, or one of at most one value after blank lines.
    pub(crate) fn may_start_footer(self, width: usize) -> bool {
        width >= 2 && (self.filled == 0 || (self.blank_lines_before > 0 && self.filled <= 1))
    }

    /// Whether a row of this shape may be part of a footer once one has started: at most one
    /// value.
    pub(crate) fn footer_like(self) -> bool {
        self.filled <= 1
    }
}

/// The most data rows a file can hold, or how to find it out.
#[derive(Debug, Clone, PartialEq)]
pub enum Extent {
    /// Known: a Parquet file's row count, or a sheet's rows.
    Rows(u64),
    /// The lines of this uncompressed text file, counted when asked.
    Lines(PathBuf),
    /// Not known ahead: a compressed text file.
    Unknown,
}

impl Extent {
    /// The most data rows the file can hold, when known; counting a text file's lines takes one
    /// pass over its bytes.
    pub fn rows_at_most(&self) -> Result<Option<u64>, IngestError> {
        match self {
            Extent::Rows(rows) => Ok(Some(*rows)),
            Extent::Lines(path) => lines_at_most(path).map(Some),
            Extent::Unknown => Ok(None),
        }
    }
}

/// The lines of the file at `path`: its line ends (a CR LF pair, a lone CR and a lone LF each
/// end one) plus one for a last line without an end.
fn lines_at_most(path: &Path) -> Result<u64, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = fs_err::File::open(path).map_err(io)?;
    let mut buffer = vec![0; 1 << 20];
    let mut ends = 0;
    let mut after_cr = false;
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            return Ok(ends + 1);
        }
        ends += line_ends(&buffer[..n], &mut after_cr);
    }
}

/// The line ends in `bytes`, where `after_cr` says whether the bytes before them ended in a CR
/// (whose LF then ends no further line), and is updated for the bytes after them.
fn line_ends(bytes: &[u8], after_cr: &mut bool) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count() as u64;
    let mut cr_lf = u64::from(*after_cr && bytes.first() == Some(&b'\n'));
    let mut cr = 0;
    for at in memchr::memchr_iter(b'\r', bytes) {
        cr += 1;
        cr_lf += u64::from(bytes.get(at + 1) == Some(&b'\n'));
    }
    *after_cr = bytes.last() == Some(&b'\r');
    lf + cr - cr_lf
}

/// A file opened for reading records.
///
/// A report footer is not data: a trailing block that starts at an empty row (or after blank
/// lines) and whose rows hold at most one value each, such as the title, copyright and
/// "Generated By" lines a Salesforce report export ends with. Its lines are counted in
/// [`Source::footer_lines`], never returned as records.
pub struct Source {
    path: PathBuf,
    header: Vec<String>,
    rows: Rows,
    bytes_read: Arc<AtomicU64>,
    /// Rows read ahead (while finding the header, or a block that turned out not to be a footer).
    ahead: VecDeque<(Record, Shape)>,
    /// Records ready to be returned.
    ready: VecDeque<Record>,
    preamble_rows: u64,
    footer_lines: u64,
    /// Whether the file is gzip-compressed.
    gz: bool,
    /// The rows of a Parquet file, as its metadata gives them.
    parquet_rows: Option<u64>,
    /// Rows per batch.
    batch_rows: usize,
    /// The schema of a delimited file's batches of text.
    text_schema: Option<arrow::datatypes::SchemaRef>,
    /// Whether rows were taken by [`Source::next_record`].
    records_begun: bool,
}

/// Where a delimited file's rows start after its header (a byte of its text with LF line
/// ends, and that byte's line), and how its text is read, to read it again from there.
#[derive(Debug, Clone, Copy)]
struct Restart {
    byte: u64,
    line: u64,
    encoding: Option<&'static encoding_rs::Encoding>,
    delimiter: u8,
}

enum Rows {
    Delimited {
        reader: csv::Reader<Box<dyn Read + Send>>,
        /// The record read into, kept so that its buffers are reused.
        record: csv::ByteRecord,
        /// The line the last record ended on.
        last_line: u64,
        /// Where the rows start, to read them in blocks.
        restart: Restart,
    },
    Jsonl {
        lines: Box<dyn BufRead + Send>,
        line: u64,
    },
    Parquet {
        batches: ParquetRecordBatchReader,
        pending: std::vec::IntoIter<Record>,
        row: u64,
    },
    Sheet(std::vec::IntoIter<(Record, Shape)>),
    /// A delimited file's rows after its header, in blocks split into fields side by side.
    Blocks(Box<Blocks>),
}

impl Source {
    /// Opens `path` in `format`; `gz` says whether it is gzip-compressed.
    pub fn open(path: &Path, format: Format, gz: bool, options: &ReadOptions) -> Result<Self, IngestError> {
        let bytes_read = Arc::new(AtomicU64::new(0));
        let mut ahead = VecDeque::new();
        let mut preamble_rows = 0;
        let mut parquet_rows = None;
        let io = |source| IngestError::Io {
            path: path.to_owned(),
            source,
        };
        let (header, rows) = match format {
            Format::Csv | Format::Tsv => {
                let default = if format == Format::Tsv { b'\t' } else { b',' };
                let raw = text_reader(path, gz, options.encoding, &bytes_read)?;
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(options.delimiter.unwrap_or(default))
                    .flexible(true)
                    .has_headers(false)
                    .from_reader(Box::new(Converted::new(raw, CrlfToLf::default())) as Box<dyn Read + Send>);
                let mut top = Vec::new();
                let mut last_line = 0;
                while top.len() < HEADER_SEARCH_ROWS {
                    let mut record = csv::ByteRecord::new();
                    if !reader
                        .read_byte_record(&mut record)
                        .map_err(|e| csv_error(path, e))?
                    {
                        break;
                    }
                    let (line, shape) = delimited_position(&reader, &record, &mut last_line);
                    // Where the rows after this one start, should it be the header.
                    let after = reader.position();
                    let data = (after.byte(), after.line());
                    top.push((line, shape, record, data));
                }
                let texts = |r: &csv::ByteRecord| -> Vec<String> {
                    r.iter()
                        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
                        .collect()
                };
                let at = header_row(top.iter().map(|(_, _, r, _)| texts(r)), &options.header_names);
                let Some((_, _, names, (byte, line))) = top.get(at) else {
                    return Err(IngestError::Empty {
                        path: path.to_owned(),
                    });
                };
                let header = names
                    .iter()
                    .enumerate()
                    .map(|(i, h)| header_name(path, i, h))
                    .collect::<Result<Vec<_>, _>>()?;
                preamble_rows = at as u64;
                let restart = Restart {
                    byte: *byte,
                    line: *line,
                    encoding: options.encoding,
                    delimiter: options.delimiter.unwrap_or(default),
                };
                for (line, shape, record, _) in top.drain(..).skip(at + 1) {
                    ahead.push_back((split_fields(line, &header, &record), shape));
                }
                let record = csv::ByteRecord::new();
                (
                    header,
                    Rows::Delimited {
                        reader,
                        record,
                        last_line,
                        restart,
                    },
                )
            }
            Format::Jsonl => {
                let header = jsonl_header(path, gz, options.encoding)?;
                let lines: Box<dyn BufRead + Send> = Box::new(BufReader::new(text_reader(
                    path,
                    gz,
                    options.encoding,
                    &bytes_read,
                )?));
                (header, Rows::Jsonl { lines, line: 0 })
            }
            Format::Parquet => {
                let file = fs_err::File::open(path).map_err(io)?;
                let size = file.metadata().map_err(io)?.len();
                bytes_read.store(size, Ordering::Relaxed);
                let unreadable = |e: parquet::errors::ParquetError| IngestError::Unreadable {
                    path: path.to_owned(),
                    reason: e.to_string(),
                };
                // Every column is read as text, so the Parquet types suffice: the Arrow schema a
                // writer may embed is not decoded (a damaged one made the decoder panic).
                let arrow_schema_skipped = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
                let file = file.into_parts().0;
                let pages = file.try_clone().map_err(|source| IngestError::Io {
                    path: path.to_owned(),
                    source,
                })?;
                let (header, batches) = contained(path, "Parquet", || {
                    let mut read =
                        ArrowReaderMetadata::load(&file, arrow_schema_skipped.clone()).map_err(unreadable)?;
                    parquet_pages::check_dictionaries(pages, read.metadata()).map_err(|reason| {
                        IngestError::Unreadable {
                            path: path.to_owned(),
                            reason,
                        }
                    })?;
                    if let Some(schema) = parquet_pages::dictionary_schema(read.schema(), read.metadata()) {
                        let options = arrow_schema_skipped.with_schema(Arc::new(schema));
                        read = ArrowReaderMetadata::try_new(read.metadata().clone(), options)
                            .map_err(unreadable)?;
                    }
                    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, read);
                    parquet_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
                    let header = builder
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect();
                    let batches = builder
                        .with_batch_size(options.batch_rows.max(1))
                        .build()
                        .map_err(unreadable)?;
                    Ok((header, batches))
                })?;
                (
                    header,
                    Rows::Parquet {
                        batches,
                        pending: Vec::new().into_iter(),
                        row: 0,
                    },
                )
            }
            Format::Xlsx => {
                let (header, above, records) = contained(path, "XLSX", || {
                    read_sheet(path, options.sheet.as_deref(), &options.header_names)
                })?;
                preamble_rows = above;
                (header, Rows::Sheet(records.into_iter()))
            }
        };
        if header.is_empty() || header.iter().all(String::is_empty) {
            return Err(IngestError::Empty {
                path: path.to_owned(),
            });
        }
        let text_schema = matches!(rows, Rows::Delimited { .. }).then(|| text_schema(&header));
        Ok(Self {
            path: path.to_owned(),
            header,
            rows,
            bytes_read,
            ahead,
            ready: VecDeque::new(),
            preamble_rows,
            footer_lines: 0,
            gz,
            parquet_rows,
            batch_rows: options.batch_rows.max(1),
            text_schema,
            records_begun: false,
        })
    }

    /// How the most data rows the file can hold is known.
    pub fn extent(&self) -> Extent {
        match &self.rows {
            Rows::Parquet { .. } => self.parquet_rows.map_or(Extent::Unknown, Extent::Rows),
            Rows::Sheet(records) => Extent::Rows((self.ahead.len() + records.len()) as u64),
            Rows::Delimited { .. } | Rows::Blocks(_) | Rows::Jsonl { .. } if self.gz => Extent::Unknown,
            Rows::Delimited { .. } | Rows::Blocks(_) | Rows::Jsonl { .. } => Extent::Lines(self.path.clone()),
        }
    }

    /// Rows above the header (a report's title), not data.
    pub fn preamble_rows(&self) -> u64 {
        self.preamble_rows
    }

    /// Lines of a report footer met at the end of the file (known once it is read to the end).
    pub fn footer_lines(&self) -> u64 {
        match &self.rows {
            Rows::Blocks(blocks) => blocks.footer_lines(),
            _ => self.footer_lines,
        }
    }

    /// The next row, or `None` at the end of the file; a report footer is counted, not returned.
    pub fn next_record(&mut self) -> Result<Option<Record>, IngestError> {
        self.records_begun = true;
        if let Some(record) = self.ready.pop_front() {
            return Ok(Some(record));
        }
        let Some((record, shape)) = self.next_raw()? else {
            return Ok(None);
        };
        if !shape.may_start_footer(self.header.len()) {
            return Ok(Some(record));
        }
        self.unless_footer(record, shape)
    }

    /// The row `record` of `shape`, which may start a report footer: `None` when it does (its
    /// lines are then counted and the file is at its end); else it, the rows read after it to
    /// tell held in [`Source::ready`].
    fn unless_footer(&mut self, record: Record, shape: Shape) -> Result<Option<Record>, IngestError> {
        let mut held = vec![(record, shape)];
        loop {
            match self.next_raw()? {
                None => {
                    self.footer_lines += held.iter().map(|(_, s)| 1 + s.blank_lines_before).sum::<u64>();
                    return Ok(None);
                }
                Some((record, shape)) => {
                    let footer_like = shape.footer_like();
                    held.push((record, shape));
                    if !footer_like {
                        self.ready.extend(held.into_iter().map(|(r, _)| r));
                        return Ok(self.ready.pop_front());
                    }
                }
            }
        }
    }

    /// The Arrow schema of the batches of a Parquet file (its columns as decoded) or of a
    /// delimited file (a text column per header name); `None` for other formats.
    pub fn batch_schema(&self) -> Option<arrow::datatypes::SchemaRef> {
        use arrow::record_batch::RecordBatchReader;
        match &self.rows {
            Rows::Parquet { batches, .. } => Some(batches.schema()),
            Rows::Delimited { .. } | Rows::Blocks(_) => self.text_schema.clone(),
            _ => None,
        }
    }

    /// The next batch of rows, `None` at the end of the file: a Parquet file's as decoded,
    /// typed; a delimited file's as text, each field as [`Record::Fields`] holds it, with the
    /// rows that could not be split and a report footer left out as [`Source::next_record`]
    /// leaves them, split into fields on the threads of the current rayon pool. A file of
    /// another format, or a Parquet or delimited file whose rows were begun by
    /// [`Source::next_record`], has no batches to give: read it by records.
    pub fn next_batch(&mut self) -> Result<Option<SourceBatch>, IngestError> {
        match &mut self.rows {
            Rows::Parquet {
                batches,
                pending,
                row,
            } => {
                if !pending.as_slice().is_empty() {
                    return Ok(None);
                }
                let Some(batch) = next_parquet_batch(&self.path, batches)? else {
                    return Ok(None);
                };
                let first = *row + 1;
                *row += batch.num_rows() as u64;
                Ok(Some(SourceBatch {
                    batch,
                    lines: Lines::From(first),
                    broken: Vec::new(),
                }))
            }
            Rows::Blocks(blocks) => blocks.next_batch(),
            &mut Rows::Delimited { restart, .. } if !self.records_begun => {
                let blocks = self.blocks(restart)?;
                self.rows = Rows::Blocks(Box::new(blocks));
                self.next_batch()
            }
            _ => Ok(None),
        }
    }

    /// A delimited file's rows after its header, read again from the start of the file to
    /// `restart`, in blocks of [`ReadOptions::batch_rows`] records.
    fn blocks(&self, restart: Restart) -> Result<Blocks, IngestError> {
        self.bytes_read.store(0, Ordering::Relaxed);
        let raw = text_reader(&self.path, self.gz, restart.encoding, &self.bytes_read)?;
        let mut text: Box<dyn Read + Send> = Box::new(Converted::new(raw, CrlfToLf::default()));
        std::io::copy(&mut (&mut text).take(restart.byte), &mut std::io::sink()).map_err(|source| {
            IngestError::Io {
                path: self.path.clone(),
                source,
            }
        })?;
        Ok(Blocks::new(
            &self.path,
            text,
            restart.line,
            self.batch_rows,
            restart.delimiter,
            &self.header,
            text_schema(&self.header),
        ))
    }

    /// The column names of the file, as written (trimmed, without a byte-order mark).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// A counter of the bytes read so far (compressed bytes for gzip files), for progress bars.
    pub fn bytes_read(&self) -> Arc<AtomicU64> {
        self.bytes_read.clone()
    }

    /// The next row as the file holds it, footer or not, with its shape (JSON Lines and
    /// Parquet have no footers: their rows are always data).
    fn next_raw(&mut self) -> Result<Option<(Record, Shape)>, IngestError> {
        if let Some(ahead) = self.ahead.pop_front() {
            return Ok(Some(ahead));
        }
        let width = self.header.len();
        let record = match &mut self.rows {
            Rows::Delimited {
                reader,
                record,
                last_line,
                ..
            } => {
                return match reader.read_byte_record(record) {
                    Ok(false) => Ok(None),
                    Ok(true) => {
                        let (line, shape) = delimited_position(reader, record, last_line);
                        Ok(Some((split_fields(line, &self.header, record), shape)))
                    }
                    Err(e) => Err(csv_error(&self.path, e)),
                };
            }
            Rows::Sheet(records) => return Ok(records.next()),
            Rows::Blocks(_) => None,
            Rows::Jsonl { lines, line } => loop {
                let mut text = Vec::new();
                let n = lines
                    .read_until(b'\n', &mut text)
                    .map_err(|source| IngestError::Io {
                        path: self.path.clone(),
                        source,
                    })?;
                if n == 0 {
                    break None;
                }
                *line += 1;
                if !text.iter().all(u8::is_ascii_whitespace) {
                    break Some(jsonl_record(*line, &self.header, &text));
                }
            },
            Rows::Parquet {
                batches,
                pending,
                row,
            } => loop {
                if let Some(record) = pending.next() {
                    break Some(record);
                }
                let Some(batch) = next_parquet_batch(&self.path, batches)? else {
                    break None;
                };
                *pending = parquet_records(&self.path, &batch, row, width)?.into_iter();
            },
        };
        Ok(record.map(|r| (r, Shape::DATA)))
    }
}

/// The next batch the decoder of the Parquet file `path` gives, or `None` at its end; a decoding
/// error or panic is the file's error.
fn next_parquet_batch(
    path: &Path,
    batches: &mut ParquetRecordBatchReader,
) -> Result<Option<arrow::record_batch::RecordBatch>, IngestError> {
    let Some(batch) = contained(path, "Parquet", || Ok(batches.next()))? else {
        return Ok(None);
    };
    batch.map(Some).map_err(|e| IngestError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// Runs `decode`, a third-party decoder's work on the file `path` (in `format`); a panic of the
/// decoder on a damaged file becomes an error naming the file, not a crash.
fn contained<T>(
    path: &Path,
    format: &str,
    decode: impl FnOnce() -> Result<T, IngestError>,
) -> Result<T, IngestError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).unwrap_or_else(|panic| {
        let said = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(IngestError::Unreadable {
            path: path.to_owned(),
            reason: format!("the {format} decoder failed on it, so it is likely damaged ({said})"),
        })
    })
}

/// The line a delimited record starts on and its shape; `last_line` is the line the previous
/// record ended on, and becomes this one's.
///
/// The record's own start position is where the previous record ended, so it misses blank lines
/// skipped before this one. The parser now stands just past this record's closing LF: back up
/// over it and over the line ends inside quoted fields. A quote left open to the end of the file
/// has no closing LF; then the start position is the better of the two.
pub(crate) fn delimited_position<R: Read>(
    reader: &csv::Reader<R>,
    record: &csv::ByteRecord,
    last_line: &mut u64,
) -> (u64, Shape) {
    let inside = memchr::memchr_iter(b'\n', record.as_slice()).count() as u64;
    let stale = record.position().map_or(1, |p| p.line());
    let line = stale.max(reader.position().line().saturating_sub(1 + inside));
    let shape = Shape::of(record, line.saturating_sub(*last_line + 1));
    *last_line = line + inside;
    (line, shape)
}

/// Which of the top rows is the header: the first holding every one of `names` (each a list of
/// alternatives, matched without regard to case), else the first.
fn header_row(rows: impl Iterator<Item = Vec<String>>, names: &[Vec<String>]) -> usize {
    if names.is_empty() {
        return 0;
    }
    let mut rows = rows.enumerate();
    rows.find(|(_, cells)| {
        names.iter().all(|alternatives| {
            alternatives
                .iter()
                .any(|n| cells.iter().any(|c| c.eq_ignore_ascii_case(n.trim())))
        })
    })
    .map_or(0, |(i, _)| i)
}

/// A reader of the file's text as UTF-8 without a byte-order mark, counting the bytes it reads:
/// decompressed when `gz`, and decoded from UTF-16 when the file starts with its byte-order mark,
/// or from `encoding`.
/// UTF-8 passes through unchecked: its fields are checked one by one, to reject their rows.
fn text_reader(
    path: &Path,
    gz: bool,
    encoding: Option<&'static encoding_rs::Encoding>,
    counter: &Arc<AtomicU64>,
) -> Result<Box<dyn Read + Send>, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let file = fs_err::File::open(path).map_err(io)?;
    let counted = Counted {
        inner: BufReader::with_capacity(1 << 16, file),
        counter: counter.clone(),
    };
    let mut bytes: Box<dyn Read + Send> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(counted))
    } else {
        Box::new(counted)
    };
    // A whole block is read ahead, so that the parsers' first read is not the mark alone.
    let mut head = Vec::with_capacity(1 << 16);
    (&mut bytes).take(1 << 16).read_to_end(&mut head).map_err(io)?;
    let bom = encoding_rs::Encoding::for_bom(&head).map(|(found, _)| found);
    let utf8 = bom == Some(encoding_rs::UTF_8);
    if utf8 {
        head.drain(..3);
    }
    let bytes = Box::new(std::io::Cursor::new(head).chain(bytes));
    // A decoder follows a byte-order mark of UTF-16 of its own accord.
    Ok(match bom.or(encoding) {
        Some(encoding) if !utf8 => Box::new(Converted::new(bytes, encoding.new_decoder())),
        _ => bytes,
    })
}

/// A reader that converts the bytes of `inner` block by block with `convert`.
struct Converted<R, C> {
    inner: R,
    convert: C,
    raw: Vec<u8>,
    out: Vec<u8>,
    served: usize,
    eof: bool,
}

/// One way of converting a byte stream, a block at a time.
trait Convert {
    /// Converts the next block, `input`, onto `out`; `end` says the input ended (`input` is
    /// then empty).
    fn convert(&mut self, input: &[u8], end: bool, out: &mut Vec<u8>);
}

impl<R: Read, C: Convert> Converted<R, C> {
    fn new(inner: R, convert: C) -> Self {
        Converted {
            inner,
            convert,
            raw: vec![0; 1 << 16],
            out: Vec::with_capacity(1 << 16),
            served: 0,
            eof: false,
        }
    }

    /// Reads the next block and converts it.
    fn refill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.served = 0;
        let n = loop {
            match self.inner.read(&mut self.raw) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.eof = n == 0;
        self.convert.convert(&self.raw[..n], self.eof, &mut self.out);
        Ok(())
    }
}

impl<R: Read, C: Convert> Read for Converted<R, C> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.served == self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.served);
        buf[..n].copy_from_slice(&self.out[self.served..self.served + n]);
        self.served += n;
        Ok(n)
    }
}

/// Decodes text to UTF-8 (flushing the decoder at the end). A sequence that is not valid in the
/// encoding becomes the byte 0xFF, never valid in UTF-8, so that its field is rejected as any
/// other field that is not text.
impl Convert for encoding_rs::Decoder {
    fn convert(&mut self, mut input: &[u8], end: bool, out: &mut Vec<u8>) {
        loop {
            let room = self
                .max_utf8_buffer_length_without_replacement(input.len())
                .unwrap_or(input.len() * 3 + 16);
            let start = out.len();
            out.resize(start + room.max(4), 0);
            let (result, read, written) =
                self.decode_to_utf8_without_replacement(input, &mut out[start..], end);
            out.truncate(start + written);
            input = &input[read..];
            match result {
                encoding_rs::DecoderResult::InputEmpty => return,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(..) => out.push(0xFF),
            }
        }
    }
}

/// Gives the CSV parser one line end, LF: CRLF and lone CR become LF, and a missing final line
/// end is added. Every record then ends with an LF, so its first line can be told from where the
/// parser stands after it (see [`Source::next_record`]).
#[derive(Default)]
struct CrlfToLf {
    /// A CR ended the last block: it waits for the next byte.
    held_cr: bool,
    last: Option<u8>,
}

impl Convert for CrlfToLf {
    fn convert(&mut self, input: &[u8], end: bool, out: &mut Vec<u8>) {
        if end {
            if std::mem::take(&mut self.held_cr) || !matches!(self.last, None | Some(b'\n')) {
                out.push(b'\n');
            }
            return;
        }
        // Runs between CRs are copied whole; each CR waits for the byte after it.
        let mut rest = input;
        while let Some(&first) = rest.first() {
            if std::mem::take(&mut self.held_cr) && first != b'\n' {
                out.push(b'\n');
            }
            match memchr::memchr(b'\r', rest) {
                Some(at) => {
                    out.extend_from_slice(&rest[..at]);
                    self.held_cr = true;
                    rest = &rest[at + 1..];
                }
                None => {
                    out.extend_from_slice(rest);
                    rest = &[];
                }
            }
        }
        self.last = out.last().copied().or(self.last);
    }
}

struct Counted<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub(crate) fn csv_error(path: &Path, error: csv::Error) -> IngestError {
    let line = error.position().map(|p| p.line());
    match error.into_kind() {
        csv::ErrorKind::Io(source) => IngestError::Io {
            path: path.to_owned(),
            source,
        },
        other => IngestError::Unreadable {
            path: path.to_owned(),
            reason: match line {
                Some(line) => format!("line {line}: {other:?}"),
                None => format!("{other:?}"),
            },
        },
    }
}

fn header_name(path: &Path, index: usize, raw: &[u8]) -> Result<String, IngestError> {
    let text = std::str::from_utf8(raw).map_err(|_| IngestError::Unreadable {
        path: path.to_owned(),
        reason: format!(
            "header column {} is not valid UTF-8; save the file as UTF-8",
            index + 1
        ),
    })?;
    Ok(text.trim().to_owned())
}

/// Turns raw fields into a record, or a broken row when they do not fit the header.
fn split_fields(line: u64, header: &[String], record: &csv::ByteRecord) -> Record {
    match split(line, header, record) {
        Ok(text) => Record::Fields {
            line,
            fields: (0..record.len())
                .map(|i| non_empty(field(text, record, i)))
                .collect(),
        },
        Err(problem) => Record::Broken(problem),
    }
}

/// A row that holds the header's names again, as where two exports were joined end to end.
pub(crate) fn header_repeated(line: u64) -> Problem {
    Problem {
        line,
        column: String::new(),
        value: String::new(),
        reason: "header repeated: the row holds the column names again (were two files joined?)".to_owned(),
    }
}

/// A trimmed field, or `None` when it is empty.
fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A value cut to a length that fits in a rejects file.
pub fn shorten(text: &str) -> String {
    const KEEP: usize = 200;
    match text.char_indices().nth(KEEP) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The keys of the first object of a JSON Lines file, which serve as its header.
fn jsonl_header(
    path: &Path,
    gz: bool,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<Vec<String>, IngestError> {
    let counter = Arc::new(AtomicU64::new(0));
    let mut lines = BufReader::new(text_reader(path, gz, encoding, &counter)?);
    let mut text = String::new();
    let mut line = 0;
    loop {
        text.clear();
        let n = lines.read_line(&mut text).map_err(|e| IngestError::Unreadable {
            path: path.to_owned(),
            reason: format!("line {}: {e}", line + 1),
        })?;
        if n == 0 {
            return Err(IngestError::Empty {
                path: path.to_owned(),
            });
        }
        line += 1;
        if !text.trim().is_empty() {
            break;
        }
    }
    match serde_json::from_str(&text) {
        Ok(serde_json::Value::Object(object)) => Ok(object.keys().cloned().collect()),
        _ => Err(IngestError::Unreadable {
            path: path.to_owned(),
            reason: format!("line {line}: expected a JSON object, one per line"),
        }),
    }
}

/// One line of a JSON Lines file as a record whose fields follow `header`.
fn jsonl_record(line: u64, header: &[String], text: &[u8]) -> Record {
    let broken = |column: &str, value: String, reason: String| {
        Record::Broken(Problem {
            line,
            column: column.to_owned(),
            value,
            reason,
        })
    };
    let object = match serde_json::from_slice::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(_) => {
            return broken(
                "",
                shorten(&String::from_utf8_lossy(text)),
                "not a JSON object".into(),
            );
        }
        Err(e) => {
            return broken(
                "",
                shorten(&String::from_utf8_lossy(text)),
                format!("not valid JSON: {e}"),
            );
        }
    };
    if let Some(key) = object.keys().find(|k| !header.contains(k)) {
        return broken(
            key,
            String::new(),
            format!("key `{key}` is not among the first line's keys"),
        );
    }
    let mut fields = Vec::with_capacity(header.len());
    for name in header {
        let text = match object.get(name) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => non_empty(s),
            Some(serde_json::Value::Array(items)) => {
                let parts: Option<Vec<&str>> = items.iter().map(serde_json::Value::as_str).collect();
                match parts {
                    Some(parts) => non_empty(&parts.join(";")),
                    None => {
                        return broken(
                            name,
                            shorten(&serde_json::Value::Array(items.clone()).to_string()),
                            "a list must hold only strings".into(),
                        );
                    }
                }
            }
            Some(serde_json::Value::Object(_)) => {
                return broken(name, String::new(), "nested objects are not supported".into());
            }
            Some(other) => Some(other.to_string()),
        };
        if text.as_ref().is_some_and(|t| t.len() > MAX_FIELD_BYTES) {
            return broken(
                name,
                String::new(),
                format!("field is longer than {MAX_FIELD_BYTES} bytes"),
            );
        }
        fields.push(text);
    }
    Record::Fields { line, fields }
}

/// The type a Parquet text column stored as a dictionary in every row group is read as.
pub fn text_dictionary() -> arrow::datatypes::DataType {
    use arrow::datatypes::DataType;
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// Whether a column of that type is text stored as a dictionary ([`text_dictionary`]).
pub fn is_text_dictionary(data_type: &arrow::datatypes::DataType) -> bool {
    *data_type == text_dictionary()
}

/// The rows of a batch of a file `path`, as [`Source::next_batch`] gives it, as text records:
/// the same records [`Source::next_record`] gives, numbered from `first_row`.
pub fn batch_records(
    path: &Path,
    batch: &arrow::record_batch::RecordBatch,
    first_row: u64,
) -> Result<Vec<Record>, IngestError> {
    parquet_records(path, batch, &mut first_row.saturating_sub(1), batch.num_columns())
}

/// The rows of one Parquet batch as text records, numbered from `next_row` + 1.
fn parquet_records(
    path: &Path,
    batch: &arrow::record_batch::RecordBatch,
    next_row: &mut u64,
    width: usize,
) -> Result<Vec<Record>, IngestError> {
    let unreadable = |reason: String| IngestError::Unreadable {
        path: path.to_owned(),
        reason,
    };
    let columns = batch
        .columns()
        .iter()
        .map(TextColumn::of)
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    let header = batch.schema();
    let mut records = Vec::with_capacity(batch.num_rows());
    'rows: for row in 0..batch.num_rows() {
        *next_row += 1;
        let mut fields = Vec::with_capacity(width);
        for (c, column) in columns.iter().enumerate().take(width) {
            match column.at(row) {
                Ok(text) => fields.push(text),
                Err(reason) => {
                    records.push(Record::Broken(Problem {
                        line: *next_row,
                        column: header.field(c).name().clone(),
                        value: String::new(),
                        reason: reason.to_owned(),
                    }));
                    continue 'rows;
                }
            }
        }
        records.push(Record::Fields {
            line: *next_row,
            fields,
        });
    }
    Ok(records)
}

/// Records with what footer detection needs to know of them.
type ShapedRecords = Vec<(Record, Shape)>;

/// Every row of a worksheet: the header, the number of title rows above it, and one record per
/// row below it with its shape.
fn read_sheet(
    path: &Path,
    sheet: Option<&str>,
    header_names: &[Vec<String>],
) -> Result<(Vec<String>, u64, ShapedRecords), IngestError> {
    let unreadable = |reason: String| IngestError::Unreadable {
        path: path.to_owned(),
        reason,
    };
    let mut book = calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let name = match sheet {
        Some(name) => name.to_owned(),
        None => book
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| unreadable("the workbook has no sheet".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(format!("sheet `{name}`: {e}")))?;
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let texts =
        |cells: &[Data]| -> Vec<String> { cells.iter().map(|c| cell_text(c).unwrap_or_default()).collect() };
    let at = header_row(range.rows().take(HEADER_SEARCH_ROWS).map(texts), header_names);
    let mut rows = range.rows().skip(at);
    let header: Vec<String> = match rows.next() {
        Some(cells) => texts(cells),
        None => {
            return Err(IngestError::Empty {
                path: path.to_owned(),
            });
        }
    };
    let mut records = Vec::new();
    for (i, cells) in rows.enumerate() {
        let line = first_row + (at + i) as u64 + 2;
        let filled = cells.iter().filter(|c| !matches!(c, Data::Empty)).count();
        let shape = Shape {
            filled,
            blank_lines_before: 0,
        };
        if filled == 0 {
            let reason = "blank row".to_owned();
            let problem = Problem {
                line,
                column: String::new(),
                value: String::new(),
                reason,
            };
            records.push((Record::Broken(problem), shape));
            continue;
        }
        if let Some((at, Data::Error(e))) = cells
            .iter()
            .enumerate()
            .find(|(_, c)| matches!(c, Data::Error(_)))
        {
            let column = header.get(at).cloned().unwrap_or_default();
            let reason = "the cell holds a spreadsheet error".to_owned();
            let problem = Problem {
                line,
                column,
                value: format!("{e}"),
                reason,
            };
            records.push((Record::Broken(problem), Shape::DATA));
            continue;
        }
        if texts(cells) == header {
            records.push((Record::Broken(header_repeated(line)), Shape::DATA));
            continue;
        }
        let fields = cells.iter().map(cell_text).collect();
        records.push((Record::Fields { line, fields }, shape));
    }
    Ok((header, at as u64, records))
}

/// A cell as text: numbers without a needless `.0`, dates in ISO 8601.
fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty | Data::Error(_) => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => non_empty(s),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{f:.0}")),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => d.as_datetime().map(|t| {
            if t.time() == chrono::NaiveTime::MIN {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `.1` bytes per call (1 puts every CR at a block's end).
    struct Blocks<'a>(&'a [u8], usize);

    impl Read for Blocks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// The text `text_reader` gives of a file holding `bytes`, with `encoding` set or not.
    fn text_of(bytes: &[u8], encoding: Option<&'static encoding_rs::Encoding>) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let mut text = Vec::new();
        let counter = Arc::new(AtomicU64::new(0));
        text_reader(&path, false, encoding, &counter)
            .unwrap()
            .read_to_end(&mut text)
            .unwrap();
        assert_eq!(counter.load(Ordering::Relaxed), bytes.len() as u64);
        text
    }

    #[test]
    fn text_is_decoded_by_its_byte_order_mark_or_the_encoding_given() {
        let latin1 = Some(encoding_rs::WINDOWS_1252);
        // UTF-8 passes through as it is, invalid bytes included, less its byte-order mark.
        assert_eq!(text_of(b"\xef\xbb\xbfa,\xe9", None), b"a,\xe9");
        assert_eq!(text_of(b"", None), b"");
        assert_eq!(text_of(b"ab", None), b"ab");
        assert_eq!(text_of(b"a,\xe9\n", latin1), "a,é\n".as_bytes());
        // A UTF-8 byte-order mark wins over the encoding given.
        assert_eq!(text_of("\u{feff}a,é".as_bytes(), latin1), "a,é".as_bytes());
        assert_eq!(text_of(b"\xff\xfea\x00,\x00\xe9\x00", None), "a,é".as_bytes());
        assert_eq!(text_of(b"\xfe\xff\x00a\x00,\x00\xe9", None), "a,é".as_bytes());
        // A lone surrogate is not text: it becomes a byte that is not UTF-8 either.
        assert_eq!(text_of(b"\xff\xfea\x00\x00\xd8b\x00", None), b"a\xffb");
    }

    #[test]
    fn every_line_end_becomes_one_lf() {
        let text = b"a,b\r\n\"x\r\ny\",2\r\rz\r";
        for whole in [true, false] {
            let mut converted = Vec::new();
            if whole {
                Converted::new(&text[..], CrlfToLf::default())
                    .read_to_end(&mut converted)
                    .unwrap();
            } else {
                Converted::new(Blocks(text, 1), CrlfToLf::default())
                    .read_to_end(&mut converted)
                    .unwrap();
            }
            assert_eq!(converted, b"a,b\n\"x\ny\",2\n\nz\n");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// However the bytes arrive in blocks, CR LF and a lone CR each become one LF, and a
        /// text that does not end a line gets one.
        #[test]
        fn line_ends_convert_the_same_in_any_blocks(text in "[a\r\n\"]{0,40}", block in 1usize..9) {
            let mut expected = text.replace("\r\n", "\n").replace('\r', "\n");
            if !expected.is_empty() && !expected.ends_with('\n') {
                expected.push('\n');
            }
            let mut converted = Vec::new();
            Converted::new(Blocks(text.as_bytes(), block), CrlfToLf::default())
                .read_to_end(&mut converted)
                .unwrap();
            proptest::prop_assert_eq!(String::from_utf8(converted).unwrap(), expected);
        }

        /// However the bytes arrive in blocks, CR LF, a lone CR and a lone LF each count as one
        /// line end.
        #[test]
        fn line_ends_count_the_same_in_any_blocks(text in "[a\r\n]{0,40}", block in 1usize..9) {
            let expected = text.replace("\r\n", "\n").replace('\r', "\n").matches('\n').count() as u64;
            let mut after_cr = false;
            let counted: u64 = text.as_bytes().chunks(block).map(|b| line_ends(b, &mut after_cr)).sum();
            proptest::prop_assert_eq!(counted, expected);
        }
    }

    #[test]
    fn rows_of_a_crlf_file_carry_their_own_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        // Windows, Unix and old Mac line ends, blank lines, a quoted line end, no final line end.
        for text in [
            "h\r\nx\r\n\r\ny\r\n\"multi\r\nline\"\r\nz\r\n",
            "h\nx\n\ny\n\"multi\nline\"\nz",
            "h\rx\r\ry\r\"multi\rline\"\rz\r",
        ] {
            fs_err::write(&path, text).unwrap();
            let mut source = Source::open(&path, Format::Csv, false, &ReadOptions::default()).unwrap();
            // Seven lines, an eighth (empty) after a final line end.
            let lines_at_most = if text.ends_with('z') { 7 } else { 8 };
            assert_eq!(
                source.extent().rows_at_most().unwrap(),
                Some(lines_at_most),
                "{text:?}"
            );
            let mut lines = Vec::new();
            while let Some(record) = source.next_record().unwrap() {
                if let Record::Fields { line, .. } = record {
                    lines.push(line);
                }
            }
            assert_eq!(lines, vec![2, 4, 5, 7], "{text:?}");
        }
    }

    #[test]
    fn formats_follow_the_file_name() {
        assert_eq!(
            Format::of(Path::new("a/accounts.csv")),
            Some((Format::Csv, false))
        );
        assert_eq!(Format::of(Path::new("Online.CSV.GZ")), Some((Format::Csv, true)));
        assert_eq!(Format::of(Path::new("t.tsv")), Some((Format::Tsv, false)));
        assert_eq!(Format::of(Path::new("t.jsonl.gz")), Some((Format::Jsonl, true)));
        assert_eq!(Format::of(Path::new("t.parquet")), Some((Format::Parquet, false)));
        assert_eq!(Format::of(Path::new("t.xlsx")), Some((Format::Xlsx, false)));
        assert_eq!(Format::of(Path::new("t.parquet.gz")), None);
        assert_eq!(Format::of(Path::new("t.doc")), None);
    }

    #[test]
    fn long_values_are_shortened_on_a_character_boundary() {
        let long = "é".repeat(300);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 201);
        assert!(short.ends_with('…'));
    }
}
