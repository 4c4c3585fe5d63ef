//! An order and its lifecycle.

use crate::types::{Money, OrderId, OrderType, Persistence, Side, Tick, TimeInForce};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OrderStatus {
    /// Waiting in the in-play bet delay.
    Pending = 0,
    /// Resting on the book with unmatched size.
    Executable = 1,
    /// Fully matched, cancelled, lapsed or killed: nothing left unmatched.
    ExecutionComplete = 2,
}

/// Why unmatched size left the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CancelReason {
    /// Cancelled (or reduced) by its owner, or replaced.
    Cancelled = 0,
    /// Lapsed: the market turned in-play (LAPSE orders) or was suspended during the bet delay.
    Lapsed = 1,
    /// The unfilled rest of an IOC or FOK order.
    Expired = 2,
    /// A FOK order that could not fill its minimum.
    Killed = 3,
    /// The market closed (or a runner was removed) with the order unmatched.
    MarketClosed = 4,
    /// A `MARKET_ON_CLOSE`-persistence order's remainder became an SP bet at the off.
    ToStartingPrice = 5,
}

impl CancelReason {
    /// The stable name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::Cancelled => "CANCELLED",
            CancelReason::Lapsed => "LAPSED",
            CancelReason::Expired => "EXPIRED",
            CancelReason::Killed => "KILLED",
            CancelReason::MarketClosed => "MARKET_CLOSED",
            CancelReason::ToStartingPrice => "TO_STARTING_PRICE",
        }
    }

    /// Every reason, in numeric order (`reason as u8` is its index).
    pub const ALL: [CancelReason; 6] = [
        CancelReason::Cancelled,
        CancelReason::Lapsed,
        CancelReason::Expired,
        CancelReason::Killed,
        CancelReason::MarketClosed,
        CancelReason::ToStartingPrice,
    ];

    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => CancelReason::Cancelled,
            1 => CancelReason::Lapsed,
            2 => CancelReason::Expired,
            3 => CancelReason::Killed,
            4 => CancelReason::MarketClosed,
            5 => CancelReason::ToStartingPrice,
            _ => return None,
        })
    }
}

impl OrderStatus {
    /// The stable name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Executable => "EXECUTABLE",
            OrderStatus::ExecutionComplete => "EXECUTION_COMPLETE",
        }
    }

    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => OrderStatus::Pending,
            1 => OrderStatus::Executable,
            2 => OrderStatus::ExecutionComplete,
            _ => return None,
        })
    }
}

/// An order. Sizes are the backer's stake in minor units;
/// `size == matched + remaining + cancelled` always holds.
///
/// Laid out by hand, two cache lines to an order: what the matching walk, a fill and an unlink
/// read and write is in the first line (a maker touched by a fill costs one line, where the
/// compiler's order spread those fields over three), the fields a command reads once are in
/// the second.
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct Order {
    /// Queue links within the price level: the neighbours' store links
    /// ([`OrderStore::link_of`], 0 = none), so that the matching walk needs no id lookup.
    pub(crate) prev: u32,
    pub(crate) next: u32,
    /// Interned account index.
    pub account: u32,
    /// Index of its position in the ledger (set when it is accepted).
    pub(crate) position: u32,
    /// The engine's id.
    pub id: OrderId,
    /// Unmatched and live (resting or pending).
    pub remaining: Money,
    /// Matched so far.
    pub matched: Money,
    /// Sum of fill size times fill price (fixed point) for the average matched price. Fits a
    /// `u64`: at most `MAX_SIZE` (10^12) times the top price (10^7 in fixed point) = 10^19.
    pub matched_value: u64,
    /// Index of the market in the exchange.
    pub market: u32,
    /// Limit price.
    pub tick: Tick,
    /// Index of the runner in the market.
    pub runner: u16,
    /// Back or lay.
    pub side: Side,
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Time in force.
    pub tif: TimeInForce,
    /// Persistence into in-play.
    pub persistence: Persistence,
    /// An exchange order, or a starting-price bet (then `tick` is the limit of a
    /// `LIMIT_ON_CLOSE` bet, and a lay's `size`, `remaining` and `cancelled` are liability
    /// while `matched` is the stake matched at the SP).
    pub order_type: OrderType,
    /// Cancelled, lapsed, expired or killed.
    pub cancelled: Money,
    /// Original size.
    pub size: Money,
    /// FOK minimum fill (the whole size when not given).
    pub min_fill: Money,
    /// When a pending order is released (bet delay), in engine milliseconds.
    pub release_ms: i64,
    /// The client's id, unique per account.
    pub client_order_id: Option<Box<str>>,
}

