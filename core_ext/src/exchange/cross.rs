//! Cross-matching (spec section 2b): in a one-winner market created with it, a taker also
//! meets virtual offers made from the best offers of every other runner, matched through the
//! house account, which places one leg against each of those offers (`cross_price.rs` prices
//! them and checks that the house never loses). Best execution: the better price first, the
//! direct offer first at an equal price, level by level until the taker's limit or size.

use super::cross_price::{self, Offers, Plan};
use super::{Exchange, FillInfo};
use crate::error::ErrorCode;
use crate::events::EventKind;
use crate::ladder;
use crate::market::MarketStatus;
use crate::order::{Order, OrderStatus};
use crate::types::{Money, OrderId, Side, Tick, TimeInForce};

/// The account through which cross-matched bets are matched. It never deposits, is never
/// charged commission, and its P&L is >= 0 on every result after every command.
pub const HOUSE_ACCOUNT: &str = "__house__";

impl Exchange {
    /// Turns cross-matching on for a market with one winner (before it is closed).
    ///
    /// # Errors
    /// `UnknownMarket`; `InvalidArgument` for a market with more than one place;
    /// `InvalidState` for a closed market.
    pub fn enable_cross_matching(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        let market = &mut self.markets[m as usize];
        if market.spec.places != 1 {
            return Err(ErrorCode::InvalidArgument);
        }
        if market.status == MarketStatus::Closed {
            return Err(ErrorCode::InvalidState);
        }
        market.cross_matching = true;
        Ok(())
    }

    /// The levels of every other active runner that a taker of `side` on runner `r` would
    /// take legs from, best first (None when one of them has none). A backing taker's house
    /// lays the others against their resting backs (the lowest is the best to lay); a laying
    /// taker's house backs them against their resting lays (the highest).
    fn offers(&self, m: u32, r: u16, side: Side) -> Option<Vec<Offers>> {
        let market = &self.markets[m as usize];
        let mut out = Vec::with_capacity(market.books.len().saturating_sub(1));
        for (j, book) in market.books.iter().enumerate() {
            if j == usize::from(r) || market.removed[j] {
                continue;
            }
            let levels: Vec<(Tick, Money)> = match side {
                Side::Back => book
                    .backs
                    .iter_asc()
                    .take(4)
                    .map(|(t, l)| (t, l.total))
                    .collect(),
                Side::Lay => book
                    .lays
                    .iter_desc()
                    .take(4)
                    .map(|(t, l)| (t, l.total))
                    .collect(),
            };
            if levels.is_empty() {
                return None;
            }
            out.push(Offers {
                runner: j as u16,
                levels,
            });
        }
        (!out.is_empty()).then_some(out)
    }

    /// The virtual offer that taker `id` can take now, within its limit.
    fn virtual_offer(&self, id: OrderId) -> Option<Plan> {
        let o = self.orders.at(id);
        if !self.virtual_reaches(o.market, o.runner, o.side, o.tick) {
            return None;
        }
        let offers = self.offers(o.market, o.runner, o.side)?;
        cross_price::plan_over(o.side, &offers, o.tick, o.remaining)
    }

    /// How much of taker `id` virtual offers could fill now (stops at `enough`); changes
    /// nothing. Virtual and direct offers on the taker's runner are disjoint, so a FOK adds
    /// this to its direct `matchable`.
    pub(super) fn virtual_matchable(&self, id: OrderId, enough: Money) -> Money {
        let o = self.orders.at(id);
        let levels = self.virtual_levels(o.market, o.runner, o.side, o.tick, usize::MAX, enough);
        levels.iter().map(|l| l.1).sum()
    }

