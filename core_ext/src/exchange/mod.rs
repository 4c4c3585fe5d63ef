//! The exchange: markets, orders, matching and events.
//!
//! Every command either changes state and emits events, or is rejected and changes nothing but
//! an `OrderRejected` event. Errors of the `Err` kind (unknown market, runner or order, another
//! account's order, a malformed argument) are programming errors: they change nothing at all.

mod amend;
pub mod batch;
mod cash;
mod cross;
mod cross_price;
mod holds;
mod lifecycle;
mod matching;
mod place;
mod requests;
mod sp_price;
mod starting_price;
mod view;

use rustc_hash::FxHashMap;

use crate::client_ids::ClientIds;
use crate::events::{Event, EventKind};
use crate::ledger::Ledger;
use crate::market::Market;
use crate::names::NameCache;
use crate::order::OrderStore;

pub use cross::HOUSE_ACCOUNT;
pub use requests::{
    CancelReport, FillInfo, OrderTerms, PlaceReport, PlaceRequest, PlaceSummary,
    MAX_CLIENT_ORDER_ID, MAX_SIZE,
};
pub use sp_price::{MAX_SP, MIN_SP};
pub use starting_price::StartingPriceView;

/// The exchange engine.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    pub(crate) markets: Vec<Market>,
    // Fx: deterministic and several times cheaper than SipHash for short keys; the keys are
    // operator-chosen ids, so hash flooding is not a concern (client order ids keep SipHash).
    pub(crate) market_index: FxHashMap<String, u32>,
    pub(crate) orders: OrderStore,
    pub(crate) accounts: Vec<String>,
    pub(crate) account_index: FxHashMap<String, u32>,
    pub(crate) client_ids: ClientIds,
    pub(crate) events: Vec<Event>,
    pub(crate) next_seq: u64,
    pub(crate) now_ms: i64,
    pub(crate) ledger: Ledger,
    /// Reused buffer for the fills of one command (not state).
    pub(crate) fill_scratch: Vec<FillInfo>,
    /// Recently resolved market ids and account names (not state).
    pub(crate) market_cache: NameCache,
    pub(crate) account_cache: NameCache,
}

fn emit(events: &mut Vec<Event>, next_seq: &mut u64, kind: EventKind) {
    *next_seq += 1;
    events.push(Event {
        seq: *next_seq,
        kind,
    });
}

impl Exchange {
    /// An empty exchange.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}
