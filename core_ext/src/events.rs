//! Events: every state change emits one, with a strictly increasing sequence number.

use crate::error::ErrorCode;
use crate::market::MarketStatus;
use crate::order::CancelReason;
use crate::types::{Money, OrderId, Side, Tick};

/// What happened. Markets and accounts are interned indices (the exchange resolves names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// An order was accepted (it may then match, rest or wait in the delay).
    OrderAccepted {
        /// The order.
        order_id: OrderId,
        /// Market index.
        market: u32,
        /// Runner index.
        runner: u16,
        /// Side.
        side: Side,
        /// Limit price.
        tick: Tick,
        /// Size.
        size: Money,
        /// Account index.
        account: u32,
    },
    /// An order was rejected; nothing else changed.
    OrderRejected {
        /// Market index.
        market: u32,
        /// The account's name (a rejected order does not intern its account).
        account: Box<str>,
        /// Why.
        code: ErrorCode,
        /// The client's id, if any.
        client_order_id: Option<Box<str>>,
    },
    /// A match between a resting (maker) and an incoming (taker) order at the maker's price.
    Fill {
        /// Market index.
        market: u32,
        /// Runner index.
        runner: u16,
        /// The resting order.
        maker_order: OrderId,
        /// The incoming order.
        taker_order: OrderId,
        /// Maker's account index.
        maker_account: u32,
        /// Taker's account index.
        taker_account: u32,
        /// Execution price (the maker's).
        tick: Tick,
        /// Matched size (backer's stake).
        size: Money,
        /// The taker's side.
        taker_side: Side,
    },
    /// Unmatched size left the book.
    OrderCancelled {
        /// The order.
        order_id: OrderId,
        /// Market index.
        market: u32,
        /// Account index.
        account: u32,
        /// Size cancelled by this event.
        size: Money,
        /// Why.
        reason: CancelReason,
    },
    /// A market's status or in-play flag changed.
    MarketStatusChanged {
        /// Market index.
        market: u32,
        /// New status.
        status: MarketStatus,
        /// In-play flag.
        in_play: bool,
    },
    /// A runner was removed with a reduction factor (basis points).
    RunnerRemoved {
        /// Market index.
        market: u32,
        /// Runner index.
        runner: u16,
        /// Reduction factor in basis points of a percent (25% = 2500).
        reduction_bp: u32,
    },
    /// A market was settled (or voided when `winners` is empty and `void` is set).
    MarketSettled {
        /// Market index.
        market: u32,
        /// Winning runner indices.
        winners: Vec<u16>,
        /// True for `void_market`.
        void: bool,
    },
    /// One account's result on a settled market.
    Settled {
        /// Market index.
        market: u32,
        /// Account index.
        account: u32,
        /// Net P&L credited (rounded towards the house), before commission.
        pnl: Money,
        /// Commission charged.
        commission: Money,
    },
}

/// An event with its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Strictly increasing across the exchange.
    pub seq: u64,
    /// What happened.
    pub kind: EventKind,
}
