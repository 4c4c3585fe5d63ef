//! pybet's pure Rust core: no Python types in here.
//!
//! - [`ladder`], [`exchange`] and friends: the exchange matching engine (spec sections 1-2).
//! - [`ledger`], [`exposure`], [`settlement`], [`fixed`]: balances, exposure, settlement and
//!   non-runners (spec section 3).
//! - [`codec`], [`snapshot`]: the binary codec both snapshots share, and the exchange's.
//! - [`tote`]: pari-mutuel pools (spec section 4).
//! - [`quant`]: vectorisable quant kernels (spec section 5).

pub mod book;
mod client_ids;
pub mod codec;
pub mod error;
pub mod events;
pub mod exchange;
pub mod exposure;
pub mod feed;
pub mod fixed;
pub mod idem;
pub mod ladder;
pub mod ledger;
pub mod market;
pub mod msgpack;
mod names;
pub mod order;
pub mod quant;
pub mod settlement;
pub mod snapshot;
pub mod tote;
pub mod types;

/// The tests' xorshift generator, shared with the integration tests and benches.
#[cfg(test)]
#[path = "../tests/support/rng.rs"]
mod test_rng;

pub use error::ErrorCode;
pub use exchange::{CancelReport, Exchange, FillInfo, PlaceReport, PlaceRequest};
pub use market::{MarketSpec, MarketStatus};
pub use order::{CancelReason, Order, OrderStatus};
pub use settlement::{AccountResult, DeadHeat, SettlementReport};
