//! The gateway's idempotency window (SPEC 8a): `(account, client order id)` -> the reply that
//! order got, kept for at least the window and until its market settles or is voided.
//!
//! The replies are opaque bytes (the gateway's MessagePack), so this is a data structure
//! only; the rules live in the gateway, which calls [`IdemTable::expire`] at every batch with
//! its journal time and tells the table when a market settles or is purged. Entries sit in
//! slots in the order they were made: journal time never goes back, so that order is also the
//! order in which they age out, and a cursor over the slots replaces a queue. Forgotten entries
//! leave holes that a compaction closes once they are half of the slots. An entry's id and
//! reply bytes sit in one arena (no allocation per entry), and one map from a 64-bit hash of
//! `(account, id)` to a slot indexes them all (keys inline, no pointer to chase; the rare
//! entries whose hashes collide are chained through their slots).
//!
//! Snapshot bytes are MessagePack that msgspec writes the same way: the replies as one map with
//! `[account, client_order_id]` keys in slot order (the gateway's state hash covers exactly
//! those bytes, as it did when the table was a Python dict), and each entry's time and market
//! as an array of `[ms, market]` pairs in the same order.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use crate::codec::SnapshotError;
use crate::msgpack::{self, Reader};

/// An entry with no market: a refused place, remembered for the window only.
const NO_MARKET: u32 = u32::MAX;

/// The end of a collision chain.
const NO_SLOT: u32 = u32::MAX;

/// Compaction runs when holes are at least this many and half of the slots.
const COMPACT_MIN_HOLES: usize = 1024;

struct Entry {
    account: u32,
    market: u32,
    made_ms: i64,
    /// Where the id's bytes start in the arena; the reply's follow them.
    at: usize,
    coid_len: u32,
    reply_len: u32,
    /// The next entry whose key has the same hash (almost always none).
    next: u32,
}

impl Entry {
    fn coid<'a>(&self, arena: &'a [u8]) -> &'a str {
        let bytes = &arena[self.at..self.at + self.coid_len as usize];
        std::str::from_utf8(bytes).expect("the arena holds the id as it was given")
    }

    fn reply<'a>(&self, arena: &'a [u8]) -> &'a [u8] {
        let start = self.at + self.coid_len as usize;
        &arena[start..start + self.reply_len as usize]
    }
}

