//! `pybet.Pool`: the pari-mutuel pool, wrapping `pybet_core::tote::Pool`.

use numpy::{IntoPyArray, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pybet_core::tote::{Outcome, Pool, Rules, Settlement, ToteError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple, PyType};

use crate::cell::{EngineCell, Held};
use crate::errors::{InvalidArgument, InvalidSelection, PoolError};
use crate::pool_enums::{self, PyNoWinner, PyPoolKind, PyRounding, PySplit};

fn tote<T>(r: Result<T, ToteError>) -> PyResult<T> {
    r.map_err(|e| crate::errors::tote_error(&e))
}

/// Parses a takeout given as float, str, int or Decimal exactly: `Decimal(str(x))` in parts
/// per million, rejecting more than 6 decimal places (no float ever reaches money).
fn takeout_ppm(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let py = obj.py();
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    let bad = || InvalidArgument::new_err(format!("takeout must be a number in [0, 1), got {obj}"));
    let d = decimal.call1((obj.str()?,)).map_err(|_| bad())?;
    let scaled = d.call_method1("__mul__", (1_000_000,))?;
    let integral = scaled
        .call_method0("to_integral_value")
        .map_err(|_| bad())?;
    if !scaled.eq(&integral)? {
        return Err(InvalidArgument::new_err(format!(
            "takeout {obj} has more than 6 decimal places"
        )));
    }
    integral
        .call_method0("__int__")?
        .extract::<i64>()
        .map_err(|_| bad())
}

/// A contiguous int64 array from any integer array-like; floats are refused, not truncated.
fn int_array<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyArrayDyn<i64>>> {
    if let Ok(a) = obj.cast::<PyArrayDyn<i64>>() {
        if a.is_c_contiguous() {
            return Ok(a.clone());
        }
    }
    let np = obj.py().import("numpy")?;
    let a = np.call_method1("asarray", (obj,))?;
    let kind: String = a.getattr("dtype")?.getattr("kind")?.extract()?;
    let size: usize = a.getattr("size")?.extract()?;
    if !(kind == "i" || kind == "u" || size == 0) {
        return Err(InvalidArgument::new_err(format!(
            "{what} must be an integer array, got dtype kind {kind:?}"
        )));
    }
    let a = np.call_method1("ascontiguousarray", (a, np.getattr("int64")?))?;
    Ok(a.cast_into::<PyArrayDyn<i64>>()?)
}

fn selection(obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    if let Ok(r) = obj.extract::<i64>() {
        return Ok(vec![r]);
    }
    obj.extract::<Vec<i64>>().map_err(|_| {
        InvalidSelection::new_err(format!(
            "a selection is a runner number or a tuple of them, got {}",
            obj.repr().map(|r| r.to_string()).unwrap_or_default()
        ))
    })
}

/// The dividends of a pool for one result, and the pool's accounts (minor units).
#[pyclass(name = "Dividends", module = "pybet", frozen)]
pub struct PyDividends {
    s: Settlement,
    kind: PyPoolKind,
    carryover_to: Option<String>,
}

#[pymethods]
impl PyDividends {
    /// The pool's kind.
    #[getter]
    fn kind(&self) -> PyPoolKind {
        self.kind
    }
    /// `"PAID"`, `"REFUNDED"` (nobody won) or `"CARRIED_OVER"`.
    #[getter]
    fn outcome(&self) -> &'static str {
        match self.s.outcome {
            Outcome::Paid => "PAID",
            Outcome::Refunded => "REFUNDED",
            Outcome::CarriedOver => "CARRIED_OVER",
        }
    }
    /// The finishing order.
    #[getter]
    fn result(&self) -> Vec<Vec<i64>> {
        self.s.result.clone()
    }
    /// Dividend per 100 of stake for each winning selection with money on it.
    #[getter]
    fn dividends<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for w in &self.s.winners {
            d.set_item(PyTuple::new(py, &w.selection)?, w.dividend)?;
        }
        Ok(d)
    }
    /// Live stake on each winning selection.
    #[getter]
    fn winning_stakes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for w in &self.s.winners {
            d.set_item(PyTuple::new(py, &w.selection)?, w.stake)?;
        }
        Ok(d)
    }
    #[getter]
    fn gross_pool(&self) -> i64 {
        self.s.gross_pool
    }
    #[getter]
    fn refunds(&self) -> i64 {
        self.s.refunds
    }
    #[getter]
    fn takeout(&self) -> i64 {
        self.s.takeout
    }
    #[getter]
    fn net_pool(&self) -> i64 {
        self.s.net_pool
    }
    #[getter]
    fn breakage(&self) -> i64 {
        self.s.breakage
    }
    #[getter]
    fn minus_pool(&self) -> i64 {
        self.s.minus_pool
    }
    #[getter]
    fn carryover(&self) -> i64 {
        self.s.carryover
    }
    #[getter]
    fn carryover_to(&self) -> Option<String> {
        self.carryover_to.clone()
    }
    /// Paid to winning tickets (refunds excluded).
    #[getter]
    fn paid(&self) -> i64 {
        self.s.paid
    }

    /// The dividend per 100 of `selection` (0 if it did not win). QUINELLA: any order.
    #[pyo3(signature = (selection, /))]
    fn dividend(&self, selection: &Bound<'_, PyAny>) -> PyResult<i64> {
        let mut sel = self::selection(selection)?;
        if self.kind == PyPoolKind::Quinella {
            sel.sort_unstable();
        }
        Ok(self
            .s
            .winners
            .iter()
            .find(|w| w.selection == sel)
            .map_or(0, |w| w.dividend))
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let d = PyDict::new(py);
        for key in [
            "kind",
            "outcome",
            "result",
            "dividends",
            "gross_pool",
            "refunds",
            "takeout",
            "net_pool",
            "breakage",
            "minus_pool",
            "carryover",
            "carryover_to",
            "paid",
        ] {
            d.set_item(key, slf.getattr(key)?)?;
        }
        Ok(d)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyDividends>().is_ok_and(|o| {
            let o = o.get();
            o.s == self.s && o.kind == self.kind && o.carryover_to == self.carryover_to
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let s = &slf.get().s;
        Ok(format!(
            "Dividends(outcome={}, dividends={}, gross_pool={}, takeout={}, net_pool={}, breakage={}, minus_pool={}, carryover={}, refunds={})",
            slf.get().outcome(), slf.getattr("dividends")?.repr()?, s.gross_pool, s.takeout, s.net_pool,
            s.breakage, s.minus_pool, s.carryover, s.refunds
        ))
    }
}

/// A pari-mutuel pool; see `pybet/_core.pyi` for the Python documentation. Safe to share
/// between threads: calls run one at a time (see `crate::cell`).
#[pyclass(name = "Pool", module = "pybet", frozen)]
pub struct PyPool(EngineCell<Pool>);

impl PyPool {
    fn pool(&self) -> PyResult<Held<'_, Pool>> {
        self.0.lock()
    }
}

