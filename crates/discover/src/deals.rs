//! Deals as discover sees them: each closed deal with its account's attribute values, so that a
//! segment's win rate counts the deals it lost too; and the project's one definition of the win
//! rate and of a median.

use foldhash::{HashMap, HashMapExt};

use crate::Subgroup;

/// The closed deals and the accounts (customers or prospects) they belong to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deals {
    /// Each closed (won or lost) deal.
    pub closed: Vec<Deal>,
    /// Deals still open.
    pub open: u64,
    /// The attribute values of each account with a closed deal; the first is the account of
    /// deals whose account is in no table (it has no values).
    pub accounts: DealAccounts,
}

/// The attribute values of the accounts with a closed deal, column by column, each value
/// written once: an account's value of a column is a code into that column's distinct values,
/// so that a million accounts cost a few bytes per value rather than a string each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealAccounts {
    /// The column names.
    names: Vec<String>,
    /// Per column, its distinct values.
    distinct: Vec<Vec<String>>,
    /// Per column and account, the position of its value in `distinct`, or [`UNKNOWN`].
    codes: Vec<Vec<u32>>,
    /// Per column, the position of each distinct value, while values are being set.
    lookup: Vec<HashMap<String, u32>>,
    /// How many accounts there are.
    len: usize,
}

/// The code of a value not known.
const UNKNOWN: u32 = u32::MAX;

impl DealAccounts {
    /// Adds an account with no values yet; returns its index.
    pub fn push(&mut self) -> usize {
        for codes in &mut self.codes {
            codes.push(UNKNOWN);
        }
        self.len += 1;
        self.len - 1
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no account.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets the value of column `name` of account `index`, replacing any before.
    pub fn set(&mut self, index: usize, name: &str, value: &str) {
        let column = self.add_column(name);
        self.columns_at(&[column])[0].set(index, value);
    }

    /// The position of column `name`, added with no values when there is none yet: to set many
    /// values of one column through [`DealAccounts::columns_at`].
    pub fn add_column(&mut self, name: &str) -> usize {
        self.column(name).unwrap_or_else(|| {
            self.names.push(name.to_owned());
            self.distinct.push(Vec::new());
            self.codes.push(vec![UNKNOWN; self.len]);
            self.lookup.push(HashMap::new());
            self.names.len() - 1
        })
    }

    /// The columns at `positions` (from [`DealAccounts::add_column`], each named once), in that
    /// order, each to be set apart from the others: one a thread, for instance.
    pub fn columns_at(&mut self, positions: &[usize]) -> Vec<DealColumn<'_>> {
        let mut all: Vec<Option<DealColumn<'_>>> = self
            .distinct
            .iter_mut()
            .zip(&mut self.lookup)
            .zip(&mut self.codes)
            .map(|((distinct, lookup), codes)| {
                Some(DealColumn {
                    distinct,
                    lookup,
                    codes,
                })
            })
            .collect();
        positions
            .iter()
            .map(|&at| all[at].take().expect("each column named once"))
            .collect()
    }

    /// The column `name`'s position, when there is such a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Per account, what `judge` makes of its value of column `name` (`None` when unknown, or
    /// when there is no such column): judged once per distinct value, not once per account.
    pub fn judge<'s, T: Clone>(&'s self, name: &str, judge: impl Fn(Option<&'s str>) -> T) -> Vec<T> {
        let unknown = judge(None);
        let Some(column) = self.column(name) else {
            return vec![unknown; self.len];
        };
        let known: Vec<T> = self.distinct[column].iter().map(|v| judge(Some(v))).collect();
        self.codes[column]
            .iter()
            .map(|&code| {
                if code == UNKNOWN {
                    unknown.clone()
                } else {
                    known[code as usize].clone()
                }
            })
            .collect()
    }
}

/// One column of [`DealAccounts`], whose values are set apart from the other columns'.
pub struct DealColumn<'a> {
    distinct: &'a mut Vec<String>,
    lookup: &'a mut HashMap<String, u32>,
    codes: &'a mut [u32],
}

impl DealColumn<'_> {
    /// Sets the value of account `index`, replacing any before.
    pub fn set(&mut self, index: usize, value: &str) {
        let code = match self.lookup.get(value) {
            Some(&code) => code,
            None => {
                self.distinct.push(value.to_owned());
                let code = (self.distinct.len() - 1) as u32;
                self.lookup.insert(value.to_owned(), code);
                code
            }
        };
        self.codes[index] = code;
    }
}