#[cfg(test)]
thread_local! {
    /// Tests set it to make every id of an account collide (the chains' code paths).
    static COLLIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The hash that indexes an entry.
fn key_hash(account: u32, coid: &str) -> u64 {
    #[cfg(test)]
    if COLLIDE.with(std::cell::Cell::get) {
        return u64::from(account);
    }
    let mut h = FxHasher::default();
    h.write_u32(account);
    h.write(coid.as_bytes());
    h.finish()
}

/// A market that entries refer to or that has settled; freed when neither holds.
struct Market {
    name: Box<str>,
    refs: u32,
    settled: bool,
    /// Slots of entries past the window, waiting for this market to settle.
    waiting: Vec<u32>,
}

/// The idempotency table.
#[derive(Default)]
pub struct IdemTable {
    slots: Vec<Option<Entry>>,
    live: usize,
    /// The first slot not yet past the window.
    next_to_age: usize,
    /// Every entry's id and reply bytes (forgotten ones too, until a compaction).
    arena: Vec<u8>,
    /// `key_hash` -> the first slot of the entries with that hash.
    index: FxHashMap<u64, u32>,
    accounts: Vec<Box<str>>,
    account_index: FxHashMap<Box<str>, u32>,
    markets: Vec<Option<Market>>,
    market_index: FxHashMap<Box<str>, u32>,
    free_markets: Vec<u32>,
}

impl IdemTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The reply remembered for `coid` of `account`.
    #[must_use]
    pub fn get(&self, account: &str, coid: &str) -> Option<&[u8]> {
        let a = *self.account_index.get(account)?;
        let slot = self.find(a, coid)?;
        let e = self.slots[slot as usize].as_ref()?;
        Some(e.reply(&self.arena))
    }

    fn find(&self, account: u32, coid: &str) -> Option<u32> {
        let mut slot = *self.index.get(&key_hash(account, coid))?;
        while slot != NO_SLOT {
            let e = self.slots[slot as usize].as_ref()?;
            if e.account == account && e.coid(&self.arena) == coid {
                return Some(slot);
            }
            slot = e.next;
        }
        None
    }

    /// Remembers `reply` for `coid` of `account`, made at `made_ms` (never before an entry
    /// made earlier) in `market` (`""`: none, the entry then waits for the window only).
    /// An entry already held for the key is replaced.
    pub fn remember(
        &mut self,
        account: &str,
        coid: &str,
        reply: &[u8],
        made_ms: i64,
        market: &str,
    ) {
        let a = self.account(account);
        if let Some(old) = self.find(a, coid) {
            self.forget(old as usize);
        }
        let slot = self.push_unindexed(a, coid, reply, made_ms, market);
        self.slots[slot as usize]
            .as_mut()
            .expect("just pushed")
            .next = self.link(key_hash(a, coid), slot);
    }

    /// Appends an entry that the index does not know yet (the caller links it).
    fn push_unindexed(
        &mut self,
        account: u32,
        coid: &str,
        reply: &[u8],
        made_ms: i64,
        market: &str,
    ) -> u32 {
        let market = if market.is_empty() {
            NO_MARKET
        } else {
            let m = self.market(market);
            self.market_mut(m).refs += 1;
            m
        };
        let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 entries");
        let at = self.arena.len();
        self.arena.extend_from_slice(coid.as_bytes());
        self.arena.extend_from_slice(reply);
        self.slots.push(Some(Entry {
            account,
            market,
            made_ms,
            at,
            coid_len: u32::try_from(coid.len()).expect("an id under 4 GB"),
            reply_len: u32::try_from(reply.len()).expect("a reply under 4 GB"),
            next: NO_SLOT,
        }));
        self.live += 1;
        slot
    }

    /// Indexes every slot, in slot order, after a restore appended them all: a loop of
    /// nothing but index inserts lets their cache misses overlap, where one insert per
    /// decoded entry waited for each (1M entries: 0.40 -> 0.21 s). A key held twice (only a
    /// damaged snapshot has that) keeps its later entry, as `remember` would.
    fn index_all(&mut self) {
        for slot in 0..self.slots.len() {
            let e = self.slots[slot]
                .as_ref()
                .expect("a restore leaves no holes");
            let (account, hash) = (e.account, key_hash(e.account, e.coid(&self.arena)));
            let slot = u32::try_from(slot).expect("fewer than 2^32 entries");
            let head = self.link(hash, slot);
            if head == NO_SLOT {
                continue;
            }
            self.slots[slot as usize].as_mut().expect("held").next = head;
            let coid = self.slots[slot as usize]
                .as_ref()
                .expect("held")
                .coid(&self.arena);
            let mut at = head;
            while at != NO_SLOT {
                let older = self.slots[at as usize]
                    .as_ref()
                    .expect("a chained slot is held");
                if older.account == account && older.coid(&self.arena) == coid {
                    self.forget(at as usize);
                    break;
                }
                at = older.next;
            }
        }
    }

    /// Makes `slot` the head of the chain of `hash`; returns the former head.
    fn link(&mut self, hash: u64, slot: u32) -> u32 {
        self.index.insert(hash, slot).unwrap_or(NO_SLOT)
    }

    /// Ages out the entries made at or before `horizon_ms`: one without a market or of a
    /// settled market is forgotten, the others wait for their market's settlement.
    pub fn expire(&mut self, horizon_ms: i64) {
        while let Some(slot) = self.slots.get(self.next_to_age) {
            let Some(e) = slot else {
                self.next_to_age += 1;
                continue;
            };
            if e.made_ms > horizon_ms {
                break;
            }
            let (at, market) = (self.next_to_age, e.market);
            self.next_to_age += 1;
            if market == NO_MARKET || self.market_mut(market).settled {
                self.forget(at);
            } else {
                let slot = u32::try_from(at).expect("fewer than 2^32 entries");
                self.market_mut(market).waiting.push(slot);
            }
        }
        self.compact_if_sparse();
    }

    /// `market` settled or was voided: its entries past the window are forgotten now, the
    /// others when they age out.
    pub fn market_settled(&mut self, market: &str) {
        let m = self.market(market);
        let waiting = {
            let entry = self.market_mut(m);
            entry.settled = true;
            std::mem::take(&mut entry.waiting)
        };
        for slot in waiting {
            self.forget(slot as usize);
        }
        self.compact_if_sparse();
    }

    /// `market` was purged: the table keeps nothing of it (an id created again is a new market).
    pub fn market_purged(&mut self, market: &str) {
        if let Some(&m) = self.market_index.get(market) {
            self.market_mut(m).settled = false;
            self.release_market(m);
        }
    }

    /// Entries past the window that wait for their market to settle.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.markets.iter().flatten().map(|m| m.waiting.len()).sum()
    }

    /// The entries in the order they were made: `(account, coid, reply)`.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str, &[u8])> {
        self.slots.iter().flatten().map(|e| {
            let account = &*self.accounts[e.account as usize];
            (account, e.coid(&self.arena), e.reply(&self.arena))
        })
    }

    /// The accounts that hold an entry.
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        let mut holds = vec![false; self.accounts.len()];
        for e in self.slots.iter().flatten() {
            holds[e.account as usize] = true;
        }
        self.accounts
            .iter()
            .zip(holds)
            .filter(|(_, holds)| *holds)
            .map(|(name, _)| &**name)
    }

    fn forget(&mut self, slot: usize) {
        let Some(e) = self.slots[slot].take() else {
            return;
        };
        self.live -= 1;
        self.unlink(key_hash(e.account, e.coid(&self.arena)), slot, e.next);
        if e.market != NO_MARKET {
            self.market_mut(e.market).refs -= 1;
            self.release_market(e.market);
        }
    }

    /// Takes `slot` (whose successor is `next`) out of the chain of `hash`.
    fn unlink(&mut self, hash: u64, slot: usize, next: u32) {
        let head = self.index.get(&hash).copied().unwrap_or(NO_SLOT);
        if head as usize == slot {
            if next == NO_SLOT {
                self.index.remove(&hash);
            } else {
                self.index.insert(hash, next);
            }
            return;
        }
        let mut at = head;
        while at != NO_SLOT {
            let e = self.slots[at as usize]
                .as_mut()
                .expect("a chained slot is held");
            if e.next as usize == slot {
                e.next = next;
                return;
            }
            at = e.next;
        }
    }

    fn account(&mut self, name: &str) -> u32 {
        if let Some(&a) = self.account_index.get(name) {
            return a;
        }
        let a = u32::try_from(self.accounts.len()).expect("fewer than 2^32 accounts");
        self.accounts.push(name.into());
        self.account_index.insert(name.into(), a);
        a
    }

    fn market(&mut self, name: &str) -> u32 {
        if let Some(&m) = self.market_index.get(name) {
            return m;
        }
        let entry = Market {
            name: name.into(),
            refs: 0,
            settled: false,
            waiting: Vec::new(),
        };
        let m = match self.free_markets.pop() {
            Some(m) => {
                self.markets[m as usize] = Some(entry);
                m
            }
            None => {
                self.markets.push(Some(entry));
                u32::try_from(self.markets.len() - 1).expect("fewer than 2^32 markets")
            }
        };
        self.market_index.insert(name.into(), m);
        m
    }

    fn market_mut(&mut self, m: u32) -> &mut Market {
        self.markets[m as usize]
            .as_mut()
            .expect("a referenced market is held")
    }

    /// Frees `m` once no entry refers to it and it is not a settled market.
    fn release_market(&mut self, m: u32) {
        let market = self.market_mut(m);
        if market.refs == 0 && !market.settled {
            let name = std::mem::take(&mut market.name);
            self.markets[m as usize] = None;
            self.market_index.remove(&name);
            self.free_markets.push(m);
        }
    }

    /// Closes the holes once they are half of the slots (amortised O(1) per entry).
    fn compact_if_sparse(&mut self) {
        let holes = self.slots.len() - self.live;
        if holes < COMPACT_MIN_HOLES || holes * 2 < self.slots.len() {
            return;
        }
        let mut moved = vec![u32::MAX; self.slots.len()];
        let old_arena = std::mem::take(&mut self.arena);
        let old_slots = std::mem::take(&mut self.slots);
        self.index.clear();
        self.slots.reserve(self.live);
        let mut next_to_age = 0;
        for (old, slot) in old_slots.into_iter().enumerate() {
            let Some(mut e) = slot else { continue };
            let new = u32::try_from(self.slots.len()).expect("fewer than 2^32 entries");
            moved[old] = new;
            if old < self.next_to_age {
                next_to_age += 1;
            }
            let bytes = &old_arena[e.at..e.at + e.coid_len as usize + e.reply_len as usize];
            e.at = self.arena.len();
            self.arena.extend_from_slice(bytes);
            e.next = self.link(key_hash(e.account, e.coid(&self.arena)), new);
            self.slots.push(Some(e));
        }
        self.next_to_age = next_to_age;
        for market in self.markets.iter_mut().flatten() {
            for slot in &mut market.waiting {
                *slot = moved[*slot as usize];
            }
        }
    }

    /// The replies as one MessagePack map, `[account, coid]` -> reply, in the order made.
    #[must_use]
    pub fn encode_replies(&self) -> Vec<u8> {
        let bytes: usize = self
            .slots
            .iter()
            .flatten()
            .map(|e| e.reply_len as usize + e.coid_len as usize + 24)
            .sum();
        let mut out = Vec::with_capacity(bytes + 5);
        msgpack::map_header(&mut out, self.live);
        for (account, coid, reply) in self.entries() {
            msgpack::array_header(&mut out, 2);
            msgpack::string(&mut out, account);
            msgpack::string(&mut out, coid);
            out.extend_from_slice(reply);
        }
        out
    }

    /// Each entry's `[made_ms, market]` (`""`: none), in the same order.
    #[must_use]
    pub fn encode_meta(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.live * 24 + 5);
        msgpack::array_header(&mut out, self.live);
        for e in self.slots.iter().flatten() {
            msgpack::array_header(&mut out, 2);
            msgpack::int(&mut out, e.made_ms);
            let market = match e.market {
                NO_MARKET => "",
                m => &self.markets[m as usize].as_ref().expect("held").name,
            };
            msgpack::string(&mut out, market);
        }
        out
    }

    /// The table [`Self::encode_replies`] and [`Self::encode_meta`] describe, with `settled`
    /// the markets settled and not yet purged. An empty `meta` (a snapshot from before the
    /// window) makes every entry start its window at `default_ms`, without a market.
    ///
    /// # Errors
    /// When the bytes are not such MessagePack or the two disagree on the number of entries.
    pub fn restore(
        replies: &[u8],
        meta: &[u8],
        default_ms: i64,
        settled: &[&str],
    ) -> Result<Self, SnapshotError> {
        let mut table = IdemTable::new();
        for market in settled {
            let m = table.market(market);
            table.market_mut(m).settled = true;
        }
        let mut r = Reader::new(replies);
        let n = r.map_len()?;
        let mut times = Reader::new(meta);
        let with_meta = match times.array_len()? {
            0 => false,
            count if count == n => true,
            _ => {
                return Err(SnapshotError::Corrupt(
                    "idempotency table and its times differ",
                ))
            }
        };
        table.slots.reserve_exact(n);
        table.index.reserve(n);
        table.arena.reserve(replies.len());
        for _ in 0..n {
            if r.array_len()? != 2 {
                return Err(SnapshotError::Corrupt("idempotency key"));
            }
            let (account, coid) = (r.str()?, r.str()?);
            let reply = r.raw()?;
            let (made_ms, market) = if with_meta {
                if times.array_len()? != 2 {
                    return Err(SnapshotError::Corrupt("idempotency time"));
                }
                (times.int()?, times.str()?)
            } else {
                (default_ms, "")
            };
            let a = table.account(account);
            table.push_unindexed(a, coid, reply, made_ms, market);
        }
        if !r.done() || !times.done() {
            return Err(SnapshotError::Corrupt("idempotency table: trailing bytes"));
        }
        table.index_all();
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::{IdemTable, COLLIDE};

    #[test]
    fn ids_whose_hashes_collide_are_chained() {
        COLLIDE.with(|c| c.set(true));
        let mut t = IdemTable::new();
        for i in 0..3_000i64 {
            t.remember("a", &i.to_string(), &[0x01], i, "");
        }
        t.remember("b", "0", &[0x02], 3_000, "");
        for i in (0..3_000i64).step_by(7) {
            assert_eq!(t.get("a", &i.to_string()), Some(&[0x01][..]));
        }
        t.expire(1_999); // the first 2,000 leave: chain heads and middles unlinked, compacted
        assert_eq!(t.len(), 1_001);
        assert_eq!(t.get("a", "5"), None);
        assert_eq!(t.get("a", "2500"), Some(&[0x01][..]));
        assert_eq!(t.get("b", "0"), Some(&[0x02][..]));
        t.remember("a", "2500", &[0x03], 3_001, ""); // replaces the one in the chain's middle
        assert_eq!(t.get("a", "2500"), Some(&[0x03][..]));
        assert_eq!(t.len(), 1_001);
        let back = IdemTable::restore(&t.encode_replies(), &t.encode_meta(), 0, &[]).expect("ok");
        assert_eq!(back.get("a", "2999"), Some(&[0x01][..]));
        assert_eq!(back.encode_replies(), t.encode_replies());
        COLLIDE.with(|c| c.set(false));
    }

    fn keys(t: &IdemTable) -> Vec<String> {
        t.entries().map(|(a, c, _)| format!("{a}/{c}")).collect()
    }

    #[test]
    fn an_entry_past_the_window_waits_for_its_market_to_settle() {
        let mut t = IdemTable::new();
        t.remember("a", "1", b"\x01", 0, "m1");
        t.remember("a", "2", b"\x02", 5, "");
        t.remember("b", "1", b"\x03", 10, "m2");
        t.expire(5);
        assert_eq!(keys(&t), ["a/1", "b/1"]);
        assert_eq!(t.waiting(), 1);
        assert_eq!(t.get("a", "1"), Some(&b"\x01"[..]));
        assert_eq!(t.accounts().collect::<Vec<_>>(), ["a", "b"]);
        t.market_settled("m1");
        assert_eq!(keys(&t), ["b/1"]);
        t.market_settled("m2");
        assert_eq!(
            keys(&t),
            ["b/1"],
            "inside the window: kept after the settlement"
        );
        t.expire(10);
        assert!(t.is_empty());
        assert_eq!(t.waiting(), 0);
    }

    #[test]
    fn markets_are_freed_when_nothing_refers_to_them() {
        let mut t = IdemTable::new();
        t.remember("a", "1", b"\x01", 0, "m1");
        t.market_settled("m1");
        t.expire(0);
        assert!(t.is_empty());
        assert_eq!(
            t.market_index.len(),
            1,
            "a settled market stays until its purge"
        );
        t.market_purged("m1");
        assert!(t.market_index.is_empty());
        t.remember("a", "1", b"\x02", 1, "m1");
        assert_eq!(t.markets.len(), 1, "the freed slot is reused");
        t.expire(1);
        assert_eq!(t.waiting(), 1, "the id created again is not settled");
    }

    #[test]
    fn compaction_keeps_the_order_the_cursor_and_the_waiting_entries() {
        let mut t = IdemTable::new();
        for i in 0..5_000i64 {
            let market = if i % 1000 == 0 { "open" } else { "" };
            t.remember("a", &i.to_string(), &[0x01], i, market);
        }
        t.expire(3_999);
        assert!(t.slots.len() < 5_000, "compacted");
        assert_eq!(t.len(), 1_004);
        assert_eq!(t.waiting(), 4);
        t.remember("a", "late", &[0x02], 5_000, "");
        t.market_settled("open");
        assert_eq!(t.len(), 1_001);
        t.expire(4_999);
        assert_eq!(keys(&t), ["a/late"]);
        assert_eq!(t.get("a", "late"), Some(&[0x02][..]));
        assert_eq!(t.get("a", "0"), None);
    }

    #[test]
    fn restore_gives_back_the_same_bytes_and_the_same_expiry() {
        let mut t = IdemTable::new();
        t.remember("acct", "x", &[0x93, 0x01, 0xa1, b'z', 0xc0], 100, "1.1");
        t.remember("b", &"y".repeat(40), &[0x90], 200, "");
        t.remember("acct", "w", &[0x91, 0x07], 300, "1.2");
        t.market_settled("1.1");
        let (replies, meta) = (t.encode_replies(), t.encode_meta());
        let mut back = IdemTable::restore(&replies, &meta, 0, &["1.1"]).expect("restore");
        assert_eq!(back.encode_replies(), replies);
        assert_eq!(back.encode_meta(), meta);
        t.expire(250);
        back.expire(250);
        assert_eq!(keys(&back), keys(&t));
        assert_eq!(keys(&t), ["acct/w"]);

        let old = IdemTable::restore(&replies, &[0x90], 7, &[]).expect("no meta");
        assert_eq!(old.encode_meta()[..4], [0x93, 0x92, 0x07, 0xa0]);
        assert!(IdemTable::restore(&replies, &[0x91, 0x92, 0x00, 0xa0], 0, &[]).is_err());
        assert!(IdemTable::restore(&replies[..replies.len() - 1], &meta, 0, &[]).is_err());
    }

    #[test]
    fn a_key_held_twice_in_a_damaged_snapshot_keeps_its_later_reply() {
        // {["a","1"]: 0x01, ["a","1"]: 0x02}: a map the encoder never writes
        let replies = [
            0x82, 0x92, 0xa1, b'a', 0xa1, b'1', 0x01, 0x92, 0xa1, b'a', 0xa1, b'1', 0x02,
        ];
        let back = IdemTable::restore(&replies, &[0x90], 0, &[]).expect("restore");
        assert_eq!(back.len(), 1);
        assert_eq!(back.get("a", "1"), Some(&[0x02][..]));
    }
}
