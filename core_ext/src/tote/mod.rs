//! Pari-mutuel pools (spec section 4): WIN, PLACE, SHOW and the exotics, with the
//! jurisdiction's rules as parameters and exact integer dividends.
//!
//! - [`rules`]: pool kinds and rule parameters.
//! - [`combo`]: dense ranks of selections (totals per combination in one vector).
//! - [`pool`]: bet intake, scratches, totals.
//! - [`winners`], [`dividend`], [`settle`]: from a result to dividends and payouts.
//! - [`odds`]: live odds and will-pays. [`snapshot`]: durable state.

pub mod combo;
pub mod dividend;
pub mod error;
pub mod odds;
pub mod pool;
pub mod rules;
pub mod settle;
pub mod snapshot;
pub mod winners;

#[cfg(test)]
mod tests;

pub use error::{ToteError, ToteResult};
pub use pool::{Pool, PoolStatus};
pub use rules::{NoWinner, PoolKind, Rounding, Rules, Split};
pub use settle::{Outcome, Settlement, Winner};
