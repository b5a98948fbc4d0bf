//! The nearest profitable customer of an account: the one sharing the most signal points with
//! it, among customers with profit above zero, preferring those with a case study, then the
//! most profitable, then the lowest id.
//!
//! Customers are bucketed by the set of signals they meet ([`reference()`]): only the best
//! customer of each set can be the nearest of anyone, so the ICP carries one [`Lookalike`] per
//! set and an account is compared with those sets, not with every customer. Accounts meeting
//! the same signals share one answer, looked up once.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use northstar_profile::{Icp, Lookalike};

/// A customer that may be pointed to.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its record id.
    pub account_id: String,
    /// Whether it has a case study.
    pub case_study: bool,
    /// Its profit.
    pub profit: f64,
    /// Whether it meets each signal of the ICP.
    pub met: Vec<bool>,
}

/// The reference section of an ICP: for each set of signals met by customers with profit above
/// zero, the best of them. Sets are in the order of their signal indices. Their names and case
/// studies are left for the caller to read, for the chosen alone; until then a customer with a
/// case study is not told from one without.
pub fn reference(candidates: &[Candidate]) -> Vec<Lookalike> {
    let mut best: foldhash::HashMap<&[bool], (usize, u64)> = foldhash::HashMap::default();
    for (i, c) in candidates.iter().enumerate().filter(|(_, c)| c.profit > 0.0) {
        let entry = best.entry(c.met.as_slice()).or_insert((i, 0));
        entry.1 += 1;
        let kept = &candidates[entry.0];
        if preference(c.key(), kept.key()) == Ordering::Less {
            entry.0 = i;
        }
    }
    let mut sets: Vec<Lookalike> = best
        .into_iter()
        .map(|(met, (i, customers))| {
            let c = &candidates[i];
            Lookalike {
                signals: (0..met.len()).filter(|&s| met[s]).collect(),
                account_id: c.account_id.clone(),
                name: None,
                case_study_url: None,
                profit: c.profit,
                customers,
            }
        })
        .collect();
    sets.sort_by(|a, b| a.signals.cmp(&b.signals));
    sets
}

/// What a customer is preferred by: whether it has a case study, its profit and its id.
type Key<'a> = (bool, f64, &'a str);

impl Candidate {
    fn key(&self) -> Key<'_> {
        (self.case_study, self.profit, &self.account_id)
    }
}

/// Which of two customers is preferred as a reference (`Less`: `a`): one with a case study, then
/// the more profitable, then the lower id.
fn preference(a: Key<'_>, b: Key<'_>) -> Ordering {
    b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(b.2))
}

/// What a reference customer is preferred by.
fn key(l: &Lookalike) -> Key<'_> {
    (l.case_study_url.is_some(), l.profit, &l.account_id)
}

/// Finds the nearest reference customer of accounts, remembering the answer for each set of
/// signals met.
#[derive(Debug, Clone)]
pub struct Nearest {
    /// The weight of each signal: its points, in absolute value.
    weights: Vec<i64>,
    /// The 64-bit words a set of signals takes.
    words: usize,
    /// Each reference set's signals as bits, `words` words per set, in the reference's order.
    sets: Vec<u64>,
    /// The reference sets' places, the most preferred first.
    by_preference: Vec<usize>,
    /// The ICP's reference.
    reference: Vec<Arc<Lookalike>>,
    /// The answer for each set of signals met: the reference set and the points shared.
    memo: HashMap<Vec<bool>, Option<(usize, i64)>>,
}

impl Nearest {
    /// The nearest-customer search of `icp`'s reference.
    pub fn new(icp: &Icp) -> Self {
        let n = icp.signals.len();
        let words = n.div_ceil(64);
        let mut sets = vec![0; words * icp.reference.len()];
        for (i, l) in icp.reference.iter().enumerate() {
            for &s in l.signals.iter().filter(|&&s| s < n) {
                sets[i * words + s / 64] |= 1 << (s % 64);
            }
        }
        let mut by_preference: Vec<usize> = (0..icp.reference.len()).collect();
        by_preference.sort_by(|&a, &b| preference(key(&icp.reference[a]), key(&icp.reference[b])));
        Self {
            weights: icp.signals.iter().map(|s| s.points.abs()).collect(),
            words,
            sets,
            by_preference,
            reference: icp.reference.iter().cloned().map(Arc::new).collect(),
            memo: HashMap::new(),
        }
    }

    /// The nearest reference customer of an account meeting the signals flagged in `met`, and
    /// the signal points they share; none when the ICP has no reference.
    pub fn find(&mut self, met: &[bool]) -> Option<(Arc<Lookalike>, i64)> {
        let found = match self.memo.get(met) {
            Some(found) => *found,
            None => {
                let found = self.search(met);
                self.memo.insert(met.to_vec(), found);
                found
            }
        };
        found.map(|(i, shared)| (self.reference[i].clone(), shared))
    }

    /// The best reference set for `met`, with the points it shares: most shared points, then
    /// the reference's own order of preference.
    fn search(&self, met: &[bool]) -> Option<(usize, i64)> {
        let mut mask = vec![0u64; self.words];
        let mut most = 0;
        for s in (0..self.weights.len()).filter(|&s| met.get(s) == Some(&true)) {
            mask[s / 64] |= 1 << (s % 64);
            most += self.weights[s];
        }
        let mut best: Option<(usize, i64)> = None;
        for &i in &self.by_preference {
            let shared = self.shared(&mask, i);
            if best.is_none_or(|(_, points)| shared > points) {
                best = Some((i, shared));
                // No later set can share more, and a tie goes to the preferred one.
                if shared == most {
                    break;
                }
            }
        }
        best
    }

    /// The signal points an account meeting the signals of `mask` shares with reference set `i`.
    fn shared(&self, mask: &[u64], i: usize) -> i64 {
        let set = &self.sets[i * self.words..(i + 1) * self.words];
        let mut points = 0;
        for (w, (&a, &b)) in mask.iter().zip(set).enumerate() {
            let mut common = a & b;
            while common != 0 {
                points += self.weights[w * 64 + common.trailing_zeros() as usize];
                common &= common - 1;
            }
        }
        points
    }
}
