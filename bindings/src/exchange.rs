//! `pybet.Exchange`: converts arguments, calls the core, maps errors. Nothing more.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use pybet_core::events::{Event, EventKind};
use pybet_core::exchange::{Exchange, PlaceReport, PlaceRequest};
use pybet_core::ladder;
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::{ErrorCode, MarketSpec, Order};

use crate::accounts::{commission_ppm, dead_heats, reduction_bp, PySettlementReport};
use crate::batch;
use crate::errors::{
    extract_amount, extract_optional_amount, raise, InvalidArgument, InvalidPrice, PybetError,
    SnapshotError,
};
use crate::exchange_types::*;

/// The exchange matching engine.
#[pyclass(name = "Exchange", module = "pybet")]
pub struct PyExchange {
    pub inner: Exchange,
}

impl PyExchange {
    #[allow(clippy::too_many_arguments)]
    fn place_report(
        &self,
        rep: &PlaceReport,
        market_id: &str,
        runner: i64,
        side: Side,
        tick: u16,
        size: i64,
        client_order_id: Option<&str>,
    ) -> PyPlaceReport {
        PyPlaceReport {
            order_id: rep.order_id,
            market_id: market_id.to_owned(),
            runner,
            side: PySide::from_core(side),
            price: tick_price(tick),
            tick,
            size,
            status: PyOrderStatus::from_core(rep.status),
            size_matched: rep.size_matched,
            size_remaining: rep.size_remaining,
            size_cancelled: rep.size_cancelled,
            fills: rep
                .fills
                .iter()
                .map(|f| PyFillReport {
                    maker_order: f.maker_order,
                    maker_account: self.inner.account_name(f.maker_account).to_owned(),
                    price: tick_price(f.tick),
                    tick: f.tick,
                    size: f.size,
                })
                .collect(),
            reject_code: rep.reject.map(|c| c.as_str().to_owned()),
            client_order_id: client_order_id.map(str::to_owned),
        }
    }

    fn report_for_order(&self, rep: &PlaceReport) -> PyPlaceReport {
        let o = self
            .inner
            .order(rep.order_id)
            .expect("reported order exists");
        let market = self.inner.market_at(o.market);
        self.place_report(
            rep,
            &market.id.clone(),
            market.spec.runners[usize::from(o.runner)],
            o.side,
            o.tick,
            o.size,
            o.client_order_id.as_deref(),
        )
    }

    fn py_order(&self, o: &Order) -> PyOrder {
        let market = self.inner.market_at(o.market);
        PyOrder {
            order_id: o.id,
            market_id: market.id.clone(),
            runner: market.spec.runners[usize::from(o.runner)],
            side: PySide::from_core(o.side),
            price: tick_price(o.tick),
            tick: o.tick,
            size: o.size,
            account: self.inner.account_name(o.account).to_owned(),
            size_matched: o.matched,
            size_remaining: o.remaining,
            size_cancelled: o.cancelled,
            status: PyOrderStatus::from_core(Some(o.status)),
            client_order_id: o.client_order_id.as_deref().map(str::to_owned),
            persistence: match o.persistence {
                Persistence::Lapse => PyPersistence::LAPSE,
                Persistence::Persist => PyPersistence::PERSIST,
            },
            time_in_force: match o.tif {
                TimeInForce::Gtc => PyTimeInForce::GTC,
                TimeInForce::Ioc => PyTimeInForce::IOC,
                TimeInForce::Fok => PyTimeInForce::FOK,
            },
            avg_price_matched: (o.matched > 0).then(|| {
                (o.matched_value as f64)
                    / (o.matched as f64)
                    / pybet_core::types::PRICE_SCALE as f64
            }),
        }
    }

