//! The commands' and reports' types.

use crate::error::ErrorCode;
use crate::order::OrderStatus;
use crate::types::{Money, OrderId, Persistence, SelectionId, Side, Tick, TimeInForce};

/// The largest accepted size: [`crate::types::MAX_AMOUNT`].
pub const MAX_SIZE: Money = crate::types::MAX_AMOUNT;
/// The longest client order id, in bytes.
pub const MAX_CLIENT_ORDER_ID: usize = 32;

/// A new order.
#[derive(Debug, Clone, Copy)]
pub struct PlaceRequest<'a> {
    /// The market id.
    pub market_id: &'a str,
    /// The runner's selection id.
    pub runner: SelectionId,
    /// Back or lay.
    pub side: Side,
    /// Limit price as a ladder tick.
    pub tick: Tick,
    /// Size (backer's stake) in minor units.
    pub size: Money,
    /// The account placing it.
    pub account: &'a str,
    /// Optional client id, unique per account, at most 32 bytes.
    pub client_order_id: Option<&'a str>,
    /// Time in force.
    pub time_in_force: TimeInForce,
    /// FOK minimum fill (default: the whole size).
    pub min_fill_size: Option<Money>,
    /// Persistence into in-play.
    pub persistence: Persistence,
}

/// One fill as seen by the taker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillInfo {
    /// The resting order matched.
    pub maker_order: OrderId,
    /// Its account index.
    pub maker_account: u32,
    /// Execution price.
    pub tick: Tick,
    /// Size.
    pub size: Money,
    /// The maker's ledger position (so that the fill hooks look nothing up).
    pub(crate) maker_position: u32,
}

/// What an order is (or, for a rejection, would have been): enough to describe it without
/// looking it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTerms {
    /// Market index.
    pub market: u32,
    /// Runner index in the market.
    pub runner: u16,
    /// Back or lay.
    pub side: Side,
    /// Limit price.
    pub tick: Tick,
    /// Size asked for (a replace: the unmatched size it moves).
    pub size: Money,
}

impl OrderTerms {
    /// The terms a request asks for at `tick`.
    pub(super) fn of_request(m: u32, r: u16, req: &PlaceRequest<'_>, tick: Tick) -> Self {
        OrderTerms {
            market: m,
            runner: r,
            side: req.side,
            tick,
            size: req.size,
        }
    }
}

/// The outcome of a place, replace or release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceReport {
    /// The new order's id (0 when rejected).
    pub order_id: OrderId,
    /// The order's terms (also for a rejection).
    pub terms: OrderTerms,
    /// Status after the command.
    pub status: Option<OrderStatus>,
    /// Matched size.
    pub size_matched: Money,
    /// Unmatched size still live.
    pub size_remaining: Money,
    /// Size cancelled (IOC/FOK rest, killed).
    pub size_cancelled: Money,
    /// Fills of this command.
    pub fills: Vec<FillInfo>,
    /// Why it was rejected.
    pub reject: Option<ErrorCode>,
}

impl PlaceReport {
    pub(super) fn rejected(code: ErrorCode, terms: OrderTerms) -> Self {
        PlaceReport {
            order_id: 0,
            terms,
            status: None,
            size_matched: 0,
            size_remaining: 0,
            size_cancelled: 0,
            fills: Vec::new(),
            reject: Some(code),
        }
    }
}

/// A place's outcome without its fills ([`crate::exchange::Exchange::place_summary`]): the
/// fast paths report these and leave the fills to the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceSummary {
    /// The new order's id (0 when rejected).
    pub order_id: OrderId,
    /// Status after the command (`None` when rejected).
    pub status: Option<OrderStatus>,
    /// Matched size.
    pub size_matched: Money,
    /// Size cancelled (IOC/FOK rest, killed).
    pub size_cancelled: Money,
    /// Why it was rejected.
    pub reject: Option<ErrorCode>,
}

impl From<&PlaceReport> for PlaceSummary {
    fn from(rep: &PlaceReport) -> Self {
        PlaceSummary {
            order_id: rep.order_id,
            status: rep.status,
            size_matched: rep.size_matched,
            size_cancelled: rep.size_cancelled,
            reject: rep.reject,
        }
    }
}

impl PlaceSummary {
    pub(super) fn rejected(code: ErrorCode) -> Self {
        PlaceSummary {
            order_id: 0,
            status: None,
            size_matched: 0,
            size_cancelled: 0,
            reject: Some(code),
        }
    }
}

/// The outcome of a cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelReport {
    /// The order.
    pub order_id: OrderId,
    /// Size cancelled by this command.
    pub size_cancelled: Money,
    /// Unmatched size still live.
    pub size_remaining: Money,
    /// Why it was rejected.
    pub reject: Option<ErrorCode>,
}
