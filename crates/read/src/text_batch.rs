//! Rows of delimited text gathered into a batch of text columns, with no text allocated per
//! value: each field trimmed as a [`Record`](crate::source::Record)'s fields are, an empty one as null.

use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};

use crate::fields::{RawFields, field};
use crate::source::Problem;
use crate::values::trim;

/// A batch of a file's rows, with where each row is and the rows between them that could not be
/// split into fields.
pub struct SourceBatch {
    /// The rows: a Parquet file's columns as decoded, or a delimited file's fields as text.
    pub batch: RecordBatch,
    /// The line (or row number) of each row.
    pub lines: Lines,
    /// The rows among them that could not be split into fields, in line order.
    pub broken: Vec<Problem>,
}

impl SourceBatch {
    /// The rows of the batch on lines before `line` (of a delimited file, whose rows carry
    /// their lines); `None` when there are none.
    pub(crate) fn before(self, line: u64) -> Option<SourceBatch> {
        let Lines::Each(mut lines) = self.lines else {
            return Some(self);
        };
        let kept = lines.partition_point(|l| *l < line);
        lines.truncate(kept);
        let mut broken = self.broken;
        broken.retain(|p| p.line < line);
        (kept + broken.len() > 0).then(|| SourceBatch {
            batch: self.batch.slice(0, kept),
            lines: Lines::Each(lines),
            broken,
        })
    }
}

/// The line of each row of a batch.
pub enum Lines {
    /// Rows on consecutive lines from this one (a Parquet file's row numbers).
    From(u64),
    /// Each row's line (a text file's, where quoted line ends and skipped lines fall between).
    Each(Vec<u64>),
}

impl Lines {
    /// The line of row `row`.
    pub fn of(&self, row: usize) -> u64 {
        match self {
            Lines::From(first) => first + row as u64,
            Lines::Each(lines) => lines[row],
        }
    }
}

/// The schema of the text batches of a file of `header`: a nullable text column per name.
pub(crate) fn text_schema(header: &[String]) -> SchemaRef {
    let fields: Vec<Field> = header
        .iter()
        .map(|name| Field::new(name, DataType::Utf8, true))
        .collect();
    Arc::new(Schema::new(fields))
}

/// Rows of a delimited file being gathered.
pub(crate) struct TextBatch {
    columns: Vec<StringBuilder>,
    lines: Vec<u64>,
    broken: Vec<Problem>,
}

impl TextBatch {
    /// An empty batch of `width` columns, with room for `rows` rows.
    pub fn new(width: usize, rows: usize) -> Self {
        Self {
            columns: (0..width)
                .map(|_| StringBuilder::with_capacity(rows, rows * 8))
                .collect(),
            lines: Vec::with_capacity(rows),
            broken: Vec::new(),
        }
    }

    /// The rows gathered, broken ones included.
    pub fn len(&self) -> usize {
        self.lines.len() + self.broken.len()
    }

    /// Appends the row of `line`: the fields of `record`, whose `text`
    /// [`split`](crate::fields::split) gave.
    pub(crate) fn push_fields(&mut self, line: u64, text: &str, record: &impl RawFields) {
        for (i, column) in self.columns.iter_mut().enumerate() {
            let value = trim(field(text, record, i));
            column.append_option((!value.is_empty()).then_some(value));
        }
        self.lines.push(line);
    }

    /// Appends a row that could not be split into fields.
    pub fn push_broken(&mut self, problem: Problem) {
        self.broken.push(problem);
    }

    /// The rows gathered as a batch of `schema`; `None` when there are none.
    pub fn finish(mut self, schema: &SchemaRef) -> Result<Option<SourceBatch>, arrow::error::ArrowError> {
        if self.len() == 0 {
            return Ok(None);
        }
        let columns: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| Arc::new(c.finish()) as ArrayRef)
            .collect();
        let options = RecordBatchOptions::new().with_row_count(Some(self.lines.len()));
        let batch = RecordBatch::try_new_with_options(schema.clone(), columns, &options)?;
        Ok(Some(SourceBatch {
            batch,
            lines: Lines::Each(self.lines),
            broken: self.broken,
        }))
    }
}