    /// Direct and virtual offers together: the direct levels at least as good as the best
    /// virtual price, then one virtual fill, until the taker is filled or nothing is left.
    #[cold]
    #[inline(never)]
    pub(super) fn match_cross(&mut self, taker: OrderId, fills: &mut Vec<FillInfo>) {
        loop {
            if self.orders.at(taker).remaining == 0 {
                return;
            }
            let Some(plan) = self.virtual_offer(taker) else {
                self.match_order(self.orders.link_of(taker), fills, None);
                return;
            };
            self.match_order(self.orders.link_of(taker), fills, Some(plan.tick));
            let remaining = self.orders.at(taker).remaining;
            if remaining == 0 {
                return;
            }
            // The direct levels may have changed nothing of the virtual offer, but the taker's
            // remaining size may have shrunk: plan again for what is left.
            let plan = if plan.stake > remaining {
                match self.virtual_offer(taker) {
                    Some(p) => p,
                    None => continue,
                }
            } else {
                plan
            };
            self.virtual_fill(taker, &plan, fills);
        }
    }

    /// After a command in a cross-matching market: a resting order that a virtual offer on
    /// its own runner now satisfies (the other runners' offers moved, or a runner's new order
    /// completed a set the house can match) takes it, best price first, so that the book
    /// stays uncrossed against its own virtual offers.
    #[cold]
    #[inline(never)]
    pub(super) fn sweep_cross(&mut self, m: u32) {
        let n = self.markets[m as usize].books.len() as u16;
        let mut fills = Vec::new();
        // Every fill consumes volume, so this ends; the bound is a guard against a bug.
        for _ in 0..1_000_000 {
            let found = (0..n).find_map(|r| {
                [Side::Back, Side::Lay]
                    .into_iter()
                    .find_map(|side| self.crossed_resting(m, r, side))
            });
            let Some((id, plan)) = found else {
                return;
            };
            fills.clear();
            self.virtual_fill(id, &plan, &mut fills);
            let (r, side, tick, remaining) = {
                let o = self.orders.at(id);
                (o.runner, o.side, o.tick, o.remaining)
            };
            let Exchange {
                markets, orders, ..
            } = self;
            let book = markets[m as usize].books[usize::from(r)].side_mut(side);
            // The fill leaves the level total first: `unlink` only takes out what is left.
            book.reduce(tick, plan.stake);
            if remaining == 0 {
                book.unlink(orders, id);
                orders.at_mut(id).status = OrderStatus::ExecutionComplete;
            }
        }
        debug_assert!(false, "cross-matching sweep did not settle");
    }

    /// The first resting order of runner `r` on `side` (best level first, time priority in
    /// a level) that a virtual offer satisfies at its own size, with that offer. A level no
    /// virtual offer reaches at any size ends the search (the deeper ones are worse).
    fn crossed_resting(&self, m: u32, r: u16, side: Side) -> Option<(OrderId, Plan)> {
        let market = &self.markets[m as usize];
        if market.removed[usize::from(r)] {
            return None;
        }
        let book = &market.books[usize::from(r)];
        // A resting back wants at least its price: the lowest first; a resting lay, the
        // highest first.
        let best = match side {
            Side::Back => book.backs.lowest()?,
            Side::Lay => book.lays.highest()?,
        };
        // Most commands end here: the virtual price does not reach the best resting order.
        if !self.virtual_reaches(m, r, side, best) {
            return None;
        }
        let offers = self.offers(m, r, side)?;
        let levels: Box<dyn Iterator<Item = (Tick, &crate::book::Level)>> = match side {
            Side::Back => Box::new(book.backs.iter_asc()),
            Side::Lay => Box::new(book.lays.iter_desc()),
        };
        for (tick, _) in levels {
            cross_price::plan_over(side, &offers, tick, Money::MAX)?;
            let queue = match side {
                Side::Back => book.backs.queue(&self.orders, tick),
                Side::Lay => book.lays.queue(&self.orders, tick),
            };
            for id in queue {
                if let Some(plan) = self.virtual_offer(id) {
                    return Some((id, plan));
                }
            }
        }
        None
    }