/// The pool's latest dividends as a Python object.
fn report(pool: &Pool) -> Option<PyDividends> {
    pool.settlement().map(|s| PyDividends {
        s: s.clone(),
        kind: pool.kind().into(),
        carryover_to: pool.rules().carryover_to.clone(),
    })
}

/// A flat per-selection vector as an array of one axis per leg.
fn dense<'py, T: numpy::Element>(
    py: Python<'py>,
    pool: &Pool,
    v: Vec<T>,
) -> PyResult<Bound<'py, PyAny>> {
    let shape = vec![pool.runners(); pool.kind().arity()];
    Ok(v.into_pyarray(py).reshape(shape)?.into_any())
}

#[pymethods]
impl PyPool {
    #[new]
    #[pyo3(signature = (kind, runners, takeout, places=None, split=None, breakage=10, rounding=None, min_payout=100, no_winner=None, carryover_to=None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        kind: &Bound<'_, PyAny>,
        runners: usize,
        takeout: &Bound<'_, PyAny>,
        places: Option<usize>,
        split: Option<&Bound<'_, PyAny>>,
        breakage: i64,
        rounding: Option<&Bound<'_, PyAny>>,
        min_payout: i64,
        no_winner: Option<&Bound<'_, PyAny>>,
        carryover_to: Option<String>,
    ) -> PyResult<Self> {
        let rules = Rules {
            takeout_ppm: takeout_ppm(takeout)?,
            split: split
                .map(pool_enums::split)
                .transpose()?
                .unwrap_or_default(),
            breakage,
            rounding: rounding
                .map(pool_enums::rounding)
                .transpose()?
                .unwrap_or_default(),
            min_payout,
            no_winner: no_winner
                .map(pool_enums::no_winner)
                .transpose()?
                .unwrap_or_default(),
            carryover_to,
        };
        Ok(PyPool(EngineCell::new(tote(Pool::new(
            pool_enums::pool_kind(kind)?,
            runners,
            places,
            rules,
        ))?)))
    }

    #[getter]
    fn kind(&self) -> PyResult<PyPoolKind> {
        let pool = self.pool()?;
        Ok(pool.kind().into())
    }
    #[getter]
    fn runners(&self) -> PyResult<usize> {
        let pool = self.pool()?;
        Ok(pool.runners())
    }
    #[getter]
    fn places(&self) -> PyResult<usize> {
        let pool = self.pool()?;
        Ok(pool.places())
    }
    /// Takeout as a float, for display (the engine uses the exact parts per million).
    #[getter]
    fn takeout(&self) -> PyResult<f64> {
        let pool = self.pool()?;
        Ok(pool.rules().takeout_ppm as f64 / 1e6)
    }
    #[getter]
    fn takeout_ppm(&self) -> PyResult<i64> {
        let pool = self.pool()?;
        Ok(pool.rules().takeout_ppm)
    }
    #[getter]
    fn split(&self) -> PyResult<PySplit> {
        let pool = self.pool()?;
        Ok(pool.rules().split.into())
    }
    #[getter]
    fn breakage(&self) -> PyResult<i64> {
        let pool = self.pool()?;
        Ok(pool.rules().breakage)
    }
    #[getter]
    fn rounding(&self) -> PyResult<PyRounding> {
        let pool = self.pool()?;
        Ok(pool.rules().rounding.into())
    }
    #[getter]
    fn min_payout(&self) -> PyResult<i64> {
        let pool = self.pool()?;
        Ok(pool.rules().min_payout)
    }
    #[getter]
    fn no_winner(&self) -> PyResult<PyNoWinner> {
        let pool = self.pool()?;
        Ok(pool.rules().no_winner.into())
    }
    #[getter]
    fn carryover_to(&self) -> PyResult<Option<String>> {
        let pool = self.pool()?;
        Ok(pool.rules().carryover_to.clone())
    }
    #[getter]
    fn is_open(&self) -> PyResult<bool> {
        let pool = self.pool()?;
        Ok(pool.status() == pybet_core::tote::PoolStatus::Open)
    }
    /// Every stake accepted, refunds included.
    #[getter]
    fn gross_pool(&self) -> PyResult<i64> {
        let pool = self.pool()?;
        Ok(pool.gross())
    }
    /// Stakes refunded by scratches.
    #[getter]
    fn refunds(&self) -> PyResult<i64> {
        let pool = self.pool()?;
        Ok(pool.refunds())
    }
    /// Live pool minus takeout.
    #[getter]
    fn net_pool(&self) -> PyResult<i64> {
        let pool = self.pool()?;
        Ok(pool.net_pool())
    }
    #[getter]
    fn scratched(&self) -> PyResult<Vec<usize>> {
        let pool = self.pool()?;
        Ok((1..=pool.runners())
            .filter(|&r| pool.scratched()[r - 1])
            .collect())
    }
    /// The latest dividends, or None before `dividends()`.
    #[getter]
    fn settlement(&self) -> PyResult<Option<PyDividends>> {
        Ok(report(&*self.pool()?))
    }
    fn __len__(&self) -> PyResult<usize> {
        let pool = self.pool()?;
        Ok(pool.ticket_count())
    }

    #[pyo3(signature = (selection, stake, /))]
    fn bet(&self, selection: &Bound<'_, PyAny>, stake: &Bound<'_, PyAny>) -> PyResult<u64> {
        let stake = crate::errors::extract_amount(stake, "stake")?;
        let sel = self::selection(selection)?;
        tote(self.pool()?.bet(&sel, stake))
    }

    #[pyo3(signature = (selections, stakes, /))]
    fn bet_many<'py>(
        &self,
        py: Python<'py>,
        selections: &Bound<'py, PyAny>,
        stakes: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sels = int_array(selections, "selections")?;
        let stks = int_array(stakes, "stakes")?;
        let mut held = self.pool()?;
        let k = held.kind().arity();
        let shape_ok = match sels.shape() {
            [_] => k == 1,
            [_, c] => *c == k,
            _ => false,
        };
        if !shape_ok || stks.ndim() != 1 || sels.shape()[0] != stks.len() {
            return Err(InvalidSelection::new_err(format!(
                "selections must have shape (N, {k}){} and stakes (N,); got {:?} and {:?}",
                if k == 1 { " or (N,)" } else { "" },
                sels.shape(),
                stks.shape()
            )));
        }
        let (sr, tr) = (sels.readonly(), stks.readonly());
        let (s, t) = (sr.as_slice()?, tr.as_slice()?);
        let pool: &mut Pool = &mut held;
        let first = tote(py.detach(|| pool.bet_many(s, t)))?;
        drop(held);
        let ids: Vec<i64> = (first as i64..first as i64 + t.len() as i64).collect();
        Ok(ids.into_pyarray(py).into_any())
    }

    #[pyo3(signature = (runner, /))]
    fn scratch(&self, runner: i64) -> PyResult<i64> {
        tote(self.pool()?.scratch(runner))
    }

    fn close(&self) -> PyResult<()> {
        self.pool()?.close();
        Ok(())
    }

    /// WIN: odds per runner; PLACE/SHOW: (n, 2) min/max; exotics: will-pays.
    fn odds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        use pybet_core::tote::PoolKind;
        let pool = self.pool()?;
        match pool.kind() {
            PoolKind::Win => Ok(pool.win_odds().into_pyarray(py).into_any()),
            PoolKind::Place | PoolKind::Show => {
                let v = tote(pool.place_range())?;
                Ok(v.into_pyarray(py).reshape([pool.runners(), 2])?.into_any())
            }
            _ => {
                drop(pool);
                self.will_pays(py)
            }
        }
    }

    fn will_pays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let held = self.pool()?;
        let pool: &Pool = &held;
        let v = tote(py.detach(|| pool.will_pays()))?;
        dense(py, &held, v)
    }

    fn totals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pool = self.pool()?;
        dense(py, &pool, pool.dense_totals())
    }

    #[pyo3(signature = (result, /))]
    fn dividends(&self, result: &Bound<'_, PyAny>) -> PyResult<PyDividends> {
        let result: Vec<Vec<i64>> = if let Ok(l) = result.cast::<PyList>() {
            l.iter()
                .map(|g| {
                    g.extract::<i64>()
                        .map(|r| vec![r])
                        .or_else(|_| g.extract::<Vec<i64>>())
                })
                .collect::<PyResult<_>>()
        } else {
            result.extract()
        }
        .map_err(|_| {
            InvalidSelection::new_err(
                "result must be a list of positions, each a list of runner numbers",
            )
        })?;
        let mut pool = self.pool()?;
        tote(pool.dividends(&result))?;
        report(&pool).ok_or_else(|| PoolError::new_err("internal: settled without a report"))
    }

    fn payouts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.pool()?.payouts().into_pyarray(py).into_any())
    }

    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.pool()?.snapshot()))
    }

    #[classmethod]
    #[pyo3(signature = (blob, /))]
    fn restore(_cls: &Bound<'_, PyType>, blob: &[u8]) -> PyResult<Self> {
        Ok(PyPool(EngineCell::new(tote(Pool::restore(blob))?)))
    }

    fn state_hash(&self) -> PyResult<u64> {
        let pool = self.pool()?;
        Ok(pool.state_hash())
    }

    fn __repr__(&self) -> PyResult<String> {
        let pool = self.pool()?;
        Ok(format!(
            "Pool(kind={:?}, runners={}, places={}, tickets={}, gross_pool={}, open={})",
            pool.kind(),
            pool.runners(),
            pool.places(),
            pool.ticket_count(),
            pool.gross(),
            pool.status() == pybet_core::tote::PoolStatus::Open
        ))
    }
}

/// Registers the pool classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPool>()?;
    m.add_class::<PyDividends>()?;
    m.add_class::<PyPoolKind>()?;
    m.add_class::<PySplit>()?;
    m.add_class::<PyRounding>()?;
    m.add_class::<PyNoWinner>()?;
    Ok(())
}
