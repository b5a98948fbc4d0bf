//! A walk over a Parquet file's page headers before its rows are decoded, refusing pages whose
//! declared sizes its own bytes cannot back, and the text columns that may be read as the
//! file stores them, a dictionary and a key per row.
//!
//! The decoder trusts a dictionary page's declared number of values and reserves room for all
//! of them before it reads one: a damaged 2 KB file that declares four billion values makes it
//! ask for tens of gigabytes and abort the process. A dictionary page is stored plain, so each
//! of its values takes a least number of bytes of its physical type; a page whose bytes are too
//! few for the values it declares is damaged, and the file is refused before any is decoded.

use std::fs::File;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageReader};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};
use parquet::file::serialized_reader::SerializedPageReader;

/// Checks every dictionary page of every column chunk in `file`, whose footer is `metadata`;
/// the error says which row group, column and page declared more values than its bytes hold.
pub(crate) fn check_dictionaries(file: File, metadata: &ParquetMetaData) -> Result<(), String> {
    let reader = Arc::new(file);
    for (group_index, group) in metadata.row_groups().iter().enumerate() {
        let rows = usize::try_from(group.num_rows()).unwrap_or(0);
        for column in group.columns() {
            check_chunk(&reader, column, rows).map_err(|reason| {
                format!(
                    "row group {}, column {:?}: {reason}",
                    group_index + 1,
                    column.column_path().string()
                )
            })?;
        }
    }
    Ok(())
}

/// `schema`, the Arrow schema of a Parquet file whose footer is `metadata`, with each text
/// column stored as a dictionary in every row group read as one (`Dictionary(Int32, Utf8)`), so
/// that a value is decoded, and checked, once per distinct text rather than once per row; `None`
/// when there is no such column. A column with a page stored plainly (a writer falls back to
/// plain pages past a dictionary's size) keeps its type: a dictionary would be built by hashing
/// every value. Only a flat schema is read so, each column being one leaf.
pub(crate) fn dictionary_schema(schema: &Schema, metadata: &ParquetMetaData) -> Option<Schema> {
    let groups = metadata.row_groups();
    let leaves = metadata.file_metadata().schema_descr().num_columns();
    if groups.is_empty() || leaves != schema.fields().len() {
        return None;
    }
    let all_dictionary = |leaf: usize| {
        groups.iter().all(|group| {
            let chunk = group.column(leaf);
            chunk.dictionary_page_offset().is_some()
                && chunk.page_encoding_stats_mask().is_some_and(|mask| {
                    mask.is_only(Encoding::RLE_DICTIONARY) || mask.is_only(Encoding::PLAIN_DICTIONARY)
                })
        })
    };
    let mut any = false;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(leaf, field)| {
            if *field.data_type() == DataType::Utf8 && all_dictionary(leaf) {
                any = true;
                return field
                    .as_ref()
                    .clone()
                    .with_data_type(crate::source::text_dictionary());
            }
            field.as_ref().clone()
        })
        .collect();
    any.then(|| Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Walks one column chunk's pages, reading only the headers of data pages and the bytes of
/// dictionary pages; a chunk placed at a negative offset or length is refused first (the
/// decoder asserts against it).
fn check_chunk(reader: &Arc<File>, column: &ColumnChunkMetaData, rows: usize) -> Result<(), String> {
    let start = column
        .dictionary_page_offset()
        .unwrap_or(column.data_page_offset());
    if start < 0 || column.compressed_size() < 0 {
        return Err(format!(
            "the column chunk starts at byte {start} and is {} bytes long",
            column.compressed_size()
        ));
    }
    let text = |e: ParquetError| e.to_string();
    let mut pages = SerializedPageReader::new(Arc::clone(reader), column, rows, None).map_err(text)?;
    while let Some(page) = pages.peek_next_page().map_err(text)? {
        if !page.is_dict {
            pages.skip_next_page().map_err(text)?;
            continue;
        }
        if let Some(Page::DictionaryPage { buf, num_values, .. }) = pages.get_next_page().map_err(text)? {
            let width = least_bits(column.column_type(), column.column_descr().type_length());
            let needed = u64::from(num_values) * width;
            let held = buf.len() as u64 * 8;
            if needed > held {
                return Err(format!(
                    "a dictionary page declares {num_values} values but holds {} bytes",
                    buf.len()
                ));
            }
        }
    }
    Ok(())
}

/// The fewest bits one plain-encoded value of `physical` takes (`type_length` is the width of a
/// fixed-length byte array).
fn least_bits(physical: PhysicalType, type_length: i32) -> u64 {
    match physical {
        PhysicalType::BOOLEAN => 1,
        PhysicalType::INT32 | PhysicalType::FLOAT => 32,
        PhysicalType::INT64 | PhysicalType::DOUBLE => 64,
        PhysicalType::INT96 => 96,
        // A byte array's length comes first, in four bytes.
        PhysicalType::BYTE_ARRAY => 32,
        PhysicalType::FIXED_LEN_BYTE_ARRAY => u64::try_from(type_length).unwrap_or(0).max(1) * 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_physical_type_has_its_plain_width() {
        assert_eq!(least_bits(PhysicalType::BOOLEAN, 0), 1);
        assert_eq!(least_bits(PhysicalType::INT32, 0), 32);
        assert_eq!(least_bits(PhysicalType::DOUBLE, 0), 64);
        assert_eq!(least_bits(PhysicalType::INT96, 0), 96);
        assert_eq!(least_bits(PhysicalType::BYTE_ARRAY, 0), 32);
        assert_eq!(least_bits(PhysicalType::FIXED_LEN_BYTE_ARRAY, 16), 128);
        // A damaged schema's width of zero or less still counts a byte per value.
        assert_eq!(least_bits(PhysicalType::FIXED_LEN_BYTE_ARRAY, -3), 8);
    }
}
