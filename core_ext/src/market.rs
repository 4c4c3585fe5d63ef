//! A market: its runners, rules, status and books.

use std::collections::VecDeque;

use crate::book::RunnerBook;
use crate::types::{Money, OrderId, PriceFx, SelectionId};

/// A market's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MarketStatus {
    /// Created, not yet open: no orders.
    Inactive = 0,
    /// Orders accepted and matched.
    Open = 1,
    /// No new orders, no matching; resting orders stay.
    Suspended = 2,
    /// No orders; awaiting or after settlement.
    Closed = 3,
}

impl MarketStatus {
    /// The stable name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MarketStatus::Inactive => "INACTIVE",
            MarketStatus::Open => "OPEN",
            MarketStatus::Suspended => "SUSPENDED",
            MarketStatus::Closed => "CLOSED",
        }
    }

    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => MarketStatus::Inactive,
            1 => MarketStatus::Open,
            2 => MarketStatus::Suspended,
            3 => MarketStatus::Closed,
            _ => return None,
        })
    }
}

/// The rules a market is created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketSpec {
    /// Runners' selection ids, in display order.
    pub runners: Vec<SelectionId>,
    /// Number of winners (1 for a win market).
    pub places: u16,
    /// In-play bet delay in milliseconds.
    pub bet_delay_ms: i64,
    /// The smallest accepted size.
    pub min_stake: Money,
}

/// A market of the exchange.
#[derive(Debug, Clone)]
pub struct Market {
    /// The market id.
    pub id: String,
    /// Its rules.
    pub spec: MarketSpec,
    /// Status.
    pub status: MarketStatus,
    /// Turns on once, never off.
    pub in_play: bool,
    /// Runners removed as non-runners.
    pub removed: Vec<bool>,
    /// One book per runner.
    pub books: Vec<RunnerBook>,
    /// Orders waiting in the bet delay, in arrival order.
    pub pending: VecDeque<OrderId>,
    /// Starting-price state, for a market that takes SP bets.
    pub sp: Option<StartingPrice>,
    /// Whether takers also meet virtual offers made from the other runners' books.
    pub cross_matching: bool,
    /// The ids of its orders the engine holds, in id order: what its settlement frees (not
    /// state: rebuilt at restore).
    pub order_ids: Vec<OrderId>,
    /// Purged after its settlement: gone from every lookup, its result dropped. The slot
    /// stays (indices are never reused) with its id and runners, so that undrained events
    /// of it still name them.
    pub purged: bool,
}

/// A market's starting-price book: the SP bets waiting for the off, and the result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StartingPrice {
    /// The least liability of an SP lay.
    pub min_liability: Money,
    /// Set once, at the reconciliation.
    pub reconciled: bool,
    /// Per runner, the SP fixed at the reconciliation (None: undefined, or not yet).
    pub actual: Vec<Option<PriceFx>>,
    /// Per runner, the live SP bets in arrival order (not state: rebuilt from the orders).
    pub bets: Vec<Vec<OrderId>>,
}

impl Market {
    pub(crate) fn new(id: String, spec: MarketSpec) -> Self {
        let n = spec.runners.len();
        Market {
            id,
            status: MarketStatus::Inactive,
            in_play: false,
            removed: vec![false; n],
            books: (0..n).map(|_| RunnerBook::default()).collect(),
            pending: VecDeque::new(),
            sp: None,
            cross_matching: false,
            order_ids: Vec::new(),
            purged: false,
            spec,
        }
    }

    /// The index of a runner by selection id.
    #[inline]
    #[must_use]
    pub fn runner_index(&self, selection: SelectionId) -> Option<u16> {
        self.spec
            .runners
            .iter()
            .position(|&r| r == selection)
            .map(|i| i as u16)
    }

    /// Frees the books of a settled market (no order rests on it again): 16.8 KB a runner.
    pub(crate) fn release_books(&mut self) {
        self.books = Vec::new();
        self.pending = VecDeque::new();
    }

    /// True when the bet delay applies to new orders now.
    #[inline]
    #[must_use]
    pub fn delayed(&self) -> bool {
        self.in_play && self.spec.bet_delay_ms > 0
    }
}
