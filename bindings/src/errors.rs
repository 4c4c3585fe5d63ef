//! Python exceptions live in `pybet/errors.py` (one tree rooted at `PybetError`,
//! each class carrying a stable `code`); the binding imports and raises them.
#![allow(dead_code)]

pyo3::import_exception!(pybet.errors, PybetError);
pyo3::import_exception!(pybet.errors, InvalidPrice);
pyo3::import_exception!(pybet.errors, InvalidSize);
pyo3::import_exception!(pybet.errors, InvalidArgument);
pyo3::import_exception!(pybet.errors, UnknownMarket);
pyo3::import_exception!(pybet.errors, UnknownRunner);
pyo3::import_exception!(pybet.errors, UnknownOrder);
pyo3::import_exception!(pybet.errors, UnknownAccount);
pyo3::import_exception!(pybet.errors, MarketExists);
pyo3::import_exception!(pybet.errors, InvalidMarketState);
pyo3::import_exception!(pybet.errors, NotOwner);
pyo3::import_exception!(pybet.errors, InsufficientFunds);
pyo3::import_exception!(pybet.errors, AlreadySettled);
pyo3::import_exception!(pybet.errors, RunnerRemoved);
pyo3::import_exception!(pybet.errors, SnapshotError);
pyo3::import_exception!(pybet.errors, PoolError);
pyo3::import_exception!(pybet.errors, PoolClosed);
pyo3::import_exception!(pybet.errors, InvalidSelection);
pyo3::import_exception!(pybet.errors, QuantError);
