//! The PyO3 binding that builds `pybet._core`: converts, releases the GIL, calls
//! `pybet_core`, maps errors. Nothing more.

use pyo3::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod accounts;
mod buffer;
mod cell;
mod codes;
mod errors;
mod exchange;
mod exchange_types;
mod idem;
mod pool;
mod pool_enums;
mod quant;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_AMOUNT", pybet_core::types::MAX_AMOUNT)?;
    m.add("MAX_BALANCE", pybet_core::types::MAX_BALANCE)?;
    m.add("HOUSE_ACCOUNT", pybet_core::exchange::HOUSE_ACCOUNT)?;
    m.add_function(wrap_pyfunction!(errors::_raise_core_error, m)?)?;
    m.add_function(wrap_pyfunction!(errors::tote_error_codes, m)?)?;
    exchange::register(m)?;
    codes::register(m)?;
    idem::register(m)?;
    pool::register(m)?;
    quant::register(m)?;
    Ok(())
}
