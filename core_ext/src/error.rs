//! The engine's error codes: one enum, a stable string per variant.

/// Why a command was rejected. The code strings are public API (`pybet.RejectCode`).
// Not `non_exhaustive`: the binding matches every variant, so a new one cannot go unmapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[repr(u8)]
pub enum ErrorCode {
    /// A price that is not exactly a ladder tick.
    #[error("price is not on the ladder")]
    InvalidPrice = 1,
    /// A size that is zero, negative or would overflow.
    #[error("size must be a positive number of minor units")]
    InvalidSize = 2,
    /// A size below the market's minimum stake.
    #[error("size is below the market's minimum stake")]
    BelowMinStake = 3,
    /// No market with that id.
    #[error("unknown market")]
    UnknownMarket = 4,
    /// No such runner in the market (or it was removed).
    #[error("unknown runner")]
    UnknownRunner = 5,
    /// No order with that id.
    #[error("unknown order")]
    UnknownOrder = 6,
    /// The market's status does not allow the operation.
    #[error("market is not open")]
    MarketNotOpen = 7,
    /// The account does not own the order.
    #[error("order belongs to another account")]
    NotOwner = 8,
    /// The order would make the account's available funds negative.
    #[error("insufficient funds")]
    InsufficientFunds = 9,
    /// The account already used this client order id.
    #[error("duplicate client order id")]
    DuplicateClientOrderId = 10,
    /// The order has nothing left to cancel or replace.
    #[error("order is not active")]
    OrderNotActive = 11,
    /// The runner has been removed from the market.
    #[error("runner removed")]
    RunnerRemoved = 12,
    /// The market was already settled.
    #[error("market already settled")]
    AlreadySettled = 13,
    /// A malformed argument (e.g. a client order id over 32 bytes).
    #[error("invalid argument")]
    InvalidArgument = 14,
    /// A market id that already exists.
    #[error("market already exists")]
    MarketExists = 15,
    /// A status transition that is not allowed.
    #[error("invalid market state transition")]
    InvalidState = 16,
    /// An amount, or the balance it would make, beyond the engine's bound
    /// ([`crate::types::MAX_AMOUNT`], [`crate::types::MAX_BALANCE`]), or settlement arithmetic
    /// that would leave the 64-bit range.
    #[error("amount beyond the engine's bound")]
    AmountOverflow = 17,
}

impl ErrorCode {
    /// The stable code string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidPrice => "INVALID_PRICE",
            ErrorCode::InvalidSize => "INVALID_SIZE",
            ErrorCode::BelowMinStake => "BELOW_MIN_STAKE",
            ErrorCode::UnknownMarket => "UNKNOWN_MARKET",
            ErrorCode::UnknownRunner => "UNKNOWN_RUNNER",
            ErrorCode::UnknownOrder => "UNKNOWN_ORDER",
            ErrorCode::MarketNotOpen => "MARKET_NOT_OPEN",
            ErrorCode::NotOwner => "NOT_OWNER",
            ErrorCode::InsufficientFunds => "INSUFFICIENT_FUNDS",
            ErrorCode::DuplicateClientOrderId => "DUPLICATE_CLIENT_ORDER_ID",
            ErrorCode::OrderNotActive => "ORDER_NOT_ACTIVE",
            ErrorCode::RunnerRemoved => "RUNNER_REMOVED",
            ErrorCode::AlreadySettled => "ALREADY_SETTLED",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::MarketExists => "MARKET_EXISTS",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::AmountOverflow => "AMOUNT_OVERFLOW",
        }
    }

    /// The numeric code used in numpy batch results (0 means no rejection).
    #[must_use]
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::InvalidPrice,
        ErrorCode::InvalidSize,
        ErrorCode::BelowMinStake,
        ErrorCode::UnknownMarket,
        ErrorCode::UnknownRunner,
        ErrorCode::UnknownOrder,
        ErrorCode::MarketNotOpen,
        ErrorCode::NotOwner,
        ErrorCode::InsufficientFunds,
        ErrorCode::DuplicateClientOrderId,
        ErrorCode::OrderNotActive,
        ErrorCode::RunnerRemoved,
        ErrorCode::AlreadySettled,
        ErrorCode::InvalidArgument,
        ErrorCode::MarketExists,
        ErrorCode::InvalidState,
        ErrorCode::AmountOverflow,
    ];

    /// The code for a numeric value.
    #[must_use]
    pub fn from_u8(value: u8) -> Option<ErrorCode> {
        ErrorCode::ALL
            .get(usize::from(value).wrapping_sub(1))
            .copied()
    }
}
