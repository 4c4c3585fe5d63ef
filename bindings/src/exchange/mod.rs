//! `pybet.Exchange`: converts arguments, calls the core, maps errors. Nothing more.

mod columns;
mod convert;
mod handles;

use numpy::PyReadonlyArray1;
use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use pybet_core::exchange::{batch, Exchange, PlaceReport, PlaceRequest};
use pybet_core::types::{OrderType, Persistence, TimeInForce};
use pybet_core::{ErrorCode, MarketSpec};

use crate::accounts::{commission_ppm, dead_heats, reduction_bp, PySettlementReport};
use crate::buffer::read_only_bytes;
use crate::cell::{EngineCell, Held};
use crate::errors::{
    extract_amount, extract_optional_amount, raise, InvalidArgument, SnapshotError,
};
use crate::exchange_types::*;
use columns::{extract_accounts, optional_column, place_columns, results_dict};
use convert::{compact_report, py_event, py_order, py_report, CompactReport};

/// The arguments of a place as Python passed them, converted by `PyExchange::place_with`.
struct PlaceArgs<'a, 'py> {
    market_id: &'a str,
    runner: i64,
    side: &'a Bound<'py, PyAny>,
    price: &'a Bound<'py, PyAny>,
    size: &'a Bound<'py, PyAny>,
    account: &'a str,
    client_order_id: Option<&'a str>,
    time_in_force: Option<&'a Bound<'py, PyAny>>,
    persistence: Option<&'a Bound<'py, PyAny>>,
    min_fill_size: Option<&'a Bound<'py, PyAny>>,
    order_type: Option<&'a Bound<'py, PyAny>>,
}

/// The exchange matching engine. Safe to share between threads: calls run one at a time
/// (see `crate::cell`).
#[pyclass(name = "Exchange", module = "pybet", frozen)]
pub struct PyExchange {
    inner: EngineCell<Exchange>,
    /// The high half of this object's handles (see [`handles`]).
    handle_tag: i64,
}

impl PyExchange {
    fn engine(&self) -> PyResult<Held<'_, Exchange>> {
        self.inner.lock()
    }

    /// The one admission path of `place` and `place_compact`: converts the arguments, places
    /// (an SP bet or an exchange order) and hands back the engine, still held, with the report.
    fn place_with(
        &self,
        a: &PlaceArgs<'_, '_>,
        now_ms: Option<i64>,
    ) -> PyResult<(Held<'_, Exchange>, PlaceReport)> {
        let order_type = a
            .order_type
            .map(extract_order_type)
            .transpose()?
            .unwrap_or_default();
        // A MARKET_ON_CLOSE bet has no price: None (or any price, ignored) is accepted.
        let tick = if order_type == OrderType::MarketOnClose && a.price.is_none() {
            0
        } else {
            extract_tick(a.price)?
        };
        let req = PlaceRequest {
            market_id: a.market_id,
            runner: a.runner,
            side: extract_side(a.side)?,
            tick,
            size: extract_amount(a.size, "size")?,
            account: a.account,
            client_order_id: a.client_order_id,
            time_in_force: a
                .time_in_force
                .map(extract_tif)
                .transpose()?
                .unwrap_or_default(),
            min_fill_size: extract_optional_amount(a.min_fill_size, "min_fill_size")?,
            persistence: a
                .persistence
                .map(extract_persistence)
                .transpose()?
                .unwrap_or_default(),
        };
        let mut ex = self.engine()?;
        let rep = if order_type.is_starting_price() {
            ex.place_starting_price(&req, order_type).map_err(raise)?
        } else {
            ex.place_timed(&req, now_ms).map_err(raise)?
        };
        Ok((ex, rep))
    }

    fn wrap(ex: Exchange) -> Self {
        PyExchange {
            inner: EngineCell::new(ex),
            handle_tag: handles::new_tag(),
        }
    }
}

