//! Module-level functions: the ladder, and the engine's numeric codes (exported once, so
//! Python never copies them as literals).

use pyo3::prelude::*;

use pybet_core::events::EventKind;
use pybet_core::ladder;
use pybet_core::{CancelReason, ErrorCode};

use crate::errors::InvalidPrice;
use crate::exchange_types::extract_tick;

/// Ladder helpers exposed to `pybet.ladder`.
#[pyfunction]
pub fn price_to_tick(price: &Bound<'_, PyAny>) -> PyResult<u16> {
    extract_tick(price)
}

/// The decimal string of a tick's price (`"2.5"`).
#[pyfunction]
pub fn tick_to_price_str(tick: u16) -> PyResult<String> {
    ladder::tick_to_price(tick)
        .map(ladder::format_price)
        .ok_or_else(|| InvalidPrice::new_err(format!("tick {tick} is off the ladder (0..350)")))
}

/// Every tick's price as a decimal string.
#[pyfunction]
pub fn ladder_prices() -> Vec<String> {
    ladder::TICKS
        .iter()
        .map(|&p| ladder::format_price(p))
        .collect()
}

/// `(numeric code, name)` of every event kind (the `kind` column of `events_arrays`).
#[pyfunction]
pub fn event_kinds() -> Vec<(u8, &'static str)> {
    EventKind::CODES.to_vec()
}

/// `(numeric code, name)` of every cancel reason (the `code` of an `OrderCancelled` row in
/// `events_arrays`).
#[pyfunction]
pub fn cancel_reasons() -> Vec<(u8, &'static str)> {
    CancelReason::ALL
        .iter()
        .map(|r| (*r as u8, r.as_str()))
        .collect()
}

/// `(numeric code, code string)` of every reject code.
#[pyfunction]
pub fn reject_codes() -> Vec<(u8, &'static str)> {
    ErrorCode::ALL
        .iter()
        .map(|c| (c.as_u8(), c.as_str()))
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(price_to_tick, m)?)?;
    m.add_function(wrap_pyfunction!(tick_to_price_str, m)?)?;
    m.add_function(wrap_pyfunction!(ladder_prices, m)?)?;
    m.add_function(wrap_pyfunction!(reject_codes, m)?)?;
    m.add_function(wrap_pyfunction!(event_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(cancel_reasons, m)?)?;
    Ok(())
}
