//! Core values to Python objects: reports, orders, events (as objects or numpy columns).

use std::collections::HashMap;

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use pybet_core::events::{Event, EventKind};
use pybet_core::exchange::{Exchange, PlaceReport};
use pybet_core::types::{Persistence, TimeInForce};
use pybet_core::Order;

use crate::exchange_types::*;

/// The Python report of a place, replace or release. `client_order_id` is the request's (the
/// order's own when it was accepted).
pub fn py_report(ex: &Exchange, rep: &PlaceReport, client_order_id: Option<&str>) -> PyPlaceReport {
    let t = &rep.terms;
    let market = ex.market_at(t.market);
    let client_order_id = match ex.order(rep.order_id) {
        Some(o) if rep.order_id != 0 => o.client_order_id.as_deref(),
        _ => client_order_id,
    };
    PyPlaceReport {
        order_id: rep.order_id,
        market_id: market.id.clone(),
        runner: market.spec.runners[usize::from(t.runner)],
        side: PySide::from_core(t.side),
        price: tick_price(t.tick),
        tick: t.tick,
        size: t.size,
        status: PyOrderStatus::from_core(rep.status),
        size_matched: rep.size_matched,
        size_remaining: rep.size_remaining,
        size_cancelled: rep.size_cancelled,
        fills: rep
            .fills
            .iter()
            .map(|f| PyFillReport {
                maker_order: f.maker_order,
                maker_account: ex.account_name(f.maker_account).to_owned(),
                price: tick_price(f.tick),
                tick: f.tick,
                size: f.size,
            })
            .collect(),
        reject_code: rep.reject.map(|c| c.as_str().to_owned()),
        client_order_id: client_order_id.map(str::to_owned),
    }
}

pub fn py_order(ex: &Exchange, o: &Order) -> PyOrder {
    let market = ex.market_at(o.market);
    PyOrder {
        order_id: o.id,
        market_id: market.id.clone(),
        runner: market.spec.runners[usize::from(o.runner)],
        side: PySide::from_core(o.side),
        price: tick_price(o.tick),
        tick: o.tick,
        size: o.size,
        account: ex.account_name(o.account).to_owned(),
        size_matched: o.matched,
        size_remaining: o.remaining,
        size_cancelled: o.cancelled,
        status: PyOrderStatus::from_core(Some(o.status)),
        client_order_id: o.client_order_id.as_deref().map(str::to_owned),
        persistence: match o.persistence {
            Persistence::Lapse => PyPersistence::LAPSE,
            Persistence::Persist => PyPersistence::PERSIST,
            Persistence::MarketOnClose => PyPersistence::MARKET_ON_CLOSE,
        },
        time_in_force: match o.tif {
            TimeInForce::Gtc => PyTimeInForce::GTC,
            TimeInForce::Ioc => PyTimeInForce::IOC,
            TimeInForce::Fok => PyTimeInForce::FOK,
        },
        avg_price_matched: (o.matched > 0).then(|| {
            (o.matched_value as f64) / (o.matched as f64) / pybet_core::types::PRICE_SCALE as f64
        }),
        order_type: PyOrderType::from_core(o.order_type),
    }
}

