//! Sets of accounts, one bit per account (an account's index into the base): intersected,
//! walked and compared a machine word at a time.

use fixedbitset::FixedBitSet;

/// The set of `accounts` accounts holding `members`.
pub(crate) fn account_set(members: &[usize], accounts: usize) -> FixedBitSet {
    let mut set = FixedBitSet::with_capacity(accounts);
    set.extend(members.iter().copied());
    set
}

/// The accounts in both `a` and `b`.
pub(crate) fn both(a: &FixedBitSet, b: &FixedBitSet) -> FixedBitSet {
    let mut out = a.clone();
    out.intersect_with(b);
    out
}

/// Folds `f` over the accounts in both `a` and `b`, ascending, a machine word at a time.
pub(crate) fn fold_both<T>(a: &FixedBitSet, b: &FixedBitSet, init: T, mut f: impl FnMut(T, usize) -> T) -> T {
    let bits = usize::BITS as usize;
    let mut out = init;
    for (w, (&x, &y)) in a.as_slice().iter().zip(b.as_slice()).enumerate() {
        let mut word = x & y;
        while word != 0 {
            out = f(out, w * bits + word.trailing_zeros() as usize);
            word &= word - 1;
        }
    }
    out
}

/// |a ∩ b| / |a ∪ b|: how nearly two sets hold the same accounts (1 when both are empty).
pub fn jaccard(a: &FixedBitSet, b: &FixedBitSet) -> f64 {
    let (both, union) = (a.intersection_count(b), a.union_count(b));
    if union == 0 {
        1.0
    } else {
        both as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_and_intersections_of_account_sets() {
        // Across a word boundary: {1, 3, 64, 70, 130} and {3, 4, 64, 130, 131} share 3, 64 and
        // 130, of 7 accounts in either.
        let (a, b) = (
            account_set(&[1, 3, 64, 70, 130], 200),
            account_set(&[3, 4, 64, 130, 131], 200),
        );
        assert_eq!(both(&a, &b).ones().collect::<Vec<_>>(), vec![3, 64, 130]);
        assert_eq!(
            fold_both(&a, &b, Vec::new(), |mut v, i| {
                v.push(i);
                v
            }),
            vec![3, 64, 130]
        );
        assert!((jaccard(&a, &b) - 3.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn two_empty_sets_hold_the_same_accounts() {
        assert_eq!(jaccard(&FixedBitSet::new(), &FixedBitSet::with_capacity(10)), 1.0);
    }
}