    fn py_event(&self, py: Python<'_>, ev: &Event) -> PyResult<PyEvent> {
        let d = PyDict::new(py);
        let ex = &self.inner;
        let market_id = |m: u32| ex.market_at(m).id.clone();
        let runner_id = |m: u32, r: u16| ex.market_at(m).spec.runners[usize::from(r)];
        let kind = match &ev.kind {
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
                "OrderAccepted"
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
                "OrderRejected"
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
                "Fill"
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
                "OrderCancelled"
            }
            EventKind::MarketStatusChanged {
                market,
                status,
                in_play,
            } => {
                d.set_item("market_id", market_id(*market))?;
                d.set_item("status", PyMarketStatus::from_core(*status))?;
                d.set_item("in_play", in_play)?;
                "MarketStatusChanged"
            }
            EventKind::RunnerRemoved {
                market,
                runner,
                reduction_bp,
            } => {
                d.set_item("market_id", market_id(*market))?;
                d.set_item("runner", runner_id(*market, *runner))?;
                d.set_item("reduction_factor", f64::from(*reduction_bp) / 100.0)?;
                "RunnerRemoved"
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
                "MarketSettled"
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
                "Settled"
            }
        };
        Ok(PyEvent {
            seq: ev.seq,
            kind,
            fields: d.unbind(),
        })
    }
}

fn event_code(kind: &EventKind) -> u8 {
    match kind {
        EventKind::OrderAccepted { .. } => 1,
        EventKind::OrderRejected { .. } => 2,
        EventKind::Fill { .. } => 3,
        EventKind::OrderCancelled { .. } => 4,
        EventKind::MarketStatusChanged { .. } => 5,
        EventKind::RunnerRemoved { .. } => 6,
        EventKind::MarketSettled { .. } => 7,
        EventKind::Settled { .. } => 8,
    }
}

#[pymethods]
impl PyExchange {
    /// `commission_rate` is taken exactly (float, str or Decimal, at most 6 decimals).
    #[new]
    #[pyo3(signature = (commission_rate = None))]
    fn py_new(commission_rate: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut inner = Exchange::new();
        if let Some(rate) = commission_rate {
            inner
                .set_commission_ppm(commission_ppm(rate)?)
                .map_err(raise)?;
        }
        Ok(PyExchange { inner })
    }

    /// The exchange's commission rate.
    #[getter]
    fn commission_rate(&self) -> f64 {
        f64::from(self.inner.commission_ppm()) / 1e6
    }

    /// Creates a market (status INACTIVE).
    #[pyo3(signature = (market_id, runners, places = 1, bet_delay_ms = 0, min_stake = 1, commission_rate = None))]
    fn create_market(
        &mut self,
        market_id: &str,
        runners: Vec<i64>,
        places: u16,
        bet_delay_ms: i64,
        min_stake: i64,
        commission_rate: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ppm = commission_rate.map(commission_ppm).transpose()?;
        let spec = MarketSpec {
            runners,
            places,
            bet_delay_ms,
            min_stake,
        };
        self.inner.create_market(market_id, spec).map_err(raise)?;
        if ppm.is_some() {
            self.inner
                .set_market_commission_ppm(market_id, ppm)
                .map_err(raise)?;
        }
        Ok(())
    }

    /// Adds cash to an account (creating it); returns the new balance.
    fn deposit(&mut self, account: &str, amount: &Bound<'_, PyAny>) -> PyResult<i64> {
        let amount = extract_amount(amount, "amount")?;
        self.inner.deposit(account, amount).map_err(raise)
    }

    /// Takes cash from an account, at most `available`; returns the new balance.
    fn withdraw(&mut self, account: &str, amount: &Bound<'_, PyAny>) -> PyResult<i64> {
        let amount = extract_amount(amount, "amount")?;
        self.inner.withdraw(account, amount).map_err(raise)
    }

    fn balance(&self, account: &str) -> i64 {
        self.inner.balance(account)
    }

    fn available(&self, account: &str) -> i64 {
        self.inner.available(account)
    }

    fn exposure(&self, account: &str, market_id: &str) -> PyResult<i64> {
        self.inner.exposure(account, market_id).map_err(raise)
    }

    /// Removes a non-runner; `reduction_factor` is a percent, exact to 2 decimals.
    fn remove_runner(
        &mut self,
        market_id: &str,
        runner: i64,
        reduction_factor: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let bp = reduction_bp(reduction_factor)?;
        self.inner
            .remove_runner(market_id, runner, bp)
            .map_err(raise)
    }

