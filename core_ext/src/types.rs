//! Primitive types shared by every part of the core.

/// Money: an integer number of minor units (cents).
pub type Money = i64;
/// A price as an index on the betting ladder (0 = 1.01, 349 = 1000).
pub type Tick = u16;
/// An order id handed out by the engine; strictly increasing.
pub type OrderId = u64;
/// A runner's selection id.
pub type SelectionId = i64;

/// The largest order size (and size reduction) the engine takes: 10^12 minor units. Keeps
/// every product of a size and a price within 64 bits.
pub const MAX_AMOUNT: Money = 1_000_000_000_000;
/// The largest balance a deposit may make (and so the largest deposit or withdrawal): 10^15
/// minor units. Settlement may go beyond it, with checked arithmetic up to `i64::MAX`.
pub const MAX_BALANCE: Money = 1_000_000_000_000_000;

/// Fixed-point price resolution: prices (including prices reduced by a non-runner's reduction
/// factor, which need not be ladder ticks) are stored as `price * PRICE_SCALE`.
pub const PRICE_SCALE: i64 = 10_000;
/// A price in fixed point (`2.5` is `25_000`).
pub type PriceFx = i64;

/// The side of an order: a back bets on the runner, a lay bets against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Side {
    Back = 0,
    Lay = 1,
}

impl Side {
    /// The side an order of this side matches against.
    #[must_use]
    pub fn opposite(self) -> Side {
        match self {
            Side::Back => Side::Lay,
            Side::Lay => Side::Back,
        }
    }
}

/// What happens to the part of an order that cannot match at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum TimeInForce {
    /// Rest the remainder (the default).
    #[default]
    Gtc = 0,
    /// Fill what can be filled now, cancel the rest.
    Ioc = 1,
    /// Fill at least `min_fill_size` (default: all) now, or nothing.
    Fok = 2,
}

/// What happens to a resting order when the market turns in-play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Persistence {
    /// Cancelled (`LAPSED`) when the market turns in-play (the default).
    #[default]
    Lapse = 0,
    /// Stays on the book into in-play.
    Persist = 1,
}
