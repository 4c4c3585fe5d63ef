//! The numpy columns of the batch calls: checked, borrowed as slices, and the results handed
//! back as arrays (buffers moved, not copied).

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use pybet_core::exchange::batch;

use crate::errors::{InvalidArgument, PybetError};

/// The named result columns of a batch call as a dict of numpy arrays (buffers handed over).
pub fn results_dict<'py>(
    py: Python<'py>,
    mut out: batch::Results,
    fields: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for &name in fields {
        match name {
            "order_id" => d.set_item(name, std::mem::take(&mut out.order_id).into_pyarray(py))?,
            "status" => d.set_item(name, std::mem::take(&mut out.status).into_pyarray(py))?,
            "size_matched" => {
                d.set_item(name, std::mem::take(&mut out.size_matched).into_pyarray(py))?
            }
            "size_cancelled" => d.set_item(
                name,
                std::mem::take(&mut out.size_cancelled).into_pyarray(py),
            )?,
            "reject_code" => d.set_item(name, std::mem::take(&mut out.reject).into_pyarray(py))?,
            other => {
                return Err(PybetError::new_err(format!(
                    "internal: no batch result column {other}"
                )))
            }
        }
    }
    Ok(d)
}

/// The order columns of a batch call, checked for equal lengths (`n` when another column sets
/// the length).
pub fn place_columns<'a>(
    runners: &'a PyReadonlyArray1<'_, i64>,
    sides: &'a PyReadonlyArray1<'_, u8>,
    ticks: &'a PyReadonlyArray1<'_, u16>,
    sizes: &'a PyReadonlyArray1<'_, i64>,
    n: Option<usize>,
) -> PyResult<batch::PlaceColumns<'a>> {
    let cols = batch::PlaceColumns {
        runners: runners.as_slice()?,
        sides: sides.as_slice()?,
        ticks: ticks.as_slice()?,
        sizes: sizes.as_slice()?,
    };
    let n = n.unwrap_or(cols.runners.len());
    if [
        cols.runners.len(),
        cols.sides.len(),
        cols.ticks.len(),
        cols.sizes.len(),
    ]
    .iter()
    .any(|&len| len != n)
    {
        return Err(InvalidArgument::new_err(
            "batch arrays must have equal lengths",
        ));
    }
    Ok(cols)
}

/// The accounts of a batch, extracted once: distinct names and each row's index into them, so
/// that the loop does no Python work and hashes each distinct name once.
pub fn extract_accounts(
    accounts: &Bound<'_, PyAny>,
    account_ids: Option<&PyReadonlyArray1<'_, u32>>,
    n: usize,
) -> PyResult<batch::Accounts> {
    let bad = || InvalidArgument::new_err("accounts must be a str or a list of str");
    if let Some(ids) = account_ids {
        let names: Vec<String> = accounts.extract().map_err(|_| bad())?;
        let ids = ids.as_slice()?;
        if ids.len() != n {
            return Err(InvalidArgument::new_err(
                "account_ids must have one entry per row",
            ));
        }
        if ids.iter().any(|&k| k as usize >= names.len()) {
            return Err(InvalidArgument::new_err(
                "account_ids must index the accounts table",
            ));
        }
        return Ok(batch::Accounts {
            names,
            rows: Some(ids.to_vec()),
        });
    }
    if let Ok(one) = accounts.cast::<PyString>() {
        return Ok(batch::Accounts {
            names: vec![one.to_str()?.to_owned()],
            rows: None,
        });
    }
    let list = accounts.cast::<PyList>().map_err(|_| bad())?;
    if list.len() != n {
        return Err(InvalidArgument::new_err(
            "accounts must have one name per row",
        ));
    }
    // Rows usually repeat a few str objects: dedupe by identity, extract each once.
    let mut seen: rustc_hash::FxHashMap<usize, u32> = rustc_hash::FxHashMap::default();
    let mut names = Vec::new();
    let mut rows = Vec::with_capacity(n);
    for item in list.iter() {
        let key = item.as_ptr() as usize;
        let k = match seen.get(&key) {
            Some(&k) => k,
            None => {
                let name = item
                    .cast::<PyString>()
                    .map_err(|_| bad())?
                    .to_str()?
                    .to_owned();
                let k = names.len() as u32;
                names.push(name);
                seen.insert(key, k);
                k
            }
        };
        rows.push(k);
    }
    Ok(batch::Accounts {
        names,
        rows: Some(rows),
    })
}

/// An optional per-row column as a slice (empty when not given), checked for `n` rows.
pub fn optional_column<'a, T: numpy::Element>(
    column: Option<&'a PyReadonlyArray1<'_, T>>,
    n: usize,
    what: &str,
) -> PyResult<&'a [T]> {
    match column {
        None => Ok(&[]),
        Some(c) => {
            let s = c.as_slice()?;
            if s.len() != n {
                return Err(InvalidArgument::new_err(format!(
                    "{what} must have one entry per row"
                )));
            }
            Ok(s)
        }
    }
}