    /// Settles a market; `dead_heat` maps a winner to the fraction paid as a winner.
    #[pyo3(signature = (market_id, winners, dead_heat = None))]
    fn settle_market(
        &mut self,
        market_id: &str,
        winners: Vec<i64>,
        dead_heat: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PySettlementReport> {
        let dh = dead_heats(dead_heat)?;
        let rep = self
            .inner
            .settle_market(market_id, &winners, &dh)
            .map_err(raise)?;
        Ok(PySettlementReport::from_core(&self.inner, &rep))
    }

    /// Voids a market: every stake returned.
    fn void_market(&mut self, market_id: &str) -> PyResult<PySettlementReport> {
        let rep = self.inner.void_market(market_id).map_err(raise)?;
        Ok(PySettlementReport::from_core(&self.inner, &rep))
    }

    fn open_market(&mut self, market_id: &str) -> PyResult<()> {
        self.inner.open_market(market_id).map_err(raise)
    }

    fn suspend_market(&mut self, market_id: &str) -> PyResult<()> {
        self.inner.suspend_market(market_id).map_err(raise)
    }

    fn resume_market(&mut self, market_id: &str) -> PyResult<()> {
        self.inner.resume_market(market_id).map_err(raise)
    }

    fn turn_in_play(&mut self, market_id: &str) -> PyResult<()> {
        self.inner.turn_in_play(market_id).map_err(raise)
    }

    fn close_market(&mut self, market_id: &str) -> PyResult<()> {
        self.inner.close_market(market_id).map_err(raise)
    }

    fn market_status(&self, market_id: &str) -> PyResult<PyMarketStatus> {
        Ok(PyMarketStatus::from_core(
            self.inner.market(market_id).map_err(raise)?.status,
        ))
    }

    fn in_play(&self, market_id: &str) -> PyResult<bool> {
        Ok(self.inner.market(market_id).map_err(raise)?.in_play)
    }

    /// Ids of the orders waiting in the market's in-play bet delay, in arrival order (what a
    /// scheduler needs after a restore, without building an object per resting order).
    fn pending_orders(&self, market_id: &str) -> PyResult<Vec<u64>> {
        let market = self.inner.market(market_id).map_err(raise)?;
        Ok(market.pending.iter().copied().collect())
    }

    fn markets(&self) -> Vec<String> {
        self.inner.markets().map(|m| m.id.clone()).collect()
    }

    fn runners(&self, market_id: &str) -> PyResult<Vec<i64>> {
        Ok(self
            .inner
            .market(market_id)
            .map_err(raise)?
            .spec
            .runners
            .clone())
    }

    /// The engine clock in milliseconds.
    #[getter]
    fn now_ms(&self) -> i64 {
        self.inner.now_ms()
    }

    /// Advances the clock; releases orders whose bet delay has passed (their reports).
    fn advance_time(&mut self, now_ms: i64) -> Vec<PyPlaceReport> {
        let reports = self.inner.advance_time(now_ms);
        reports.iter().map(|r| self.report_for_order(r)).collect()
    }

    /// Places an order. Business rejections are in the report's `reject_code`.
    #[pyo3(signature = (market_id, runner, side, price, size, account, *, client_order_id = None, time_in_force = None, persistence = None, min_fill_size = None, now_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        market_id: &str,
        runner: i64,
        side: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        account: &str,
        client_order_id: Option<&str>,
        time_in_force: Option<&Bound<'_, PyAny>>,
        persistence: Option<&Bound<'_, PyAny>>,
        min_fill_size: Option<&Bound<'_, PyAny>>,
        now_ms: Option<i64>,
    ) -> PyResult<PyPlaceReport> {
        let side = extract_side(side)?;
        let tick = extract_tick(price)?;
        let size = extract_amount(size, "size")?;
        let min_fill_size = extract_optional_amount(min_fill_size, "min_fill_size")?;
        let tif = time_in_force
            .map(extract_tif)
            .transpose()?
            .unwrap_or_default();
        let persistence = persistence
            .map(extract_persistence)
            .transpose()?
            .unwrap_or_default();
        if let Some(now) = now_ms {
            self.inner.set_clock(now);
        }
        let req = PlaceRequest {
            market_id,
            runner,
            side,
            tick,
            size,
            account,
            client_order_id,
            time_in_force: tif,
            min_fill_size,
            persistence,
        };
        let rep = self.inner.place(&req).map_err(raise)?;
        Ok(self.place_report(&rep, market_id, runner, side, tick, size, client_order_id))
    }