impl Order {
    /// A new live limit order of `size`, nothing matched: GTC, LAPSE, no client order id,
    /// executable. Callers set what differs with struct update syntax.
    #[inline(always)]
    #[must_use]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: OrderId,
        market: u32,
        runner: u16,
        side: Side,
        tick: Tick,
        size: Money,
        account: u32,
    ) -> Self {
        Order {
            id,
            market,
            runner,
            side,
            tick,
            size,
            matched: 0,
            remaining: size,
            cancelled: 0,
            matched_value: 0,
            account,
            status: OrderStatus::Executable,
            tif: TimeInForce::Gtc,
            min_fill: size,
            persistence: Persistence::Lapse,
            order_type: OrderType::Limit,
            client_order_id: None,
            release_ms: 0,
            position: 0,
            prev: 0,
            next: 0,
        }
    }

    /// `(dw, dl)` of its unmatched part in its position: a limit order at its price; an SP
    /// back its stake if the runner loses, an SP lay its liability if the runner wins.
    #[must_use]
    pub fn unmatched_delta(&self) -> (i128, i128) {
        if self.order_type.is_starting_price() {
            crate::exposure::sp_unmatched_delta(self.side, self.remaining)
        } else {
            crate::exposure::unmatched_delta(
                self.side,
                crate::ladder::TICKS[usize::from(self.tick)],
                self.remaining,
            )
        }
    }
}

/// log2 of the number of slots per chunk of the slab.
const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;
/// log2 of the number of ids per page of the id index.
const PAGE_BITS: u32 = 10;
const PAGE: usize = 1 << PAGE_BITS;

/// The orders the engine still holds: every live order, and the finished ones of markets not
/// yet settled (a market's settlement frees them all, see [`OrderStore::remove`]).
///
/// Orders live in a slab of fixed-size chunks with a free list: a freed slot is reused by the
/// next order, and growing the slab never moves the orders already in it (no latency spike
/// when a long-running engine passes a power of two, no transient double memory). Ids stay
/// monotonic; a paged index maps an id to its slot in O(1) without hashing, and a page whose
/// ids are all gone is dropped, so memory follows what is held, not how many orders were
/// ever accepted. Slots are invisible: iteration, snapshots and the state hash go by id.
#[derive(Debug, Clone, Default)]
pub struct OrderStore {
    chunks: Vec<Vec<Order>>,
    slots: usize,
    free: Vec<u32>,
    /// `pages[k][i]` is the slot + 1 (0 = not held) of id `(first_page + k) * PAGE + i + 1`.
    pages: Vec<Option<Box<[u32; PAGE]>>>,
    page_held: Vec<u32>,
    first_page: usize,
    /// How many of the first pages are known to be empty (see `trim_front`).
    leading_empty: usize,
    issued: u64,
    held: usize,
}

#[cold]
#[inline(never)]
fn not_held(id: OrderId) -> ! {
    panic!("order {id} is not held")
}

