//! Pool kinds and the rule parameters that make one engine serve several jurisdictions.

use super::error::{ToteError, ToteResult};
use crate::types::Money;

/// Takeout and other fractions are exact parts per million.
pub const PPM: i64 = 1_000_000;

/// The kind of a pool: which finishing positions a selection predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PoolKind {
    /// The winner.
    Win = 0,
    /// Finishes in the first k places (default 2).
    Place = 1,
    /// Finishes in the first 3 places.
    Show = 2,
    /// First two in order.
    Exacta = 3,
    /// First two in any order.
    Quinella = 4,
    /// First three in order.
    Trifecta = 5,
    /// First four in order.
    Superfecta = 6,
}

impl PoolKind {
    /// Every kind, in code order.
    pub const ALL: [PoolKind; 7] = [
        PoolKind::Win,
        PoolKind::Place,
        PoolKind::Show,
        PoolKind::Exacta,
        PoolKind::Quinella,
        PoolKind::Trifecta,
        PoolKind::Superfecta,
    ];

    /// Number of runners in one selection.
    #[must_use]
    pub fn arity(self) -> usize {
        match self {
            PoolKind::Win | PoolKind::Place | PoolKind::Show => 1,
            PoolKind::Exacta | PoolKind::Quinella => 2,
            PoolKind::Trifecta => 3,
            PoolKind::Superfecta => 4,
        }
    }

    /// True for the pools on one runner (WIN, PLACE, SHOW).
    #[must_use]
    pub fn is_single(self) -> bool {
        self.arity() == 1
    }

    /// True when the order of a selection matters.
    #[must_use]
    pub fn is_ordered(self) -> bool {
        self != PoolKind::Quinella
    }

    /// The kind with this code.
    ///
    /// # Errors
    /// `InvalidArgument` for an unknown code.
    pub fn from_code(code: u8) -> ToteResult<PoolKind> {
        PoolKind::ALL
            .get(code as usize)
            .copied()
            .ok_or_else(|| ToteError::InvalidArgument(format!("unknown pool kind code {code}")))
    }
}

/// How a PLACE/SHOW pool (and a dead heat for WIN) is shared between the placed runners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Split {
    /// US: the profit (net pool minus the stakes on the placed runners) is split, stakes returned.
    #[default]
    Profit = 0,
    /// AU/UK: the net pool is split; each part is divided by the stake on that runner.
    Pool = 1,
}

/// How a raw dividend is broken to the breakage unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Rounding {
    /// Down to the unit (the operator keeps the breakage).
    #[default]
    Down = 0,
    /// To the nearest unit (half up).
    Nearest = 1,
}

/// What happens to a pool with no winning ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum NoWinner {
    /// Every live ticket gets its stake back; no takeout.
    #[default]
    Refund = 0,
    /// The net pool is carried to the next pool (`carryover_to`); the takeout is kept.
    Carryover = 1,
}

/// The rule parameters of a pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rules {
    /// Takeout in parts per million of the pool (150_000 = 15%).
    pub takeout_ppm: i64,
    /// PLACE/SHOW sharing method.
    pub split: Split,
    /// Breakage unit in minor units per 100 of stake (10 = the US dime).
    pub breakage: Money,
    /// Rounding of dividends to the breakage unit.
    pub rounding: Rounding,
    /// Least dividend per 100 of stake; the shortfall is the minus pool.
    pub min_payout: Money,
    /// Refund or carry over when nobody wins.
    pub no_winner: NoWinner,
    /// The name of the pool a carryover goes to (reported only).
    pub carryover_to: Option<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            takeout_ppm: 0,
            split: Split::Profit,
            breakage: 10,
            rounding: Rounding::Down,
            min_payout: 100,
            no_winner: NoWinner::Refund,
            carryover_to: None,
        }
    }
}

impl Rules {
    /// Checks every parameter's range.
    ///
    /// # Errors
    /// `InvalidArgument` naming the parameter.
    pub fn validate(&self) -> ToteResult<()> {
        if !(0..PPM).contains(&self.takeout_ppm) {
            return Err(ToteError::InvalidArgument(format!(
                "takeout must be in [0, 1), got {} ppm",
                self.takeout_ppm
            )));
        }
        if !(1..=10_000).contains(&self.breakage) {
            return Err(ToteError::InvalidArgument(format!(
                "breakage must be 1..=10000 minor units per 100, got {}",
                self.breakage
            )));
        }
        if !(0..=1_000_000).contains(&self.min_payout) {
            return Err(ToteError::InvalidArgument(format!(
                "min_payout must be 0..=1000000 per 100, got {}",
                self.min_payout
            )));
        }
        if self.carryover_to.as_ref().is_some_and(|s| s.len() > 256) {
            return Err(ToteError::InvalidArgument(
                "carryover_to is longer than 256 bytes".into(),
            ));
        }
        Ok(())
    }
}
