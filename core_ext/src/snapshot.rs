//! Snapshot, restore and state hash of the exchange.
//!
//! A compact binary encoding: `MAGIC`, version (both fixed-width), the body (integers as
//! varints from version 8, little-endian fixed-width before), then an XXH3-64 checksum of the
//! body (FNV-1a 64 up to version 6). The state hash is the XXH3-64 of the body
//! without the event sequence counter, so that a rejected command (which emits an event and
//! changes nothing else) leaves the hash unchanged. Undrained events are not part of a
//! snapshot.

use crate::client_ids::ClientIds;
pub use crate::codec::{fnv1a, HashKind, Ints, Reader, SnapshotError, Writer};
use crate::exchange::Exchange;
use crate::ledger::Ledger;
use crate::market::{Market, MarketSpec, MarketStatus, StartingPrice};
use crate::order::{Order, OrderStatus};
use crate::types::{OrderType, Persistence, Side, TimeInForce};

const MAGIC: &[u8; 8] = b"PYBETEX\x01";
/// 2: balances, positions, matched bets and settlement state appended.
/// 3: matched bets aggregated into per-position lots (stake per runner, side and price).
/// 4: an order type per order, and each market's cross-matching flag and starting-price
///    state after the ledger
///    (version 3 still restores: its orders are limit orders and no market takes SP bets).
/// 5: only the orders the engine holds (a settled market's are freed), each with its id,
///    after the last id issued (versions 3 and 4 restore, their settled markets' orders
///    freed on the way in).
/// 6: the purged markets at the end, when there are any (a version-5 body is a valid
///    version-6 body without purged markets).
/// 7: the checksum and the state hash are XXH3-64 instead of FNV-1a 64 (the body is
///    version 6's; [`Exchange::restore_and_hash`] gives an older snapshot's hash in the
///    function it was recorded with).
/// 8: integers as LEB128 varints (zigzag for signed), each order's id as the gap from the
///    previous order's: a million resting orders take ~30 MB instead of 98 (restore, the
///    recovery read and the snapshot write all scale with it). The state hash is the XXH3-64
///    of this encoding; a version-7 snapshot restores with the hash it was recorded with.
const VERSION: u32 = 8;
const OLDEST_VERSION: u32 = 3;

impl Exchange {
    /// The canonical encoding of the state (without the event counter).
    fn encode_state(&self, w: &mut Writer) {
        w.i64(self.now_ms);
        w.u32(self.accounts.len() as u32);
        for a in &self.accounts {
            w.str(a);
        }
        w.u32(self.markets.len() as u32);
        for m in &self.markets {
            w.str(&m.id);
            w.u32(m.spec.runners.len() as u32);
            for &r in &m.spec.runners {
                w.i64(r);
            }
            w.u16(m.spec.places);
            w.i64(m.spec.bet_delay_ms);
            w.i64(m.spec.min_stake);
            w.u8(m.status as u8);
            w.u8(u8::from(m.in_play));
            for &removed in &m.removed {
                w.u8(u8::from(removed));
            }
            w.u32(m.pending.len() as u32);
            for &id in &m.pending {
                w.u64(id);
            }
        }
        w.u64(self.orders.issued());
        w.u64(self.orders.len() as u64);
        // Orders come in id order: from version 8 each id is the gap from the one before.
        let gaps = w.ints() == Ints::Varint;
        let mut previous = 0;
        for o in self.orders.iter() {
            w.u64(if gaps { o.id - previous } else { o.id });
            previous = o.id;
            w.u32(o.market);
            w.u16(o.runner);
            w.u8(o.side as u8);
            w.u16(o.tick);
            w.i64(o.size);
            w.i64(o.matched);
            w.i64(o.remaining);
            w.i64(o.cancelled);
            w.i128(i128::from(o.matched_value));
            w.u32(o.account);
            w.u8(o.status as u8);
            w.u8(o.tif as u8);
            w.i64(o.min_fill);
            w.u8(o.persistence as u8);
            w.u8(o.order_type as u8);
            w.i64(o.release_ms);
            match &o.client_order_id {
                Some(c) => {
                    w.u8(1);
                    w.str(c);
                }
                None => w.u8(0),
            }
        }
        // Queue order of every resting order, market by market.
        for m in 0..self.markets.len() as u32 {
            let resting = self.resting_orders(m);
            w.u64(resting.len() as u64);
            for id in resting {
                w.u64(id);
            }
        }
        self.encode_extensions(w);
    }