#[pymethods]
impl PyExchange {
    /// `commission_rate` is taken exactly (float, str or Decimal, at most 6 decimals).
    #[new]
    #[pyo3(signature = (commission_rate = None))]
    fn py_new(commission_rate: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut ex = Exchange::new();
        if let Some(rate) = commission_rate {
            ex.set_commission_ppm(commission_ppm(rate)?)
                .map_err(raise)?;
        }
        Ok(PyExchange::wrap(ex))
    }

    /// The exchange's commission rate.
    #[getter]
    fn commission_rate(&self) -> PyResult<f64> {
        Ok(f64::from(self.engine()?.commission_ppm()) / 1e6)
    }

    /// Creates a market (status INACTIVE).
    #[pyo3(signature = (market_id, runners, places = 1, bet_delay_ms = 0, min_stake = 1, commission_rate = None, *, starting_price = false, min_sp_liability = None, cross_matching = false))]
    #[allow(clippy::too_many_arguments)]
    fn create_market(
        &self,
        market_id: &str,
        runners: Vec<i64>,
        places: u16,
        bet_delay_ms: i64,
        min_stake: i64,
        commission_rate: Option<&Bound<'_, PyAny>>,
        starting_price: bool,
        min_sp_liability: Option<&Bound<'_, PyAny>>,
        cross_matching: bool,
    ) -> PyResult<()> {
        if cross_matching && places != 1 {
            // Checked first, so that a refused market is not created.
            return Err(InvalidArgument::new_err(
                "cross_matching needs a market with one winner (places=1)",
            ));
        }
        let min_sp_liability = extract_optional_amount(min_sp_liability, "min_sp_liability")?;
        if min_sp_liability.is_some() && !starting_price {
            return Err(InvalidArgument::new_err(
                "min_sp_liability needs starting_price=True",
            ));
        }
        let ppm = commission_rate.map(commission_ppm).transpose()?;
        let spec = MarketSpec {
            runners,
            places,
            bet_delay_ms,
            min_stake,
        };
        let mut ex = self.engine()?;
        if starting_price {
            // Checked before the market exists, so that a bad minimum creates nothing.
            match min_sp_liability {
                Some(min) if min < 1 => return Err(raise(ErrorCode::InvalidArgument)),
                Some(min) if min > pybet_core::types::MAX_AMOUNT => {
                    return Err(raise(ErrorCode::AmountOverflow))
                }
                _ => {}
            }
        }
        ex.create_market(market_id, spec).map_err(raise)?;
        if ppm.is_some() {
            ex.set_market_commission_ppm(market_id, ppm)
                .map_err(raise)?;
        }
        if starting_price {
            ex.enable_starting_price(market_id, min_sp_liability)
                .map_err(raise)?;
        }
        if cross_matching {
            ex.enable_cross_matching(market_id).map_err(raise)?;
        }
        Ok(())
    }

    /// Adds cash to an account (creating it); returns the new balance.
    fn deposit(&self, account: &str, amount: &Bound<'_, PyAny>) -> PyResult<i64> {
        let amount = extract_amount(amount, "amount")?;
        self.engine()?.deposit(account, amount).map_err(raise)
    }

    /// Takes cash from an account, at most `available`; returns the new balance.
    fn withdraw(&self, account: &str, amount: &Bound<'_, PyAny>) -> PyResult<i64> {
        let amount = extract_amount(amount, "amount")?;
        self.engine()?.withdraw(account, amount).map_err(raise)
    }

    fn balance(&self, account: &str) -> PyResult<i64> {
        Ok(self.engine()?.balance(account))
    }

    fn available(&self, account: &str) -> PyResult<i64> {
        Ok(self.engine()?.available(account))
    }

    fn exposure(&self, account: &str, market_id: &str) -> PyResult<i64> {
        self.engine()?.exposure(account, market_id).map_err(raise)
    }

    /// Removes a non-runner; `reduction_factor` is a percent, exact to 2 decimals.
    fn remove_runner(
        &self,
        py: Python<'_>,
        market_id: &str,
        runner: i64,
        reduction_factor: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let bp = reduction_bp(reduction_factor)?;
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        py.detach(|| ex.remove_runner(market_id, runner, bp))
            .map_err(raise)
    }