    /// Places a GTC/LAPSE order with the price as a ladder tick; returns only the order id
    /// (0 when rejected): the fast path for callers that do not need a report object.
    #[pyo3(signature = (market_id, runner, side, tick, size, account))]
    fn place_tick(
        &mut self,
        market_id: &str,
        runner: i64,
        side: &Bound<'_, PyAny>,
        tick: u16,
        size: i64,
        account: &str,
    ) -> PyResult<u64> {
        let side = extract_side(side)?;
        let req = PlaceRequest {
            market_id,
            runner,
            side,
            tick,
            size,
            account,
            client_order_id: None,
            time_in_force: TimeInForce::Gtc,
            min_fill_size: None,
            persistence: Persistence::Lapse,
        };
        Ok(self.inner.place(&req).map_err(raise)?.order_id)
    }

    /// Cancels an order, or reduces it by `size_reduction` (keeping its queue position).
    #[pyo3(signature = (order_id, account, size_reduction = None))]
    fn cancel(
        &mut self,
        order_id: u64,
        account: &str,
        size_reduction: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyCancelReport> {
        let size_reduction = extract_optional_amount(size_reduction, "size_reduction")?;
        let rep = self
            .inner
            .cancel(order_id, account, size_reduction)
            .map_err(raise)?;
        Ok(PyCancelReport {
            order_id: rep.order_id,
            size_cancelled: rep.size_cancelled,
            size_remaining: rep.size_remaining,
            reject_code: rep.reject.map(|c| c.as_str().to_owned()),
        })
    }

    /// `cancel` without a report object: returns the size cancelled (0 when the order had
    /// nothing left or its market is not open; `cancel` tells why). Raises like `cancel`.
    #[pyo3(signature = (order_id, account, size_reduction = None))]
    fn cancel_size(
        &mut self,
        order_id: u64,
        account: &str,
        size_reduction: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<i64> {
        let size_reduction = extract_optional_amount(size_reduction, "size_reduction")?;
        let rep = self
            .inner
            .cancel(order_id, account, size_reduction)
            .map_err(raise)?;
        Ok(rep.size_cancelled)
    }

    /// Moves an order to a new price (a new order id, losing queue position), atomically.
    fn replace(
        &mut self,
        order_id: u64,
        price: &Bound<'_, PyAny>,
        account: &str,
    ) -> PyResult<PyPlaceReport> {
        let tick = extract_tick(price)?;
        let old = self.inner.order(order_id).cloned();
        let rep = self.inner.replace(order_id, tick, account).map_err(raise)?;
        if rep.order_id != 0 {
            return Ok(self.report_for_order(&rep));
        }
        let old = old.expect("replace of an existing order");
        let market = self.inner.market_at(old.market);
        Ok(self.place_report(
            &rep,
            &market.id.clone(),
            market.spec.runners[usize::from(old.runner)],
            old.side,
            tick,
            old.remaining,
            None,
        ))
    }

    fn order(&self, order_id: u64) -> PyResult<PyOrder> {
        let o = self
            .inner
            .order(order_id)
            .ok_or_else(|| raise(ErrorCode::UnknownOrder))?;
        Ok(self.py_order(o))
    }

    /// Orders, oldest first, optionally of one account and/or one market.
    #[pyo3(signature = (account = None, market_id = None, *, live_only = false))]
    fn orders(
        &self,
        account: Option<&str>,
        market_id: Option<&str>,
        live_only: bool,
    ) -> PyResult<Vec<PyOrder>> {
        let market = market_id
            .map(|m| self.inner.market_idx(m))
            .transpose()
            .map_err(raise)?;
        let account = match account {
            Some(a) => match self.inner.account_idx(a) {
                Some(idx) => Some(idx),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        Ok(self
            .inner
            .orders()
            .filter(|o| account.is_none_or(|a| o.account == a))
            .filter(|o| market.is_none_or(|m| o.market == m))
            .filter(|o| !live_only || o.remaining > 0)
            .map(|o| self.py_order(o))
            .collect())
    }

    /// The aggregated book of a runner, best levels first.
    #[pyo3(signature = (market_id, runner, depth = 3))]
    fn book(&self, market_id: &str, runner: i64, depth: usize) -> PyResult<PyBook> {
        let (to_back, to_lay) = self.inner.book(market_id, runner, depth).map_err(raise)?;
        let conv = |v: Vec<(u16, i64)>| v.into_iter().map(|(t, s)| (tick_price(t), s)).collect();
        Ok(PyBook {
            market_id: market_id.to_owned(),
            runner,
            available_to_back: conv(to_back),
            available_to_lay: conv(to_lay),
        })
    }

    /// Drains the events emitted since the last drain, as objects.
    fn events(&mut self, py: Python<'_>) -> PyResult<Vec<PyEvent>> {
        let events = self.inner.drain_events();
        events.iter().map(|e| self.py_event(py, e)).collect()
    }

    /// Drains the events as numpy arrays, one per field (`kind` codes: 1 OrderAccepted,
    /// 2 OrderRejected, 3 Fill, 4 OrderCancelled, 5 MarketStatusChanged, 6 RunnerRemoved,
    /// 7 MarketSettled, 8 Settled). Fields that a kind lacks are 0.
    fn events_arrays<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let events = self.inner.drain_events();
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
        for (i, e) in events.iter().enumerate() {
            seq.push(e.seq);
            kind.push(event_code(&e.kind));
            let runner_id = |m: u32, r: u16| self.inner.market_at(m).spec.runners[usize::from(r)];
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
        Ok(d)
    }

    /// Places many GTC/LAPSE orders in one call (GIL released). `ticks` are ladder ticks.
    /// `accounts` is one name for every row, a list with one name per row, or, with
    /// `account_ids`, a table of names that `account_ids[i]` indexes for row i. Per-row problems
    /// are reported in `reject_code` (numeric: see `pybet.REJECT_CODES`), never raised.
    #[pyo3(signature = (market_id, runners, sides, ticks, sizes, accounts, *, account_ids = None))]
    #[allow(clippy::too_many_arguments)]
    fn place_many<'py>(
        &mut self,
        py: Python<'py>,
        market_id: &str,
        runners: PyReadonlyArray1<'py, i64>,
        sides: PyReadonlyArray1<'py, u8>,
        ticks: PyReadonlyArray1<'py, u16>,
        sizes: PyReadonlyArray1<'py, i64>,
        accounts: &Bound<'py, PyAny>,
        account_ids: Option<PyReadonlyArray1<'py, u32>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cols = place_columns(&runners, &sides, &ticks, &sizes, None)?;
        let table = extract_accounts(accounts, account_ids.as_ref(), cols.runners.len())?;
        let ex = &mut self.inner;
        let out = py.detach(|| batch::place(ex, market_id, &cols, &table));
        results_dict(
            py,
            out,
            &["order_id", "status", "size_matched", "reject_code"],
        )
    }

    /// Cancels many orders in one call (GIL released); per-row problems in `reject_code`.
    /// `accounts` as for `place_many`.
    #[pyo3(signature = (order_ids, accounts, *, account_ids = None))]
    fn cancel_many<'py>(
        &mut self,
        py: Python<'py>,
        order_ids: PyReadonlyArray1<'py, u64>,
        accounts: &Bound<'py, PyAny>,
        account_ids: Option<PyReadonlyArray1<'py, u32>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let ids = order_ids.as_slice()?;
        let table = extract_accounts(accounts, account_ids.as_ref(), ids.len())?;
        let ex = &mut self.inner;
        let out = py.detach(|| batch::cancel(ex, ids, &table));
        results_dict(py, out, &["size_cancelled", "reject_code"])
    }

    /// Places and cancels mixed in one call, applied in row order (GIL released): the batch
    /// face for replaying a stream. `kinds[i]` is 0 (place a GTC/LAPSE order from `runners`,
    /// `sides`, `ticks`, `sizes`) or 1 (cancel: `sizes[i]` is the reduction, 0 for the whole
    /// unmatched size; `targets[i]` is an order id, or `-1 - j` for the order placed by row
    /// `j < i` of this call). Returns `order_id` (the new or cancelled order), `status`,
    /// `size_matched`, `size_cancelled` and `reject_code` per row; nothing is raised per row.
    #[pyo3(signature = (market_id, kinds, runners, sides, ticks, sizes, targets, accounts, *, account_ids = None))]
    #[allow(clippy::too_many_arguments)]
    fn execute_many<'py>(
        &mut self,
        py: Python<'py>,
        market_id: &str,
        kinds: PyReadonlyArray1<'py, u8>,
        runners: PyReadonlyArray1<'py, i64>,
        sides: PyReadonlyArray1<'py, u8>,
        ticks: PyReadonlyArray1<'py, u16>,
        sizes: PyReadonlyArray1<'py, i64>,
        targets: PyReadonlyArray1<'py, i64>,
        accounts: &Bound<'py, PyAny>,
        account_ids: Option<PyReadonlyArray1<'py, u32>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let kinds = kinds.as_slice()?;
        let targets = targets.as_slice()?;
        let cols = place_columns(&runners, &sides, &ticks, &sizes, Some(kinds.len()))?;
        if targets.len() != kinds.len() {
            return Err(InvalidArgument::new_err(
                "execute_many arrays must have equal lengths",
            ));
        }
        let table = extract_accounts(accounts, account_ids.as_ref(), kinds.len())?;
        let ex = &mut self.inner;
        let out = py.detach(|| batch::execute(ex, market_id, kinds, &cols, targets, &table));
        results_dict(
            py,
            out,
            &[
                "order_id",
                "status",
                "size_matched",
                "size_cancelled",
                "reject_code",
            ],
        )
    }

    /// The whole state as bytes (undrained events excluded).
    fn snapshot<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let ex = &self.inner;
        let blob = py.detach(|| ex.snapshot());
        PyBytes::new(py, &blob)
    }

