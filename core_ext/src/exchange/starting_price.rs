//! Betfair Starting Price (spec section 2a): SP bets, their projections, and the
//! reconciliation at the off. The crossing price itself is `sp_price.rs`.
//!
//! SP bets are orders (ids, client order ids, cancel, funds check, events) that never rest on
//! the ladder: each market that takes them keeps, per runner, its live SP bets in arrival
//! order. A back's amount is its stake, a lay's its liability; until the off they count in the
//! position at their whole amount (a back's stake lost if the runner loses, a lay's liability
//! lost if it wins). At the off each runner's SP bets and unmatched exchange orders are matched
//! at one price, and what is left of the SP bets lapses.

use super::sp_price::{self, Source, Supply};
use super::{Exchange, PlaceReport, PlaceRequest, MAX_SIZE};
use crate::error::ErrorCode;
use crate::events::EventKind;
use crate::exposure::{odds_product, sp_unmatched_delta, FX};
use crate::ladder;
use crate::market::{MarketStatus, StartingPrice};
use crate::order::{CancelReason, Order, OrderStatus};
use crate::types::{Money, OrderId, OrderType, Persistence, PriceFx, Side};

/// One runner's starting-price figures (fixed-point prices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StartingPriceView {
    /// The projection from the SP bets and the unmatched exchange orders.
    pub near: Option<PriceFx>,
    /// The projection from the SP bets alone.
    pub far: Option<PriceFx>,
    /// The SP fixed at the reconciliation.
    pub actual: Option<PriceFx>,
}

/// A participant of the reconciliation with its stake at the SP.
#[derive(Debug, Clone, Copy)]
struct Entry {
    id: OrderId,
    sp_bet: bool,
    marginal: bool,
    stake: Money,
}

/// The tick a `MARKET_ON_CLOSE` bet records as its limit: any price will do, so the widest
/// (a back takes anything from 1.01, a lay anything up to 1000).
fn no_limit(side: Side) -> u16 {
    match side {
        Side::Back => ladder::MIN_TICK,
        Side::Lay => ladder::MAX_TICK,
    }
}

