//! Core values to Python objects: reports, orders, events (as objects or numpy columns).

use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rustc_hash::FxHashMap;

use pybet_core::events::{Event, EventKind};
use pybet_core::exchange::{Exchange, PlaceReport};
use pybet_core::feed::{event_fields, EventFields};
use pybet_core::market::MarketStatus;
use pybet_core::types::{Money, Persistence, Side, TimeInForce};
use pybet_core::{ErrorCode, Order, OrderStatus};

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

/// `Exchange.place_compact`'s result: `(reject_code, order_id, status, price, size_matched,
/// size_remaining, size_cancelled, fills)`, each fill `(maker_order, maker_account, price,
/// size)`.
pub type CompactReport = (
    Option<&'static str>,
    u64,
    Option<&'static str>,
    f64,
    Money,
    Money,
    Money,
    Vec<(u64, String, f64, Money)>,
);

pub fn compact_report(ex: &Exchange, rep: &PlaceReport) -> CompactReport {
    (
        rep.reject.map(ErrorCode::as_str),
        rep.order_id,
        rep.status.map(OrderStatus::as_str),
        tick_price(rep.terms.tick),
        rep.size_matched,
        rep.size_remaining,
        rep.size_cancelled,
        rep.fills
            .iter()
            .map(|f| {
                let maker = ex.account_name(f.maker_account).to_owned();
                (f.maker_order, maker, tick_price(f.tick), f.size)
            })
            .collect(),
    )
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
    let mut fields = DictFields {
        py,
        dict: PyDict::new(py),
        error: None,
    };
    event_fields(ex, &ev.kind, &mut fields);
    if let Some(err) = fields.error {
        return Err(err);
    }
    Ok(PyEvent {
        seq: ev.seq,
        kind: ev.kind.name(),
        fields: fields.dict.unbind(),
    })
}

/// An event's fields into a dict, as [`event_fields`] lists them (the same as the feed's
/// maps); the first failed insertion is kept and returned by `py_event`.
struct DictFields<'py> {
    py: Python<'py>,
    dict: Bound<'py, PyDict>,
    error: Option<PyErr>,
}

impl DictFields<'_> {
    fn set(&mut self, key: &str, value: impl for<'a> IntoPyObject<'a>) {
        if self.error.is_none() {
            if let Err(e) = self.dict.set_item(key, value) {
                self.error = Some(e);
            }
        }
    }
}

impl EventFields for DictFields<'_> {
    fn str(&mut self, key: &str, value: &str) {
        self.set(key, value);
    }
    fn uint(&mut self, key: &str, value: u64) {
        self.set(key, value);
    }
    fn int(&mut self, key: &str, value: i64) {
        self.set(key, value);
    }
    fn float(&mut self, key: &str, value: f64) {
        self.set(key, value);
    }
    fn bool(&mut self, key: &str, value: bool) {
        self.set(key, value);
    }
    fn nil(&mut self, key: &str) {
        let none = self.py.None();
        self.set(key, none);
    }
    fn ints(&mut self, key: &str, values: &[i64]) {
        self.set(key, values.to_vec());
    }
    fn side(&mut self, key: &str, value: Side) {
        self.set(key, PySide::from_core(value));
    }
    fn status(&mut self, key: &str, value: MarketStatus) {
        self.set(key, PyMarketStatus::from_core(value));
    }
}

/// A drain this long builds its columns without the GIL: an in-play turn drains a whole
/// market's cancels, and the event loop's thread must not wait for that; a short drain keeps
/// the GIL (giving it up costs a switch-interval wait when another thread wants it).
const DETACHED_DRAIN: usize = 4096;

/// Events as numpy arrays, one per field (`kind`: `EventKind::code`). Fields that a kind
/// lacks are 0.
pub fn events_arrays<'py>(
    py: Python<'py>,
    ex: &Exchange,
    events: &[Event],
) -> PyResult<Bound<'py, PyDict>> {
    let columns = if events.len() >= DETACHED_DRAIN {
        py.detach(|| EventColumns::of(ex, events))
    } else {
        EventColumns::of(ex, events)
    };
    columns.into_dict(py)
}

