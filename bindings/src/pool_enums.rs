//! Python enums of the pari-mutuel rules; each argument taking one also accepts its name as
//! a string (case-insensitive) or its integer value.

use pybet_core::tote::{NoWinner, PoolKind, Rounding, Split};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::InvalidArgument;

/// The kind of a pool.
#[pyclass(
    name = "PoolKind",
    module = "pybet",
    eq,
    eq_int,
    frozen,
    hash,
    rename_all = "UPPERCASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PyPoolKind {
    Win = 0,
    Place = 1,
    Show = 2,
    Exacta = 3,
    Quinella = 4,
    Trifecta = 5,
    Superfecta = 6,
}

/// How a PLACE/SHOW pool (and a WIN dead heat) is shared.
#[pyclass(
    name = "Split",
    module = "pybet",
    eq,
    eq_int,
    frozen,
    hash,
    rename_all = "UPPERCASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PySplit {
    Profit = 0,
    Pool = 1,
}

/// Rounding of dividends to the breakage unit.
#[pyclass(
    name = "Rounding",
    module = "pybet",
    eq,
    eq_int,
    frozen,
    hash,
    rename_all = "UPPERCASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PyRounding {
    Down = 0,
    Nearest = 1,
}

/// What happens when nobody wins.
#[pyclass(
    name = "NoWinner",
    module = "pybet",
    eq,
    eq_int,
    frozen,
    hash,
    rename_all = "UPPERCASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PyNoWinner {
    Refund = 0,
    Carryover = 1,
}

/// Reads an enum argument given as the enum, its name or its integer value.
fn by_name_or_code<T: Copy>(
    obj: &Bound<'_, PyAny>,
    what: &str,
    names: &[&str],
    vals: &[T],
) -> PyResult<T> {
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == s) {
            return Ok(vals[i]);
        }
    } else if let Ok(i) = obj.extract::<usize>() {
        if let Some(v) = vals.get(i) {
            return Ok(*v);
        }
    }
    Err(InvalidArgument::new_err(format!(
        "{what} must be one of {} (or the enum), got {}",
        names
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(", "),
        obj.repr()?
    )))
}

pub fn pool_kind(obj: &Bound<'_, PyAny>) -> PyResult<PoolKind> {
    if let Ok(k) = obj.cast::<PyPoolKind>() {
        return Ok(PoolKind::ALL[*k.get() as usize]);
    }
    let names = [
        "WIN",
        "PLACE",
        "SHOW",
        "EXACTA",
        "QUINELLA",
        "TRIFECTA",
        "SUPERFECTA",
    ];
    by_name_or_code(obj, "kind", &names, &PoolKind::ALL)
}

pub fn split(obj: &Bound<'_, PyAny>) -> PyResult<Split> {
    if let Ok(k) = obj.cast::<PySplit>() {
        return Ok([Split::Profit, Split::Pool][*k.get() as usize]);
    }
    by_name_or_code(
        obj,
        "split",
        &["PROFIT", "POOL"],
        &[Split::Profit, Split::Pool],
    )
}

pub fn rounding(obj: &Bound<'_, PyAny>) -> PyResult<Rounding> {
    if let Ok(k) = obj.cast::<PyRounding>() {
        return Ok([Rounding::Down, Rounding::Nearest][*k.get() as usize]);
    }
    by_name_or_code(
        obj,
        "rounding",
        &["DOWN", "NEAREST"],
        &[Rounding::Down, Rounding::Nearest],
    )
}

pub fn no_winner(obj: &Bound<'_, PyAny>) -> PyResult<NoWinner> {
    if let Ok(k) = obj.cast::<PyNoWinner>() {
        return Ok([NoWinner::Refund, NoWinner::Carryover][*k.get() as usize]);
    }
    by_name_or_code(
        obj,
        "no_winner",
        &["REFUND", "CARRYOVER"],
        &[NoWinner::Refund, NoWinner::Carryover],
    )
}

impl From<PoolKind> for PyPoolKind {
    fn from(k: PoolKind) -> Self {
        match k {
            PoolKind::Win => PyPoolKind::Win,
            PoolKind::Place => PyPoolKind::Place,
            PoolKind::Show => PyPoolKind::Show,
            PoolKind::Exacta => PyPoolKind::Exacta,
            PoolKind::Quinella => PyPoolKind::Quinella,
            PoolKind::Trifecta => PyPoolKind::Trifecta,
            PoolKind::Superfecta => PyPoolKind::Superfecta,
        }
    }
}

impl From<Split> for PySplit {
    fn from(s: Split) -> Self {
        match s {
            Split::Profit => PySplit::Profit,
            Split::Pool => PySplit::Pool,
        }
    }
}

impl From<Rounding> for PyRounding {
    fn from(r: Rounding) -> Self {
        match r {
            Rounding::Down => PyRounding::Down,
            Rounding::Nearest => PyRounding::Nearest,
        }
    }
}

impl From<NoWinner> for PyNoWinner {
    fn from(n: NoWinner) -> Self {
        match n {
            NoWinner::Refund => PyNoWinner::Refund,
            NoWinner::Carryover => PyNoWinner::Carryover,
        }
    }
}