    /// Hook for state added by other modules (accounts, exposure).
    fn encode_extensions(&self, w: &mut Writer) {
        self.ledger.encode(w);
        for m in &self.markets {
            w.u8(u8::from(m.cross_matching));
            match &m.sp {
                None => w.u8(0),
                Some(sp) => {
                    w.u8(1);
                    w.i64(sp.min_liability);
                    w.u8(u8::from(sp.reconciled));
                    for price in &sp.actual {
                        match price {
                            Some(p) => {
                                w.u8(1);
                                w.i64(*p);
                            }
                            None => w.u8(0),
                        }
                    }
                }
            }
        }
        // Version 6: the purged markets, written only when there are any, so that a state
        // without keeps the bytes and the hash it had under version 5.
        let purged: Vec<u32> = (0..self.markets.len() as u32)
            .filter(|&m| self.markets[m as usize].purged)
            .collect();
        if !purged.is_empty() {
            w.u32(purged.len() as u32);
            for m in purged {
                w.u32(m);
            }
        }
    }

    /// A deterministic hash of the whole state: equal states give equal hashes everywhere.
    #[must_use]
    pub fn state_hash(&self) -> u64 {
        self.state_hash_with(Self::encoding(VERSION))
    }

    fn state_hash_with(&self, (kind, ints): (HashKind, Ints)) -> u64 {
        let mut w = Writer::hashing(kind).with_ints(ints);
        self.encode_state(&mut w);
        w.finish_hash()
    }

    /// A writer with room for the whole state: at a million orders the encoding is ~30 MB,
    /// and growing a buffer by doubling copies it over and over.
    fn sized_writer(&self, ints: Ints) -> Writer {
        // Orders dominate (89 bytes each fixed-width, 20-40 as varints); positions and queues
        // fit in the margin (a short guess only costs one more growth).
        let per_order = if ints == Ints::Varint { 48 } else { 100 };
        let guess = self.orders.len() * per_order + self.ledger.positions.len() * 256 + 4096;
        Writer::with_capacity(guess).with_ints(ints)
    }

    /// Serialises the state (not the undrained events).
    #[must_use]
    pub fn snapshot(&self) -> Vec<u8> {
        self.snapshot_and_hash().0
    }

    /// [`Exchange::snapshot`] and [`Exchange::state_hash`] from one encoding: the state hash
    /// is the hash of the snapshot's state bytes, instead of encoding the state a second time.
    #[must_use]
    pub fn snapshot_and_hash(&self) -> (Vec<u8>, u64) {
        self.snapshot_in(VERSION)
    }

    /// The snapshot in an older `version`'s encoding (6 or 7), which that version's reader
    /// restores: for a rollback to an older pybet, and for the migration tests.
    ///
    /// # Panics
    /// For a version outside 6 to the current one.
    #[must_use]
    pub fn snapshot_as(&self, version: u32) -> Vec<u8> {
        assert!(
            (6..=VERSION).contains(&version),
            "no encoder for snapshot version {version}"
        );
        self.snapshot_in(version).0
    }

    fn snapshot_in(&self, version: u32) -> (Vec<u8>, u64) {
        let (kind, ints) = Self::encoding(version);
        // Header, body and checksum in one buffer: no copy of the body.
        let mut out = self.sized_writer(ints);
        out.buf.extend_from_slice(MAGIC);
        out.buf.extend_from_slice(&version.to_le_bytes());
        let body = out.buf.len();
        out.u64(self.next_seq);
        let state = out.buf.len();
        self.encode_state(&mut out);
        let hash = kind.of(&out.buf[state..]);
        let sum = kind.of(&out.buf[body..]);
        out.buf.extend_from_slice(&sum.to_le_bytes());
        (out.buf, hash)
    }

    /// The hash function of a snapshot version's checksum and state hash, and how its
    /// integers are written.
    fn encoding(version: u32) -> (HashKind, Ints) {
        match version {
            8.. => (HashKind::Xxh3, Ints::Varint),
            7 => (HashKind::Xxh3, Ints::Fixed),
            _ => (HashKind::Fnv1a, Ints::Fixed),
        }
    }

