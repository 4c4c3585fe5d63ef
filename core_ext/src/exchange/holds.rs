//! The engine's hooks into the ledger: the funds check of a new or replaced order, and the
//! holds and positions that follow an order's acceptance, fills and departure.

use super::{Exchange, FillInfo};
use crate::error::ErrorCode;
use crate::exposure::{exposure_of, key, matched_delta, order_loss, unmatched_delta};
use crate::ladder;
use crate::types::{Money, OrderId, Side, Tick};

impl Exchange {
    // ------------------------------------------------------------ hooks called by the engine

    /// Risk check of a new order (see [`Ledger::covers`] and [`Ledger::check_exactly`]).
    pub(crate) fn ledger_check_new(
        &mut self,
        m: u32,
        r: u16,
        account: Option<u32>,
        side: Side,
        tick: Tick,
        size: Money,
    ) -> Result<(), ErrorCode> {
        let price = ladder::TICKS[usize::from(tick)];
        let loss = order_loss(side, price, size);
        self.ledger_check(m, r, account, loss, || unmatched_delta(side, price, size))
    }

    /// The funds check of a new order of potential loss `loss` and position change `delta`.
    #[inline]
    pub(crate) fn ledger_check(
        &mut self,
        m: u32,
        r: u16,
        account: Option<u32>,
        loss: Money,
        delta: impl FnOnce() -> (i128, i128),
    ) -> Result<(), ErrorCode> {
        if self.ledger.covers(account, loss) {
            return Ok(());
        }
        self.ledger
            .check_exactly(&self.markets, m, r, account, delta())
    }

    /// Risk check of a replace: the old order's unmatched size leaves, the new one arrives.
    pub(crate) fn ledger_check_replace(
        &mut self,
        id: OrderId,
        tick: Tick,
    ) -> Result<(), ErrorCode> {
        let o = self.orders.at(id);
        // A back's unmatched loss is its stake whatever the price: a replace changes nothing.
        if o.side == Side::Back {
            return Ok(());
        }
        let (w_old, _) =
            unmatched_delta(Side::Lay, ladder::TICKS[usize::from(o.tick)], o.remaining);
        let (w_new, _) = unmatched_delta(Side::Lay, ladder::TICKS[usize::from(tick)], o.remaining);
        let (m, r, account) = (o.market, o.runner, o.account);
        let dw = w_new - w_old;
        if self.ledger.covers(Some(account), exposure_of(dw.min(0))) {
            return Ok(());
        }
        self.ledger
            .check_exactly(&self.markets, m, r, Some(account), (dw, 0))
    }

    // The three hooks of the engine: every change of an order's unmatched or matched size
    // goes through one of them.

