//! The keys of a loaded table that later tables refer to: a set looked up once per referring
//! row, laid out so that a run of lookups waits on memory about once rather than once per row.

use std::hash::BuildHasher;

/// The most bytes of a key held in its slot.
const INLINE_KEY_BYTES: usize = 23;

/// The length that marks a slot without a key (longer than any key held in a slot).
const VACANT: u8 = u8::MAX;

/// Keys looked up together by [`KeySet::find_each`]: their slots are all read before any is
/// compared, so that the reads from memory overlap.
pub(crate) const LOOKUP_RUN: usize = 16;

/// A key of at most [`INLINE_KEY_BYTES`] bytes, and its length ([`VACANT`] in an empty slot).
#[derive(Clone, Copy)]
struct InlineKey {
    len: u8,
    bytes: [u8; INLINE_KEY_BYTES],
}

impl InlineKey {
    const EMPTY: Self = Self {
        len: VACANT,
        bytes: [0; INLINE_KEY_BYTES],
    };

    /// `key`, which fits in a slot.
    fn of(key: &[u8]) -> Self {
        let mut bytes = [0; INLINE_KEY_BYTES];
        bytes[..key.len()].copy_from_slice(key);
        Self {
            len: key.len() as u8,
            bytes,
        }
    }

    fn is_vacant(&self) -> bool {
        self.len == VACANT
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// A set of keys. Each key of at most [`INLINE_KEY_BYTES`] bytes is held in a slot of one table,
/// found by linear probing from its hash, so that finding a key reads the table alone and no
/// text elsewhere in memory; the table is at most half full. Longer keys are kept apart.
#[derive(Default)]
pub(crate) struct KeySet {
    slots: Vec<InlineKey>,
    short: usize,
    long: foldhash::HashSet<String>,
    state: foldhash::fast::FixedState,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet").field("keys", &self.len()).finish()
    }
}

impl KeySet {
    /// Adds `key`; a key already there stays once.
    pub fn insert(&mut self, key: &str) {
        if key.len() > INLINE_KEY_BYTES {
            self.long.insert(key.to_owned());
            return;
        }
        if (self.short + 1) * 2 > self.slots.len() {
            self.grow();
        }
        if self.place(key.as_bytes()) {
            self.short += 1;
        }
    }

    /// Takes `key` out of the set, if it is there. The keys after its slot that were placed
    /// past their home move back into it, so that every key stays reachable from its home
    /// without a vacant slot on the way.
    pub fn remove(&mut self, key: &str) {
        if key.len() > INLINE_KEY_BYTES {
            self.long.remove(key);
            return;
        }
        if self.slots.is_empty() {
            return;
        }
        let (mut hole, held) = self.slot_of(self.home(key.as_bytes()), key.as_bytes());
        if !held {
            return;
        }
        self.short -= 1;
        let mask = self.slots.len() - 1;
        let mut at = hole;
        loop {
            at = (at + 1) & mask;
            let next = self.slots[at];
            if next.is_vacant() {
                break;
            }
            // A key may fill the hole when the hole lies between its home and its slot.
            let home = self.home(next.as_bytes());
            if at.wrapping_sub(home) & mask >= at.wrapping_sub(hole) & mask {
                self.slots[hole] = next;
                hole = at;
            }
        }
        self.slots[hole] = InlineKey::EMPTY;
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, key: &str) -> bool {
        let mut found = [false];
        self.find_each(&[key], &mut found);
        found[0]
    }

    /// Marks in `found` each of `keys` (at most [`LOOKUP_RUN`]) that is in the set, leaving the
    /// others as they are.
    pub fn find_each(&self, keys: &[&str], found: &mut [bool]) {
        let mut homes = [0; LOOKUP_RUN];
        if !self.slots.is_empty() {
            // The first slot of every key is read before any key is compared: the reads do not
            // wait on one another, so their misses of the processor's caches overlap.
            let mut lengths = 0u8;
            for (home, key) in homes.iter_mut().zip(keys) {
                if key.len() <= INLINE_KEY_BYTES {
                    *home = self.home(key.as_bytes());
                    lengths |= self.slots[*home].len;
                }
            }
            std::hint::black_box(lengths);
        }
        for ((found, key), home) in found.iter_mut().zip(keys).zip(homes) {
            *found |= if key.len() > INLINE_KEY_BYTES {
                self.long.contains(*key)
            } else {
                !self.slots.is_empty() && self.slot_of(home, key.as_bytes()).1
            };
        }
    }

    /// The keys in the set.
    pub fn len(&self) -> usize {
        self.short + self.long.len()
    }

    /// The slot where the search for `key` begins; the table has slots.
    fn home(&self, key: &[u8]) -> usize {
        (self.state.hash_one(key) as usize) & (self.slots.len() - 1)
    }

    /// The slot that holds `key`, or else the first vacant one, searched from slot `at`; and
    /// whether it holds `key`.
    fn slot_of(&self, mut at: usize, key: &[u8]) -> (usize, bool) {
        loop {
            let slot = &self.slots[at];
            if slot.is_vacant() {
                return (at, false);
            }
            if slot.as_bytes() == key {
                return (at, true);
            }
            at = (at + 1) & (self.slots.len() - 1);
        }
    }

    /// Puts `key` in the first vacant slot from its home, unless it is there: whether it was new.
    fn place(&mut self, key: &[u8]) -> bool {
        let (at, held) = self.slot_of(self.home(key), key);
        if !held {
            self.slots[at] = InlineKey::of(key);
        }
        !held
    }

    /// Doubles the table (to 16 slots at first) and puts every key back.
    fn grow(&mut self) {
        let slots = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![InlineKey::EMPTY; slots]);
        for key in old.iter().filter(|k| !k.is_vacant()) {
            self.place(key.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// A key set holds what a set of owned strings holds, keys of every length around the
        /// longest held inline, inserted twice or not at all, some removed (twice, or without
        /// having been inserted), asked one by one and in runs.
        #[test]
        fn key_sets_hold_what_a_set_of_strings_holds(
            keys in proptest::collection::vec("[ab]{0,3}|[ab]{21,25}", 0..60),
            removed in proptest::collection::vec("[ab]{0,3}|[ab]{21,25}", 0..20),
            asked in proptest::collection::vec("[ab]{0,3}|[ab]{21,25}", 0..60),
        ) {
            let mut set = KeySet::default();
            let mut expected = std::collections::HashSet::new();
            for key in keys.iter().chain(&keys) {
                set.insert(key);
                expected.insert(key.clone());
            }
            for key in removed.iter().chain(&removed) {
                set.remove(key);
                expected.remove(key);
            }
            proptest::prop_assert_eq!(set.len(), expected.len());
            let asked: Vec<&str> = keys.iter().chain(&asked).map(String::as_str).collect();
            for key in &asked {
                proptest::prop_assert_eq!(set.contains(key), expected.contains(*key), "{}", key);
            }
            for run in asked.chunks(LOOKUP_RUN) {
                let mut found = [false; LOOKUP_RUN];
                set.find_each(run, &mut found);
                for (key, found) in run.iter().zip(found) {
                    proptest::prop_assert_eq!(found, expected.contains(*key), "{}", key);
                }
            }
        }
    }

    #[test]
    fn a_key_found_in_another_set_stays_found() {
        let mut set = KeySet::default();
        set.insert("a");
        let mut found = [true, false, false];
        set.find_each(&["b", "a", "c"], &mut found);
        assert_eq!(found, [true, true, false]);
    }
}