impl OrderStore {
    /// The slot of an id, if the order is held.
    #[inline]
    fn slot_of(&self, id: OrderId) -> Option<usize> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        let k = (i >> PAGE_BITS).checked_sub(self.first_page)?;
        let entry = self.pages.get(k)?.as_ref()?[i & (PAGE - 1)];
        entry.checked_sub(1).map(|s| s as usize)
    }

    #[inline(always)]
    fn slot(&self, s: usize) -> &Order {
        &self.chunks[s >> CHUNK_BITS][s & (CHUNK - 1)]
    }

    #[inline(always)]
    fn slot_mut(&mut self, s: usize) -> &mut Order {
        &mut self.chunks[s >> CHUNK_BITS][s & (CHUNK - 1)]
    }

    /// The order with this id, if it is held.
    #[inline]
    #[must_use]
    pub fn get(&self, id: OrderId) -> Option<&Order> {
        self.slot_of(id).map(|s| self.slot(s))
    }

    /// The slot of a held order (the engine's own ids: a miss is a bug).
    #[inline(always)]
    fn held_slot(&self, id: OrderId) -> usize {
        let i = (id - 1) as usize;
        let k = (i >> PAGE_BITS).wrapping_sub(self.first_page);
        match self.pages.get(k) {
            Some(Some(page)) => (page[i & (PAGE - 1)] as usize).wrapping_sub(1),
            _ => not_held(id),
        }
    }

    /// The link of a held order (its slot + 1): what the queues of the book hold.
    #[inline(always)]
    pub(crate) fn link_of(&self, id: OrderId) -> u32 {
        self.held_slot(id) as u32 + 1
    }

    /// The order at a link.
    #[inline(always)]
    pub(crate) fn linked(&self, link: u32) -> &Order {
        self.slot(link as usize - 1)
    }

    #[inline(always)]
    pub(crate) fn linked_mut(&mut self, link: u32) -> &mut Order {
        self.slot_mut(link as usize - 1)
    }

    #[inline(always)]
    pub(crate) fn at(&self, id: OrderId) -> &Order {
        self.slot(self.held_slot(id))
    }

    #[inline(always)]
    pub(crate) fn at_mut(&mut self, id: OrderId) -> &mut Order {
        let s = self.held_slot(id);
        self.slot_mut(s)
    }

    /// Stores a new order (its `id` must be [`OrderStore::next_id`]); returns its link, so
    /// that the command placing it looks it up no more.
    #[inline(always)]
    pub(crate) fn push(&mut self, order: Order) -> u32 {
        debug_assert_eq!(order.id, self.next_id());
        self.insert(order) as u32 + 1
    }

    /// Stores an order with an id above every id issued so far (a restore: the ids of
    /// freed orders are skipped).
    #[inline]
    pub(crate) fn insert(&mut self, order: Order) -> usize {
        debug_assert!(order.id > self.issued);
        let id = order.id;
        let s = match self.free.pop() {
            Some(s) => {
                let s = s as usize;
                *self.slot_mut(s) = order;
                s
            }
            None => {
                if self.slots & (CHUNK - 1) == 0 {
                    self.chunks.push(Vec::with_capacity(CHUNK));
                }
                self.chunks
                    .last_mut()
                    .expect("a chunk was just ensured")
                    .push(order);
                self.slots += 1;
                self.slots - 1
            }
        };
        let i = (id - 1) as usize;
        if self.pages.is_empty() {
            self.first_page = i >> PAGE_BITS;
        }
        let k = (i >> PAGE_BITS) - self.first_page;
        if self.pages.len() <= k {
            self.pages.resize_with(k + 1, || None);
            self.page_held.resize(k + 1, 0);
        }
        self.pages[k].get_or_insert_with(|| Box::new([0; PAGE]))[i & (PAGE - 1)] = s as u32 + 1;
        self.page_held[k] += 1;
        self.issued = id;
        self.held += 1;
        s
    }

    /// Frees an order: its slot goes back to the free list, and an id page left empty is
    /// dropped. Returns the order, if it was held.
    pub(crate) fn remove(&mut self, id: OrderId) -> Option<Order> {
        let s = self.slot_of(id)?;
        let i = (id - 1) as usize;
        let k = (i >> PAGE_BITS) - self.first_page;
        let page = self.pages[k].as_mut().expect("the page of a held order");
        page[i & (PAGE - 1)] = 0;
        self.page_held[k] -= 1;
        if self.page_held[k] == 0 {
            self.pages[k] = None;
        }
        self.held -= 1;
        self.free.push(s as u32);
        let placeholder = Order::new(0, 0, 0, Side::Back, 0, 0, 0);
        let order = std::mem::replace(self.slot_mut(s), placeholder);
        if self.pages[k].is_none() {
            self.trim_front();
        }
        Some(order)
    }

    /// After a page emptied: extends the run of leading empty pages (each page joins it once:
    /// ids only grow, so no page before the last is filled again) and drops the run once it is
    /// most of the index. The last page stays, as the next id may fall in it.
    fn trim_front(&mut self) {
        let limit = self.pages.len().saturating_sub(1);
        while self.leading_empty < limit && self.pages[self.leading_empty].is_none() {
            self.leading_empty += 1;
        }
        let empty = self.leading_empty;
        if empty >= 64 && empty * 2 >= self.pages.len() {
            self.pages.drain(..empty);
            self.page_held.drain(..empty);
            self.first_page += empty;
            self.leading_empty = 0;
        }
    }

    /// The next id to hand out.
    #[must_use]
    pub fn next_id(&self) -> OrderId {
        self.issued + 1
    }

    /// The last id handed out (0 when none was).
    #[must_use]
    pub fn issued(&self) -> u64 {
        self.issued
    }

    /// Sets the last id handed out (a restore: the newest orders may have been freed).
    pub(crate) fn set_issued(&mut self, issued: u64) {
        debug_assert!(issued >= self.issued);
        self.issued = issued;
    }

    /// Every held order, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Order> {
        self.pages.iter().flatten().flat_map(move |page| {
            page.iter()
                .filter(|&&e| e != 0)
                .map(move |&e| self.slot(e as usize - 1))
        })
    }

    /// How many orders are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.held
    }

    /// True when no order is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.held == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: OrderId) -> Order {
        Order::new(id, 0, 0, Side::Back, 0, 100, 0)
    }

    #[test]
    fn an_order_is_two_cache_lines_with_the_matching_fields_in_the_first() {
        use std::mem::{align_of, offset_of, size_of};
        assert_eq!((size_of::<Order>(), align_of::<Order>()), (128, 64));
        assert!(offset_of!(Order, order_type) < 64 && offset_of!(Order, cancelled) == 64);
    }

    #[test]
    fn freed_ids_drop_their_pages_and_slots_are_reused() {
        let mut store = OrderStore::default();
        for id in 1..=200_000 {
            store.push(order(id));
        }
        for id in 1..=150_000 {
            assert_eq!(store.remove(id).map(|o| o.id), Some(id));
        }
        assert!(store.get(1).is_none() && store.remove(1).is_none());
        assert_eq!(store.at(150_001).id, 150_001);
        // Leading empty pages are dropped once they are most of the index (146 of the 196
        // pages emptied: the first 98 went when they were half of it).
        assert_eq!(store.first_page, 98);
        assert_eq!(
            store.first_page + store.pages.len(),
            200_000_usize.div_ceil(PAGE)
        );
        store.push(order(200_001));
        assert_eq!(store.slots, 200_000, "the new order took a freed slot");
        let ids: Vec<OrderId> = store.iter().map(|o| o.id).collect();
        assert_eq!(ids.len(), 50_001);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "iteration goes by id");
        assert_eq!((store.len(), store.next_id()), (50_001, 200_002));
    }
}