    /// Settles a market; `dead_heat` maps a winner to the fraction paid as a winner.
    #[pyo3(signature = (market_id, winners, dead_heat = None))]
    fn settle_market(
        &self,
        py: Python<'_>,
        market_id: &str,
        winners: Vec<i64>,
        dead_heat: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PySettlementReport> {
        let dh = dead_heats(dead_heat)?;
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        let rep = py
            .detach(|| ex.settle_market(market_id, &winners, &dh))
            .map_err(raise)?;
        Ok(PySettlementReport::from_core(ex, &rep))
    }

    /// Voids a market: every stake returned.
    fn void_market(&self, py: Python<'_>, market_id: &str) -> PyResult<PySettlementReport> {
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        let rep = py.detach(|| ex.void_market(market_id)).map_err(raise)?;
        Ok(PySettlementReport::from_core(ex, &rep))
    }

    /// Drops what a settled or voided market kept (its result): the market is then unknown
    /// and its id may be created again.
    fn purge_market(&self, market_id: &str) -> PyResult<()> {
        self.engine()?.purge_market(market_id).map_err(raise)
    }

    fn open_market(&self, market_id: &str) -> PyResult<()> {
        self.engine()?.open_market(market_id).map_err(raise)
    }

    fn suspend_market(&self, py: Python<'_>, market_id: &str) -> PyResult<()> {
        // market-wide: every resting order may be cancelled; the GIL is released meanwhile
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        py.detach(|| ex.suspend_market(market_id)).map_err(raise)
    }

    fn resume_market(&self, market_id: &str) -> PyResult<()> {
        self.engine()?.resume_market(market_id).map_err(raise)
    }

    fn turn_in_play(&self, py: Python<'_>, market_id: &str) -> PyResult<()> {
        // market-wide: every resting order may be cancelled; the GIL is released meanwhile
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        py.detach(|| ex.turn_in_play(market_id)).map_err(raise)
    }

    fn close_market(&self, py: Python<'_>, market_id: &str) -> PyResult<()> {
        // market-wide: every resting order may be cancelled; the GIL is released meanwhile
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        py.detach(|| ex.close_market(market_id)).map_err(raise)
    }

    fn market_status(&self, market_id: &str) -> PyResult<PyMarketStatus> {
        let ex = self.engine()?;
        let market = ex.market(market_id).map_err(raise)?;
        Ok(PyMarketStatus::from_core(market.status))
    }

    fn in_play(&self, market_id: &str) -> PyResult<bool> {
        Ok(self.engine()?.market(market_id).map_err(raise)?.in_play)
    }

    /// Ids of the orders waiting in the market's in-play bet delay, in arrival order (what a
    /// scheduler needs after a restore, without building an object per resting order).
    fn pending_orders(&self, market_id: &str) -> PyResult<Vec<u64>> {
        let ex = self.engine()?;
        let market = ex.market(market_id).map_err(raise)?;
        Ok(market.pending.iter().copied().collect())
    }

    fn markets(&self) -> PyResult<Vec<String>> {
        Ok(self.engine()?.markets().map(|m| m.id.clone()).collect())
    }

    fn runners(&self, market_id: &str) -> PyResult<Vec<i64>> {
        let ex = self.engine()?;
        Ok(ex.market(market_id).map_err(raise)?.spec.runners.clone())
    }

    /// The engine clock in milliseconds.
    #[getter]
    fn now_ms(&self) -> PyResult<i64> {
        Ok(self.engine()?.now_ms())
    }

    /// Advances the clock; releases orders whose bet delay has passed (their reports).
    fn advance_time(&self, now_ms: i64) -> PyResult<Vec<PyPlaceReport>> {
        let mut ex = self.engine()?;
        let reports = ex.advance_time(now_ms);
        Ok(reports.iter().map(|r| py_report(&ex, r, None)).collect())
    }

    /// Places an order. Business rejections are in the report's `reject_code`.
    /// `price` may be left out (or None) for a `MARKET_ON_CLOSE` bet; `size` and `account`
    /// are required.
    #[pyo3(signature = (market_id, runner, side, price = None, size = None, account = None, *, client_order_id = None, time_in_force = None, persistence = None, min_fill_size = None, now_ms = None, order_type = None))]
    #[allow(clippy::too_many_arguments)]
    fn place(
        &self,
        py: Python<'_>,
        market_id: &str,
        runner: i64,
        side: &Bound<'_, PyAny>,
        price: Option<&Bound<'_, PyAny>>,
        size: Option<&Bound<'_, PyAny>>,
        account: Option<&str>,
        client_order_id: Option<&str>,
        time_in_force: Option<&Bound<'_, PyAny>>,
        persistence: Option<&Bound<'_, PyAny>>,
        min_fill_size: Option<&Bound<'_, PyAny>>,
        now_ms: Option<i64>,
        order_type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPlaceReport> {
        let (Some(size), Some(account)) = (size, account) else {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "place() needs size and account",
            ));
        };
        let none = py.None();
        let args = PlaceArgs {
            market_id,
            runner,
            side,
            price: price.unwrap_or_else(|| none.bind(py)),
            size,
            account,
            client_order_id,
            time_in_force,
            persistence,
            min_fill_size,
            order_type,
        };
        let (ex, rep) = self.place_with(&args, now_ms)?;
        Ok(py_report(&ex, &rep, client_order_id))
    }