/// The columns of `events_arrays`, built without Python objects.
struct EventColumns {
    seq: Vec<u64>,
    kind: Vec<u8>,
    order_id: Vec<u64>,
    other_order: Vec<u64>,
    runner: Vec<i64>,
    side: Vec<u8>,
    tick: Vec<u16>,
    size: Vec<i64>,
    code: Vec<u8>,
    market: Vec<u32>,
    account: Vec<u32>,
    markets: NameTable,
    accounts: NameTable,
}

impl EventColumns {
    fn of(ex: &Exchange, events: &[Event]) -> Self {
        let n = events.len();
        let mut c = EventColumns {
            seq: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            order_id: vec![0; n],
            other_order: vec![0; n],
            runner: vec![0; n],
            side: vec![0; n],
            tick: vec![0; n],
            size: vec![0; n],
            code: vec![0; n],
            // each row's market and account as an index into this call's own small name tables
            market: vec![NO_NAME; n],
            account: vec![NO_NAME; n],
            markets: NameTable::default(),
            accounts: NameTable::default(),
        };
        for (i, e) in events.iter().enumerate() {
            c.seq.push(e.seq);
            c.kind.push(e.kind.code());
            let m = e.kind.market();
            c.market[i] = c.markets.index(m, || ex.market_at(m).id.clone());
            if let Some(a) = e.kind.account() {
                c.account[i] = c.accounts.index(a, || ex.account_name(a).to_owned());
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
                    c.order_id[i] = *o;
                    c.runner[i] = runner_id(*market, *r);
                    c.side[i] = *s as u8;
                    c.tick[i] = *t;
                    c.size[i] = *z;
                }
                EventKind::OrderRejected { code, .. } => c.code[i] = code.as_u8(),
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
                    c.order_id[i] = *taker_order;
                    c.other_order[i] = *maker_order;
                    c.runner[i] = runner_id(*market, *r);
                    c.side[i] = *taker_side as u8;
                    c.tick[i] = *t;
                    c.size[i] = *z;
                }
                EventKind::OrderCancelled {
                    order_id: o,
                    size: z,
                    reason,
                    ..
                } => {
                    c.order_id[i] = *o;
                    c.size[i] = *z;
                    c.code[i] = *reason as u8;
                }
                EventKind::Settled { pnl, .. } => c.size[i] = *pnl,
                EventKind::StartingPriceFill {
                    market,
                    runner: r,
                    back_order,
                    lay_order,
                    size: z,
                    ..
                } => {
                    c.order_id[i] = *back_order;
                    c.other_order[i] = *lay_order;
                    c.runner[i] = runner_id(*market, *r);
                    c.size[i] = *z;
                }
                _ => {}
            }
        }
        c
    }

    fn into_dict(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("seq", self.seq.into_pyarray(py))?;
        d.set_item("kind", self.kind.into_pyarray(py))?;
        d.set_item("order_id", self.order_id.into_pyarray(py))?;
        d.set_item("other_order_id", self.other_order.into_pyarray(py))?;
        d.set_item("runner", self.runner.into_pyarray(py))?;
        d.set_item("side", self.side.into_pyarray(py))?;
        d.set_item("tick", self.tick.into_pyarray(py))?;
        d.set_item("size", self.size.into_pyarray(py))?;
        d.set_item("code", self.code.into_pyarray(py))?;
        d.set_item("market", self.market.into_pyarray(py))?;
        d.set_item("account", self.account.into_pyarray(py))?;
        d.set_item("markets", self.markets.names)?;
        d.set_item("accounts", self.accounts.names)?;
        Ok(d)
    }
}

/// `market` / `account` of a row that has none.
const NO_NAME: u32 = u32::MAX;

/// Engine indices interned into a dense table of names, in first-seen order. Consecutive
/// events mostly name the same market (and often the same account), so the last index is
/// answered before the map: a drain costs a compare per event, not a hash.
#[derive(Default)]
struct NameTable {
    last: Option<(u32, u32)>,
    by_index: FxHashMap<u32, u32>,
    names: Vec<String>,
}

impl NameTable {
    #[inline]
    fn index(&mut self, idx: u32, name: impl FnOnce() -> String) -> u32 {
        if let Some((i, row)) = self.last {
            if i == idx {
                return row;
            }
        }
        let next = u32::try_from(self.names.len()).unwrap_or(NO_NAME);
        let row = *self.by_index.entry(idx).or_insert_with(|| {
            self.names.push(name());
            next
        });
        self.last = Some((idx, row));
        row
    }
}
