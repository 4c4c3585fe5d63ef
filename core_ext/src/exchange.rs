//! The exchange: markets, orders, matching and events.
//!
//! Every command either changes state and emits events, or is rejected and changes nothing but
//! an `OrderRejected` event. Errors of the `Err` kind (unknown market, runner or order, another
//! account's order, a malformed argument) are programming errors: they change nothing at all.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::accounts::Ledger;
use crate::error::ErrorCode;
use crate::events::{Event, EventKind};
use crate::ladder::{self, N_TICKS};
use crate::market::{Market, MarketSpec, MarketStatus};
use crate::names::NameCache;
use crate::order::{CancelReason, Order, OrderStatus, OrderStore};
use crate::types::{Money, OrderId, Persistence, SelectionId, Side, Tick, TimeInForce};

/// The largest accepted size (10^12 minor units): keeps every product with a price in range.
pub const MAX_SIZE: Money = 1_000_000_000_000;
/// The longest client order id, in bytes.
pub const MAX_CLIENT_ORDER_ID: usize = 32;

/// A new order.
#[derive(Debug, Clone, Copy)]
pub struct PlaceRequest<'a> {
    /// The market id.
    pub market_id: &'a str,
    /// The runner's selection id.
    pub runner: SelectionId,
    /// Back or lay.
    pub side: Side,
    /// Limit price as a ladder tick.
    pub tick: Tick,
    /// Size (backer's stake) in minor units.
    pub size: Money,
    /// The account placing it.
    pub account: &'a str,
    /// Optional client id, unique per account, at most 32 bytes.
    pub client_order_id: Option<&'a str>,
    /// Time in force.
    pub time_in_force: TimeInForce,
    /// FOK minimum fill (default: the whole size).
    pub min_fill_size: Option<Money>,
    /// Persistence into in-play.
    pub persistence: Persistence,
}

/// One fill as seen by the taker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillInfo {
    /// The resting order matched.
    pub maker_order: OrderId,
    /// Its account index.
    pub maker_account: u32,
    /// Execution price.
    pub tick: Tick,
    /// Size.
    pub size: Money,
}

/// The outcome of a place, replace or release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceReport {
    /// The new order's id (0 when rejected).
    pub order_id: OrderId,
    /// Status after the command.
    pub status: Option<OrderStatus>,
    /// Matched size.
    pub size_matched: Money,
    /// Unmatched size still live.
    pub size_remaining: Money,
    /// Size cancelled (IOC/FOK rest, killed).
    pub size_cancelled: Money,
    /// Fills of this command.
    pub fills: Vec<FillInfo>,
    /// Why it was rejected.
    pub reject: Option<ErrorCode>,
}

impl PlaceReport {
    fn rejected(code: ErrorCode) -> Self {
        PlaceReport {
            order_id: 0,
            status: None,
            size_matched: 0,
            size_remaining: 0,
            size_cancelled: 0,
            fills: Vec::new(),
            reject: Some(code),
        }
    }
}

/// The outcome of a cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelReport {
    /// The order.
    pub order_id: OrderId,
    /// Size cancelled by this command.
    pub size_cancelled: Money,
    /// Unmatched size still live.
    pub size_remaining: Money,
    /// Why it was rejected.
    pub reject: Option<ErrorCode>,
}

/// The exchange engine.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    pub(crate) markets: Vec<Market>,
    // Fx: deterministic and several times cheaper than SipHash for short keys; the keys are
    // operator-chosen ids, so hash flooding is not a concern (client order ids keep SipHash).
    pub(crate) market_index: FxHashMap<String, u32>,
    pub(crate) orders: OrderStore,
    pub(crate) accounts: Vec<String>,
    pub(crate) account_index: FxHashMap<String, u32>,
    pub(crate) client_ids: HashMap<(u32, Box<str>), OrderId>,
    pub(crate) events: Vec<Event>,
    pub(crate) next_seq: u64,
    pub(crate) now_ms: i64,
    pub(crate) ledger: Ledger,
    /// Reused buffer for the fills of one command (not state).
    pub(crate) fill_scratch: Vec<FillInfo>,
    /// Recently resolved market ids and account names (not state).
    pub(crate) market_cache: NameCache,
    pub(crate) account_cache: NameCache,
}

