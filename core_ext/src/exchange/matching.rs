//! Price-time matching of a taker against the opposite side.

use super::{emit, Exchange, FillInfo};
use crate::events::EventKind;
use crate::ladder::{self};
use crate::order::{CancelReason, OrderStatus};
use crate::types::{Money, OrderId, Side, Tick, TimeInForce};

impl Exchange {
    /// Matches the order at `link` per its time in force (the command that placed it has its
    /// link: the orders are looked up by slot, not by id).
    #[inline(always)]
    pub(super) fn execute_into(&mut self, link: u32, fills: &mut Vec<FillInfo>) {
        let (id, tif, min_fill, m) = {
            let o = self.orders.linked(link);
            (o.id, o.tif, o.min_fill, o.market)
        };
        if self.markets[m as usize].cross_matching {
            // Out of line, so that the direct path below compiles as it did without it.
            self.execute_cross(id, fills, tif, min_fill);
            return;
        }
        match tif {
            TimeInForce::Fok => {
                if self.matchable(id, min_fill) < min_fill {
                    let remaining = self.orders.linked(link).remaining;
                    self.cancel_unmatched(id, remaining, CancelReason::Killed);
                    return;
                }
                self.match_order(link, fills, None);
                self.expire_rest(link);
            }
            TimeInForce::Ioc => {
                self.match_order(link, fills, None);
                self.expire_rest(link);
            }
            TimeInForce::Gtc => {
                self.match_order(link, fills, None);
                self.rest_or_complete(link);
            }
        }
    }

    /// [`Exchange::execute_into`] in a cross-matching market: direct and virtual offers.
    #[cold]
    #[inline(never)]
    fn execute_cross(
        &mut self,
        id: OrderId,
        fills: &mut Vec<FillInfo>,
        tif: TimeInForce,
        min_fill: Money,
    ) {
        match tif {
            TimeInForce::Fok => {
                let mut available = self.matchable(id, min_fill);
                if available < min_fill {
                    available += self.virtual_matchable(id, min_fill - available);
                }
                if available < min_fill {
                    let remaining = self.orders.at(id).remaining;
                    self.cancel_unmatched(id, remaining, CancelReason::Killed);
                    return;
                }
                self.match_cross(id, fills);
                self.expire_rest(self.orders.link_of(id));
            }
            TimeInForce::Ioc => {
                self.match_cross(id, fills);
                self.expire_rest(self.orders.link_of(id));
            }
            TimeInForce::Gtc => {
                self.match_cross(id, fills);
                self.rest_or_complete(self.orders.link_of(id));
            }
        }
    }

    /// A GTC order after matching: its rest joins the back of its level, or it is complete.
    #[inline(always)]
    fn rest_or_complete(&mut self, link: u32) {
        let o = self.orders.linked_mut(link);
        if o.remaining > 0 {
            o.status = OrderStatus::Executable;
            let (m, r, side) = (o.market, o.runner, o.side);
            let Exchange {
                markets, orders, ..
            } = self;
            markets[m as usize].books[usize::from(r)]
                .side_mut(side)
                .push_back_at(orders, link);
        } else {
            o.status = OrderStatus::ExecutionComplete;
        }
    }

    pub(super) fn expire_rest(&mut self, link: u32) {
        let o = self.orders.linked_mut(link);
        if o.remaining > 0 {
            let (id, remaining) = (o.id, o.remaining);
            self.cancel_unmatched(id, remaining, CancelReason::Expired);
        } else {
            o.status = OrderStatus::ExecutionComplete;
        }
    }

    /// How much of `id` could match now (stops counting at `enough`), skipping own orders.
    pub(super) fn matchable(&self, id: OrderId, enough: Money) -> Money {
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
                let maker = self.orders.linked(cur);
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
    /// With `stop`, only the levels at least as good for the taker as that tick.
    pub(super) fn match_order(&mut self, tl: u32, fills: &mut Vec<FillInfo>, stop: Option<Tick>) {
        let start = fills.len();
        let (taker, m, r, side, limit, account) = {
            let o = self.orders.linked(tl);
            let bound = match (o.side, stop) {
                (Side::Back, Some(v)) => o.tick.max(v),
                (Side::Lay, Some(v)) => o.tick.min(v),
                (_, None) => o.tick,
            };
            (o.id, o.market, o.runner, o.side, bound, o.account)
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
                let taker_remaining = orders.linked(tl).remaining;
                if taker_remaining == 0 {
                    break 'levels;
                }
                let (next, maker_account, maker_remaining, maker_id, maker_position) = {
                    let mk = orders.linked(cur);
                    (mk.next, mk.account, mk.remaining, mk.id, mk.position)
                };
                if maker_account == account {
                    cur = next; // self-match: skip, the resting order keeps its place
                    continue;
                }
                let size = taker_remaining.min(maker_remaining);
                if size == maker_remaining {
                    makers.unlink_at(orders, cur);
                    let mk = orders.linked_mut(cur);
                    mk.status = OrderStatus::ExecutionComplete;
                    mk.remaining = 0;
                } else {
                    makers.reduce(t, size);
                    orders.linked_mut(cur).remaining -= size;
                }
                let value = size as u64 * price as u64;
                let mk = orders.linked_mut(cur);
                mk.matched += size;
                mk.matched_value += value;
                let tk = orders.linked_mut(tl);
                tk.remaining -= size;
                tk.matched += size;
                tk.matched_value += value;
                fills.push(FillInfo {
                    maker_order: maker_id,
                    maker_account,
                    tick: t,
                    size,
                    maker_position,
                });
                emit(
                    events,
                    next_seq,
                    EventKind::Fill {
                        market: m,
                        runner: r,
                        maker_order: maker_id,
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
            if orders.linked(tl).remaining == 0 {
                break;
            }
            tick = next_level(makers, side, t, limit);
        }
        if fills.len() > start {
            self.ledger_fills(tl, &fills[start..]);
        }
    }
}

/// The next maker level for a taker of `side` after tick `t`, if still within `limit`.
#[inline]
pub(super) fn next_level(
    makers: &crate::book::SideBook,
    side: Side,
    t: Tick,
    limit: Tick,
) -> Option<Tick> {
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
