//! `pybet._core.IdempotencyTable`: the gateway's idempotency window (`pybet_core::idem`) held
//! in Rust, where a million entries take about a quarter of the memory they took as Python
//! objects and restore from a snapshot in a fraction of the time.

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use pybet_core::idem::IdemTable;

use crate::buffer::read_only_bytes;
use crate::errors::SnapshotError;

/// `(account, client_order_id)` -> the encoded reply that order got, in the order made.
#[pyclass(name = "IdempotencyTable", module = "pybet._core")]
#[derive(Default)]
pub struct PyIdemTable {
    inner: IdemTable,
}

#[pymethods]
impl PyIdemTable {
    #[new]
    fn py_new() -> Self {
        Self::default()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, key: (String, String)) -> bool {
        self.inner.get(&key.0, &key.1).is_some()
    }

    /// The reply remembered for `client_order_id` of `account`, or None.
    fn get<'py>(
        &self,
        py: Python<'py>,
        account: &str,
        client_order_id: &str,
    ) -> Option<Bound<'py, PyBytes>> {
        self.inner
            .get(account, client_order_id)
            .map(|reply| PyBytes::new(py, reply))
    }

    /// Remembers `reply`, made at `made_ms` of journal time in `market` ("": none).
    fn remember(
        &mut self,
        account: &str,
        client_order_id: &str,
        reply: &[u8],
        made_ms: i64,
        market: &str,
    ) {
        self.inner
            .remember(account, client_order_id, reply, made_ms, market);
    }

    /// Ages out the entries made at or before `horizon_ms`.
    fn expire(&mut self, horizon_ms: i64) {
        self.inner.expire(horizon_ms);
    }

    /// `market` settled or was voided.
    fn market_settled(&mut self, market: &str) {
        self.inner.market_settled(market);
    }

    /// `market` was purged.
    fn market_purged(&mut self, market: &str) {
        self.inner.market_purged(market);
    }

    /// Entries past the window waiting for their market to settle.
    #[getter]
    fn waiting(&self) -> usize {
        self.inner.waiting()
    }

    /// `[((account, client_order_id), reply), ...]` in the order made.
    fn items<'py>(&self, py: Python<'py>) -> Vec<((String, String), Bound<'py, PyBytes>)> {
        self.inner
            .entries()
            .map(|(a, c, r)| ((a.to_owned(), c.to_owned()), PyBytes::new(py, r)))
            .collect()
    }

    /// The accounts that hold an entry.
    fn accounts(&self) -> Vec<String> {
        self.inner.accounts().map(str::to_owned).collect()
    }

    /// The replies as one MessagePack map `[account, client_order_id]` -> reply.
    fn encode_replies<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let table = &self.inner;
        let out = py.detach(|| table.encode_replies());
        PyBytes::new(py, &out)
    }

    /// Each entry's `[made_ms, market]`, as a MessagePack array in the same order.
    fn encode_meta<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let table = &self.inner;
        let out = py.detach(|| table.encode_meta());
        PyBytes::new(py, &out)
    }

    /// The table `encode_replies()` and `encode_meta()` describe (an empty meta array: every
    /// entry made at `default_ms`, without a market), `settled` the markets settled and not
    /// yet purged.
    #[staticmethod]
    fn restore(
        py: Python<'_>,
        replies: PyBuffer<u8>,
        meta: PyBuffer<u8>,
        default_ms: i64,
        settled: Vec<String>,
    ) -> PyResult<Self> {
        let (replies, meta) = (read_only_bytes(&replies)?, read_only_bytes(&meta)?);
        let settled: Vec<&str> = settled.iter().map(String::as_str).collect();
        let inner = py
            .detach(|| IdemTable::restore(replies, meta, default_ms, &settled))
            .map_err(|e| SnapshotError::new_err(format!("idempotency table: {e}")))?;
        Ok(PyIdemTable { inner })
    }

    fn __repr__(&self) -> String {
        format!("IdempotencyTable(entries={})", self.inner.len())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyIdemTable>()
}
