//! The columns of a Parquet file as the text every other format gives: scalars as Arrow casts
//! them (a decimal as its digits), a list of scalars `;`-separated as a list value is written,
//! and a nested structure refused row by row, as a nested JSON object is.

use arrow::array::{Array, ArrayRef, AsArray, GenericListArray, OffsetSizeTrait, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;

/// Why a row's value of a nested column is refused.
pub const NESTED: &str = "nested structures are not supported: flatten the column into columns of their own";

/// One column, ready to be read as text row by row.
pub enum TextColumn {
    /// A column of scalars.
    Scalar(StringArray),
    /// A list of scalars: the elements as text, and each row's range of them.
    List {
        elements: StringArray,
        ranges: Vec<(usize, usize)>,
        list: ArrayRef,
    },
    /// A structure, a map, or a list of them.
    Nested(ArrayRef),
}

impl TextColumn {
    /// `column` prepared for reading as text.
    pub fn of(column: &ArrayRef) -> Result<TextColumn, String> {
        match column.data_type() {
            DataType::List(_) => list(column, column.as_list::<i32>()),
            DataType::LargeList(_) => list(column, column.as_list::<i64>()),
            DataType::Struct(_)
            | DataType::Map(..)
            | DataType::Union(..)
            | DataType::FixedSizeList(..)
            | DataType::ListView(_)
            | DataType::LargeListView(_) => Ok(TextColumn::Nested(column.clone())),
            _ => scalars(column).map(TextColumn::Scalar),
        }
    }

    /// Row `row`'s text (`None` when null or empty), or why it is refused.
    pub fn at(&self, row: usize) -> Result<Option<String>, &'static str> {
        let text = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        };
        match self {
            TextColumn::Scalar(values) => {
                Ok((!values.is_null(row)).then(|| text(values.value(row))).flatten())
            }
            TextColumn::List {
                elements,
                ranges,
                list,
            } => {
                if list.is_null(row) {
                    return Ok(None);
                }
                let (start, end) = ranges[row];
                let parts: Vec<&str> = (start..end)
                    .filter(|&i| !elements.is_null(i))
                    .map(|i| elements.value(i).trim())
                    .filter(|s| !s.is_empty())
                    .collect();
                Ok(text(&parts.join(";")))
            }
            TextColumn::Nested(column) if column.is_null(row) => Ok(None),
            TextColumn::Nested(_) => Err(NESTED),
        }
    }
}

/// A list column: its elements as text when they are scalars, else a nested column.
fn list<O: OffsetSizeTrait>(column: &ArrayRef, list: &GenericListArray<O>) -> Result<TextColumn, String> {
    if list.value_type().is_nested() {
        return Ok(TextColumn::Nested(column.clone()));
    }
    let ranges = list
        .offsets()
        .windows(2)
        .map(|w| (w[0].as_usize(), w[1].as_usize()))
        .collect();
    Ok(TextColumn::List {
        elements: scalars(list.values())?,
        ranges,
        list: column.clone(),
    })
}

/// A column of scalars as text.
fn scalars(column: &ArrayRef) -> Result<StringArray, String> {
    let text = cast(column, &DataType::Utf8).map_err(|e| format!("cannot read a column as text: {e}"))?;
    text.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(|| "cannot read a column as text".to_owned())
}