    /// Whether the exact virtual price for a taker of `side` on runner `r` (from the other
    /// runners' best offers, before any rounding) reaches `limit`: an allocation-free first
    /// test; [`cross_price::plan_over`] decides.
    fn virtual_reaches(&self, m: u32, r: u16, side: Side, limit: Tick) -> bool {
        let market = &self.markets[m as usize];
        let mut inv = 0.0_f64;
        let mut others = 0;
        for (j, book) in market.books.iter().enumerate() {
            if j == usize::from(r) || market.removed[j] {
                continue;
            }
            let tick = match side {
                Side::Back => book.backs.lowest(),
                Side::Lay => book.lays.highest(),
            };
            let Some(tick) = tick else {
                return false;
            };
            inv += crate::exposure::FX as f64 / ladder::TICKS[usize::from(tick)] as f64;
            others += 1;
        }
        if others == 0 {
            return false;
        }
        let price = ladder::TICKS[usize::from(limit)] as f64 / crate::exposure::FX as f64;
        // Inverse prices summing to 1 or more make no virtual offer (see docs/cross_matching.md).
        inv < 1.0
            && match side {
                Side::Back => 1.0 / (1.0 - inv) * (1.0 + 1e-9) >= price,
                Side::Lay => 1.0 / (1.0 - inv) * (1.0 - 1e-9) <= price,
            }
    }

    /// The virtual offer that order `id` could take now at its limit and remaining size:
    /// `(tick, stake)`. None for a resting order of a cross-matching market after every
    /// command (what the property tests check).
    #[must_use]
    pub fn virtual_offer_for(&self, id: OrderId) -> Option<(Tick, Money)> {
        let o = self.orders.get(id)?;
        if o.remaining == 0 || !self.markets[o.market as usize].cross_matching {
            return None;
        }
        self.virtual_offer(id).map(|p| (p.tick, p.stake))
    }

    /// The house takes the legs, then fills the taker at the virtual price.
    #[cold]
    #[inline(never)]
    fn virtual_fill(&mut self, taker: OrderId, plan: &Plan, fills: &mut Vec<FillInfo>) {
        let (m, r, side, taker_account) = {
            let o = self.orders.at(taker);
            (o.market, o.runner, o.side, o.account)
        };
        let house = match self.account_idx(HOUSE_ACCOUNT) {
            Some(a) => a,
            None => self.intern_account(HOUSE_ACCOUNT),
        };
        let house_side = side.opposite();
        let mut leg_fills = Vec::new();
        for &(j, tick, stake) in &plan.legs {
            let leg = self.accept_house(m, j, house_side, tick, stake, house);
            leg_fills.clear();
            self.match_order(self.orders.link_of(leg), &mut leg_fills, None);
            let o = self.orders.at_mut(leg);
            debug_assert_eq!(o.remaining, 0, "a leg fills whole at its best level");
            o.status = OrderStatus::ExecutionComplete;
        }
        // The house's order on the taker's runner is the maker of the taker's fill.
        let maker = self.accept_house(m, r, house_side, plan.tick, plan.stake, house);
        let size = plan.stake;
        let value = size as u64 * ladder::TICKS[usize::from(plan.tick)] as u64;
        for id in [maker, taker] {
            let o = self.orders.at_mut(id);
            o.remaining -= size;
            o.matched += size;
            o.matched_value += value;
        }
        self.orders.at_mut(maker).status = OrderStatus::ExecutionComplete;
        self.emit(EventKind::Fill {
            market: m,
            runner: r,
            maker_order: maker,
            taker_order: taker,
            maker_account: house,
            taker_account,
            tick: plan.tick,
            size,
            taker_side: side,
        });
        let fill = FillInfo {
            maker_position: self.orders.at(maker).position,
            maker_order: maker,
            maker_account: house,
            tick: plan.tick,
            size,
        };
        fills.push(fill);
        self.ledger_fills(self.orders.link_of(taker), &[fill]);
    }

    /// Records a house order (no funds check, no bet delay: it fills at once).
    #[cold]
    #[inline(never)]
    fn accept_house(
        &mut self,
        m: u32,
        r: u16,
        side: Side,
        tick: Tick,
        size: Money,
        house: u32,
    ) -> OrderId {
        let id = self.orders.next_id();
        let link = self.record_accepted(Order {
            tif: TimeInForce::Ioc,
            ..Order::new(id, m, r, side, tick, size, house)
        });
        self.ledger_accept(link, m, r, house, side, tick, size);
        id
    }

