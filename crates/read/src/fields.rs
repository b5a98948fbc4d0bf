//! A delimited record's fields as a parser cut them, and the checks that make them a row.
//!
//! The `csv` crate cuts any record, quotes and all. A line with no quote and no carriage return
//! holds no escape a parser must undo: its fields are the text between its delimiters, read in
//! place ([`PlainLine`]), as the `csv` crate would read them.

use std::ops::Range;

use crate::source::{MAX_FIELD_BYTES, Problem, header_repeated, shorten};

/// A record's fields: a text holding them all, and where each lies in it.
pub(crate) trait RawFields {
    /// How many fields the record has.
    fn count(&self) -> usize;
    /// The text holding every field.
    fn bytes(&self) -> &[u8];
    /// Where field `i` lies in [`bytes`](RawFields::bytes).
    fn range(&self, i: usize) -> Option<Range<usize>>;

    /// The record's text, when it is known to be UTF-8 with every field starting and ending
    /// on a character's boundary.
    fn known_text(&self) -> Option<&str> {
        None
    }

    /// The bytes of field `i` (empty past the last field).
    fn field_bytes(&self, i: usize) -> &[u8] {
        self.range(i).map_or(&[], |r| &self.bytes()[r])
    }
}

impl RawFields for csv::ByteRecord {
    fn count(&self) -> usize {
        self.len()
    }

    fn bytes(&self) -> &[u8] {
        self.as_slice()
    }

    fn range(&self, i: usize) -> Option<Range<usize>> {
        csv::ByteRecord::range(self, i)
    }
}

/// A line with no quote and no carriage return, cut at its delimiters: its fields are read in
/// place.
pub(crate) struct PlainLine<'a> {
    text: &'a [u8],
    /// The same text, when the text it was cut from is UTF-8 and the delimiter ASCII.
    known: Option<&'a str>,
    /// Where each field ends.
    ends: &'a [usize],
}

/// Calls `each` with every line of `text` (a text with no quote and no carriage return, whose
/// lines end with LF; the last may not), cut at `delimiter`; a blank line is a line of one
/// empty field.
///
/// The text is read eight bytes at a time: a word's delimiters and line ends are found at once
/// by bit arithmetic, and only they are visited. It is checked for UTF-8 once, whole: cut at
/// ASCII bytes, each of its lines and fields then is too.
pub(crate) fn plain_lines(text: &[u8], delimiter: u8, mut each: impl FnMut(PlainLine<'_>)) {
    let known = std::str::from_utf8(text).ok().filter(|_| delimiter.is_ascii());
    let mut ends = Vec::new();
    let mut start = 0;
    // A field ends at each delimiter and line end; a line, at each line end.
    let mut visit = |at: usize, line_end: bool, ends: &mut Vec<usize>| {
        ends.push(at - start);
        if line_end {
            each(PlainLine {
                text: &text[start..at],
                known: known.and_then(|k| k.get(start..at)),
                ends,
            });
            ends.clear();
            start = at + 1;
        }
    };
    let words = text.chunks_exact(8);
    let rest = words.remainder().len();
    for (i, word) in words.enumerate() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let line_ends = bytes_equal(word, b'\n');
        let mut found = line_ends | bytes_equal(word, delimiter);
        while found != 0 {
            let bit = found & found.wrapping_neg();
            visit(
                i * 8 + bit.trailing_zeros() as usize / 8,
                line_ends & bit != 0,
                &mut ends,
            );
            found ^= bit;
        }
    }
    let tail = text.len() - rest;
    for (at, byte) in text.iter().enumerate().skip(tail) {
        match *byte {
            b'\n' => visit(at, true, &mut ends),
            b if b == delimiter => visit(at, false, &mut ends),
            _ => {}
        }
    }
    if text.last().is_some_and(|b| *b != b'\n') {
        visit(text.len(), true, &mut ends);
    }
}

/// The high bit of each byte of `word` that equals `byte`, and no other bit.
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let zero_where_equal = word ^ (u64::from(byte) * 0x0101_0101_0101_0101);
    // A byte's low seven bits plus 0x7f carry into its high bit unless they are all zero; no
    // carry crosses into the next byte.
    !(((zero_where_equal & LOW7) + LOW7) | zero_where_equal | LOW7)
}

impl RawFields for PlainLine<'_> {
    fn count(&self) -> usize {
        self.ends.len()
    }

    fn bytes(&self) -> &[u8] {
        self.text
    }

    fn known_text(&self) -> Option<&str> {
        self.known
    }

    fn range(&self, i: usize) -> Option<Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] + 1,
        };
        Some(start..end)
    }
}

