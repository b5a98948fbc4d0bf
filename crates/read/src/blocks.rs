//! A delimited file's rows in batches of text columns, split into fields side by side.
//!
//! One pass over the text finds where records end, quote-aware and at the speed of `memchr`,
//! and cuts the text into blocks of whole records; the blocks are then split into fields on
//! every thread of the current rayon pool, and their batches put back in line order. A report
//! footer is left out as [`Source::next_record`](crate::source::Source::next_record) leaves it:
//! it starts at the first row that may start one after which every row of the file is
//! footer-like, however many blocks that spans.

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use rayon::prelude::*;

use crate::error::IngestError;
use crate::fields::{RawFields, plain_lines, split};
use crate::source::{Shape, csv_error, delimited_position};
use crate::text_batch::{SourceBatch, TextBatch};

/// Bytes read from the file at a time.
const READ_BYTES: usize = 1 << 20;

/// Blocks split into fields together, per thread of the pool.
const BLOCKS_PER_THREAD: usize = 2;

/// A delimited file's rows after its header, read in blocks.
pub(crate) struct Blocks {
    path: PathBuf,
    input: Box<dyn Read + Send>,
    /// Text read and not yet cut into blocks; it starts at a record's start.
    buffer: Vec<u8>,
    /// Where the record scan stands in `buffer`.
    scan: Scan,
    /// The line of `buffer`'s first byte.
    line: u64,
    eof: bool,
    /// Records per block.
    rows: usize,
    delimiter: u8,
    header: Vec<String>,
    schema: SchemaRef,
    footer: Footer,
    ready: VecDeque<SourceBatch>,
    /// Lines of the report footer, once the file is read to its end.
    footer_lines: Option<u64>,
}

impl Blocks {
    /// The rows of `input`, a delimited text (LF line ends only) whose first byte starts the
    /// record on line `line` of the file `path`, in blocks of `rows` records.
    pub fn new(
        path: &Path,
        input: Box<dyn Read + Send>,
        line: u64,
        rows: usize,
        delimiter: u8,
        header: &[String],
        schema: SchemaRef,
    ) -> Self {
        Self {
            path: path.to_owned(),
            input,
            buffer: Vec::new(),
            scan: Scan::new(rows.max(1)),
            line,
            eof: false,
            rows: rows.max(1),
            delimiter,
            header: header.to_vec(),
            schema,
            footer: Footer::default(),
            ready: VecDeque::new(),
            footer_lines: None,
        }
    }

    /// Lines of a report footer met at the end of the file (known once it is read to the end).
    pub fn footer_lines(&self) -> u64 {
        self.footer_lines.unwrap_or(0)
    }

    /// The next batch of rows, in line order; `None` at the end of the file.
    pub fn next_batch(&mut self) -> Result<Option<SourceBatch>, IngestError> {
        while self.ready.is_empty() && self.footer_lines.is_none() {
            let mut blocks = Vec::new();
            while blocks.len() < rayon::current_num_threads() * BLOCKS_PER_THREAD {
                match self.next_block()? {
                    Some(block) => blocks.push(block),
                    None => break,
                }
            }
            if blocks.is_empty() {
                self.footer_lines = Some(self.footer.finish(&mut self.ready));
                break;
            }
            let parsed: Vec<Parsed> = blocks
                .par_iter()
                .map(|block| block.parse(&self.path, &self.header, self.delimiter, &self.schema))
                .collect::<Result<_, _>>()?;
            for block in parsed {
                self.footer.take(block, &mut self.ready);
            }
        }
        Ok(self.ready.pop_front())
    }

    /// The next block of whole records, cut after its last record's line end (the last block
    /// holds whatever the file has left); `None` at the end of the file.
    fn next_block(&mut self) -> Result<Option<Block>, IngestError> {
        loop {
            if let Some(end) = self.scan.find(&self.buffer, self.delimiter, self.eof) {
                return Ok(Some(self.cut(end)));
            }
            if self.eof {
                return Ok((!self.buffer.is_empty()).then(|| self.cut(self.buffer.len())));
            }
            self.fill()?;
        }
    }

    /// Cuts the first `end` bytes of the buffer off as a block.
    fn cut(&mut self, end: usize) -> Block {
        // The next block will be about as long: its buffer holds that and one more read, so
        // that filling it never moves it.
        let mut rest = Vec::with_capacity(end + READ_BYTES);
        rest.extend_from_slice(&self.buffer[end..]);
        self.buffer.truncate(end);
        let text = std::mem::replace(&mut self.buffer, rest);
        let first_line = self.line;
        let lines = memchr::memchr_iter(b'\n', &text).count();
        self.line += lines as u64;
        self.scan = Scan::new(self.rows);
        Block {
            text,
            first_line,
            lines,
        }
    }