    /// `place` for a caller that turns the report into its own reply at once (the gateway):
    /// every argument positional, and a tuple instead of a report object, `(reject_code,
    /// order_id, status, price, size_matched, size_remaining, size_cancelled, fills)` with
    /// `fills` a list of `(maker_order, maker_account, price, size)`. About half the cost of
    /// `place` and its getters (the keyword parsing and the report object are most of it).
    #[pyo3(signature = (market_id, runner, side, price, size, account, client_order_id, time_in_force, persistence, min_fill_size, now_ms, order_type, /))]
    #[allow(clippy::too_many_arguments)]
    fn place_compact(
        &self,
        market_id: &str,
        runner: i64,
        side: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        size: &Bound<'_, PyAny>,
        account: &str,
        client_order_id: Option<&str>,
        time_in_force: &Bound<'_, PyAny>,
        persistence: &Bound<'_, PyAny>,
        min_fill_size: Option<&Bound<'_, PyAny>>,
        now_ms: Option<i64>,
        order_type: &Bound<'_, PyAny>,
    ) -> PyResult<CompactReport> {
        let args = PlaceArgs {
            market_id,
            runner,
            side,
            price,
            size,
            account,
            client_order_id,
            time_in_force: Some(time_in_force),
            persistence: Some(persistence),
            min_fill_size,
            order_type: Some(order_type),
        };
        let (ex, rep) = self.place_with(&args, now_ms)?;
        Ok(compact_report(&ex, &rep))
    }