/// A closed deal.
#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    /// Won (else lost).
    pub won: bool,
    /// Days from created to closed, when both are known.
    pub cycle_days: Option<f64>,
    /// Its account: an index into [`Deals::accounts`].
    pub account: u32,
}

/// Win rate and sales cycle of a set of closed deals.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DealOutcome {
    /// Won over closed, when any closed.
    pub win_rate: Option<f64>,
    /// Median days from creation to close of the won deals.
    pub median_sales_cycle_days: Option<f64>,
}

impl Deals {
    /// For each closed deal, its account's flag in `flags` (one per account of `accounts`).
    pub fn of_accounts(&self, flags: &[bool]) -> Vec<bool> {
        self.closed.iter().map(|d| flags[d.account as usize]).collect()
    }

    /// For each closed deal, whether its account meets every condition of `subgroup`.
    pub fn in_subgroup(&self, subgroup: &Subgroup) -> Vec<bool> {
        let mut flags = vec![true; self.accounts.len()];
        for (attribute, condition) in &subgroup.conditions {
            let meets = self.accounts.judge(attribute, |v| condition.matches(v));
            flags.iter_mut().zip(meets).for_each(|(f, m)| *f &= m);
        }
        self.of_accounts(&flags)
    }

    /// Win rate and sales cycle of every closed deal.
    pub fn outcome(&self) -> DealOutcome {
        outcome(self.closed.iter())
    }

    /// Win rate and sales cycle of the closed deals whose flag in `selected` is `wanted`.
    pub fn outcome_of(&self, selected: &[bool], wanted: bool) -> DealOutcome {
        outcome(
            self.closed
                .iter()
                .zip(selected)
                .filter(|(_, s)| **s == wanted)
                .map(|(d, _)| d),
        )
    }
}

/// Win rate (won over closed) and median sales cycle of the won deals among `deals`.
fn outcome<'a>(deals: impl Iterator<Item = &'a Deal>) -> DealOutcome {
    let (mut closed, mut won, mut cycles) = (0usize, 0usize, Vec::new());
    for d in deals {
        closed += 1;
        if d.won {
            won += 1;
            cycles.extend(d.cycle_days);
        }
    }
    DealOutcome {
        win_rate: (closed > 0).then(|| won as f64 / closed as f64),
        median_sales_cycle_days: median(cycles),
    }
}

/// The median: the middle value, or the mean of the two middle values of an even count.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn win_rate_counts_lost_deals_and_the_cycle_only_won_ones() {
        let deal = |won, cycle| Deal {
            won,
            cycle_days: Some(cycle),
            account: 0,
        };
        let deals = Deals {
            closed: vec![
                deal(true, 10.0),
                deal(false, 99.0),
                deal(true, 20.0),
                deal(false, 1.0),
            ],
            open: 0,
            accounts: DealAccounts::default(),
        };
        let all = deals.outcome();
        assert_eq!(all.win_rate, Some(0.5));
        assert_eq!(all.median_sales_cycle_days, Some(15.0));
        let some = deals.outcome_of(&[true, true, false, false], true);
        assert_eq!(some.win_rate, Some(0.5));
        assert_eq!(some.median_sales_cycle_days, Some(10.0));
        assert_eq!(deals.outcome_of(&[true; 4], false), DealOutcome::default());
    }

    #[test]
    fn deal_accounts_read_back_the_values_set_last_and_nothing_else() {
        let mut accounts = DealAccounts::default();
        let (a, b) = (accounts.push(), accounts.push());
        accounts.set(a, "industry", "retail");
        accounts.set(b, "industry", "retail");
        accounts.set(b, "country", "DE");
        accounts.set(b, "country", "FR");
        accounts.push();
        assert_eq!(accounts.len(), 3);
        assert_eq!(
            accounts.judge("industry", |v| v),
            [Some("retail"), Some("retail"), None]
        );
        assert_eq!(accounts.judge("country", |v| v), [None, Some("FR"), None]);
        assert_eq!(accounts.judge("employees", |v| v), [None, None, None]);
        // Judged once per distinct value and once for the unknown.
        let calls = std::cell::Cell::new(0);
        let judged = accounts.judge("industry", |v| {
            calls.set(calls.get() + 1);
            v.is_some()
        });
        assert_eq!((judged, calls.get()), (vec![true, true, false], 2));
    }
}
