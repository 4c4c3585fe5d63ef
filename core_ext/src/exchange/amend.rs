//! Cancel, reduce and replace: changes of an order's unmatched size.

use super::{CancelReport, Exchange, OrderTerms, PlaceReport, PlaceRequest};
use crate::error::ErrorCode;
use crate::events::EventKind;
use crate::exposure::sp_unmatched_delta;
use crate::ladder::N_TICKS;
use crate::market::MarketStatus;
use crate::order::{CancelReason, OrderStatus};
use crate::types::{Money, OrderId, Side, Tick, TimeInForce};

impl Exchange {
    /// Cancels `amount` of an order's unmatched size (all of it: the order leaves the book or
    /// the delay queue; part of it: the order keeps its queue position).
    pub(crate) fn cancel_unmatched(&mut self, id: OrderId, amount: Money, reason: CancelReason) {
        if amount <= 0 {
            return;
        }
        let link = self.orders.link_of(id);
        let (m, r, side, status, remaining, account, tick, sp) = {
            let o = self.orders.linked(link);
            (
                o.market,
                o.runner,
                o.side,
                o.status,
                o.remaining,
                o.account,
                o.tick,
                o.order_type.is_starting_price(),
            )
        };
        let amount = amount.min(remaining);
        let full = amount == remaining;
        if sp {
            self.cancel_sp_bet(link, m, r, side, account, amount, reason);
            return;
        }
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
                let resting = orders.linked(link).prev != 0 || side_book.level(tick).head == link;
                if resting {
                    if full {
                        side_book.unlink_at(orders, link);
                    } else {
                        side_book.reduce(tick, amount);
                    }
                }
            }
            _ => {}
        }
        let o = orders.linked_mut(link);
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
        self.ledger_leave(link, r, side, tick, amount);
    }

    /// `cancel_unmatched` of an SP bet: it is on no ladder, only in its runner's SP list.
    #[allow(clippy::too_many_arguments)]
    fn cancel_sp_bet(
        &mut self,
        link: u32,
        m: u32,
        r: u16,
        side: Side,
        account: u32,
        amount: Money,
        reason: CancelReason,
    ) {
        let o = self.orders.linked_mut(link);
        let id = o.id;
        o.remaining -= amount;
        o.cancelled += amount;
        let done = o.remaining == 0;
        if done {
            o.status = OrderStatus::ExecutionComplete;
            self.forget_sp_bet(m, r, id);
        }
        self.emit(EventKind::OrderCancelled {
            order_id: id,
            market: m,
            account,
            size: amount,
            reason,
        });
        self.ledger_move(link, r, sp_unmatched_delta(side, -amount));
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
        match size_reduction {
            Some(r) if r <= 0 => return Err(ErrorCode::InvalidSize),
            Some(r) if r > crate::types::MAX_AMOUNT => return Err(ErrorCode::AmountOverflow),
            _ => {}
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
        let remaining = order.remaining - amount;
        self.cancel_unmatched(id, amount, CancelReason::Cancelled);
        Ok(CancelReport {
            order_id: id,
            size_cancelled: amount,
            size_remaining: remaining,
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
        let terms = OrderTerms {
            market: order.market,
            runner: order.runner,
            side: order.side,
            tick,
            size: order.remaining,
        };
        if order.remaining == 0 || order.status == OrderStatus::Pending {
            return Ok(PlaceReport::rejected(ErrorCode::OrderNotActive, terms));
        }
        if order.order_type.is_starting_price() {
            // An SP bet has no price to move; cancel it and place another.
            return Ok(PlaceReport::rejected(ErrorCode::InvalidArgument, terms));
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
            return Ok(PlaceReport::rejected(code, terms));
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
        let (new_id, link) = self.accept(m, r, acct, &req);
        Ok(self.run_reported(m, new_id, link))
    }
}
