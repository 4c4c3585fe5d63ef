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
    /// The side of a column code (0 back, 1 lay), `None` for any other.
    #[inline]
    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Side::Back),
            1 => Some(Side::Lay),
            _ => None,
        }
    }

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

impl TimeInForce {
    /// The time in force of a column code (0 GTC, 1 IOC, 2 FOK), `None` for any other.
    #[inline]
    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => TimeInForce::Gtc,
            1 => TimeInForce::Ioc,
            2 => TimeInForce::Fok,
            _ => return None,
        })
    }
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
    /// Its unmatched remainder becomes a starting-price bet at the off (markets that take SP
    /// bets only).
    MarketOnClose = 2,
}

impl Persistence {
    /// The persistence of a stored code.
    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Persistence::Lapse,
            1 => Persistence::Persist,
            2 => Persistence::MarketOnClose,
            _ => return None,
        })
    }
}

/// What kind of bet an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum OrderType {
    /// An exchange order at a limit price (the default).
    #[default]
    Limit = 0,
    /// A starting-price bet with no limit: a back's `size` is its stake, a lay's its liability.
    MarketOnClose = 1,
    /// A starting-price bet with a limit: a back takes the SP only if it is at least the
    /// limit, a lay only if it is at most the limit.
    LimitOnClose = 2,
}

impl OrderType {
    /// The order type of a stored code.
    #[must_use]
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => OrderType::Limit,
            1 => OrderType::MarketOnClose,
            2 => OrderType::LimitOnClose,
            _ => return None,
        })
    }

    /// Whether it is a starting-price bet (not on the ladder).
    #[inline]
    #[must_use]
    pub fn is_starting_price(self) -> bool {
        self != OrderType::Limit
    }

    /// The stable name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Limit => "LIMIT",
            OrderType::MarketOnClose => "MARKET_ON_CLOSE",
            OrderType::LimitOnClose => "LIMIT_ON_CLOSE",
        }
    }
}