    /// The virtual levels a taker of `side` on runner `r` would meet, best first, down to
    /// its `limit`, at most `depth` levels and `enough` in total (the legs' consumption of
    /// the other runners' books simulated, nothing changed).
    pub(crate) fn virtual_levels(
        &self,
        m: u32,
        r: u16,
        side: Side,
        limit: Tick,
        depth: usize,
        enough: Money,
    ) -> Vec<(Tick, Money)> {
        let market = &self.markets[m as usize];
        let mut out: Vec<(Tick, Money)> = Vec::new();
        if !market.cross_matching {
            return out;
        }
        // Per other runner, its levels on the side the legs take, best first.
        let mut books: Vec<(u16, Vec<(Tick, Money)>)> = Vec::new();
        for (j, book) in market.books.iter().enumerate() {
            if j == usize::from(r) || market.removed[j] {
                continue;
            }
            let levels: Vec<(Tick, Money)> = match side {
                Side::Back => book.backs.iter_asc().map(|(t, l)| (t, l.total)).collect(),
                Side::Lay => book.lays.iter_desc().map(|(t, l)| (t, l.total)).collect(),
            };
            books.push((j as u16, levels));
        }
        let mut total = 0;
        while out.len() < depth && total < enough {
            let offers: Vec<Offers> = books
                .iter()
                .map(|(j, levels)| Offers {
                    runner: *j,
                    levels: levels.iter().take(4).copied().collect(),
                })
                .collect();
            let Some(plan) = cross_price::plan_over(side, &offers, limit, enough - total) else {
                break;
            };
            match out.last_mut() {
                Some(last) if last.0 == plan.tick => last.1 += plan.stake,
                _ => out.push((plan.tick, plan.stake)),
            }
            total += plan.stake;
            // Each leg takes its stake from its runner's levels best first.
            for (&(_, _, leg), (_, levels)) in plan.legs.iter().zip(books.iter_mut()) {
                let mut left = leg;
                while left > 0 && !levels.is_empty() {
                    let take = left.min(levels[0].1);
                    levels[0].1 -= take;
                    left -= take;
                    if levels[0].1 == 0 {
                        levels.remove(0);
                    }
                }
            }
        }
        out
    }

    /// [`Exchange::book`] with the virtual offers merged in (`(tick, size)` best first).
    ///
    /// # Errors
    /// `UnknownMarket`, `UnknownRunner`.
    #[allow(clippy::type_complexity)]
    pub fn book_with_virtual(
        &self,
        market_id: &str,
        runner: crate::types::SelectionId,
        depth: usize,
    ) -> Result<(Vec<(Tick, Money)>, Vec<(Tick, Money)>), ErrorCode> {
        let (to_back, to_lay) = self.book(market_id, runner, depth)?;
        let m = self.market_idx(market_id)?;
        let r = self.markets[m as usize]
            .runner_index(runner)
            .ok_or(ErrorCode::UnknownRunner)?;
        // Something to back on r comes from the others' backs (a backing taker's legs); to
        // lay, from their lays.
        let v_back = self.virtual_levels(m, r, Side::Back, 0, depth, Money::MAX);
        let v_lay = self.virtual_levels(
            m,
            r,
            Side::Lay,
            (ladder::N_TICKS - 1) as Tick,
            depth,
            Money::MAX,
        );
        Ok((
            merge(to_back, v_back, depth, |a, b| a > b),
            merge(to_lay, v_lay, depth, |a, b| a < b),
        ))
    }
}

/// Two best-first ladders merged (sizes at an equal tick added), `depth` levels.
fn merge(
    a: Vec<(Tick, Money)>,
    b: Vec<(Tick, Money)>,
    depth: usize,
    better: impl Fn(Tick, Tick) -> bool,
) -> Vec<(Tick, Money)> {
    let mut out: Vec<(Tick, Money)> = Vec::with_capacity(depth);
    let (mut i, mut j) = (0, 0);
    while out.len() < depth && (i < a.len() || j < b.len()) {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x.0 == y.0 => {
                i += 1;
                j += 1;
                (x.0, x.1 + y.1)
            }
            (Some(&x), Some(&y)) if better(x.0, y.0) => {
                i += 1;
                x
            }
            (Some(_), Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => break,
        };
        out.push(next);
    }
    out
}