/// The text of `record`, the row of `line`, when it splits into one field per name of `header`,
/// each valid UTF-8 and at most [`MAX_FIELD_BYTES`] long, and does not repeat the header; else
/// why not (the first field at fault, in column order). Read its fields with [`field`].
pub(crate) fn split<'r>(
    line: u64,
    header: &[String],
    record: &'r impl RawFields,
) -> Result<&'r str, Problem> {
    let broken = |column: &str, value: String, reason: String| Problem {
        line,
        column: column.to_owned(),
        value,
        reason,
    };
    if record.count() != header.len() {
        let reason = format!(
            "row has {} fields but the header has {}",
            record.count(),
            header.len()
        );
        return Err(broken("", String::new(), reason));
    }
    let repeats_header = header
        .iter()
        .enumerate()
        .all(|(i, name)| record.field_bytes(i).trim_ascii() == name.as_bytes());
    if repeats_header {
        return Err(header_repeated(line));
    }
    let not_utf8 = || {
        "not valid UTF-8: save the file as UTF-8, or give the table's `encoding` in northstar.toml (\"latin-1\" for Latin-1 or Windows-1252)".to_owned()
    };
    if let Some(text) = record.known_text().filter(|t| t.len() <= MAX_FIELD_BYTES) {
        return Ok(text);
    }
    // The fields end to end are checked at once; a field is then UTF-8 when it starts and ends
    // on a character's boundary of that text. Fields are checked one by one only when the
    // whole is not UTF-8, to name the first at fault.
    let whole = std::str::from_utf8(record.bytes()).ok();
    // ASCII text no longer than a field may be: every field is within the limit, and every
    // boundary is a character's.
    if let Some(text) = whole.filter(|t| t.len() <= MAX_FIELD_BYTES && t.is_ascii()) {
        return Ok(text);
    }
    for (i, name) in header.iter().enumerate() {
        let bytes = record.field_bytes(i);
        let value = || shorten(&String::from_utf8_lossy(bytes));
        if bytes.len() > MAX_FIELD_BYTES {
            let reason = format!(
                "field is {} bytes long; the limit is {MAX_FIELD_BYTES} (is a quote left open?)",
                bytes.len()
            );
            return Err(broken(name, value(), reason));
        }
        let utf8 = match (whole, record.range(i)) {
            (Some(text), Some(range)) => {
                text.is_char_boundary(range.start) && text.is_char_boundary(range.end)
            }
            _ => std::str::from_utf8(bytes).is_ok(),
        };
        if !utf8 {
            return Err(broken(name, value(), not_utf8()));
        }
    }
    whole.ok_or_else(|| broken("", String::new(), not_utf8()))
}

/// Field `i` of a `record` whose `text` [`split`] gave.
pub(crate) fn field<'r>(text: &'r str, record: &impl RawFields, i: usize) -> &'r str {
    record.range(i).and_then(|r| text.get(r)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of a text's lines read in place are those the `csv` crate reads from it
    /// (blank lines aside, which it skips).
    fn same_as_csv(text: &[u8]) {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(text);
        let mut record = csv::ByteRecord::new();
        let mut expected = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            expected.push(
                (0..record.count())
                    .map(|i| record.field_bytes(i).to_vec())
                    .collect::<Vec<_>>(),
            );
        }
        let mut lines = Vec::new();
        plain_lines(text, b',', |line| {
            if !line.bytes().is_empty() {
                lines.push(
                    (0..line.count())
                        .map(|i| line.field_bytes(i).to_vec())
                        .collect::<Vec<_>>(),
                );
            }
        });
        assert_eq!(lines, expected);
    }

    #[test]
    fn plain_lines_are_cut_as_the_csv_crate_cuts_them() {
        for text in [
            &b"a,b,c\n"[..],
            b"a",
            b" \n\n,\n",
            b",,x,\nlonger line,of,text\n",
            b" a , b\t,\x0bc",
        ] {
            same_as_csv(text);
        }
    }

    #[test]
    fn bytes_equal_marks_exactly_the_equal_bytes() {
        let word = u64::from_le_bytes(*b",a\n,\x80\xac\x2c\x00");
        assert_eq!(bytes_equal(word, b','), 0x0080_0000_8000_0080);
        assert_eq!(bytes_equal(word, b'\n'), 0x80_0000);
        assert_eq!(bytes_equal(word, 0), 0x8000_0000_0000_0000);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn any_plain_text_is_cut_as_the_csv_crate_cuts_it(text in "[a,. \t\x0b\n\u{e9}\u{2c00}-]{0,60}") {
            same_as_csv(text.as_bytes());
        }
    }
}
