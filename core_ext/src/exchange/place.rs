//! Placing an order: validation, acceptance, time in force, release after the bet delay.

use super::{
    Exchange, FillInfo, OrderTerms, PlaceReport, PlaceRequest, PlaceSummary, MAX_CLIENT_ORDER_ID,
    MAX_SIZE,
};
use crate::error::ErrorCode;
use crate::events::EventKind;
use crate::ladder::N_TICKS;
use crate::market::MarketStatus;
use crate::order::{Order, OrderStatus};
use crate::types::{OrderId, Persistence};

impl Exchange {
    // ---------------------------------------------------------------- orders

    /// Places an order: validates, then matches, rests, waits in the bet delay or is
    /// cancelled per its time in force.
    ///
    /// # Errors
    /// `UnknownMarket`, `UnknownRunner`, `InvalidPrice` (tick off the ladder). Business
    /// rejections (size, state, duplicate client id, funds) come back in the report.
    pub fn place(&mut self, req: &PlaceRequest<'_>) -> Result<PlaceReport, ErrorCode> {
        self.place_timed(req, None)
    }

    /// [`Exchange::place`] at time `now_ms` (the clock moves there first, never back). An
    /// `Err` changes nothing, the clock included.
    ///
    /// # Errors
    /// As [`Exchange::place`].
    pub fn place_timed(
        &mut self,
        req: &PlaceRequest<'_>,
        now_ms: Option<i64>,
    ) -> Result<PlaceReport, ErrorCode> {
        let (m, r) = self.resolve(req)?;
        if let Some(now) = now_ms {
            self.set_clock(now);
        }
        let known = self.account_idx_cached(req.account);
        Ok(self.place_at(m, r, known, req))
    }

    /// A request's market and runner as indices, its tick checked: the errors of a place
    /// (`UnknownMarket`, `UnknownRunner`, `InvalidPrice`), before anything changes.
    #[inline(always)]
    pub(super) fn resolve(&mut self, req: &PlaceRequest<'_>) -> Result<(u32, u16), ErrorCode> {
        let m = self.market_idx_cached(req.market_id)?;
        let r = self.markets[m as usize]
            .runner_index(req.runner)
            .ok_or(ErrorCode::UnknownRunner)?;
        if usize::from(req.tick) >= N_TICKS {
            return Err(ErrorCode::InvalidPrice);
        }
        Ok((m, r))
    }

    /// Stores a new order and emits its `OrderAccepted` (the ledger's hold is the caller's:
    /// it differs between limit orders and SP bets).
    /// Returns the new order's link.
    #[inline(always)]
    pub(super) fn record_accepted(&mut self, order: Order) -> u32 {
        self.emit(EventKind::OrderAccepted {
            order_id: order.id,
            market: order.market,
            runner: order.runner,
            side: order.side,
            tick: order.tick,
            size: order.size,
            account: order.account,
        });
        self.markets[order.market as usize].order_ids.push(order.id);
        self.orders.push(order)
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
        self.check_indices(m, r, req.tick)?;
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
        self.with_fills(|ex, fills| match ex.place_into(m, r, known, req, fills) {
            Ok((id, _)) => ex.report(id, fills.clone()),
            Err(code) => PlaceReport::rejected(code, OrderTerms::of_request(m, r, req, req.tick)),
        })
    }

    /// [`Exchange::place_indexed`] by account index, without the report's fills (they are in
    /// the events): the order's outcome in a few words, nothing allocated. The per-call and
    /// batch fast paths. `req.market_id`, `req.runner` and `req.account` are ignored.
    ///
    /// # Errors
    /// As [`Exchange::place_indexed`].
    pub fn place_summary(
        &mut self,
        m: u32,
        r: u16,
        account: u32,
        req: &PlaceRequest<'_>,
    ) -> Result<PlaceSummary, ErrorCode> {
        self.check_indices(m, r, req.tick)?;
        if self.accounts.get(account as usize).is_none() {
            return Err(ErrorCode::InvalidArgument);
        }
        Ok(self.summarize(m, r, Some(account), req))
    }