fn emit(events: &mut Vec<Event>, next_seq: &mut u64, kind: EventKind) {
    *next_seq += 1;
    events.push(Event {
        seq: *next_seq,
        kind,
    });
}

impl Exchange {
    /// An empty exchange.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    // ---------------------------------------------------------------- lookups

    /// The index of a market.
    ///
    /// # Errors
    /// `UnknownMarket`.
    pub fn market_idx(&self, market_id: &str) -> Result<u32, ErrorCode> {
        self.market_index
            .get(market_id)
            .copied()
            .ok_or(ErrorCode::UnknownMarket)
    }

    /// [`Exchange::market_idx`] through the name cache: the by-name command paths.
    #[inline]
    fn market_idx_cached(&mut self, market_id: &str) -> Result<u32, ErrorCode> {
        let markets = &self.markets;
        let name_of = |i: u32| markets.get(i as usize).map(|m| m.id.as_str());
        if let Some(m) = self.market_cache.get(market_id, name_of) {
            return Ok(m);
        }
        let m = self.market_idx(market_id)?;
        self.market_cache.put(market_id, m);
        Ok(m)
    }

    /// [`Exchange::account_idx`] through the name cache.
    #[inline]
    fn account_idx_cached(&mut self, name: &str) -> Option<u32> {
        let accounts = &self.accounts;
        let name_of = |i: u32| accounts.get(i as usize).map(String::as_str);
        if let Some(a) = self.account_cache.get(name, name_of) {
            return Some(a);
        }
        let a = self.account_idx(name)?;
        self.account_cache.put(name, a);
        Some(a)
    }

    /// A market by id.
    ///
    /// # Errors
    /// `UnknownMarket`.
    pub fn market(&self, market_id: &str) -> Result<&Market, ErrorCode> {
        Ok(&self.markets[self.market_idx(market_id)? as usize])
    }

    /// Every market, in creation order.
    pub fn markets(&self) -> impl Iterator<Item = &Market> {
        self.markets.iter()
    }

    /// A market by index.
    #[must_use]
    pub fn market_at(&self, idx: u32) -> &Market {
        &self.markets[idx as usize]
    }