    /// [`Exchange::restore`] and the state hash of what it restored in the hash function of
    /// the snapshot's version: what recovery compares with the hash recorded beside the
    /// snapshot, so that a store written before version 7 still recovers. (The restored
    /// exchange's [`Exchange::state_hash`] is XXH3-64 whatever it came from.)
    ///
    /// # Errors
    /// As [`Exchange::restore`].
    pub fn restore_and_hash(bytes: &[u8]) -> Result<(Exchange, u64), SnapshotError> {
        let ex = Exchange::restore(bytes)?;
        let hash = ex.state_hash_with(Self::encoding(Self::header_version(bytes)?));
        Ok((ex, hash))
    }

    /// The version in a snapshot's header, refusing a header that is not ours.
    fn header_version(bytes: &[u8]) -> Result<u32, SnapshotError> {
        if bytes.len() < 20 || &bytes[..8] != MAGIC {
            return Err(SnapshotError::BadHeader);
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if !(OLDEST_VERSION..=VERSION).contains(&version) {
            return Err(SnapshotError::BadHeader);
        }
        Ok(version)
    }

    /// Rebuilds an exchange from [`Exchange::snapshot`] bytes.
    ///
    /// # Errors
    /// [`SnapshotError`] for anything that is not an intact snapshot of this version.
    pub fn restore(bytes: &[u8]) -> Result<Exchange, SnapshotError> {
        let version = Self::header_version(bytes)?;
        let body = &bytes[12..bytes.len() - 8];
        let sum = u64::from_le_bytes(bytes[bytes.len() - 8..].try_into().expect("8 bytes"));
        let (kind, ints) = Self::encoding(version);
        if kind.of(body) != sum {
            return Err(SnapshotError::Checksum);
        }
        let mut r = Reader::with_ints(body, ints);
        let mut ex = Exchange {
            next_seq: r.u64()?,
            now_ms: r.i64()?,
            ..Exchange::default()
        };
        let n_accounts = r.u32()?;
        for _ in 0..n_accounts {
            let name = r.str()?;
            ex.intern_account(&name);
        }
        let n_markets = r.u32()?;
        for idx in 0..n_markets {
            let id = r.str()?;
            let n = r.u32()? as usize;
            let mut runners = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                runners.push(r.i64()?);
            }
            let spec = MarketSpec {
                runners,
                places: r.u16()?,
                bet_delay_ms: r.i64()?,
                min_stake: r.i64()?,
            };
            let mut market = Market::new(id.clone(), spec);
            market.status =
                MarketStatus::from_u8(r.u8()?).ok_or(SnapshotError::Corrupt("status"))?;
            market.in_play = r.u8()? != 0;
            for i in 0..n {
                market.removed[i] = r.u8()? != 0;
            }
            let n_pending = r.u32()?;
            for _ in 0..n_pending {
                market.pending.push_back(r.u64()?);
            }
            ex.market_index.insert(id, idx);
            ex.markets.push(market);
        }
        let issued = if version >= 5 { Some(r.u64()?) } else { None };
        let n_orders = r.u64()?;
        let mut client_ids = ClientIds::default();
        let mut previous = 0u64;
        for i in 0..n_orders {
            let id = match version {
                8.. => previous
                    .checked_add(r.u64()?)
                    .ok_or(SnapshotError::Corrupt("order id"))?,
                5..=7 => r.u64()?,
                _ => i + 1,
            };
            previous = id;
            if id <= ex.orders.issued() || issued.is_some_and(|last| id > last) {
                return Err(SnapshotError::Corrupt("order id"));
            }
            let market = r.u32()?;
            if market >= n_markets {
                return Err(SnapshotError::Corrupt("order market"));
            }
            let order = Order {
                id,
                market,
                runner: r.u16()?,
                side: if r.u8()? == 0 { Side::Back } else { Side::Lay },
                tick: r.u16()?,
                size: r.i64()?,
                matched: r.i64()?,
                remaining: r.i64()?,
                cancelled: r.i64()?,
                matched_value: u64::try_from(r.i128()?)
                    .map_err(|_| SnapshotError::Corrupt("matched value"))?,
                account: r.u32()?,
                status: OrderStatus::from_u8(r.u8()?)
                    .ok_or(SnapshotError::Corrupt("order status"))?,
                tif: match r.u8()? {
                    0 => TimeInForce::Gtc,
                    1 => TimeInForce::Ioc,
                    _ => TimeInForce::Fok,
                },
                min_fill: r.i64()?,
                persistence: Persistence::from_u8(r.u8()?)
                    .ok_or(SnapshotError::Corrupt("persistence"))?,
                order_type: if version >= 4 {
                    OrderType::from_u8(r.u8()?).ok_or(SnapshotError::Corrupt("order type"))?
                } else {
                    OrderType::Limit
                },
                release_ms: r.i64()?,
                client_order_id: if r.u8()? == 1 {
                    Some(r.str()?.into_boxed_str())
                } else {
                    None
                },
                position: 0,
                prev: 0,
                next: 0,
            };
            if order.account >= n_accounts
                || usize::from(order.runner) >= ex.markets[market as usize].spec.runners.len()
                || usize::from(order.tick) >= crate::ladder::N_TICKS
            {
                return Err(SnapshotError::Corrupt("order fields"));
            }
            if let Some(c) = &order.client_order_id {
                client_ids.insert(order.account, c.clone(), id);
            }
            ex.markets[market as usize].order_ids.push(id);
            ex.orders.insert(order);
        }
        ex.orders.set_issued(issued.unwrap_or(n_orders));
        ex.client_ids = client_ids;
        for m in 0..n_markets {
            let n = r.u64()?;
            for _ in 0..n {
                let id = r.u64()?;
                let o = ex
                    .orders
                    .get(id)
                    .ok_or(SnapshotError::Corrupt("queue id"))?;
                if o.market != m || o.remaining <= 0 {
                    return Err(SnapshotError::Corrupt("queue entry"));
                }
                let (runner, side) = (o.runner, o.side);
                let Exchange {
                    markets, orders, ..
                } = &mut ex;
                markets[m as usize].books[usize::from(runner)]
                    .side_mut(side)
                    .push_back(orders, id);
            }
        }
        ex.decode_extensions(&mut r, version)?;
        // A settled market's orders were freed at its settlement (an older version still
        // holds them).
        let settled: Vec<u32> = (0..n_markets)
            .filter(|&m| ex.settlement(m) != crate::ledger::Settlement::Open)
            .collect();
        for m in settled {
            ex.free_settled_market(m);
        }
        if version >= 6 && !r.done() {
            for _ in 0..r.u32()? {
                let m = r.u32()?;
                if m >= n_markets || ex.settlement(m) == crate::ledger::Settlement::Open {
                    return Err(SnapshotError::Corrupt("purged market"));
                }
                ex.drop_market(m);
            }
        }
        if !r.done() {
            return Err(SnapshotError::Corrupt("trailing bytes"));
        }
        Ok(ex)
    }

