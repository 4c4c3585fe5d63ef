//! The one error type of the pari-mutuel engine; every variant has a stable code.

/// A rejected pool operation. The pool is unchanged when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToteError {
    /// A scratched, unknown or repeated runner, or a selection of the wrong arity.
    #[error("{0}")]
    InvalidSelection(String),
    /// A zero or negative stake, or one that would overflow the pool.
    #[error("{0}")]
    InvalidSize(String),
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
            ToteError::PoolClosed(_) => "POOL_CLOSED",
            ToteError::InvalidArgument(_) => "INVALID_ARGUMENT",
            ToteError::Unsupported(_) => "POOL_ERROR",
            ToteError::Snapshot(_) => "BAD_SNAPSHOT",
        }
    }
}

/// Result alias for pool operations.
pub type ToteResult<T> = Result<T, ToteError>;