    /// Reads up to [`READ_BYTES`] more of the file onto the buffer.
    fn fill(&mut self) -> Result<(), IngestError> {
        let n = (&mut self.input)
            .take(READ_BYTES as u64)
            .read_to_end(&mut self.buffer)
            .map_err(|source| IngestError::Io {
                path: self.path.clone(),
                source,
            })?;
        self.eof = n == 0;
        Ok(())
    }
}

/// Where the search for record ends stands in a text that starts at a record's start: as far
/// as telling records apart needs, where a CSV parser would stand (inside quotes or not, at a
/// record's start or not), and the records still wanted before a cut.
#[derive(Debug, Clone, Copy)]
struct Scan {
    at: usize,
    quoted: bool,
    record_start: bool,
    wanted: usize,
}

impl Scan {
    /// At the start of a text, wanting `records` records.
    fn new(records: usize) -> Self {
        Self {
            at: 0,
            quoted: false,
            record_start: true,
            wanted: records,
        }
    }

    /// Scans `text` on from where the scan stands: the end of the line end that completes the
    /// records wanted, or `None` when `text` runs out first (`eof` says no text follows it).
    ///
    /// A parser with the `csv` crate's settings (quotes `"`, doubled to escape, no escape
    /// character, LF line ends) opens a quoted field only at a quote that starts a field (after
    /// a delimiter, or at a record's start); a quote elsewhere is text. Inside quotes, a
    /// doubled quote is text and a single one closes the field. A line end outside quotes ends
    /// a record, except at a record's start, where it is a blank line, skipped.
    fn find(&mut self, text: &[u8], delimiter: u8, eof: bool) -> Option<usize> {
        while self.at < text.len() {
            let rest = &text[self.at..];
            if self.quoted {
                let Some(i) = memchr::memchr(b'"', rest) else {
                    self.at = text.len();
                    return None;
                };
                let quote = self.at + i;
                match text.get(quote + 1) {
                    Some(b'"') => self.at = quote + 2,
                    None if !eof => {
                        // Whether the quote is doubled is told by the byte after it.
                        self.at = quote;
                        return None;
                    }
                    _ => {
                        self.quoted = false;
                        self.at = quote + 1;
                    }
                }
                continue;
            }
            let Some(i) = memchr::memchr2(b'\n', b'"', rest) else {
                self.record_start = false;
                self.at = text.len();
                return None;
            };
            let at = self.at + i;
            let record_start = self.record_start && i == 0;
            self.at = at + 1;
            if text[at] == b'"' {
                // Text before the quote is of its field unless a delimiter ended that field.
                self.quoted = record_start || (i > 0 && text[at - 1] == delimiter);
                self.record_start = false;
            } else if !record_start {
                self.record_start = true;
                self.wanted -= 1;
                if self.wanted == 0 {
                    return Some(self.at);
                }
            }
        }
        None
    }
}

/// Whole records of the file, from the start of line `first_line`, over `lines` lines.
struct Block {
    text: Vec<u8>,
    first_line: u64,
    lines: usize,
}

/// A block split into fields, with what telling a report footer needs.
struct Parsed {
    batch: Option<SourceBatch>,
    /// Whether a row of the block is not footer-like.
    solid: bool,
    /// The footer the block would end with if no row after it in the file were solid.
    tail: Option<Tail>,
    /// The lines of all the block's rows (each with the blank lines before it).
    lines: u64,
}

/// A report footer that may start in a block: its first line, and the lines of its rows so
/// far (each with the blank lines before it).
#[derive(Debug, Clone, Copy)]
struct Tail {
    line: u64,
    lines: u64,
}

impl Block {
    /// The block's rows split into fields, each trimmed, by `header` (the file `path`'s), with
    /// `delimiter`. A block with no quote and no carriage return is cut at its line ends and
    /// delimiters in place; any other is read by the `csv` crate.
    fn parse(
        &self,
        path: &Path,
        header: &[String],
        delimiter: u8,
        schema: &SchemaRef,
    ) -> Result<Parsed, IngestError> {
        let mut rows = Gathered::new(header, self.lines);
        let plain = ![b'"', b'\r', b'\n'].contains(&delimiter);
        if plain && memchr::memchr2(b'"', b'\r', &self.text).is_none() {
            self.split_plain(delimiter, &mut rows);
        } else {
            self.split_quoted(path, delimiter, &mut rows)?;
        }
        rows.finish(path, schema)
    }

    /// Splits the block's lines, none quoted, at `delimiter` into `rows`.
    fn split_plain(&self, delimiter: u8, rows: &mut Gathered) {
        let mut blank_lines = 0;
        let mut line = self.first_line;
        plain_lines(&self.text, delimiter, |record| {
            if record.bytes().is_empty() {
                blank_lines += 1;
            } else {
                rows.push(line, Shape::of(&record, blank_lines), &record);
                blank_lines = 0;
            }
            line += 1;
        });
    }

