//! The one error type of the pari-mutuel engine; every variant has a stable code.

/// A rejected pool operation. The pool is unchanged when one of these is returned.
// Not `non_exhaustive`: the binding matches every variant, so a new one cannot go unmapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToteError {
    /// A scratched, unknown or repeated runner, or a selection of the wrong arity.
    #[error("{0}")]
    InvalidSelection(String),
    /// A zero or negative stake, or one that would overflow the pool.
    #[error("{0}")]
    InvalidSize(String),
    /// A stake that would take the pool past its bound (`MAX_POOL`).
    #[error("{0}")]
    AmountOverflow(String),
    /// A bet after the pool closed, or a change after it was settled.
    #[error("{0}")]
    PoolClosed(String),
    /// A rule parameter or an argument out of range.
    #[error("{0}")]
    InvalidArgument(String),
    /// An operation the pool's kind does not support.
    #[error("{0}")]
    Unsupported(String),
    /// A snapshot that does not decode or fails its checksum.
    #[error("{0}")]
    Snapshot(String),
}

impl ToteError {
    /// The stable code of this error (the same strings as `pybet.errors`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ToteError::InvalidSelection(_) => "INVALID_SELECTION",
            ToteError::InvalidSize(_) => "INVALID_SIZE",
            ToteError::AmountOverflow(_) => "AMOUNT_OVERFLOW",
            ToteError::PoolClosed(_) => "POOL_CLOSED",
            ToteError::InvalidArgument(_) => "INVALID_ARGUMENT",
            ToteError::Unsupported(_) => "POOL_ERROR",
            ToteError::Snapshot(_) => "BAD_SNAPSHOT",
        }
    }
}

impl ToteError {
    /// Every code, in declaration order.
    pub const CODES: [&'static str; 7] = [
        "INVALID_SELECTION",
        "INVALID_SIZE",
        "AMOUNT_OVERFLOW",
        "POOL_CLOSED",
        "INVALID_ARGUMENT",
        "POOL_ERROR",
        "BAD_SNAPSHOT",
    ];

    /// The error of a code (the inverse of [`ToteError::code`]), carrying `message`.
    #[must_use]
    pub fn from_code(code: &str, message: String) -> Option<ToteError> {
        Some(match code {
            "INVALID_SELECTION" => ToteError::InvalidSelection(message),
            "INVALID_SIZE" => ToteError::InvalidSize(message),
            "AMOUNT_OVERFLOW" => ToteError::AmountOverflow(message),
            "POOL_CLOSED" => ToteError::PoolClosed(message),
            "INVALID_ARGUMENT" => ToteError::InvalidArgument(message),
            "POOL_ERROR" => ToteError::Unsupported(message),
            "BAD_SNAPSHOT" => ToteError::Snapshot(message),
            _ => return None,
        })
    }
}

/// Result alias for pool operations.
pub type ToteResult<T> = Result<T, ToteError>;

#[cfg(test)]
mod tests {
    use super::ToteError;

    #[test]
    fn every_code_round_trips() {
        for code in ToteError::CODES {
            let e = ToteError::from_code(code, String::new()).expect("a known code");
            assert_eq!(e.code(), code);
        }
        assert!(ToteError::from_code("NOPE", String::new()).is_none());
    }
}
