//! A small cache in front of the name-to-index maps of markets and accounts.
//!
//! Every `place` and `cancel` by name resolves a market id and an account name. The maps
//! hash the whole name, probe and compare; most commands reuse a few names, so a
//! direct-mapped table of indices keyed by a cheap hash of the name's length and end bytes
//! answers them with one comparison against the interned name. It holds indices only (no
//! copy of a name, so a miss allocates nothing), and names are never removed, so an entry is
//! either right or misses on the comparison. Not state: snapshots and the hash ignore it.

/// Slots of a [`NameCache`] (a power of two).
const SLOTS: usize = 64;

/// An empty slot.
const VACANT: u32 = u32::MAX;

/// Indices of recently resolved names, by slot.
#[derive(Debug, Clone)]
pub struct NameCache {
    slots: [u32; SLOTS],
}

impl Default for NameCache {
    fn default() -> Self {
        NameCache {
            slots: [VACANT; SLOTS],
        }
    }
}

/// The slot of a name: its length and its first and last two bytes, mixed by one multiply
/// (ids like "1.234567" or "acct-17" differ at the end).
#[inline]
fn slot(name: &str) -> usize {
    let b = name.as_bytes();
    let (n, first, last) = match b {
        [] => (0, 0, 0),
        [x] => (1, *x, *x),
        [x, .., y] => (b.len(), *x, *y),
    };
    let before_last = if n >= 2 { b[n - 2] } else { 0 };
    let h =
        (n as u64) | u64::from(first) << 16 | u64::from(before_last) << 24 | u64::from(last) << 32;
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
        assert!(used.len() >= 16, "{} slots for 32 market ids", used.len());
    }
}