pub fn py_event(py: Python<'_>, ex: &Exchange, ev: &Event) -> PyResult<PyEvent> {
    let d = PyDict::new(py);
    let market_id = |m: u32| ex.market_at(m).id.clone();
    let runner_id = |m: u32, r: u16| ex.market_at(m).spec.runners[usize::from(r)];
    match &ev.kind {
        EventKind::OrderAccepted {
            order_id,
            market,
            runner,
            side,
            tick,
            size,
            account,
        } => {
            d.set_item("order_id", order_id)?;
            d.set_item("market_id", market_id(*market))?;
            d.set_item("runner", runner_id(*market, *runner))?;
            d.set_item("side", PySide::from_core(*side))?;
            d.set_item("price", tick_price(*tick))?;
            d.set_item("size", size)?;
            d.set_item("account", ex.account_name(*account))?;
        }
        EventKind::OrderRejected {
            market,
            account,
            code,
            client_order_id,
        } => {
            d.set_item("market_id", market_id(*market))?;
            d.set_item("account", &**account)?;
            d.set_item("code", code.as_str())?;
            d.set_item("client_order_id", client_order_id.as_deref())?;
        }
        EventKind::Fill {
            market,
            runner,
            maker_order,
            taker_order,
            maker_account,
            taker_account,
            tick,
            size,
            taker_side,
        } => {
            d.set_item("market_id", market_id(*market))?;
            d.set_item("runner", runner_id(*market, *runner))?;
            d.set_item("maker_order", maker_order)?;
            d.set_item("taker_order", taker_order)?;
            d.set_item("maker_account", ex.account_name(*maker_account))?;
            d.set_item("taker_account", ex.account_name(*taker_account))?;
            d.set_item("price", tick_price(*tick))?;
            d.set_item("size", size)?;
            d.set_item("taker_side", PySide::from_core(*taker_side))?;
        }
        EventKind::OrderCancelled {
            order_id,
            market,
            account,
            size,
            reason,
        } => {
            d.set_item("order_id", order_id)?;
            d.set_item("market_id", market_id(*market))?;
            d.set_item("account", ex.account_name(*account))?;
            d.set_item("size", size)?;
            d.set_item("reason", reason.as_str())?;
            if let Some(o) = ex.order(*order_id) {
                d.set_item("runner", runner_id(*market, o.runner))?;
            }
        }
        EventKind::MarketStatusChanged {
            market,
            status,
            in_play,
        } => {
            d.set_item("market_id", market_id(*market))?;
            d.set_item("status", PyMarketStatus::from_core(*status))?;
            d.set_item("in_play", in_play)?;
        }
        EventKind::RunnerRemoved {
            market,
            runner,
            reduction_bp,
        } => {
            d.set_item("market_id", market_id(*market))?;
            d.set_item("runner", runner_id(*market, *runner))?;
            d.set_item("reduction_factor", f64::from(*reduction_bp) / 100.0)?;
        }
        EventKind::MarketSettled {
            market,
            winners,
            void,
        } => {
            d.set_item("market_id", market_id(*market))?;
            let w: Vec<i64> = winners.iter().map(|&r| runner_id(*market, r)).collect();
            d.set_item("winners", w)?;
            d.set_item("void", void)?;
        }
        EventKind::Settled {
            market,
            account,
            pnl,
            commission,
        } => {
            d.set_item("market_id", market_id(*market))?;
            d.set_item("account", ex.account_name(*account))?;
            d.set_item("pnl", pnl)?;
            d.set_item("commission", commission)?;
        }
        EventKind::StartingPriceReconciled {
            market,
            runner,
            price,
        } => {
            d.set_item("market_id", market_id(*market))?;
            d.set_item("runner", runner_id(*market, *runner))?;
            d.set_item("price", price.map(fx_price))?;
        }
        EventKind::StartingPriceFill {
            market,
            runner,
            back_order,
            lay_order,
            back_account,
            lay_account,
            price,
            size,
        } => {
            d.set_item("market_id", market_id(*market))?;
            d.set_item("runner", runner_id(*market, *runner))?;
            d.set_item("back_order", back_order)?;
            d.set_item("lay_order", lay_order)?;
            d.set_item("back_account", ex.account_name(*back_account))?;
            d.set_item("lay_account", ex.account_name(*lay_account))?;
            d.set_item("price", fx_price(*price))?;
            d.set_item("size", size)?;
        }
    };
    Ok(PyEvent {
        seq: ev.seq,
        kind: ev.kind.name(),
        fields: d.unbind(),
    })
}