    /// Per runner, the starting-price projections (`near_price` with the unmatched exchange
    /// orders, `far_price` from the SP bets alone) and, after the off, `actual_sp`. Changes
    /// nothing.
    fn starting_prices<'py>(
        &self,
        py: Python<'py>,
        market_id: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let ex = self.engine()?;
        let views = ex.starting_prices(market_id).map_err(raise)?;
        let runners = &ex.market(market_id).map_err(raise)?.spec.runners;
        let out = PyDict::new(py);
        for (v, &runner) in views.iter().zip(runners) {
            let sp = PyStartingPrice {
                runner,
                near_price: v.near.map(fx_price),
                far_price: v.far.map(fx_price),
                actual_sp: v.actual.map(fx_price),
            };
            out.set_item(runner, sp)?;
        }
        Ok(out)
    }

    /// Fixes the starting prices of a market that never goes in-play (`turn_in_play` does it
    /// for the others): SP bets and unmatched exchange orders matched at one price per runner.
    fn reconcile_starting_price(&self, market_id: &str) -> PyResult<()> {
        self.engine()?
            .reconcile_starting_price(market_id)
            .map_err(raise)
    }

    /// Places a GTC/LAPSE order with the price as a ladder tick; returns only the order id
    /// (0 when rejected): the fast path for callers that do not need a report object.
    #[pyo3(signature = (market_id, runner, side, tick, size, account, time_in_force = None))]
    #[allow(clippy::too_many_arguments)]
    fn place_tick(
        &self,
        market_id: &str,
        runner: i64,
        side: &Bound<'_, PyAny>,
        tick: u16,
        size: i64,
        account: &str,
        time_in_force: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let req = PlaceRequest {
            market_id,
            runner,
            side: extract_side(side)?,
            tick,
            size,
            account,
            client_order_id: None,
            time_in_force: time_in_force.map_or(Ok(TimeInForce::Gtc), extract_tif)?,
            min_fill_size: None,
            persistence: Persistence::Lapse,
        };
        Ok(self.engine()?.place_brief(&req).map_err(raise)?.order_id)
    }

    /// The handle of a market for `place_by_handle`: an int valid for this object's life
    /// (a restored exchange issues its own). Raises `UnknownMarket`.
    fn market_handle(&self, market_id: &str) -> PyResult<i64> {
        let m = self.engine()?.market_idx(market_id).map_err(raise)?;
        Ok(handles::make(self.handle_tag, m))
    }

    /// The handle of an account for `place_by_handle` / `cancel_by_handle`. The account must
    /// be known (deposited, or with an order): an unknown one raises `InvalidArgument`.
    fn account_handle(&self, account: &str) -> PyResult<i64> {
        let a = self.engine()?.account_idx(account).ok_or_else(|| {
            InvalidArgument::new_err(format!("unknown account {account:?}: deposit first"))
        })?;
        Ok(handles::make(self.handle_tag, a))
    }

    /// `place_tick` by handles, the fastest call: `side` 0 back / 1 lay, `time_in_force`
    /// 0 GTC / 1 IOC / 2 FOK (LAPSE persistence). Returns the order id, 0 when rejected (the
    /// `OrderRejected` event says why). Raises on a handle of another exchange, an unknown
    /// runner or a tick off the ladder.
    #[pyo3(signature = (market, runner, side, tick, size, account, time_in_force = 0))]
    #[allow(clippy::too_many_arguments)]
    fn place_by_handle(
        &self,
        market: i64,
        runner: i64,
        side: u8,
        tick: u16,
        size: i64,
        account: i64,
        time_in_force: u8,
    ) -> PyResult<u64> {
        let m = handles::index(self.handle_tag, market, "market")?;
        let a = handles::index(self.handle_tag, account, "account")?;
        let side = handles::side(side)?;
        let time_in_force = handles::time_in_force(time_in_force)?;
        let mut ex = self.engine()?;
        let r = ex
            .market_at_checked(m)
            .and_then(|mk| mk.runner_index(runner).ok_or(ErrorCode::UnknownRunner))
            .map_err(raise)?;
        let req = PlaceRequest {
            market_id: "",
            runner,
            side,
            tick,
            size,
            account: "",
            client_order_id: None,
            time_in_force,
            min_fill_size: None,
            persistence: Persistence::Lapse,
        };
        Ok(ex.place_summary(m, r, a, &req).map_err(raise)?.order_id)
    }

    /// `cancel_size` by account handle: cancels the order, or reduces it by
    /// `size_reduction` (0: all of it); returns the size cancelled.
    #[pyo3(signature = (order_id, account, size_reduction = 0))]
    fn cancel_by_handle(&self, order_id: u64, account: i64, size_reduction: i64) -> PyResult<i64> {
        let a = handles::index(self.handle_tag, account, "account")?;
        let reduction = (size_reduction != 0).then_some(size_reduction);
        let rep = self
            .engine()?
            .cancel_indexed(order_id, Some(a), reduction)
            .map_err(raise)?;
        Ok(rep.size_cancelled)
    }

    /// Cancels an order, or reduces it by `size_reduction` (keeping its queue position).
    #[pyo3(signature = (order_id, account, size_reduction = None))]
    fn cancel(
        &self,
        order_id: u64,
        account: &str,
        size_reduction: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyCancelReport> {
        let size_reduction = extract_optional_amount(size_reduction, "size_reduction")?;
        let rep = self
            .engine()?
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
        &self,
        order_id: u64,
        account: &str,
        size_reduction: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<i64> {
        let size_reduction = extract_optional_amount(size_reduction, "size_reduction")?;
        let rep = self
            .engine()?
            .cancel(order_id, account, size_reduction)
            .map_err(raise)?;
        Ok(rep.size_cancelled)
    }

    /// Moves an order to a new price (a new order id, losing queue position), atomically.
    fn replace(
        &self,
        order_id: u64,
        price: &Bound<'_, PyAny>,
        account: &str,
    ) -> PyResult<PyPlaceReport> {
        let tick = extract_tick(price)?;
        let mut ex = self.engine()?;
        let rep = ex.replace(order_id, tick, account).map_err(raise)?;
        Ok(py_report(&ex, &rep, None))
    }

    fn order(&self, order_id: u64) -> PyResult<PyOrder> {
        let ex = self.engine()?;
        let o = ex
            .order(order_id)
            .ok_or_else(|| raise(ErrorCode::UnknownOrder))?;
        Ok(py_order(&ex, o))
    }

    /// Orders, oldest first, optionally of one account and/or one market.
    #[pyo3(signature = (account = None, market_id = None, *, live_only = false))]
    fn orders(
        &self,
        account: Option<&str>,
        market_id: Option<&str>,
        live_only: bool,
    ) -> PyResult<Vec<PyOrder>> {
        let ex = self.engine()?;
        let orders = ex
            .orders_where(account, market_id, live_only)
            .map_err(raise)?;
        Ok(orders.into_iter().map(|o| py_order(&ex, o)).collect())
    }

    /// The aggregated book of a runner, best levels first.
    /// With `virtual=True`, cross-matching offers are merged in (Betfair's `virtualise`).
    #[pyo3(signature = (market_id, runner, depth = 3, r#virtual = false))]
    fn book(
        &self,
        market_id: &str,
        runner: i64,
        depth: usize,
        r#virtual: bool,
    ) -> PyResult<PyBook> {
        let ex = self.engine()?;
        let (to_back, to_lay) = if r#virtual {
            ex.book_with_virtual(market_id, runner, depth)
        } else {
            ex.book(market_id, runner, depth)
        }
        .map_err(raise)?;
        let conv = |v: Vec<(u16, i64)>| v.into_iter().map(|(t, s)| (tick_price(t), s)).collect();
        Ok(PyBook {
            market_id: market_id.to_owned(),
            runner,
            available_to_back: conv(to_back),
            available_to_lay: conv(to_lay),
        })
    }

    /// Drains the events emitted since the last drain, as objects.
    fn events(&self, py: Python<'_>) -> PyResult<Vec<PyEvent>> {
        let mut ex = self.engine()?;
        let events = ex.drain_events();
        events.iter().map(|e| py_event(py, &ex, e)).collect()
    }

    /// Drains the events as numpy arrays, one per field (`kind`: `pybet.codes.EVENT_KINDS`;
    /// an `OrderCancelled` row's `code`: `pybet.codes.CANCEL_REASONS`). Fields that a kind
    /// lacks are 0.
    fn events_arrays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let mut ex = self.engine()?;
        let events = ex.drain_events();
        convert::events_arrays(py, &ex, &events)
    }

    /// Drains the events as `events_arrays` does, and also as MessagePack for the history
    /// feed: `(arrays, n, maps)` where `maps` is `n` concatenated MessagePack maps (no array
    /// header), each with `kind` and the fields of the matching `Event` object (no `seq`).
    fn events_arrays_and_feed<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyDict>, usize, Bound<'py, PyBytes>)> {
        let mut held = self.engine()?;
        let events = held.drain_events();
        let ex: &Exchange = &held;
        let (n, maps) = py.detach(|| {
            let mut maps = Vec::with_capacity(events.len() * 96);
            (
                pybet_core::feed::encode_events(ex, &events, &mut maps),
                maps,
            )
        });
        let arrays = convert::events_arrays(py, ex, &events)?;
        Ok((arrays, n, PyBytes::new(py, &maps)))
    }

    /// Places many GTC/LAPSE orders in one call (GIL released). `ticks` are ladder ticks.
    /// `accounts` is one name for every row, a list with one name per row, or, with
    /// `account_ids`, a table of names that `account_ids[i]` indexes for row i. Per-row problems
    /// are reported in `reject_code` (numeric: see `pybet.REJECT_CODES`), never raised.
    /// `order_types` (optional, `int(pybet.OrderType)` per row) makes rows SP bets.
    #[pyo3(signature = (market_id, runners, sides, ticks, sizes, accounts, *, account_ids = None, order_types = None, time_in_force = None, min_fill_sizes = None))]
    #[allow(clippy::too_many_arguments)]
    fn place_many<'py>(
        &self,
        py: Python<'py>,
        market_id: &str,
        runners: PyReadonlyArray1<'py, i64>,
        sides: PyReadonlyArray1<'py, u8>,
        ticks: PyReadonlyArray1<'py, u16>,
        sizes: PyReadonlyArray1<'py, i64>,
        accounts: &Bound<'py, PyAny>,
        account_ids: Option<PyReadonlyArray1<'py, u32>>,
        order_types: Option<PyReadonlyArray1<'py, u8>>,
        time_in_force: Option<PyReadonlyArray1<'py, u8>>,
        min_fill_sizes: Option<PyReadonlyArray1<'py, i64>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let cols = place_columns(&runners, &sides, &ticks, &sizes, None)?;
        let n = cols.runners.len();
        let table = extract_accounts(accounts, account_ids.as_ref(), n)?;
        let opts = batch::RowOptions {
            order_types: optional_column(order_types.as_ref(), n, "order_types")?,
            time_in_force: optional_column(time_in_force.as_ref(), n, "time_in_force")?,
            min_fill_sizes: optional_column(min_fill_sizes.as_ref(), n, "min_fill_sizes")?,
        };
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        let out = py.detach(|| batch::place_with(ex, market_id, &cols, &opts, &table));
        drop(held);
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
        &self,
        py: Python<'py>,
        order_ids: PyReadonlyArray1<'py, u64>,
        accounts: &Bound<'py, PyAny>,
        account_ids: Option<PyReadonlyArray1<'py, u32>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let ids = order_ids.as_slice()?;
        let table = extract_accounts(accounts, account_ids.as_ref(), ids.len())?;
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        let out = py.detach(|| batch::cancel(ex, ids, &table));
        drop(held);
        results_dict(py, out, &["size_cancelled", "reject_code"])
    }

    /// Places and cancels mixed in one call, applied in row order (GIL released): the batch
    /// face for replaying a stream. `kinds[i]` is 0 (place a GTC/LAPSE order from `runners`,
    /// `sides`, `ticks`, `sizes`) or 1 (cancel: `sizes[i]` is the reduction, 0 for the whole
    /// unmatched size; `targets[i]` is an order id, or `-1 - j` for the order placed by row
    /// `j < i` of this call). Returns `order_id` (the new or cancelled order), `status`,
    /// `size_matched`, `size_cancelled` and `reject_code` per row; nothing is raised per row.
    #[pyo3(signature = (market_id, kinds, runners, sides, ticks, sizes, targets, accounts, *, account_ids = None, time_in_force = None, min_fill_sizes = None, order_types = None))]
    #[allow(clippy::too_many_arguments)]
    fn execute_many<'py>(
        &self,
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
        time_in_force: Option<PyReadonlyArray1<'py, u8>>,
        min_fill_sizes: Option<PyReadonlyArray1<'py, i64>>,
        order_types: Option<PyReadonlyArray1<'py, u8>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let kinds = kinds.as_slice()?;
        let opts = batch::RowOptions {
            order_types: optional_column(order_types.as_ref(), kinds.len(), "order_types")?,
            time_in_force: optional_column(time_in_force.as_ref(), kinds.len(), "time_in_force")?,
            min_fill_sizes: optional_column(
                min_fill_sizes.as_ref(),
                kinds.len(),
                "min_fill_sizes",
            )?,
        };
        let targets = targets.as_slice()?;
        let cols = place_columns(&runners, &sides, &ticks, &sizes, Some(kinds.len()))?;
        if targets.len() != kinds.len() {
            return Err(InvalidArgument::new_err(
                "execute_many arrays must have equal lengths",
            ));
        }
        let table = extract_accounts(accounts, account_ids.as_ref(), kinds.len())?;
        let mut held = self.engine()?;
        let ex: &mut Exchange = &mut held;
        let out =
            py.detach(|| batch::execute_with(ex, market_id, kinds, &cols, targets, &opts, &table));
        drop(held);
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
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let held = self.engine()?;
        let ex: &Exchange = &held;
        let blob = py.detach(|| ex.snapshot());
        drop(held);
        Ok(PyBytes::new(py, &blob))
    }

    /// `(snapshot(), state_hash())` from one encoding of the state.
    fn snapshot_and_hash<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyBytes>, u64)> {
        let held = self.engine()?;
        let ex: &Exchange = &held;
        let (blob, hash) = py.detach(|| ex.snapshot_and_hash());
        drop(held);
        Ok((PyBytes::new(py, &blob), hash))
    }

    /// Rebuilds an exchange from `snapshot()` bytes (or a memoryview of them: no copy).
    #[staticmethod]
    fn restore(py: Python<'_>, blob: PyBuffer<u8>) -> PyResult<PyExchange> {
        let blob = read_only_bytes(&blob)?;
        let ex = py
            .detach(|| Exchange::restore(blob))
            .map_err(|e| SnapshotError::new_err(e.to_string()))?;
        Ok(PyExchange::wrap(ex))
    }

    /// `(restore(blob), hash)` where `hash` is the restored state's hash in the function the
    /// blob's snapshot version recorded it with (what recovery compares; `state_hash()`
    /// after a restore of an older version differs).
    #[staticmethod]
    fn restore_and_hash(py: Python<'_>, blob: PyBuffer<u8>) -> PyResult<(PyExchange, u64)> {
        let blob = read_only_bytes(&blob)?;
        let (ex, hash) = py
            .detach(|| Exchange::restore_and_hash(blob))
            .map_err(|e| SnapshotError::new_err(e.to_string()))?;
        Ok((PyExchange::wrap(ex), hash))
    }

    /// A deterministic 64-bit hash of the state (computed with the GIL released).
    fn state_hash(&self, py: Python<'_>) -> PyResult<u64> {
        let held = self.engine()?;
        let ex: &Exchange = &held;
        Ok(py.detach(|| ex.state_hash()))
    }

    fn __repr__(&self) -> PyResult<String> {
        let ex = self.engine()?;
        Ok(format!(
            "Exchange(markets={}, orders={})",
            ex.markets().count(),
            ex.orders().count()
        ))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyExchange>()?;
    m.add_class::<PySide>()?;
    m.add_class::<PyTimeInForce>()?;
    m.add_class::<PyPersistence>()?;
    m.add_class::<PyOrderType>()?;
    m.add_class::<PyStartingPrice>()?;
    m.add_class::<PyMarketStatus>()?;
    m.add_class::<PyOrderStatus>()?;
    m.add_class::<PyPlaceReport>()?;
    m.add_class::<PyFillReport>()?;
    m.add_class::<PyCancelReport>()?;
    m.add_class::<PyOrder>()?;
    m.add_class::<PyBook>()?;
    m.add_class::<PyEvent>()?;
    m.add_class::<PySettlementReport>()?;
    Ok(())
}