    /// An order by id.
    #[must_use]
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.orders.get(id)
    }

    /// Every order ever accepted, oldest first.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.iter()
    }

    /// How many orders were ever accepted (the last order id).
    #[must_use]
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// The name of an interned account.
    #[must_use]
    pub fn account_name(&self, idx: u32) -> &str {
        &self.accounts[idx as usize]
    }

    /// The index of an account, if it was ever seen.
    #[must_use]
    pub fn account_idx(&self, name: &str) -> Option<u32> {
        self.account_index.get(name).copied()
    }

    pub(crate) fn intern_account(&mut self, name: &str) -> u32 {
        if let Some(&idx) = self.account_index.get(name) {
            return idx;
        }
        let idx = self.accounts.len() as u32;
        self.accounts.push(name.to_owned());
        self.account_index.insert(name.to_owned(), idx);
        self.ledger.add_account();
        idx
    }

    /// The engine clock (milliseconds), advanced by [`Exchange::advance_time`].
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Moves the clock forward (never back) without releasing delayed orders.
    pub fn set_clock(&mut self, now_ms: i64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    /// Takes every event emitted since the last drain.
    pub fn drain_events(&mut self) -> Vec<Event> {
        // Keep the buffer's size so a steady stream does not regrow it after every drain.
        let keep = self.events.capacity().min(1 << 16);
        std::mem::replace(&mut self.events, Vec::with_capacity(keep))
    }

    /// Events not yet drained.
    #[must_use]
    pub fn pending_events(&self) -> &[Event] {
        &self.events
    }

    /// The sequence number of the last event emitted.
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.next_seq
    }

    fn emit(&mut self, kind: EventKind) {
        emit(&mut self.events, &mut self.next_seq, kind);
    }

    pub(crate) fn emit_kind(&mut self, kind: EventKind) {
        self.emit(kind);
    }

    // ---------------------------------------------------------------- markets

    /// Creates a market in status `INACTIVE`.
    ///
    /// # Errors
    /// `MarketExists`; `InvalidArgument` for no runners, duplicate runners, `places` not in
    /// `1..=runners`, a negative delay or a `min_stake` below 1.
    pub fn create_market(&mut self, market_id: &str, spec: MarketSpec) -> Result<(), ErrorCode> {
        if self.market_index.contains_key(market_id) {
            return Err(ErrorCode::MarketExists);
        }
        let n = spec.runners.len();
        let mut sorted = spec.runners.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if n == 0
            || n > usize::from(u16::MAX)
            || sorted.len() != n
            || spec.places == 0
            || usize::from(spec.places) > n
            || spec.bet_delay_ms < 0
            || spec.min_stake < 1
            || market_id.is_empty()
        {
            return Err(ErrorCode::InvalidArgument);
        }
        let idx = self.markets.len() as u32;
        self.markets.push(Market::new(market_id.to_owned(), spec));
        self.ledger.markets.push(Default::default());
        self.market_index.insert(market_id.to_owned(), idx);
        self.emit(EventKind::MarketStatusChanged {
            market: idx,
            status: MarketStatus::Inactive,
            in_play: false,
        });
        Ok(())
    }

    fn set_status(&mut self, m: u32, status: MarketStatus) {
        self.markets[m as usize].status = status;
        let in_play = self.markets[m as usize].in_play;
        self.emit(EventKind::MarketStatusChanged {
            market: m,
            status,
            in_play,
        });
    }

    /// `INACTIVE` -> `OPEN`.
    ///
    /// # Errors
    /// `UnknownMarket`, `InvalidState`.
    pub fn open_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        if self.markets[m as usize].status != MarketStatus::Inactive {
            return Err(ErrorCode::InvalidState);
        }
        self.set_status(m, MarketStatus::Open);
        Ok(())
    }

    /// `OPEN` -> `SUSPENDED`: resting orders stay, orders waiting in the bet delay lapse.
    ///
    /// # Errors
    /// `UnknownMarket`, `InvalidState`.
    pub fn suspend_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        if self.markets[m as usize].status != MarketStatus::Open {
            return Err(ErrorCode::InvalidState);
        }
        self.set_status(m, MarketStatus::Suspended);
        self.cancel_pending(m, CancelReason::Lapsed);
        Ok(())
    }

    /// `SUSPENDED` -> `OPEN`.
    ///
    /// # Errors
    /// `UnknownMarket`, `InvalidState`.
    pub fn resume_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        if self.markets[m as usize].status != MarketStatus::Suspended {
            return Err(ErrorCode::InvalidState);
        }
        self.set_status(m, MarketStatus::Open);
        Ok(())
    }

    /// Turns the market in-play (once): every unmatched `LAPSE` order lapses.
    ///
    /// # Errors
    /// `UnknownMarket`; `InvalidState` when already in-play, inactive or closed.
    pub fn turn_in_play(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        let market = &self.markets[m as usize];
        if market.in_play || !matches!(market.status, MarketStatus::Open | MarketStatus::Suspended)
        {
            return Err(ErrorCode::InvalidState);
        }
        self.markets[m as usize].in_play = true;
        let status = self.markets[m as usize].status;
        self.emit(EventKind::MarketStatusChanged {
            market: m,
            status,
            in_play: true,
        });
        let lapsing: Vec<OrderId> = self
            .resting_orders(m)
            .into_iter()
            .filter(|&id| self.orders.at(id).persistence == Persistence::Lapse)
            .collect();
        for id in lapsing {
            let remaining = self.orders.at(id).remaining;
            self.cancel_unmatched(id, remaining, CancelReason::Lapsed);
        }
        Ok(())
    }

    /// Closes the market: every unmatched order is cancelled with `MARKET_CLOSED`.
    ///
    /// # Errors
    /// `UnknownMarket`; `InvalidState` when already closed.
    pub fn close_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        if self.markets[m as usize].status == MarketStatus::Closed {
            return Err(ErrorCode::InvalidState);
        }
        self.set_status(m, MarketStatus::Closed);
        self.cancel_all_unmatched(m, CancelReason::MarketClosed);
        Ok(())
    }

    /// Cancels every unmatched order of a market (pending ones first, then the books).
    pub(crate) fn cancel_all_unmatched(&mut self, m: u32, reason: CancelReason) {
        self.cancel_pending(m, reason);
        for id in self.resting_orders(m) {
            let remaining = self.orders.at(id).remaining;
            self.cancel_unmatched(id, remaining, reason);
        }
    }

    /// Resting order ids of a market, in a deterministic order (runner, side, tick, queue).
    pub(crate) fn resting_orders(&self, m: u32) -> Vec<OrderId> {
        let mut out = Vec::new();
        for book in &self.markets[m as usize].books {
            for side in [&book.backs, &book.lays] {
                for (_, level) in side.iter_asc() {
                    let mut cur = level.head;
                    while cur != 0 {
                        out.push(cur);
                        cur = self.orders.at(cur).next;
                    }
                }
            }
        }
        out
    }

    fn cancel_pending(&mut self, m: u32, reason: CancelReason) {
        let pending: Vec<OrderId> = self.markets[m as usize].pending.iter().copied().collect();
        for id in pending {
            let remaining = self.orders.at(id).remaining;
            self.cancel_unmatched(id, remaining, reason);
        }
    }

    // ---------------------------------------------------------------- orders

    /// Places an order: validates, then matches, rests, waits in the bet delay or is
    /// cancelled per its time in force.
    ///
    /// # Errors
    /// `UnknownMarket`, `UnknownRunner`, `InvalidPrice` (tick off the ladder). Business
    /// rejections (size, state, duplicate client id, funds) come back in the report.
    pub fn place(&mut self, req: &PlaceRequest<'_>) -> Result<PlaceReport, ErrorCode> {
        let m = self.market_idx_cached(req.market_id)?;
        let r = self.markets[m as usize]
            .runner_index(req.runner)
            .ok_or(ErrorCode::UnknownRunner)?;
        if usize::from(req.tick) >= N_TICKS {
            return Err(ErrorCode::InvalidPrice);
        }
        let known = self.account_idx_cached(req.account);
        Ok(self.place_at(m, r, known, req))
    }

    /// [`Exchange::place`] with the market and runner already resolved to indices
    /// ([`Exchange::market_idx`], [`Market::runner_index`]) and the account's index when it is
    /// known ([`Exchange::account_idx`] of `req.account`; `None` looks it up). The batch path:
    /// names are resolved once per batch instead of once per order. `req.market_id` and
    /// `req.runner` are ignored.
    ///
    /// # Errors
    /// `UnknownMarket`, `UnknownRunner` or `InvalidArgument` (an account index that is not
    /// `req.account`'s) for indices out of range; `InvalidPrice` for a tick off the ladder.
    pub fn place_indexed(
        &mut self,
        m: u32,
        r: u16,
        account: Option<u32>,
        req: &PlaceRequest<'_>,
    ) -> Result<PlaceReport, ErrorCode> {
        let market = self
            .markets
            .get(m as usize)
            .ok_or(ErrorCode::UnknownMarket)?;
        if usize::from(r) >= market.spec.runners.len() {
            return Err(ErrorCode::UnknownRunner);
        }
        if usize::from(req.tick) >= N_TICKS {
            return Err(ErrorCode::InvalidPrice);
        }
        let known = match account {
            Some(a) if self.accounts.get(a as usize).map(String::as_str) != Some(req.account) => {
                return Err(ErrorCode::InvalidArgument)
            }
            Some(a) => Some(a),
            None => self.account_index.get(req.account).copied(),
        };
        Ok(self.place_at(m, r, known, req))
    }

    /// `place` with the market, runner and (if known) account resolved to indices.
    pub(crate) fn place_at(
        &mut self,
        m: u32,
        r: u16,
        known: Option<u32>,
        req: &PlaceRequest<'_>,
    ) -> PlaceReport {
        if let Err(code) = self.validate_new(m, r, known, req) {
            self.emit(EventKind::OrderRejected {
                market: m,
                account: req.account.into(),
                code,
                client_order_id: req.client_order_id.map(Box::from),
            });
            return PlaceReport::rejected(code);
        }
        // Accounts are interned on their first accepted order: a rejection changes nothing.
        // (With the funds check only deposited, hence interned, accounts get here; the lookup
        // above is reused rather than hashing the name twice.)
        let account = match known {
            Some(a) => a,
            None => self.intern_account(req.account),
        };
        let id = self.accept(m, r, account, req);
        self.run(id)
    }

    fn validate_new(
        &mut self,
        m: u32,
        r: u16,
        account: Option<u32>,
        req: &PlaceRequest<'_>,
    ) -> Result<(), ErrorCode> {
        let market = &self.markets[m as usize];
        if req.size <= 0 || req.size > MAX_SIZE {
            return Err(ErrorCode::InvalidSize);
        }
        if let Some(min) = req.min_fill_size {
            if min <= 0 || min > req.size {
                return Err(ErrorCode::InvalidSize);
            }
        }
        if req.size < market.spec.min_stake {
            return Err(ErrorCode::BelowMinStake);
        }
        if market.status != MarketStatus::Open {
            return Err(ErrorCode::MarketNotOpen);
        }
        if market.removed[usize::from(r)] {
            return Err(ErrorCode::RunnerRemoved);
        }
        if let Some(coid) = req.client_order_id {
            if coid.is_empty() || coid.len() > MAX_CLIENT_ORDER_ID {
                return Err(ErrorCode::InvalidArgument);
            }
            if let Some(a) = account {
                if self.client_ids.contains_key(&(a, Box::from(coid))) {
                    return Err(ErrorCode::DuplicateClientOrderId);
                }
            }
        }
        // Pre-trade risk: the order counted as fully unmatched must not make the account's
        // available funds negative, unless it lowers the account's exposure.
        self.ledger_check_new(m, r, account, req.side, req.tick, req.size)
    }

    /// Records an accepted order (status decided by [`Exchange::run`]).
    fn accept(&mut self, m: u32, r: u16, account: u32, req: &PlaceRequest<'_>) -> OrderId {
        let id = self.orders.next_id();
        let delayed = self.markets[m as usize].delayed();
        let release_ms = if delayed {
            self.now_ms + self.markets[m as usize].spec.bet_delay_ms
        } else {
            0
        };
        let client_order_id: Option<Box<str>> = req.client_order_id.map(Box::from);
        if let Some(coid) = &client_order_id {
            self.client_ids.insert((account, coid.clone()), id);
        }
        self.orders.push(Order {
            id,
            market: m,
            runner: r,
            side: req.side,
            tick: req.tick,
            size: req.size,
            matched: 0,
            remaining: req.size,
            cancelled: 0,
            matched_value: 0,
            account,
            status: if delayed {
                OrderStatus::Pending
            } else {
                OrderStatus::Executable
            },
            tif: req.time_in_force,
            min_fill: req.min_fill_size.unwrap_or(req.size),
            persistence: req.persistence,
            client_order_id,
            release_ms,
            prev: 0,
            next: 0,
        });
        self.emit(EventKind::OrderAccepted {
            order_id: id,
            market: m,
            runner: r,
            side: req.side,
            tick: req.tick,
            size: req.size,
            account,
        });
        self.ledger_accept(id, m, r, account, req.side, req.tick, req.size);
        id
    }

    /// Runs an accepted order: a delayed order waits; otherwise it matches per its time in
    /// force and rests or is cancelled.
    #[inline(always)]
    fn run(&mut self, id: OrderId) -> PlaceReport {
        let order = self.orders.at(id);
        let m = order.market;
        if order.status == OrderStatus::Pending {
            self.markets[m as usize].pending.push_back(id);
            return self.report(id, Vec::new());
        }
        let fills = self.execute(id);
        self.report(id, fills)
    }

    fn report(&self, id: OrderId, fills: Vec<FillInfo>) -> PlaceReport {
        let o = self.orders.at(id);
        PlaceReport {
            order_id: id,
            status: Some(o.status),
            size_matched: o.matched,
            size_remaining: o.remaining,
            size_cancelled: o.cancelled,
            fills,
            reject: None,
        }
    }

    /// Matches a live, non-pending order per its time in force; rests or cancels the rest.
    fn execute(&mut self, id: OrderId) -> Vec<FillInfo> {
        // Fills collect in a reused scratch buffer: one exact allocation per report instead of
        // a chain of regrowths inside the matching loop.
        let mut scratch = std::mem::take(&mut self.fill_scratch);
        scratch.clear();
        self.execute_into(id, &mut scratch);
        let fills = scratch.as_slice().to_vec();
        self.fill_scratch = scratch;
        fills
    }

    fn execute_into(&mut self, id: OrderId, fills: &mut Vec<FillInfo>) {
        let (tif, min_fill) = {
            let o = self.orders.at(id);
            (o.tif, o.min_fill)
        };
        match tif {
            TimeInForce::Fok => {
                if self.matchable(id, min_fill) < min_fill {
                    let remaining = self.orders.at(id).remaining;
                    self.cancel_unmatched(id, remaining, CancelReason::Killed);
                    return;
                }
                self.match_order(id, fills);
                self.expire_rest(id);
            }
            TimeInForce::Ioc => {
                self.match_order(id, fills);
                self.expire_rest(id);
            }
            TimeInForce::Gtc => {
                self.match_order(id, fills);
                let o = self.orders.at_mut(id);
                if o.remaining > 0 {
                    o.status = OrderStatus::Executable;
                    let (m, r, side) = (o.market, o.runner, o.side);
                    let Exchange {
                        markets, orders, ..
                    } = self;
                    markets[m as usize].books[usize::from(r)]
                        .side_mut(side)
                        .push_back(orders, id);
                } else {
                    o.status = OrderStatus::ExecutionComplete;
                }
            }
        }
    }

    fn expire_rest(&mut self, id: OrderId) {
        let remaining = self.orders.at(id).remaining;
        if remaining > 0 {
            self.cancel_unmatched(id, remaining, CancelReason::Expired);
        } else {
            self.orders.at_mut(id).status = OrderStatus::ExecutionComplete;
        }
    }

    /// How much of `id` could match now (stops counting at `enough`), skipping own orders.
    fn matchable(&self, id: OrderId, enough: Money) -> Money {
        let o = self.orders.at(id);
        let book = &self.markets[o.market as usize].books[usize::from(o.runner)];
        let makers = book.side(o.side.opposite());
        let mut total = 0;
        let mut tick = match o.side {
            Side::Back => makers.highest().filter(|&t| t >= o.tick),
            Side::Lay => makers.lowest().filter(|&t| t <= o.tick),
        };
        while let Some(t) = tick {
            let mut cur = makers.level(t).head;
            while cur != 0 {
                let maker = self.orders.at(cur);
                if maker.account != o.account {
                    total += maker.remaining;
                    if total >= enough {
                        return total;
                    }
                }
                cur = maker.next;
            }
            tick = next_level(makers, o.side, t, o.tick);
        }
        total
    }

    /// Price-time matching of a taker against the opposite side; fills at the maker's price.
    fn match_order(&mut self, taker: OrderId, fills: &mut Vec<FillInfo>) {
        let (m, r, side, limit, account) = {
            let o = self.orders.at(taker);
            (o.market, o.runner, o.side, o.tick, o.account)
        };
        let Exchange {
            markets,
            orders,
            events,
            next_seq,
            ..
        } = self;
        let book = &mut markets[m as usize].books[usize::from(r)];
        let makers = book.side_mut(side.opposite());
        let mut tick = match side {
            Side::Back => makers.highest().filter(|&t| t >= limit),
            Side::Lay => makers.lowest().filter(|&t| t <= limit),
        };
        // Labelled so that a filled taker leaves both loops and still reaches the fill hooks.
        'levels: while let Some(t) = tick {
            let price = ladder::TICKS[usize::from(t)];
            let mut cur = makers.level(t).head;
            while cur != 0 {
                let taker_remaining = orders.at(taker).remaining;
                if taker_remaining == 0 {
                    break 'levels;
                }
                let (next, maker_account, maker_remaining) = {
                    let mk = orders.at(cur);
                    (mk.next, mk.account, mk.remaining)
                };
                if maker_account == account {
                    cur = next; // self-match: skip, the resting order keeps its place
                    continue;
                }
                let size = taker_remaining.min(maker_remaining);
                if size == maker_remaining {
                    makers.unlink(orders, cur);
                    let mk = orders.at_mut(cur);
                    mk.status = OrderStatus::ExecutionComplete;
                    mk.remaining = 0;
                } else {
                    makers.reduce(t, size);
                    orders.at_mut(cur).remaining -= size;
                }
                let value = size as u64 * price as u64;
                let mk = orders.at_mut(cur);
                mk.matched += size;
                mk.matched_value += value;
                let tk = orders.at_mut(taker);
                tk.remaining -= size;
                tk.matched += size;
                tk.matched_value += value;
                fills.push(FillInfo {
                    maker_order: cur,
                    maker_account,
                    tick: t,
                    size,
                });
                emit(
                    events,
                    next_seq,
                    EventKind::Fill {
                        market: m,
                        runner: r,
                        maker_order: cur,
                        taker_order: taker,
                        maker_account,
                        taker_account: account,
                        tick: t,
                        size,
                        taker_side: side,
                    },
                );
                cur = next;
            }
            if orders.at(taker).remaining == 0 {
                break;
            }
            tick = next_level(makers, side, t, limit);
        }
        if !fills.is_empty() {
            self.ledger_fills(taker, fills);
        }
    }

    /// Cancels `amount` of an order's unmatched size (all of it: the order leaves the book or
    /// the delay queue; part of it: the order keeps its queue position).
    pub(crate) fn cancel_unmatched(&mut self, id: OrderId, amount: Money, reason: CancelReason) {
        if amount <= 0 {
            return;
        }
        let (m, r, side, status, remaining, account, tick) = {
            let o = self.orders.at(id);
            (
                o.market,
                o.runner,
                o.side,
                o.status,
                o.remaining,
                o.account,
                o.tick,
            )
        };
        let amount = amount.min(remaining);
        let full = amount == remaining;
        let Exchange {
            markets, orders, ..
        } = self;
        let market = &mut markets[m as usize];
        match status {
            OrderStatus::Pending if full => {
                if let Some(pos) = market.pending.iter().position(|&p| p == id) {
                    market.pending.remove(pos);
                }
            }
            OrderStatus::Executable => {
                let side_book = market.books[usize::from(r)].side_mut(side);
                let resting = orders.at(id).prev != 0 || side_book.level(tick).head == id;
                if resting {
                    if full {
                        side_book.unlink(orders, id);
                    } else {
                        side_book.reduce(tick, amount);
                    }
                }
            }
            _ => {}
        }
        let o = orders.at_mut(id);
        o.remaining -= amount;
        o.cancelled += amount;
        if o.remaining == 0 {
            o.status = OrderStatus::ExecutionComplete;
        }
        self.emit(EventKind::OrderCancelled {
            order_id: id,
            market: m,
            account,
            size: amount,
            reason,
        });
        self.ledger_leave(id, r, side, tick, amount);
    }

    /// Cancels an order, or reduces its unmatched size by `size_reduction` (keeping its place).
    ///
    /// # Errors
    /// `UnknownOrder`, `NotOwner`, `InvalidSize` (a reduction <= 0). An order with nothing
    /// unmatched, or in a market that is not open, is reported with `ORDER_NOT_ACTIVE` /
    /// `MARKET_NOT_OPEN`.
    pub fn cancel(
        &mut self,
        id: OrderId,
        account: &str,
        size_reduction: Option<Money>,
    ) -> Result<CancelReport, ErrorCode> {
        let account = self.account_idx_cached(account);
        self.cancel_indexed(id, account, size_reduction)
    }

    /// [`Exchange::cancel`] with the account given by its index ([`Exchange::account_idx`];
    /// `None`, an account never seen, owns nothing): the batch path.
    ///
    /// # Errors
    /// As [`Exchange::cancel`].
    pub fn cancel_indexed(
        &mut self,
        id: OrderId,
        account: Option<u32>,
        size_reduction: Option<Money>,
    ) -> Result<CancelReport, ErrorCode> {
        let order = self.orders.get(id).ok_or(ErrorCode::UnknownOrder)?;
        if account != Some(order.account) {
            return Err(ErrorCode::NotOwner);
        }
        if matches!(size_reduction, Some(r) if r <= 0) {
            return Err(ErrorCode::InvalidSize);
        }
        let rejected = |code| CancelReport {
            order_id: id,
            size_cancelled: 0,
            size_remaining: order.remaining,
            reject: Some(code),
        };
        if order.remaining == 0 {
            return Ok(rejected(ErrorCode::OrderNotActive));
        }
        if self.markets[order.market as usize].status != MarketStatus::Open {
            return Ok(rejected(ErrorCode::MarketNotOpen));
        }
        let amount = size_reduction
            .unwrap_or(order.remaining)
            .min(order.remaining);
        self.cancel_unmatched(id, amount, CancelReason::Cancelled);
        let o = self.orders.at(id);
        Ok(CancelReport {
            order_id: id,
            size_cancelled: amount,
            size_remaining: o.remaining,
            reject: None,
        })
    }

    /// Replaces an order's price: cancels its unmatched size and places it anew at `tick`
    /// (losing queue position), atomically: if the new order would be rejected, the old one
    /// stays untouched and the report carries the code.
    ///
    /// # Errors
    /// `UnknownOrder`, `NotOwner`, `InvalidPrice`.
    pub fn replace(
        &mut self,
        id: OrderId,
        tick: Tick,
        account: &str,
    ) -> Result<PlaceReport, ErrorCode> {
        let order = self.orders.get(id).ok_or(ErrorCode::UnknownOrder)?;
        if self.account_index.get(account) != Some(&order.account) {
            return Err(ErrorCode::NotOwner);
        }
        if usize::from(tick) >= N_TICKS {
            return Err(ErrorCode::InvalidPrice);
        }
        if order.remaining == 0 || order.status == OrderStatus::Pending {
            return Ok(PlaceReport::rejected(ErrorCode::OrderNotActive));
        }
        let (m, r) = (order.market, order.runner);
        let req_size = order.remaining;
        let (side, persistence, acct) = (order.side, order.persistence, order.account);
        let market = &self.markets[m as usize];
        let check = if market.status != MarketStatus::Open {
            Err(ErrorCode::MarketNotOpen)
        } else if req_size < market.spec.min_stake {
            Err(ErrorCode::BelowMinStake)
        } else {
            self.ledger_check_replace(id, tick)
        };
        if let Err(code) = check {
            let account = self.accounts[acct as usize].as_str().into();
            self.emit(EventKind::OrderRejected {
                market: m,
                account,
                code,
                client_order_id: None,
            });
            return Ok(PlaceReport::rejected(code));
        }
        self.cancel_unmatched(id, req_size, CancelReason::Cancelled);
        let account_name = self.accounts[acct as usize].clone();
        let req = PlaceRequest {
            market_id: "",
            runner: 0,
            side,
            tick,
            size: req_size,
            account: &account_name,
            client_order_id: None,
            time_in_force: TimeInForce::Gtc,
            min_fill_size: None,
            persistence,
        };
        let new_id = self.accept(m, r, acct, &req);
        Ok(self.run(new_id))
    }

    /// Advances the engine clock and releases the orders whose bet delay has passed, in
    /// arrival order. The clock never goes back.
    pub fn advance_time(&mut self, now_ms: i64) -> Vec<PlaceReport> {
        self.now_ms = self.now_ms.max(now_ms);
        let mut due = Vec::new();
        for market in &mut self.markets {
            while let Some(&id) = market.pending.front() {
                if self.orders.at(id).release_ms > self.now_ms {
                    break;
                }
                market.pending.pop_front();
                due.push(id);
            }
        }
        due.sort_unstable();
        due.into_iter()
            .map(|id| {
                self.orders.at_mut(id).status = OrderStatus::Executable;
                let fills = self.execute(id);
                self.report(id, fills)
            })
            .collect()
    }

    // ---------------------------------------------------------------- views

    /// The aggregated book of a runner: `(available_to_back, available_to_lay)` as
    /// `(tick, size)` levels, best first, at most `depth` each.
    ///
    /// # Errors
    /// `UnknownMarket`, `UnknownRunner`.
    #[allow(clippy::type_complexity)]
    pub fn book(
        &self,
        market_id: &str,
        runner: SelectionId,
        depth: usize,
    ) -> Result<(Vec<(Tick, Money)>, Vec<(Tick, Money)>), ErrorCode> {
        let market = self.market(market_id)?;
        let r = market
            .runner_index(runner)
            .ok_or(ErrorCode::UnknownRunner)?;
        let book = &market.books[usize::from(r)];
        let to_back = book
            .lays
            .iter_desc()
            .take(depth)
            .map(|(t, l)| (t, l.total))
            .collect();
        let to_lay = book
            .backs
            .iter_asc()
            .take(depth)
            .map(|(t, l)| (t, l.total))
            .collect();
        Ok((to_back, to_lay))
    }
}

/// The next maker level for a taker of `side` after tick `t`, if still within `limit`.
#[inline]
fn next_level(makers: &crate::book::SideBook, side: Side, t: Tick, limit: Tick) -> Option<Tick> {
    match side {
        Side::Back => {
            if t == 0 {
                None
            } else {
                makers.highest_at_or_below(t - 1).filter(|&n| n >= limit)
            }
        }
        Side::Lay => makers.lowest_at_or_above(t + 1).filter(|&n| n <= limit),
    }
}