impl Exchange {
    /// Lets a market take SP bets; `min_liability` is the least liability of an SP lay
    /// (default 10 x the market's minimum stake). Allowed until the market turns in-play.
    ///
    /// # Errors
    /// `UnknownMarket`; `InvalidState` once in-play, closed or reconciled; `InvalidArgument`
    /// for a minimum below 1; `AmountOverflow` above `MAX_AMOUNT`.
    pub fn enable_starting_price(
        &mut self,
        market_id: &str,
        min_liability: Option<Money>,
    ) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        let market = &mut self.markets[m as usize];
        if market.in_play
            || market.status == MarketStatus::Closed
            || market.sp.as_ref().is_some_and(|sp| sp.reconciled)
        {
            return Err(ErrorCode::InvalidState);
        }
        let min = min_liability.unwrap_or(10 * market.spec.min_stake);
        if min < 1 {
            return Err(ErrorCode::InvalidArgument);
        }
        if min > MAX_SIZE {
            return Err(ErrorCode::AmountOverflow);
        }
        let n = market.spec.runners.len();
        let sp = market.sp.get_or_insert_with(|| StartingPrice {
            min_liability: min,
            reconciled: false,
            actual: vec![None; n],
            bets: vec![Vec::new(); n],
        });
        sp.min_liability = min;
        Ok(())
    }

    /// Places an SP bet (`MARKET_ON_CLOSE`, or `LIMIT_ON_CLOSE` with `req.tick` its limit;
    /// `LIMIT` places an ordinary order). A back's `size` is its stake, a lay's its liability.
    /// It waits for the off: the report is `EXECUTABLE` with nothing matched.
    ///
    /// # Errors
    /// As [`Exchange::place`]. Business rejections (no SP in the market, size, minimum stake or
    /// liability, state, duplicate client order id, funds) are in the report.
    pub fn place_starting_price(
        &mut self,
        req: &PlaceRequest<'_>,
        order_type: OrderType,
    ) -> Result<PlaceReport, ErrorCode> {
        if !order_type.is_starting_price() {
            return self.place(req);
        }
        let (m, r) = self.resolve(req)?;
        let tick = if order_type == OrderType::LimitOnClose {
            req.tick
        } else {
            no_limit(req.side)
        };
        let known = self.account_idx_cached(req.account);
        if let Err(code) = self.validate_sp(m, r, known, req) {
            return Ok(self.reject_new(m, r, req, tick, code));
        }
        let account = match known {
            Some(a) => a,
            None => self.intern_account(req.account),
        };
        let id = self.accept_sp(m, r, account, req.side, tick, req.size, order_type);
        if let Some(coid) = req.client_order_id {
            let coid: Box<str> = coid.into();
            self.client_ids.insert(account, coid.clone(), id);
            self.orders.at_mut(id).client_order_id = Some(coid);
        }
        Ok(self.report(id, Vec::new()))
    }

    fn validate_sp(
        &mut self,
        m: u32,
        r: u16,
        account: Option<u32>,
        req: &PlaceRequest<'_>,
    ) -> Result<(), ErrorCode> {
        if req.size <= 0 {
            return Err(ErrorCode::InvalidSize);
        }
        if req.size > MAX_SIZE {
            return Err(ErrorCode::AmountOverflow);
        }
        let market = &self.markets[m as usize];
        let Some(sp) = &market.sp else {
            return Err(ErrorCode::InvalidArgument);
        };
        let minimum = match req.side {
            Side::Back => market.spec.min_stake,
            Side::Lay => sp.min_liability,
        };
        if req.size < minimum {
            return Err(ErrorCode::BelowMinStake);
        }
        if market.status != MarketStatus::Open || market.in_play || sp.reconciled {
            return Err(ErrorCode::MarketNotOpen);
        }
        if market.removed[usize::from(r)] {
            return Err(ErrorCode::RunnerRemoved);
        }
        self.check_client_order_id(account, req.client_order_id)?;
        let (side, size) = (req.side, req.size);
        self.ledger_check(m, r, account, size, || sp_unmatched_delta(side, size))
    }

    /// Records an accepted SP bet (no funds check: done, or not needed for a conversion).
    #[allow(clippy::too_many_arguments)]
    fn accept_sp(
        &mut self,
        m: u32,
        r: u16,
        account: u32,
        side: Side,
        tick: u16,
        amount: Money,
        order_type: OrderType,
    ) -> OrderId {
        let id = self.orders.next_id();
        let link = self.record_accepted(Order {
            order_type,
            ..Order::new(id, m, r, side, tick, amount, account)
        });
        if let Some(sp) = self.markets[m as usize].sp.as_mut() {
            sp.bets[usize::from(r)].push(id);
        }
        let delta = sp_unmatched_delta(side, amount);
        self.ledger_accept_amounts(link, m, r, account, side, delta, amount);
        id
    }

    /// Every live SP bet of a market (runner by runner, in arrival order).
    pub(crate) fn starting_price_bets(&self, m: u32) -> Vec<OrderId> {
        self.markets[m as usize]
            .sp
            .as_ref()
            .map(|sp| sp.bets.iter().flatten().copied().collect())
            .unwrap_or_default()
    }

    /// Takes a cancelled SP bet out of its runner's list.
    pub(crate) fn forget_sp_bet(&mut self, m: u32, r: u16, id: OrderId) {
        if let Some(sp) = self.markets[m as usize].sp.as_mut() {
            let bets = &mut sp.bets[usize::from(r)];
            if let Some(i) = bets.iter().position(|&b| b == id) {
                bets.remove(i);
            }
        }
    }

    /// Per runner, the near and far projections and the actual SP (all None for a market
    /// without SP). Changes nothing.
    ///
    /// # Errors
    /// `UnknownMarket`.
    pub fn starting_prices(&self, market_id: &str) -> Result<Vec<StartingPriceView>, ErrorCode> {
        let m = self.market_idx(market_id)?;
        let market = &self.markets[m as usize];
        let Some(sp) = &market.sp else {
            return Ok(vec![
                StartingPriceView::default();
                market.spec.runners.len()
            ]);
        };
        Ok((0..market.spec.runners.len() as u16)
            .map(|r| {
                let supply = self.supply(m, r);
                let (near, far) = if sp.reconciled {
                    (None, None)
                } else {
                    (sp_price::crossing(&supply), sp_price::far_price(&supply))
                };
                StartingPriceView {
                    near,
                    far,
                    actual: sp.actual[usize::from(r)],
                }
            })
            .collect())
    }

    /// The reconciliation of a market that never goes in-play (`turn_in_play` runs it for
    /// the others). Exactly once.
    ///
    /// # Errors
    /// `UnknownMarket`; `InvalidArgument` for a market without SP; `InvalidState` when
    /// already reconciled or closed.
    pub fn reconcile_starting_price(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        let market = &self.markets[m as usize];
        let Some(sp) = &market.sp else {
            return Err(ErrorCode::InvalidArgument);
        };
        if sp.reconciled || market.status == MarketStatus::Closed {
            return Err(ErrorCode::InvalidState);
        }
        self.reconcile(m);
        Ok(())
    }

    /// The off for a market with SP (not yet reconciled): limit orders with
    /// `MARKET_ON_CLOSE` persistence convert, then every runner reconciles.
    pub(crate) fn reconcile(&mut self, m: u32) {
        self.convert_market_on_close(m);
        let n = self.markets[m as usize].spec.runners.len() as u16;
        for r in 0..n {
            self.reconcile_runner(m, r);
        }
        if let Some(sp) = self.markets[m as usize].sp.as_mut() {
            sp.reconciled = true;
        }
    }

    /// A resting order with `MARKET_ON_CLOSE` persistence hands its remainder to a new
    /// `MARKET_ON_CLOSE` bet: a back its stake, a lay the liability `remaining * (price - 1)`
    /// rounded down (below the market's minimum liability it lapses instead).
    fn convert_market_on_close(&mut self, m: u32) {
        let min_liability = self.markets[m as usize]
            .sp
            .as_ref()
            .map_or(Money::MAX, |sp| sp.min_liability);
        let converting: Vec<OrderId> = self
            .resting_orders(m)
            .into_iter()
            .filter(|&id| self.orders.at(id).persistence == Persistence::MarketOnClose)
            .collect();
        for id in converting {
            let o = self.orders.at(id);
            let (r, side, account, remaining) = (o.runner, o.side, o.account, o.remaining);
            let amount = match side {
                Side::Back => remaining,
                Side::Lay => {
                    let fx = odds_product(remaining, ladder::TICKS[usize::from(o.tick)]);
                    Money::try_from(fx / FX).unwrap_or(Money::MAX)
                }
            };
            if side == Side::Lay && amount < min_liability {
                self.cancel_unmatched(id, remaining, CancelReason::Lapsed);
                continue;
            }
            self.cancel_unmatched(id, remaining, CancelReason::ToStartingPrice);
            self.accept_sp(
                m,
                r,
                account,
                side,
                no_limit(side),
                amount,
                OrderType::MarketOnClose,
            );
        }
    }

    /// The supply of one runner: its SP bets, then its unmatched exchange orders.
    fn supply(&self, m: u32, r: u16) -> Vec<Supply> {
        let market = &self.markets[m as usize];
        let mut out = Vec::new();
        if let Some(sp) = &market.sp {
            for &id in &sp.bets[usize::from(r)] {
                let o = self.orders.at(id);
                let limit = (o.order_type == OrderType::LimitOnClose)
                    .then(|| ladder::TICKS[usize::from(o.tick)]);
                out.push(Supply {
                    side: o.side,
                    source: Source::StartingPrice { limit },
                    amount: o.remaining,
                });
            }
        }
        let book = &market.books[usize::from(r)];
        for (side, levels) in [(Side::Back, &book.backs), (Side::Lay, &book.lays)] {
            for (t, level) in levels.iter_asc() {
                if level.total > 0 {
                    out.push(Supply {
                        side,
                        source: Source::Exchange {
                            price: ladder::TICKS[usize::from(t)],
                        },
                        amount: level.total,
                    });
                }
            }
        }
        out
    }

    /// Matches one runner at its SP, lapses what is left of its SP bets.
    fn reconcile_runner(&mut self, m: u32, r: u16) {
        let bets = self.markets[m as usize]
            .sp
            .as_ref()
            .map(|sp| sp.bets[usize::from(r)].clone())
            .unwrap_or_default();
        let price = if bets.is_empty() {
            None
        } else {
            sp_price::crossing(&self.supply(m, r))
        };
        if let Some(sp) = self.markets[m as usize].sp.as_mut() {
            sp.actual[usize::from(r)] = price;
        }
        self.emit(EventKind::StartingPriceReconciled {
            market: m,
            runner: r,
            price,
        });
        if let Some(p) = price {
            self.match_at_starting_price(m, r, p, &bets);
        }
        for id in bets {
            let remaining = self.orders.at(id).remaining;
            self.cancel_unmatched(id, remaining, CancelReason::Lapsed);
        }
        if let Some(sp) = self.markets[m as usize].sp.as_mut() {
            sp.bets[usize::from(r)].clear();
        }
    }

    /// Everything eligible at `p` matched: the short side whole, the side in excess in
    /// priority (inframarginal first; at the margin SP bets before exchange orders, each in
    /// time priority), pairs of fills emitted in those orders.
    fn match_at_starting_price(&mut self, m: u32, r: u16, p: PriceFx, bets: &[OrderId]) {
        let mut backs: Vec<Entry> = Vec::new();
        let mut lays: Vec<Entry> = Vec::new();
        for &id in bets {
            let o = self.orders.at(id);
            let limit = (o.order_type == OrderType::LimitOnClose)
                .then(|| ladder::TICKS[usize::from(o.tick)]);
            let supply = Supply {
                side: o.side,
                source: Source::StartingPrice { limit },
                amount: o.remaining,
            };
            if !supply.eligible_at(p) {
                continue;
            }
            let stake = match o.side {
                Side::Back => o.remaining,
                Side::Lay => sp_price::lay_stake(o.remaining, p),
            };
            let entry = Entry {
                id,
                sp_bet: true,
                marginal: limit == Some(p),
                stake,
            };
            match o.side {
                Side::Back => backs.push(entry),
                Side::Lay => lays.push(entry),
            }
        }
        for id in self.resting_orders(m) {
            let o = self.orders.at(id);
            if o.runner != r {
                continue;
            }
            let price = ladder::TICKS[usize::from(o.tick)];
            let eligible = match o.side {
                Side::Back => price <= p,
                Side::Lay => price >= p,
            };
            if !eligible {
                continue;
            }
            let entry = Entry {
                id,
                sp_bet: false,
                marginal: price == p,
                stake: o.remaining,
            };
            match o.side {
                Side::Back => backs.push(entry),
                Side::Lay => lays.push(entry),
            }
        }
        let priority = |e: &Entry| (e.marginal, !e.sp_bet, e.id);
        backs.sort_by_key(priority);
        lays.sort_by_key(priority);
        let total = |v: &[Entry]| v.iter().map(|e| e.stake).sum::<Money>();
        let volume = total(&backs).min(total(&lays));
        let allot = |v: &mut Vec<Entry>| {
            let mut left = volume;
            for e in v.iter_mut() {
                e.stake = e.stake.min(left);
                left -= e.stake;
            }
            v.retain(|e| e.stake > 0);
        };
        allot(&mut backs);
        allot(&mut lays);
        // Pair them off in order: one fill per (back, lay) overlap.
        let (mut i, mut j) = (0, 0);
        let (mut bl, mut ll) = (
            backs.first().map_or(0, |e| e.stake),
            lays.first().map_or(0, |e| e.stake),
        );
        while i < backs.len() && j < lays.len() {
            let size = bl.min(ll);
            let (b, l) = (backs[i].id, lays[j].id);
            let (back_account, lay_account) =
                (self.orders.at(b).account, self.orders.at(l).account);
            self.emit(EventKind::StartingPriceFill {
                market: m,
                runner: r,
                back_order: b,
                lay_order: l,
                back_account,
                lay_account,
                price: p,
                size,
            });
            bl -= size;
            ll -= size;
            if bl == 0 {
                i += 1;
                bl = backs.get(i).map_or(0, |e| e.stake);
            }
            if ll == 0 {
                j += 1;
                ll = lays.get(j).map_or(0, |e| e.stake);
            }
        }
        for e in backs.iter().chain(&lays) {
            self.fill_at_starting_price(r, e, p);
        }
    }

    /// Applies one participant's matched stake at the SP to its order, book and position.
    fn fill_at_starting_price(&mut self, r: u16, e: &Entry, p: PriceFx) {
        let (side, tick, remaining, order_type) = {
            let o = self.orders.at(e.id);
            (o.side, o.tick, o.remaining, o.order_type)
        };
        let a = e.stake;
        let value = u64::try_from(i128::from(a) * i128::from(p)).unwrap_or(u64::MAX);
        if !order_type.is_starting_price() {
            // An exchange order leaves the ladder by what it matched.
            let m = self.orders.at(e.id).market;
            let Exchange {
                markets, orders, ..
            } = self;
            let book = markets[m as usize].books[usize::from(r)].side_mut(side);
            if a == remaining {
                book.unlink(orders, e.id);
            } else {
                book.reduce(tick, a);
            }
            let o = orders.at_mut(e.id);
            o.remaining -= a;
            o.matched += a;
            o.matched_value += value;
            if o.remaining == 0 {
                o.status = OrderStatus::ExecutionComplete;
            }
            let limit = ladder::TICKS[usize::from(tick)];
            let pos = self.orders.at(e.id).position as usize;
            self.ledger.positions[pos].fill(r, side, limit, p, a);
            return;
        }
        let pos = self.orders.at(e.id).position as usize;
        match side {
            Side::Back => {
                // The stake was already lost if the runner loses; now it also wins at the SP.
                self.ledger.positions[pos].fill(r, Side::Back, p, p, a);
                let o = self.orders.at_mut(e.id);
                o.remaining -= a;
                o.matched += a;
                o.matched_value += value;
                if o.remaining == 0 {
                    o.status = OrderStatus::ExecutionComplete;
                }
            }
            Side::Lay => {
                // The whole liability leaves the unmatched amounts; the matched lay comes in;
                // what its stake does not use is returned.
                let position = &mut self.ledger.positions[pos];
                position.apply(usize::from(r), i128::from(remaining) * FX, 0);
                position.apply(usize::from(r), -odds_product(a, p), i128::from(a) * FX);
                position.add_lot(r, Side::Lay, p, a);
                position.stale = true;
                let used = (odds_product(a, p) + FX - 1) / FX;
                let returned = (i128::from(remaining) - used).max(0) as Money;
                let (m, account) = {
                    let o = self.orders.at_mut(e.id);
                    o.remaining = 0;
                    o.matched += a;
                    o.matched_value += value;
                    o.cancelled += returned;
                    o.status = OrderStatus::ExecutionComplete;
                    (o.market, o.account)
                };
                self.forget_sp_bet(m, r, e.id);
                if returned > 0 {
                    self.emit(EventKind::OrderCancelled {
                        order_id: e.id,
                        market: m,
                        account,
                        size: returned,
                        reason: CancelReason::Lapsed,
                    });
                }
            }
        }
    }
}
