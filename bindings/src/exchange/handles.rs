//! Integer handles for markets and accounts: the per-call fast path resolves no names.
//!
//! A handle is `tag << 32 | index`. The tag is drawn per `Exchange` object (never 0), so a
//! handle of another exchange, of one restored from a snapshot (whose indices may differ) or
//! a bare index is refused instead of naming the wrong account. Tags have 31 bits so that a
//! handle is a positive `i64`: CPython converts that inline, while its unsigned 64-bit path
//! for a three-digit int goes through `_PyLong_AsByteArray` (~200 instructions a handle).

use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::prelude::*;

use pybet_core::types::{Side, TimeInForce};

use crate::errors::InvalidArgument;

static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

/// A fresh tag: distinct for the first 2^31 exchanges of a process, never 0.
pub fn new_tag() -> i64 {
    // Odd multiplier: a bijection on 31 bits, so that consecutive tags look unrelated.
    let n = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
    ((n.wrapping_mul(0x9e37_79b9) & 0x7fff_ffff) as i64).max(1)
}

/// The handle of `index` under `tag`.
pub fn make(tag: i64, index: u32) -> i64 {
    tag << 32 | i64::from(index)
}

/// The index of a handle issued under `tag`; `InvalidArgument` otherwise.
#[inline]
pub fn index(tag: i64, handle: i64, what: &str) -> PyResult<u32> {
    if handle >> 32 != tag {
        return Err(InvalidArgument::new_err(format!(
            "{handle} is not a {what} handle of this exchange (use {what}_handle)"
        )));
    }
    Ok(handle as u32)
}

/// 0 back, 1 lay.
#[inline]
pub fn side(value: u8) -> PyResult<Side> {
    Side::from_u8(value).ok_or_else(|| InvalidArgument::new_err(format!("not a side: {value}")))
}

/// 0 GTC, 1 IOC, 2 FOK.
#[inline]
pub fn time_in_force(value: u8) -> PyResult<TimeInForce> {
    TimeInForce::from_u8(value)
        .ok_or_else(|| InvalidArgument::new_err(format!("not a time in force: {value}")))
}
