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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The engine's id.
    pub id: OrderId,
    /// Index of the market in the exchange.
    pub market: u32,
    /// Index of the runner in the market.
    pub runner: u16,
    /// Back or lay.
    pub side: Side,
    /// Limit price.
    pub tick: Tick,
    /// Original size.
    pub size: Money,
    /// Matched so far.
    pub matched: Money,
    /// Unmatched and live (resting or pending).
    pub remaining: Money,
    /// Cancelled, lapsed, expired or killed.
    pub cancelled: Money,
    /// Sum of fill size times fill price (fixed point) for the average matched price. Fits a
    /// `u64`: at most `MAX_SIZE` (10^12) times the top price (10^7 in fixed point) = 10^19.
    pub matched_value: u64,
    /// Interned account index.
    pub account: u32,
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Time in force.
    pub tif: TimeInForce,
    /// FOK minimum fill (the whole size when not given).
    pub min_fill: Money,
    /// Persistence into in-play.
    pub persistence: Persistence,
    /// An exchange order, or a starting-price bet (then `tick` is the limit of a
    /// `LIMIT_ON_CLOSE` bet, and a lay's `size`, `remaining` and `cancelled` are liability
    /// while `matched` is the stake matched at the SP).
    pub order_type: OrderType,
    /// The client's id, unique per account.
    pub client_order_id: Option<Box<str>>,
    /// When a pending order is released (bet delay), in engine milliseconds.
    pub release_ms: i64,
    /// Queue links (order ids, 0 = none) within the price level.
    pub(crate) prev: OrderId,
    pub(crate) next: OrderId,
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

/// log2 of the number of orders per chunk of the store.
const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;

/// Storage of every order ever accepted, indexed by `id - 1`: O(1) lookup by id. Orders live
/// in fixed-size chunks, so that growing the store never moves (or copies) the orders already
/// in it: no latency spike when a long-running engine passes a power of two, and no transient
/// double memory.
#[derive(Debug, Clone, Default)]
pub struct OrderStore {
    chunks: Vec<Vec<Order>>,
    len: usize,
}

impl OrderStore {
    /// The order with this id.
    #[inline]
    #[must_use]
    pub fn get(&self, id: OrderId) -> Option<&Order> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        if i >= self.len {
            return None;
        }
        Some(&self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)])
    }

    #[inline]
    pub(crate) fn at(&self, id: OrderId) -> &Order {
        let i = (id - 1) as usize;
        &self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }

    #[inline]
    pub(crate) fn at_mut(&mut self, id: OrderId) -> &mut Order {
        let i = (id - 1) as usize;
        &mut self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }

    /// Appends an order; its `id` must be [`OrderStore::next_id`].
    #[inline(always)]
    pub(crate) fn push(&mut self, order: Order) {
        debug_assert_eq!(order.id, self.next_id());
        if self.len & (CHUNK - 1) == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks
            .last_mut()
            .expect("a chunk was just ensured")
            .push(order);
        self.len += 1;
    }

    /// The next id to hand out.
    #[must_use]
    pub fn next_id(&self) -> OrderId {
        self.len as OrderId + 1
    }

    /// Every order, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Order> {
        self.chunks.iter().flatten()
    }

    /// How many orders were ever accepted.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no order was ever accepted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
