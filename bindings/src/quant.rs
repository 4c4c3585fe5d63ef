//! `pybet._core.quant_*`: the quant kernels on numpy arrays, GIL released. `pybet/quant.py`
//! is the typed face (conversion of array-likes, docs).

use numpy::{IntoPyArray, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pybet_core::quant::{self, QuantError as CoreQuantError};
use pyo3::prelude::*;

use crate::errors::QuantError;

fn q<T>(r: Result<T, CoreQuantError>) -> PyResult<T> {
    r.map_err(|e| QuantError::new_err(e.0))
}

fn vector<'a>(a: &'a PyReadonlyArrayDyn<'_, f64>, name: &str) -> PyResult<&'a [f64]> {
    if a.ndim() != 1 {
        return Err(QuantError::new_err(format!(
            "{name} must be 1-D, got shape {:?}",
            a.shape()
        )));
    }
    a.as_slice()
        .map_err(|_| QuantError::new_err(format!("{name} must be contiguous")))
}

fn dense<'py>(py: Python<'py>, v: Vec<f64>, n: usize, depth: usize) -> PyResult<Bound<'py, PyAny>> {
    Ok(v.into_pyarray(py).reshape(vec![n; depth])?.into_any())
}

#[pyfunction]
#[pyo3(name = "quant_harville", signature = (p, depth, /))]
fn py_harville<'py>(
    py: Python<'py>,
    p: PyReadonlyArrayDyn<'py, f64>,
    depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let s = vector(&p, "p")?;
    let v = q(py.detach(|| quant::harville(s, depth)))?;
    dense(py, v, s.len(), depth)
}

#[pyfunction]
#[pyo3(name = "quant_discounted_harville", signature = (p, depth, lambdas, /))]
fn py_discounted_harville<'py>(
    py: Python<'py>,
    p: PyReadonlyArrayDyn<'py, f64>,
    depth: usize,
    lambdas: PyReadonlyArrayDyn<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let s = vector(&p, "p")?;
    let l = vector(&lambdas, "lambdas")?;
    let v = q(py.detach(|| quant::discounted_harville(s, depth, l)))?;
    dense(py, v, s.len(), depth)
}

#[pyfunction]
#[pyo3(name = "quant_henery", signature = (p, depth, /))]
fn py_henery<'py>(
    py: Python<'py>,
    p: PyReadonlyArrayDyn<'py, f64>,
    depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let s = vector(&p, "p")?;
    let v = q(py.detach(|| quant::henery(s, depth)))?;
    dense(py, v, s.len(), depth)
}

#[pyfunction]
#[pyo3(name = "quant_place_probabilities", signature = (p, k, /))]
fn py_place_probabilities<'py>(
    py: Python<'py>,
    p: PyReadonlyArrayDyn<'py, f64>,
    k: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let s = vector(&p, "p")?;
    Ok(q(py.detach(|| quant::place_probabilities(s, k)))?
        .into_pyarray(py)
        .into_any())
}

#[pyfunction]
#[pyo3(name = "quant_implied_probabilities", signature = (values, takeout, from_odds, /))]
fn py_implied<'py>(
    py: Python<'py>,
    values: PyReadonlyArrayDyn<'py, f64>,
    takeout: f64,
    from_odds: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let s = vector(&values, "totals")?;
    Ok(
        q(py.detach(|| quant::implied_probabilities(s, takeout, from_odds)))?
            .into_pyarray(py)
            .into_any(),
    )
}

#[pyfunction]
#[pyo3(name = "quant_expected_value", signature = (probs, will_pays, /))]
fn py_expected_value<'py>(
    py: Python<'py>,
    probs: PyReadonlyArrayDyn<'py, f64>,
    will_pays: PyReadonlyArrayDyn<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    if probs.shape() != will_pays.shape() {
        return Err(QuantError::new_err(format!(
            "probs and will_pays must have the same shape ({:?} vs {:?})",
            probs.shape(),
            will_pays.shape()
        )));
    }
    let shape = probs.shape().to_vec();
    let (p, w) = (probs.as_slice()?, will_pays.as_slice()?);
    let v = q(py.detach(|| quant::expected_value(p, w)))?;
    Ok(v.into_pyarray(py).reshape(shape)?.into_any())
}

#[pyfunction]
#[pyo3(name = "quant_kelly_parimutuel", signature = (p, others, takeout, /))]
fn py_kelly_parimutuel<'py>(
    py: Python<'py>,
    p: PyReadonlyArrayDyn<'py, f64>,
    others: PyReadonlyArrayDyn<'py, f64>,
    takeout: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let (s, o) = (vector(&p, "p")?, vector(&others, "others")?);
    Ok(q(py.detach(|| quant::kelly_parimutuel(s, o, takeout)))?
        .into_pyarray(py)
        .into_any())
}

#[pyfunction]
#[pyo3(name = "quant_kelly_fixed_odds", signature = (p, odds, /))]
fn py_kelly_fixed_odds<'py>(
    py: Python<'py>,
    p: PyReadonlyArrayDyn<'py, f64>,
    odds: PyReadonlyArrayDyn<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let (s, o) = (vector(&p, "p")?, vector(&odds, "odds")?);
    Ok(q(py.detach(|| quant::kelly_fixed_odds(s, o)))?
        .into_pyarray(py)
        .into_any())
}

/// Registers the kernels.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(py_harville, m)?)?;
    m.add_function(wrap_pyfunction!(py_discounted_harville, m)?)?;
    m.add_function(wrap_pyfunction!(py_henery, m)?)?;
    m.add_function(wrap_pyfunction!(py_place_probabilities, m)?)?;
    m.add_function(wrap_pyfunction!(py_implied, m)?)?;
    m.add_function(wrap_pyfunction!(py_expected_value, m)?)?;
    m.add_function(wrap_pyfunction!(py_kelly_parimutuel, m)?)?;
    m.add_function(wrap_pyfunction!(py_kelly_fixed_odds, m)?)?;
    Ok(())
}