    /// An order was accepted: its position (created on the account's first order in the
    /// market) holds the order's whole potential loss.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn ledger_accept(
        &mut self,
        link: u32,
        m: u32,
        r: u16,
        account: u32,
        side: Side,
        tick: Tick,
        size: Money,
    ) {
        let price = ladder::TICKS[usize::from(tick)];
        let delta = unmatched_delta(side, price, size);
        self.ledger_accept_amounts(
            link,
            m,
            r,
            account,
            side,
            delta,
            order_loss(side, price, size),
        );
    }

    /// [`Exchange::ledger_accept`] with the position change and potential loss given (an SP
    /// bet: its stake or liability, whatever the price).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn ledger_accept_amounts(
        &mut self,
        link: u32,
        m: u32,
        r: u16,
        account: u32,
        side: Side,
        (dw, dl): (i128, i128),
        loss: Money,
    ) {
        let ledger = &mut self.ledger;
        let a = account as usize;
        let p = ledger.ensure_position(account, m, &self.markets);
        self.orders.linked_mut(link).position = p as u32;
        let pos = &mut ledger.positions[p];
        let r = usize::from(r);
        // One side of the amounts moves: a back's stake if the runner loses, a lay's liability
        // if it wins.
        match side {
            Side::Back => {
                pos.lose[r] += dl;
                pos.sum_lose += dl;
            }
            Side::Lay => pos.win[r] += dw,
        }
        pos.stale = true;
        pos.held += loss;
        ledger.held[a] += loss;
        if ledger.held[a] > ledger.balances[a] {
            // A hedge let through, or a replace (which checks only the difference): tighten
            // at once, so that a hold never runs far above the exposure.
            ledger.tighten(account, &self.markets);
        }
    }

    /// `amount` of an order's unmatched size left (cancelled, lapsed, expired or killed): the
    /// worst case can only rise, so the hold stays and goes stale.
    #[inline]
    pub(crate) fn ledger_leave(
        &mut self,
        link: u32,
        r: u16,
        side: Side,
        tick: Tick,
        amount: Money,
    ) {
        let delta = unmatched_delta(side, ladder::TICKS[usize::from(tick)], -amount);
        self.ledger_move(link, r, delta);
    }

    /// Adds `(dw, dl)` to the position of the order at `link` on runner `r` (the hold goes
    /// stale).
    #[inline]
    pub(crate) fn ledger_move(&mut self, link: u32, r: u16, (dw, dl): (i128, i128)) {
        let p = self.orders.linked(link).position as usize;
        let pos = &mut self.ledger.positions[p];
        pos.apply(usize::from(r), dw, dl);
        pos.stale = true;
    }

    /// A taker's fills (in matching order, so grouped by price level): each side's unmatched
    /// part becomes matched, which never raises a worst case, so the holds stay. Each maker
    /// moves per fill; the taker once per level (the amounts are linear in the size).
    #[inline(always)]
    pub(crate) fn ledger_fills(&mut self, taker: u32, fills: &[FillInfo]) {
        let tk = self.orders.linked(taker);
        let (r, taker_side) = (tk.runner, tk.side);
        let limit = ladder::TICKS[usize::from(tk.tick)];
        let maker_side = taker_side.opposite();
        let ledger = &mut self.ledger;
        let taker_pos = tk.position as usize;
        let mut rest = fills;
        while let Some(first) = rest.first() {
            let price = ladder::TICKS[usize::from(first.tick)];
            let level = rest.iter().take_while(|f| f.tick == first.tick).count();
            let mut matched = 0;
            for f in &rest[..level] {
                let p = f.maker_position as usize;
                // A maker's limit is the fill price.
                ledger.positions[p].fill(r, maker_side, price, price, f.size);
                matched += f.size;
            }
            ledger.positions[taker_pos].fill(r, taker_side, limit, price, matched);
            rest = &rest[level..];
        }
    }

    /// Rebuilds every position of a market from its lots and live orders (after a
    /// non-runner reprices or voids bets), keeping the account totals in step.
    pub(crate) fn rebuild_positions(&mut self, m: u32) {
        let live: Vec<OrderId> = self
            .resting_orders(m)
            .into_iter()
            .chain(self.markets[m as usize].pending.iter().copied())
            .chain(self.starting_price_bets(m))
            .collect();
        let Exchange {
            markets,
            ledger,
            orders,
            ..
        } = self;
        let market = &markets[m as usize];
        let positions = ledger.markets[m as usize].positions.clone();
        for &p in &positions {
            ledger.positions[p as usize].clear();
        }
        for &p in &positions {
            let pos = &mut ledger.positions[p as usize];
            for i in 0..pos.lots.len() {
                let l = pos.lots[i];
                let (w, l2) = matched_delta(l.side(), l.price(), l.size);
                pos.apply(usize::from(l.runner()), w, l2);
            }
        }
        for id in live {
            let o = orders.at(id);
            let p = ledger.index[&key(o.account, m)] as usize;
            let (w, l) = o.unmatched_delta();
            ledger.positions[p].apply(usize::from(o.runner), w, l);
        }
        for p in positions {
            ledger.refresh(p as usize, market);
        }
    }
}
