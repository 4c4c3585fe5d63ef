//! Events: every state change emits one, with a strictly increasing sequence number.

use crate::error::ErrorCode;
use crate::market::MarketStatus;
use crate::order::CancelReason;
use crate::types::{Money, OrderId, PriceFx, Side, Tick};

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
    /// A runner's starting price was fixed at the off (None: no supply on one side, every SP
    /// bet lapsed).
    StartingPriceReconciled {
        /// Market index.
        market: u32,
        /// Runner index.
        runner: u16,
        /// The SP in fixed point.
        price: Option<PriceFx>,
    },
    /// A back and a lay matched at the starting price (either may be an SP bet or an exchange
    /// order that took part in the reconciliation).
    StartingPriceFill {
        /// Market index.
        market: u32,
        /// Runner index.
        runner: u16,
        /// The backing order.
        back_order: OrderId,
        /// The laying order.
        lay_order: OrderId,
        /// Their accounts.
        back_account: u32,
        /// See `back_account`.
        lay_account: u32,
        /// The SP in fixed point.
        price: PriceFx,
        /// Stake matched.
        size: Money,
    },
}

impl EventKind {
    /// Every kind's numeric code (the `kind` column of `events_arrays`) and name, in order.
    pub const CODES: [(u8, &'static str); 10] = [
        (1, "OrderAccepted"),
        (2, "OrderRejected"),
        (3, "Fill"),
        (4, "OrderCancelled"),
        (5, "MarketStatusChanged"),
        (6, "RunnerRemoved"),
        (7, "MarketSettled"),
        (8, "Settled"),
        (9, "StartingPriceReconciled"),
        (10, "StartingPriceFill"),
    ];

    /// The numeric code of this kind (see [`EventKind::CODES`]).
    #[must_use]
    pub fn code(&self) -> u8 {
        match self {
            EventKind::OrderAccepted { .. } => 1,
            EventKind::OrderRejected { .. } => 2,
            EventKind::Fill { .. } => 3,
            EventKind::OrderCancelled { .. } => 4,
            EventKind::MarketStatusChanged { .. } => 5,
            EventKind::RunnerRemoved { .. } => 6,
            EventKind::MarketSettled { .. } => 7,
            EventKind::Settled { .. } => 8,
            EventKind::StartingPriceReconciled { .. } => 9,
            EventKind::StartingPriceFill { .. } => 10,
        }
    }

    /// The market the event is about (every kind has one).
    #[must_use]
    pub fn market(&self) -> u32 {
        match self {
            EventKind::OrderAccepted { market, .. }
            | EventKind::OrderRejected { market, .. }
            | EventKind::Fill { market, .. }
            | EventKind::OrderCancelled { market, .. }
            | EventKind::MarketStatusChanged { market, .. }
            | EventKind::RunnerRemoved { market, .. }
            | EventKind::MarketSettled { market, .. }
            | EventKind::Settled { market, .. }
            | EventKind::StartingPriceReconciled { market, .. }
            | EventKind::StartingPriceFill { market, .. } => *market,
        }
    }

    /// The interned account the event is about: the order's owner, a fill's taker, an SP
    /// fill's backer, a settled account (a rejected order's account is not interned).
    #[must_use]
    pub fn account(&self) -> Option<u32> {
        match self {
            EventKind::OrderAccepted { account, .. }
            | EventKind::OrderCancelled { account, .. }
            | EventKind::Settled { account, .. } => Some(*account),
            EventKind::Fill { taker_account, .. } => Some(*taker_account),
            EventKind::StartingPriceFill { back_account, .. } => Some(*back_account),
            _ => None,
        }
    }

    /// The name of this kind (the `kind` of a Python `Event`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        Self::CODES[usize::from(self.code()) - 1].1
    }
}

/// An event with its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Strictly increasing across the exchange.
    pub seq: u64,
    /// What happened.
    pub kind: EventKind,
}

#[cfg(test)]
mod tests {
    use super::EventKind;
    use crate::market::MarketStatus;

    #[test]
    fn codes_are_one_to_eight_and_name_their_kind() {
        for (i, (code, _)) in EventKind::CODES.iter().enumerate() {
            assert_eq!(usize::from(*code), i + 1);
        }
        let settled = EventKind::Settled {
            market: 0,
            account: 0,
            pnl: 0,
            commission: 0,
        };
        assert_eq!((settled.code(), settled.name()), (8, "Settled"));
        let status = EventKind::MarketStatusChanged {
            market: 0,
            status: MarketStatus::Open,
            in_play: false,
        };
        assert_eq!((status.code(), status.name()), (5, "MarketStatusChanged"));
    }
}