    /// State added after the books: the ledger, then (version 4) the starting-price state.
    fn decode_extensions(&mut self, r: &mut Reader<'_>, version: u32) -> Result<(), SnapshotError> {
        self.ledger = Ledger::decode(
            r,
            self.accounts.len(),
            &self.markets,
            &mut self.orders,
            version,
        )?;
        if version < 4 {
            return Ok(());
        }
        for market in &mut self.markets {
            market.cross_matching = r.u8()? == 1;
            if market.cross_matching && market.spec.places != 1 {
                return Err(SnapshotError::Corrupt("cross-matching with several places"));
            }
            if r.u8()? == 0 {
                continue;
            }
            let n = market.spec.runners.len();
            let mut sp = StartingPrice {
                min_liability: r.i64()?,
                reconciled: r.u8()? == 1,
                actual: Vec::with_capacity(n),
                bets: vec![Vec::new(); n],
            };
            for _ in 0..n {
                sp.actual.push(match r.u8()? {
                    0 => None,
                    _ => Some(r.i64()?),
                });
            }
            market.sp = Some(sp);
        }
        // The live SP bets, per runner in arrival (= id) order.
        for o in self.orders.iter() {
            if o.order_type.is_starting_price() && o.remaining > 0 {
                let sp = self.markets[o.market as usize]
                    .sp
                    .as_mut()
                    .ok_or(SnapshotError::Corrupt("SP bet in a market without SP"))?;
                sp.bets[usize::from(o.runner)].push(o.id);
            }
        }
        Ok(())
    }
}
