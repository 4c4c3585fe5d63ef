//! Lookups by name and index, the clock, the event buffer and the book view.

use super::{emit, Exchange};
use crate::error::ErrorCode;
use crate::events::{Event, EventKind};
use crate::market::Market;
use crate::order::Order;
use crate::types::{Money, OrderId, SelectionId, Tick};

impl Exchange {
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
    pub(super) fn market_idx_cached(&mut self, market_id: &str) -> Result<u32, ErrorCode> {
        let markets = &self.markets;
        let name_of = |i: u32| {
            markets
                .get(i as usize)
                .filter(|m| !m.purged)
                .map(|m| m.id.as_str())
        };
        if let Some(m) = self.market_cache.get(market_id, name_of) {
            return Ok(m);
        }
        let m = self.market_idx(market_id)?;
        self.market_cache.put(market_id, m);
        Ok(m)
    }

    /// [`Exchange::account_idx`] through the name cache.
    #[inline]
    pub(super) fn account_idx_cached(&mut self, name: &str) -> Option<u32> {
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
        self.markets.iter().filter(|m| !m.purged)
    }

    /// A market by index.
    #[must_use]
    pub fn market_at(&self, idx: u32) -> &Market {
        &self.markets[idx as usize]
    }

    /// A market by index, `UnknownMarket` when out of range.
    ///
    /// # Errors
    /// `UnknownMarket`.
    pub fn market_at_checked(&self, idx: u32) -> Result<&Market, ErrorCode> {
        self.markets
            .get(idx as usize)
            .ok_or(ErrorCode::UnknownMarket)
    }

    /// An order by id.
    #[must_use]
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.orders.get(id)
    }

    /// Every order the engine holds (live, or finished in a market not yet settled), oldest
    /// first.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.iter()
    }

    /// Orders, oldest first, of one account and/or one market when given, and only those with
    /// unmatched size left when `live_only`. An account never seen has no orders.
    ///
    /// # Errors
    /// `UnknownMarket` for a market id that does not exist.
    pub fn orders_where(
        &self,
        account: Option<&str>,
        market_id: Option<&str>,
        live_only: bool,
    ) -> Result<Vec<&Order>, ErrorCode> {
        let market = market_id.map(|m| self.market_idx(m)).transpose()?;
        let account = match account {
            Some(name) => match self.account_idx(name) {
                Some(a) => Some(a),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        Ok(self
            .orders
            .iter()
            .filter(|o| account.is_none_or(|a| o.account == a))
            .filter(|o| market.is_none_or(|m| o.market == m))
            .filter(|o| !live_only || o.remaining > 0)
            .collect())
    }

    /// How many orders were ever accepted (the last order id).
    #[must_use]
    pub fn order_count(&self) -> usize {
        self.orders.issued() as usize
    }

    /// How many orders the engine holds: the live ones and the finished ones of markets not
    /// yet settled (a settlement frees its market's orders).
    #[must_use]
    pub fn held_order_count(&self) -> usize {
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

    pub(super) fn emit(&mut self, kind: EventKind) {
        emit(&mut self.events, &mut self.next_seq, kind);
    }

    pub(crate) fn emit_kind(&mut self, kind: EventKind) {
        self.emit(kind);
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
        // A settled market's books are freed: nothing rests there.
        let Some(book) = market.books.get(usize::from(r)) else {
            return Ok((Vec::new(), Vec::new()));
        };
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