/// Events as numpy arrays, one per field (`kind`: `EventKind::code`). Fields that a kind
/// lacks are 0.
pub fn events_arrays<'py>(
    py: Python<'py>,
    ex: &Exchange,
    events: &[Event],
) -> PyResult<Bound<'py, PyDict>> {
    let n = events.len();
    let mut seq = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut order_id = vec![0u64; n];
    let mut other_order = vec![0u64; n];
    let mut runner = vec![0i64; n];
    let mut side = vec![0u8; n];
    let mut tick = vec![0u16; n];
    let mut size = vec![0i64; n];
    let mut code = vec![0u8; n];
    // each row's market and account as an index into this call's own small name tables
    let mut market = vec![NO_NAME; n];
    let mut account = vec![NO_NAME; n];
    let mut markets = NameTable::default();
    let mut accounts = NameTable::default();
    for (i, e) in events.iter().enumerate() {
        seq.push(e.seq);
        kind.push(e.kind.code());
        let m = e.kind.market();
        market[i] = markets.index(m, || ex.market_at(m).id.clone());
        if let Some(a) = e.kind.account() {
            account[i] = accounts.index(a, || ex.account_name(a).to_owned());
        }
        let runner_id = |m: u32, r: u16| ex.market_at(m).spec.runners[usize::from(r)];
        match &e.kind {
            EventKind::OrderAccepted {
                order_id: o,
                market,
                runner: r,
                side: s,
                tick: t,
                size: z,
                ..
            } => {
                order_id[i] = *o;
                runner[i] = runner_id(*market, *r);
                side[i] = *s as u8;
                tick[i] = *t;
                size[i] = *z;
            }
            EventKind::OrderRejected { code: c, .. } => code[i] = c.as_u8(),
            EventKind::Fill {
                market,
                runner: r,
                maker_order,
                taker_order,
                tick: t,
                size: z,
                taker_side,
                ..
            } => {
                order_id[i] = *taker_order;
                other_order[i] = *maker_order;
                runner[i] = runner_id(*market, *r);
                side[i] = *taker_side as u8;
                tick[i] = *t;
                size[i] = *z;
            }
            EventKind::OrderCancelled {
                order_id: o,
                size: z,
                reason,
                ..
            } => {
                order_id[i] = *o;
                size[i] = *z;
                code[i] = *reason as u8;
            }
            EventKind::Settled { pnl, .. } => size[i] = *pnl,
            EventKind::StartingPriceFill {
                market,
                runner: r,
                back_order,
                lay_order,
                size: z,
                ..
            } => {
                order_id[i] = *back_order;
                other_order[i] = *lay_order;
                runner[i] = runner_id(*market, *r);
                size[i] = *z;
            }
            _ => {}
        }
    }
    let d = PyDict::new(py);
    d.set_item("seq", seq.into_pyarray(py))?;
    d.set_item("kind", kind.into_pyarray(py))?;
    d.set_item("order_id", order_id.into_pyarray(py))?;
    d.set_item("other_order_id", other_order.into_pyarray(py))?;
    d.set_item("runner", runner.into_pyarray(py))?;
    d.set_item("side", side.into_pyarray(py))?;
    d.set_item("tick", tick.into_pyarray(py))?;
    d.set_item("size", size.into_pyarray(py))?;
    d.set_item("code", code.into_pyarray(py))?;
    d.set_item("market", market.into_pyarray(py))?;
    d.set_item("account", account.into_pyarray(py))?;
    d.set_item("markets", markets.names)?;
    d.set_item("accounts", accounts.names)?;
    Ok(d)
}

/// `market` / `account` of a row that has none.
const NO_NAME: u32 = u32::MAX;

/// Engine indices interned into a dense table of names, in first-seen order.
#[derive(Default)]
struct NameTable {
    by_index: HashMap<u32, u32>,
    names: Vec<String>,
}

impl NameTable {
    fn index(&mut self, idx: u32, name: impl FnOnce() -> String) -> u32 {
        let next = u32::try_from(self.names.len()).unwrap_or(NO_NAME);
        *self.by_index.entry(idx).or_insert_with(|| {
            self.names.push(name());
            next
        })
    }
}