    /// `(snapshot(), state_hash())` from one encoding of the state.
    fn snapshot_and_hash<'py>(&self, py: Python<'py>) -> (Bound<'py, PyBytes>, u64) {
        let ex = &self.inner;
        let (blob, hash) = py.detach(|| ex.snapshot_and_hash());
        (PyBytes::new(py, &blob), hash)
    }

    /// Rebuilds an exchange from `snapshot()` bytes.
    #[staticmethod]
    fn restore(py: Python<'_>, blob: &[u8]) -> PyResult<PyExchange> {
        let inner = py
            .detach(|| Exchange::restore(blob))
            .map_err(|e| SnapshotError::new_err(e.to_string()))?;
        Ok(PyExchange { inner })
    }

    /// A deterministic 64-bit hash of the state.
    fn state_hash(&self) -> u64 {
        self.inner.state_hash()
    }

    fn __repr__(&self) -> String {
        format!(
            "Exchange(markets={}, orders={})",
            self.inner.markets().count(),
            self.inner.orders().count()
        )
    }
}

/// Ladder helpers exposed to `pybet.ladder`.
#[pyfunction]
pub fn price_to_tick(price: &Bound<'_, PyAny>) -> PyResult<u16> {
    extract_tick(price)
}

/// The decimal string of a tick's price (`"2.5"`).
#[pyfunction]
pub fn tick_to_price_str(tick: u16) -> PyResult<String> {
    ladder::tick_to_price(tick)
        .map(ladder::format_price)
        .ok_or_else(|| InvalidPrice::new_err(format!("tick {tick} is off the ladder (0..350)")))
}

