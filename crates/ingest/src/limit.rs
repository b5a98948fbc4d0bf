//! Where reading a table stops because it has too many rejected rows: as soon as its rejects pass
//! the limit's share of the most rows its file can hold, so that the table is over the limit
//! whatever the rest of the file holds; or, in a file whose size is not known ahead (a
//! compressed text file), once enough rows are read and the share of them rejected is past the
//! limit.

use northstar_output::figures::group;
use northstar_read::error::IngestError;
use northstar_read::source::Extent;

/// Rows read, of a file whose size is not known ahead, before the share of them rejected may
/// stop the reading.
pub const UNSIZED_ROWS: u64 = 100_000;

/// The reject limit of one table's reading.
#[derive(Debug)]
pub(crate) struct RejectLimit {
    /// Percent of the table's rows that may be rejected.
    percent: f64,
    /// How the most data rows the file can hold is known.
    extent: Extent,
    /// The most data rows the file can hold, once asked (when known at all): found at the first
    /// reject, so that a file without rejects costs no pass over its lines.
    rows_at_most: Option<Option<u64>>,
}

impl RejectLimit {
    /// The limit of `percent` for a file of `extent`.
    pub fn new(percent: f64, extent: Extent) -> Self {
        Self {
            percent,
            extent,
            rows_at_most: None,
        }
    }

    /// Whether reading stops with `rejected` of the `considered` rows read so far rejected.
    pub fn reached(&mut self, rejected: u64, considered: u64) -> Result<bool, IngestError> {
        let known = self.known_rows()?;
        let past = |rows: u64| rejected as f64 * 100.0 > self.percent * rows as f64;
        Ok(match known {
            Some(rows) => past(rows),
            None => considered >= UNSIZED_ROWS && past(considered),
        })
    }

    /// The most data rows the file can hold, found once.
    fn known_rows(&mut self) -> Result<Option<u64>, IngestError> {
        if self.rows_at_most.is_none() {
            self.rows_at_most = Some(self.extent.rows_at_most()?);
        }
        Ok(self.rows_at_most.flatten())
    }

    /// Why reading stopped after `line`, with `rejected` of the `considered` rows read so far
    /// rejected: the last line of a table's rejects.
    pub fn reason(&self, line: u64, rejected: u64, considered: u64) -> String {
        let read = format!(
            "reading stopped after line {line}: {} of the {} rows read were rejected",
            group(rejected),
            group(considered)
        );
        match self.rows_at_most.flatten() {
            Some(rows) => format!(
                "{read}, more than {}% of the {} rows the file can hold at most, so the table is \
                 past --max-rejects whatever the rest holds; the rows after this line were not checked",
                self.percent,
                group(rows)
            ),
            None => format!(
                "{read}, more than {}% of them (the size of a compressed file is not known ahead, so \
                 reading stops once {} rows are read and the share rejected so far is past \
                 --max-rejects); the rows after this line were not checked",
                self.percent,
                group(UNSIZED_ROWS)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sized_file_stops_once_its_rejects_pass_the_limit_of_all_its_rows() {
        let mut limit = RejectLimit::new(1.0, Extent::Rows(1_000));
        assert!(
            !limit.reached(10, 10).unwrap(),
            "10 of at most 1,000 is 1%, not past it"
        );
        assert!(limit.reached(11, 11).unwrap());
        let mut all = RejectLimit::new(100.0, Extent::Rows(1_000));
        assert!(!all.reached(1_000, 1_000).unwrap());
    }

    #[test]
    fn an_unsized_file_stops_on_the_share_of_the_rows_read_once_enough_are() {
        let mut limit = RejectLimit::new(1.0, Extent::Unknown);
        assert!(!limit.reached(50_000, UNSIZED_ROWS - 1).unwrap());
        assert!(!limit.reached(1_000, UNSIZED_ROWS).unwrap());
        assert!(limit.reached(1_001, UNSIZED_ROWS).unwrap());
    }
}
