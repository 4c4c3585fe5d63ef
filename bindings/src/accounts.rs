//! Accounts and settlement on the Python side: exact conversion of rates, reduction factors
//! and dead-heat fractions, and the `SettlementReport` value type.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat};

use pybet_core::fixed::{parse_fraction, parse_scaled};
use pybet_core::settlement::{DeadHeat, SettlementReport};
use pybet_core::Exchange;

use crate::errors::InvalidArgument;

/// The decimal text of an `int`, `float`, `str`, `Decimal` or `Fraction` (its `str()`), so
/// that the core parses it exactly. Booleans and non-finite floats are refused.
fn decimal_text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if value.is_instance_of::<PyBool>() {
        return Err(InvalidArgument::new_err(format!("{what} must be a number")));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        if !f.value().is_finite() {
            return Err(InvalidArgument::new_err(format!("{what} must be finite")));
        }
    }
    Ok(value.str()?.to_string())
}

/// A commission rate (`0.05`, `"0.05"`, `Decimal("0.05")`) in parts per million, exactly.
pub fn commission_ppm(value: &Bound<'_, PyAny>) -> PyResult<u32> {
    let text = decimal_text(value, "commission_rate")?;
    parse_scaled(&text, 6)
        .filter(|&p| p <= 1_000_000)
        .map(|p| p as u32)
        .ok_or_else(|| {
            InvalidArgument::new_err(format!(
                "commission_rate {text} must be in [0, 1] with at most 6 decimals"
            ))
        })
}

/// A reduction factor in percent (`25`, `23.5`, `"23.5"`, `Decimal`) in basis points, exactly.
pub fn reduction_bp(value: &Bound<'_, PyAny>) -> PyResult<u32> {
    let text = decimal_text(value, "reduction_factor")?;
    parse_scaled(&text, 2)
        .filter(|&bp| bp <= 10_000)
        .map(|bp| bp as u32)
        .ok_or_else(|| {
            InvalidArgument::new_err(format!(
                "reduction_factor {text} must be a percent in [0, 100] with at most 2 decimals"
            ))
        })
}

/// Dead-heat fractions `{runner: fraction}` (fraction as `Fraction`, `"1/3"`, `Decimal`,
/// `str` or `float` with at most 6 decimals).
pub fn dead_heats(value: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<DeadHeat>> {
    let Some(d) = value else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(d.len());
    for (k, v) in d.iter() {
        let runner: i64 = k.extract()?;
        let text = decimal_text(&v, "dead_heat fraction")?;
        let (num, den) = parse_fraction(&text).ok_or_else(|| {
            InvalidArgument::new_err(format!(
                "dead_heat fraction {text} is not exact: pass a Fraction or a string like '1/3'"
            ))
        })?;
        out.push(DeadHeat { runner, num, den });
    }
    out.sort_by_key(|dh| dh.runner);
    Ok(out)
}

/// What settling or voiding a market did.
#[pyclass(name = "SettlementReport", module = "pybet", frozen, eq, get_all)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PySettlementReport {
    pub market_id: String,
    pub void: bool,
    /// `(account, pnl, commission)` per account that held a position.
    pub accounts: Vec<(String, i64, i64)>,
    pub residue: i64,
    pub commission: i64,
}

impl PySettlementReport {
    pub fn from_core(ex: &Exchange, rep: &SettlementReport) -> Self {
        PySettlementReport {
            market_id: ex.market_at(rep.market).id.clone(),
            void: rep.void,
            accounts: rep
                .accounts
                .iter()
                .map(|a| (ex.account_name(a.account).to_owned(), a.pnl, a.commission))
                .collect(),
            residue: rep.residue,
            commission: rep.commission,
        }
    }
}

#[pymethods]
impl PySettlementReport {
    fn __repr__(&self) -> String {
        format!(
            "SettlementReport(market_id={:?}, void={}, accounts={:?}, residue={}, commission={})",
            self.market_id,
            if self.void { "True" } else { "False" },
            self.accounts,
            self.residue,
            self.commission
        )
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("market_id", &self.market_id)?;
        d.set_item("void", self.void)?;
        d.set_item("accounts", self.accounts.clone())?;
        d.set_item("residue", self.residue)?;
        d.set_item("commission", self.commission)?;
        Ok(d)
    }
}