    /// Reads the block's records, quotes and all, with the `csv` crate into `rows`.
    fn split_quoted(&self, path: &Path, delimiter: u8, rows: &mut Gathered) -> Result<(), IngestError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(self.text.as_slice());
        let mut record = csv::ByteRecord::new();
        let mut last_line = 0;
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(path, e))?
        {
            let (local, shape) = delimited_position(&reader, &record, &mut last_line);
            rows.push(local + self.first_line - 1, shape, &record);
        }
        Ok(())
    }
}

/// A block's rows as they are split, with what telling a report footer needs.
struct Gathered<'h> {
    header: &'h [String],
    batch: TextBatch,
    parsed: Parsed,
}

impl<'h> Gathered<'h> {
    /// No rows yet of a file of `header`, with room for `rows`.
    fn new(header: &'h [String], rows: usize) -> Self {
        Self {
            header,
            batch: TextBatch::new(header.len(), rows),
            parsed: Parsed {
                batch: None,
                solid: false,
                tail: None,
                lines: 0,
            },
        }
    }

    /// Takes `record`, the row of `line`, of this `shape`.
    fn push(&mut self, line: u64, shape: Shape, record: &impl RawFields) {
        match split(line, self.header, record) {
            Ok(text) => self.batch.push_fields(line, text, record),
            Err(problem) => self.batch.push_broken(problem),
        }
        let parsed = &mut self.parsed;
        let lines = 1 + shape.blank_lines_before;
        parsed.lines += lines;
        if !shape.footer_like() {
            parsed.solid = true;
            parsed.tail = None;
        } else if let Some(tail) = &mut parsed.tail {
            tail.lines += lines;
        } else if shape.may_start_footer(self.header.len()) {
            parsed.tail = Some(Tail { line, lines });
        }
    }

    /// The rows gathered, as a batch of `schema` (the file `path`'s).
    fn finish(self, path: &Path, schema: &SchemaRef) -> Result<Parsed, IngestError> {
        let mut parsed = self.parsed;
        parsed.batch = self.batch.finish(schema).map_err(|e| IngestError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(parsed)
    }
}

/// The blocks' batches held while a report footer may have started, until a solid row shows
/// it did not, or the file ends.
#[derive(Default)]
struct Footer {
    pending: Option<Tail>,
    held: Vec<SourceBatch>,
}

impl Footer {
    /// Takes the next block in line order, handing the batches known to be data to `out`.
    fn take(&mut self, block: Parsed, out: &mut VecDeque<SourceBatch>) {
        if let Some(pending) = &mut self.pending {
            if !block.solid {
                pending.lines += block.lines;
                self.held.extend(block.batch);
                return;
            }
            out.extend(self.held.drain(..));
            self.pending = None;
        }
        self.pending = block.tail;
        match self.pending {
            Some(_) => self.held.extend(block.batch),
            None => out.extend(block.batch),
        }
    }

    /// At the end of the file: hands the rows held before a footer to `out`, and returns the
    /// footer's lines.
    fn finish(&mut self, out: &mut VecDeque<SourceBatch>) -> u64 {
        let Some(footer) = self.pending.take() else {
            return 0;
        };
        if let Some(first) = self.held.drain(..).next() {
            out.extend(first.before(footer.line));
        }
        footer.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ends of the records `Scan` finds in `text`, one record per cut; a record left open
    /// at the end (a quote never closed) ends with the text.
    fn ends(text: &[u8]) -> Vec<usize> {
        let mut ends = Vec::new();
        let mut start = 0;
        loop {
            let mut scan = Scan::new(1);
            match scan.find(&text[start..], b',', true) {
                Some(end) => {
                    start += end;
                    ends.push(start);
                }
                None => {
                    if !scan.record_start {
                        ends.push(text.len());
                    }
                    return ends;
                }
            }
        }
    }

    /// The ends of the records the `csv` crate reads from `text`.
    fn csv_ends(text: &[u8]) -> Vec<usize> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(text);
        let mut record = csv::ByteRecord::new();
        let mut ends = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            ends.push(reader.position().byte() as usize);
        }
        ends
    }

    #[test]
    fn quotes_open_a_field_only_at_its_start() {
        let text = b"a,\"b\nc\",d\ne\"f\ng,\"h\"\"\ni\"\n\n\"j\"k\nl\n";
        assert_eq!(ends(text), vec![10, 14, 24, 30, 32]);
        assert_eq!(ends(text), csv_ends(text));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn records_end_where_the_csv_parser_ends_them(text in "[a,\"\n ]{0,60}\n") {
            proptest::prop_assert_eq!(ends(text.as_bytes()), csv_ends(text.as_bytes()));
        }
    }
}
