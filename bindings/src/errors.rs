//! Python exceptions live in `pybet/errors.py` (one tree rooted at `PybetError`, each class
//! carrying a stable `code`); the binding imports them and maps every core error to its class
//! by name, passing the engine's own code string (so the two can never drift apart).
#![allow(dead_code)]

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

use pybet_core::tote::ToteError;
use pybet_core::ErrorCode;

pyo3::import_exception!(pybet.errors, PybetError);
pyo3::import_exception!(pybet.errors, InvalidPrice);
pyo3::import_exception!(pybet.errors, InvalidSize);
pyo3::import_exception!(pybet.errors, BelowMinStake);
pyo3::import_exception!(pybet.errors, AmountOverflow);
pyo3::import_exception!(pybet.errors, DuplicateClientOrderId);
pyo3::import_exception!(pybet.errors, InvalidArgument);
pyo3::import_exception!(pybet.errors, UnknownMarket);
pyo3::import_exception!(pybet.errors, UnknownRunner);
pyo3::import_exception!(pybet.errors, UnknownOrder);
pyo3::import_exception!(pybet.errors, UnknownAccount);
pyo3::import_exception!(pybet.errors, MarketExists);
pyo3::import_exception!(pybet.errors, InvalidMarketState);
pyo3::import_exception!(pybet.errors, MarketNotOpen);
pyo3::import_exception!(pybet.errors, OrderNotActive);
pyo3::import_exception!(pybet.errors, NotOwner);
pyo3::import_exception!(pybet.errors, InsufficientFunds);
pyo3::import_exception!(pybet.errors, AlreadySettled);
pyo3::import_exception!(pybet.errors, RunnerRemoved);
pyo3::import_exception!(pybet.errors, SnapshotError);
pyo3::import_exception!(pybet.errors, PoolError);
pyo3::import_exception!(pybet.errors, PoolClosed);
pyo3::import_exception!(pybet.errors, InvalidSelection);
pyo3::import_exception!(pybet.errors, QuantError);
pyo3::import_exception!(pybet.errors, ConcurrentUse);
pyo3::import_exception!(pybet.errors, InternalError);

/// The Python exception for an engine error that is raised (not reported).
pub fn raise(code: ErrorCode) -> PyErr {
    let args = (code.to_string(), code.as_str());
    match code {
        ErrorCode::InvalidPrice => InvalidPrice::new_err(args),
        ErrorCode::InvalidSize => InvalidSize::new_err(args),
        ErrorCode::BelowMinStake => BelowMinStake::new_err(args),
        ErrorCode::UnknownMarket => UnknownMarket::new_err(args),
        ErrorCode::UnknownRunner => UnknownRunner::new_err(args),
        ErrorCode::UnknownOrder => UnknownOrder::new_err(args),
        ErrorCode::MarketNotOpen => MarketNotOpen::new_err(args),
        ErrorCode::NotOwner => NotOwner::new_err(args),
        ErrorCode::InsufficientFunds => InsufficientFunds::new_err(args),
        ErrorCode::DuplicateClientOrderId => DuplicateClientOrderId::new_err(args),
        ErrorCode::OrderNotActive => OrderNotActive::new_err(args),
        ErrorCode::RunnerRemoved => RunnerRemoved::new_err(args),
        ErrorCode::AlreadySettled => AlreadySettled::new_err(args),
        ErrorCode::InvalidArgument => InvalidArgument::new_err(args),
        ErrorCode::MarketExists => MarketExists::new_err(args),
        ErrorCode::InvalidState => InvalidMarketState::new_err(args),
        ErrorCode::AmountOverflow => AmountOverflow::new_err(args),
    }
}

/// The Python exception for a pool error.
pub fn tote_error(e: &ToteError) -> PyErr {
    let args = (e.to_string(), e.code());
    match e {
        ToteError::InvalidSelection(_) => InvalidSelection::new_err(args),
        ToteError::InvalidSize(_) => InvalidSize::new_err(args),
        ToteError::AmountOverflow(_) => AmountOverflow::new_err(args),
        ToteError::PoolClosed(_) => PoolClosed::new_err(args),
        ToteError::InvalidArgument(_) => InvalidArgument::new_err(args),
        ToteError::Unsupported(_) => PoolError::new_err(args),
        ToteError::Snapshot(_) => SnapshotError::new_err(args),
    }
}

/// Raises the exception the binding maps `code` to, as an engine call failing with it would:
/// lets the tests check every core code against `pybet.errors` without staging each failure.
#[pyfunction]
pub fn _raise_core_error(code: &str) -> PyResult<()> {
    if let Some(c) = ErrorCode::ALL.iter().find(|c| c.as_str() == code) {
        return Err(raise(*c));
    }
    match ToteError::from_code(code, code.to_owned()) {
        Some(e) => Err(tote_error(&e)),
        None => Err(InvalidArgument::new_err(format!(
            "no core error code {code:?}"
        ))),
    }
}

/// Every pool error code, in declaration order.
#[pyfunction]
pub fn tote_error_codes() -> Vec<&'static str> {
    ToteError::CODES.to_vec()
}

/// An amount of minor units from Python: an `int` or anything with `__index__` (numpy
/// integers), not a bool, float, str or Decimal. Past 64 bits is `AmountOverflow` here (the
/// engine's own bounds give the same error for smaller amounts that are still too large).
pub fn extract_amount(value: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    let integral = !value.is_instance_of::<PyBool>()
        && (value.is_instance_of::<PyInt>() || value.hasattr("__index__").unwrap_or(false));
    if !integral {
        let type_name = value
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string());
        return Err(InvalidSize::new_err((
            format!("{what} must be an int number of minor units, got {type_name}"),
            "INVALID_SIZE",
        )));
    }
    match value.extract::<i64>() {
        Ok(v) => Ok(v),
        Err(_) => {
            let negative = value.lt(0).unwrap_or(false);
            if negative {
                Err(InvalidSize::new_err((
                    format!("{what} must be a positive number of minor units"),
                    "INVALID_SIZE",
                )))
            } else {
                Err(AmountOverflow::new_err((
                    format!("{what} is beyond the engine's 64-bit range"),
                    "AMOUNT_OVERFLOW",
                )))
            }
        }
    }
}

/// [`extract_amount`] of an optional argument.
pub fn extract_optional_amount(
    value: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<i64>> {
    value.map(|v| extract_amount(v, what)).transpose()
}