    /// [`Exchange::place`] reporting a [`PlaceSummary`] (the fills are in the events): the
    /// by-name fast path (`place_tick`).
    ///
    /// # Errors
    /// As [`Exchange::place`].
    pub fn place_brief(&mut self, req: &PlaceRequest<'_>) -> Result<PlaceSummary, ErrorCode> {
        let (m, r) = self.resolve(req)?;
        let known = self.account_idx_cached(req.account);
        Ok(self.summarize(m, r, known, req))
    }

    fn summarize(
        &mut self,
        m: u32,
        r: u16,
        known: Option<u32>,
        req: &PlaceRequest<'_>,
    ) -> PlaceSummary {
        match self.with_fills(|ex, fills| ex.place_into(m, r, known, req, fills)) {
            Ok((id, link)) => {
                let o = self.orders.linked(link);
                PlaceSummary {
                    order_id: id,
                    status: Some(o.status),
                    size_matched: o.matched,
                    size_cancelled: o.cancelled,
                    reject: None,
                }
            }
            Err(code) => PlaceSummary::rejected(code),
        }
    }

    /// `f` with the reused fills buffer, emptied: the fills of a command collect there (one
    /// exact allocation per report that wants them, instead of a chain of regrowths inside the
    /// matching loop).
    #[inline]
    fn with_fills<T>(&mut self, f: impl FnOnce(&mut Self, &mut Vec<FillInfo>) -> T) -> T {
        let mut fills = std::mem::take(&mut self.fill_scratch);
        fills.clear();
        let out = f(self, &mut fills);
        self.fill_scratch = fills;
        out
    }

    /// Validates, accepts and runs a new order with its fills appended to `fills`; returns
    /// its id and link. A business rejection emits its `OrderRejected` and comes back as the
    /// code.
    fn place_into(
        &mut self,
        m: u32,
        r: u16,
        known: Option<u32>,
        req: &PlaceRequest<'_>,
        fills: &mut Vec<FillInfo>,
    ) -> Result<(OrderId, u32), ErrorCode> {
        if let Err(code) = self.validate_new(m, r, known, req) {
            self.reject_known(m, r, known, req, code);
            return Err(code);
        }
        // Accounts are interned on their first accepted order: a rejection changes nothing.
        // (With the funds check only deposited, hence interned, accounts get here; the lookup
        // above is reused rather than hashing the name twice.)
        let account = match known {
            Some(a) => a,
            None => self.intern_account(req.account),
        };
        let (id, link) = self.accept(m, r, account, req);
        self.run_accepted(m, id, link, fills);
        Ok((id, link))
    }

    /// Runs an accepted order, its fills appended to `fills`: a delayed order waits; otherwise
    /// it matches per its time in force and rests or is cancelled. In a cross-matching market
    /// the sweep follows (it may match the order again, as a leg's maker).
    pub(super) fn run_accepted(
        &mut self,
        m: u32,
        id: OrderId,
        link: u32,
        fills: &mut Vec<FillInfo>,
    ) {
        if self.orders.linked(link).status == OrderStatus::Pending {
            self.markets[m as usize].pending.push_back(id);
        } else {
            self.execute_into(link, fills);
        }
        if self.markets[m as usize].cross_matching {
            self.sweep_cross(m);
        }
    }

    /// [`Exchange::run_accepted`] and the order's report.
    pub(super) fn run_reported(&mut self, m: u32, id: OrderId, link: u32) -> PlaceReport {
        self.with_fills(|ex, fills| {
            ex.run_accepted(m, id, link, fills);
            ex.report(id, fills.clone())
        })
    }

    /// [`Exchange::reject_new`] naming a known account by its interned name (the fast paths
    /// pass no name).
    #[cold]
    fn reject_known(
        &mut self,
        m: u32,
        r: u16,
        known: Option<u32>,
        req: &PlaceRequest<'_>,
        code: ErrorCode,
    ) {
        let name = known.map(|a| self.accounts[a as usize].clone());
        let req = PlaceRequest {
            account: name.as_deref().unwrap_or(req.account),
            ..*req
        };
        self.reject_new(m, r, &req, req.tick, code);
    }

