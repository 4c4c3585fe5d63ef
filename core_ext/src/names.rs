//! A small cache in front of the name-to-index maps of markets and accounts.
//!
//! Every `place` and `cancel` by name resolves a market id and an account name. The maps
//! hash the whole name, probe and compare; most commands reuse a few names, so a
//! direct-mapped table of indices keyed by a cheap hash of the name's length and end bytes
//! answers them with one comparison against the interned name. It holds indices only (no
//! copy of a name, so a miss allocates nothing), and names are never removed, so an entry is
//! either right or misses on the comparison. Not state: snapshots and the hash ignore it.

/// Slots of a [`NameCache`] (a power of two). 256 keeps a few dozen busy accounts from
/// evicting one another (at 64, fifty names missed about a third of the time).
const SLOTS: usize = 256;

/// An empty slot.
const VACANT: u32 = u32::MAX;

/// Indices of recently resolved names, by slot.
#[derive(Debug, Clone)]
pub struct NameCache {
    slots: Box<[u32; SLOTS]>,
}

impl Default for NameCache {
    fn default() -> Self {
        NameCache {
            slots: Box::new([VACANT; SLOTS]),
        }
    }
}

/// The slot of a name: its length and its first and last four bytes (every byte of a name
/// of up to eight), mixed by one multiply. Ids like "1.234567" or "acct-17" differ at the end.
#[inline]
fn slot(name: &str) -> usize {
    let b = name.as_bytes();
    let n = b.len();
    let word = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let (lo, hi) = match n {
        0 => (0, 0),
        1..=3 => (
            u32::from(b[0]) | u32::from(b[n / 2]) << 8 | u32::from(b[n - 1]) << 16,
            0,
        ),
        _ => (word(0), word(n - 4)),
    };
    let h = (u64::from(lo) | u64::from(hi) << 32) ^ (n as u64).rotate_right(8);
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros())) as usize
}

impl NameCache {
    /// The cached index of `name`, checked against the interned names by `name_of`.
    #[inline]
    pub fn get<'a>(&self, name: &str, name_of: impl Fn(u32) -> Option<&'a str>) -> Option<u32> {
        let idx = self.slots[slot(name)];
        (idx != VACANT && name_of(idx) == Some(name)).then_some(idx)
    }

    /// Remembers that `name` is at `idx`.
    #[inline]
    pub fn put(&mut self, name: &str, idx: u32) {
        self.slots[slot(name)] = idx;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_is_checked_against_the_interned_name() {
        let names = ["1.1", "1.2", "alice", "bob", "", "x"];
        let name_of = |i: u32| names.get(i as usize).copied();
        let mut cache = NameCache::default();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(cache.get(n, name_of), None);
            cache.put(n, i as u32);
        }
        for (i, n) in names.iter().enumerate() {
            // Either the right index or a miss (another name took the slot): never wrong.
            let got = cache.get(n, name_of);
            assert!(got.is_none() || got == Some(i as u32), "{n}: {got:?}");
        }
        assert_eq!(cache.get("1.3", name_of), None);
        assert_eq!(cache.get("carol", name_of), None);
    }

    #[test]
    fn names_that_differ_at_the_end_spread_over_slots() {
        let used: std::collections::HashSet<usize> =
            (0..32).map(|i| slot(&format!("1.2345{i:02}"))).collect();
        assert!(used.len() >= 24, "{} slots for 32 market ids", used.len());
    }

    #[test]
    fn fifty_short_account_names_mostly_get_their_own_slot() {
        let used: std::collections::HashSet<usize> =
            (0..50).map(|i| slot(&format!("m{i:02}"))).collect();
        assert!(
            used.len() >= 40,
            "{} slots for 50 account names",
            used.len()
        );
    }
}