/// Every tick's price as a decimal string.
#[pyfunction]
pub fn ladder_prices() -> Vec<String> {
    ladder::TICKS
        .iter()
        .map(|&p| ladder::format_price(p))
        .collect()
}

/// The numeric reject codes used by the numpy batch calls.
#[pyfunction]
pub fn reject_codes() -> Vec<(u8, &'static str)> {
    ErrorCode::ALL
        .iter()
        .map(|c| (c.as_u8(), c.as_str()))
        .collect()
}

/// The named result columns of a batch call as a dict of numpy arrays (buffers handed over).
fn results_dict<'py>(
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
fn place_columns<'a>(
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
fn extract_accounts(
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyExchange>()?;
    m.add_class::<PySide>()?;
    m.add_class::<PyTimeInForce>()?;
    m.add_class::<PyPersistence>()?;
    m.add_class::<PyMarketStatus>()?;
    m.add_class::<PyOrderStatus>()?;
    m.add_class::<PyPlaceReport>()?;
    m.add_class::<PyFillReport>()?;
    m.add_class::<PyCancelReport>()?;
    m.add_class::<PyOrder>()?;
    m.add_class::<PyBook>()?;
    m.add_class::<PyEvent>()?;
    m.add_class::<PySettlementReport>()?;
    m.add_function(wrap_pyfunction!(price_to_tick, m)?)?;
    m.add_function(wrap_pyfunction!(tick_to_price_str, m)?)?;
    m.add_function(wrap_pyfunction!(ladder_prices, m)?)?;
    m.add_function(wrap_pyfunction!(reject_codes, m)?)?;
    Ok(())
}