    /// Market, runner and tick indices in range: `UnknownMarket`, `UnknownRunner`,
    /// `InvalidPrice` otherwise.
    #[inline]
    fn check_indices(&self, m: u32, r: u16, tick: u16) -> Result<(), ErrorCode> {
        let market = self.market_at_checked(m)?;
        if usize::from(r) >= market.spec.runners.len() {
            return Err(ErrorCode::UnknownRunner);
        }
        if usize::from(tick) >= N_TICKS {
            return Err(ErrorCode::InvalidPrice);
        }
        Ok(())
    }

    /// A new order's business rejection: the `OrderRejected` event and the report (its
    /// terms at `tick`); nothing else changes.
    #[cold]
    pub(super) fn reject_new(
        &mut self,
        m: u32,
        r: u16,
        req: &PlaceRequest<'_>,
        tick: u16,
        code: ErrorCode,
    ) -> PlaceReport {
        self.emit(EventKind::OrderRejected {
            market: m,
            account: req.account.into(),
            code,
            client_order_id: req.client_order_id.map(Box::from),
        });
        PlaceReport::rejected(code, OrderTerms::of_request(m, r, req, tick))
    }

    pub(super) fn validate_new(
        &mut self,
        m: u32,
        r: u16,
        account: Option<u32>,
        req: &PlaceRequest<'_>,
    ) -> Result<(), ErrorCode> {
        let market = &self.markets[m as usize];
        if req.size <= 0 {
            return Err(ErrorCode::InvalidSize);
        }
        if req.size > MAX_SIZE {
            return Err(ErrorCode::AmountOverflow);
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
        if req.persistence == Persistence::MarketOnClose
            && market.sp.as_ref().is_none_or(|sp| sp.reconciled)
        {
            // Only a market that takes SP bets, before its off, can convert at the off.
            return Err(ErrorCode::InvalidArgument);
        }
        if req.client_order_id.is_some() {
            self.check_client_order_id(account, req.client_order_id)?;
        }
        // Pre-trade risk: the order counted as fully unmatched must not make the account's
        // available funds negative, unless it lowers the account's exposure.
        self.ledger_check_new(m, r, account, req.side, req.tick, req.size)
    }

    /// A client order id must be 1 to 32 bytes and new for the account.
    #[inline]
    pub(super) fn check_client_order_id(
        &self,
        account: Option<u32>,
        client_order_id: Option<&str>,
    ) -> Result<(), ErrorCode> {
        if let Some(coid) = client_order_id {
            if coid.is_empty() || coid.len() > MAX_CLIENT_ORDER_ID {
                return Err(ErrorCode::InvalidArgument);
            }
            if let Some(a) = account {
                if self.client_ids.contains(a, coid) {
                    return Err(ErrorCode::DuplicateClientOrderId);
                }
            }
        }
        Ok(())
    }

    /// Records an accepted order (status decided by [`Exchange::run_accepted`]); its id and
    /// link.
    pub(super) fn accept(
        &mut self,
        m: u32,
        r: u16,
        account: u32,
        req: &PlaceRequest<'_>,
    ) -> (OrderId, u32) {
        let id = self.orders.next_id();
        let delayed = self.markets[m as usize].delayed();
        let release_ms = if delayed {
            self.now_ms + self.markets[m as usize].spec.bet_delay_ms
        } else {
            0
        };
        let client_order_id: Option<Box<str>> = req.client_order_id.map(Box::from);
        if let Some(coid) = &client_order_id {
            self.client_ids.insert(account, coid.clone(), id);
        }
        let link = self.record_accepted(Order {
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
            ..Order::new(id, m, r, req.side, req.tick, req.size, account)
        });
        self.ledger_accept(link, m, r, account, req.side, req.tick, req.size);
        (id, link)
    }

    pub(super) fn report(&self, id: OrderId, fills: Vec<FillInfo>) -> PlaceReport {
        let o = self.orders.at(id);
        PlaceReport {
            order_id: id,
            terms: OrderTerms {
                market: o.market,
                runner: o.runner,
                side: o.side,
                tick: o.tick,
                size: o.size,
            },
            status: Some(o.status),
            size_matched: o.matched,
            size_remaining: o.remaining,
            size_cancelled: o.cancelled,
            fills,
            reject: None,
        }
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
                let link = self.orders.link_of(id);
                let o = self.orders.linked_mut(link);
                o.status = OrderStatus::Executable;
                let m = o.market;
                self.run_reported(m, id, link)
            })
            .collect()
    }
}
