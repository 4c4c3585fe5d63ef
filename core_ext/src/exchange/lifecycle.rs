//! Market lifecycle: create, open, suspend, resume, in-play, close.

use super::Exchange;
use crate::error::ErrorCode;
use crate::events::EventKind;
use crate::market::{Market, MarketSpec, MarketStatus};
use crate::order::CancelReason;
use crate::types::{OrderId, Persistence};

impl Exchange {
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

    pub(super) fn set_status(&mut self, m: u32, status: MarketStatus) {
        self.markets[m as usize].status = status;
        let in_play = self.markets[m as usize].in_play;
        self.emit(EventKind::MarketStatusChanged {
            market: m,
            status,
            in_play,
        });
    }

    /// Moves a market from status `from` to `to` (emitting the change); its index.
    fn transition(
        &mut self,
        market_id: &str,
        from: MarketStatus,
        to: MarketStatus,
    ) -> Result<u32, ErrorCode> {
        let m = self.market_idx(market_id)?;
        if self.markets[m as usize].status != from {
            return Err(ErrorCode::InvalidState);
        }
        self.set_status(m, to);
        Ok(m)
    }

    /// `INACTIVE` -> `OPEN`.
    ///
    /// # Errors
    /// `UnknownMarket`, `InvalidState`.
    pub fn open_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        self.transition(market_id, MarketStatus::Inactive, MarketStatus::Open)?;
        Ok(())
    }

    /// `OPEN` -> `SUSPENDED`: resting orders stay, orders waiting in the bet delay lapse.
    ///
    /// # Errors
    /// `UnknownMarket`, `InvalidState`.
    pub fn suspend_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.transition(market_id, MarketStatus::Open, MarketStatus::Suspended)?;
        self.cancel_pending(m, CancelReason::Lapsed);
        Ok(())
    }

    /// `SUSPENDED` -> `OPEN`.
    ///
    /// # Errors
    /// `UnknownMarket`, `InvalidState`.
    pub fn resume_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        self.transition(market_id, MarketStatus::Suspended, MarketStatus::Open)?;
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
        if self.markets[m as usize]
            .sp
            .as_ref()
            .is_some_and(|sp| !sp.reconciled)
        {
            // The off: SP bets and the unmatched exchange orders meet before anything lapses.
            self.reconcile(m);
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
        for id in self.starting_price_bets(m) {
            let remaining = self.orders.at(id).remaining;
            self.cancel_unmatched(id, remaining, reason);
        }
        for id in self.resting_orders(m) {
            let remaining = self.orders.at(id).remaining;
            self.cancel_unmatched(id, remaining, reason);
        }
    }

    /// Resting order ids of a market, in a deterministic order (runner, side, tick, queue).
    ///
    /// A queue is a linked list through the order slab: walked one after the other, every step
    /// waits for a cache miss (at a million resting orders this was three quarters of a
    /// snapshot's and a state hash's time). [`QUEUE_LANES`] queues are walked side by side
    /// instead, so that their misses overlap, and their ids concatenated in order.
    pub(crate) fn resting_orders(&self, m: u32) -> Vec<OrderId> {
        let mut heads = Vec::new();
        for book in &self.markets[m as usize].books {
            for side in [&book.backs, &book.lays] {
                heads.extend(side.iter_asc().map(|(tick, _)| side.head(tick)));
            }
        }
        let mut out = Vec::new();
        let mut lanes: [Vec<OrderId>; QUEUE_LANES] = Default::default();
        for group in heads.chunks(QUEUE_LANES) {
            let mut cur = [0u32; QUEUE_LANES];
            cur[..group.len()].copy_from_slice(group);
            let mut walking = group.iter().filter(|&&head| head != 0).count();
            while walking > 0 {
                for (link, ids) in cur.iter_mut().zip(lanes.iter_mut()) {
                    if *link != 0 {
                        let o = self.orders.linked(*link);
                        ids.push(o.id);
                        *link = o.next;
                        walking -= usize::from(*link == 0);
                    }
                }
            }
            for ids in &mut lanes {
                out.append(ids);
            }
        }
        out
    }

    pub(super) fn cancel_pending(&mut self, m: u32, reason: CancelReason) {
        let pending: Vec<OrderId> = self.markets[m as usize].pending.iter().copied().collect();
        for id in pending {
            let remaining = self.orders.at(id).remaining;
            self.cancel_unmatched(id, remaining, reason);
        }
    }
}

/// Queues [`Exchange::resting_orders`] walks at once: enough misses in flight to fill the
/// memory system, few enough that the lanes' cursors stay in registers.
const QUEUE_LANES: usize = 16;
