//! Accounts: balances, held exposures, positions, and the risk hooks of the engine.
//!
//! Cash is never moved while a market is open: an order or a matched bet holds its exposure
//! against the balance (`available = balance - exposure`), and settlement moves the rounded
//! P&L into the balance and frees the hold.
//!
//! The hold is lazy. Each position holds an upper bound of its exposure: accepting an order
//! adds the order's own potential loss (the worst case cannot fall by more), while a fill or
//! a cancel can never raise the worst case and leaves the hold as it is. So the funds check
//! of an order is one comparison of `balance - held` with the order's loss, and no command
//! re-evaluates a worst case; only when that comparison fails are the account's stale
//! positions evaluated exactly (`tighten`) and the exact rule applied. A decision is the
//! same as with exact holds (the bound only lets through orders the exact rule accepts), so
//! replay, snapshots and the state hash do not depend on how loose the holds are. The views
//! (`exposure`, `available`, `withdraw`) evaluate exactly.

use crate::error::ErrorCode;
use crate::exchange::{Exchange, FillInfo};
use crate::exposure::{
    exposure_of, key, matched_delta, order_loss, unmatched_delta, worst_case, Lot, Position,
    PositionIndex,
};
use crate::ladder;
use crate::market::Market;
use crate::snapshot::{Reader, SnapshotError, Writer};
use crate::types::{Money, OrderId, Side, Tick, MAX_BALANCE};

/// Where a market is in settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Settlement {
    /// Not settled: its exposure counts.
    #[default]
    Open = 0,
    /// Settled with results.
    Settled = 1,
    /// Voided: every stake returned.
    Voided = 2,
}

/// Per market: who holds a position, the commission override, the settlement state. (Matched
/// bets live in the positions' lots.)
#[derive(Debug, Clone, Default)]
pub struct MarketLedger {
    /// Position indices, in the order the accounts first acted on the market.
    pub positions: Vec<u32>,
    /// Commission rate override in parts per million.
    pub commission_ppm: Option<u32>,
    /// Settlement state.
    pub settlement: Settlement,
}

/// Balances, held exposures and positions of every account.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Balance per account index.
    pub balances: Vec<Money>,
    /// Exposure held per account index: the sum of its open positions' `held`, at least its
    /// exact exposure over open markets.
    pub held: Vec<Money>,
    /// Per account index, its positions on markets not yet settled (what `tighten` and
    /// `available` walk).
    pub open: Vec<Vec<u32>>,
    /// Every position.
    pub positions: Vec<Position>,
    /// `(account, market)` to position.
    pub index: PositionIndex,
    /// One entry per market, parallel to the exchange's markets.
    pub markets: Vec<MarketLedger>,
    /// The exchange's commission rate in parts per million.
    pub commission_ppm: u32,
    /// Position of every order (indexed by `id - 1`): the hooks skip the hash lookup.
    pub order_pos: Vec<u32>,
    /// The position each account touched last (a cache, not state: accounts mostly keep
    /// trading the same market, so this skips the hash lookup).
    pub last: Vec<u32>,
}

/// Parts per million: the resolution of commission rates.
pub const PPM: u32 = 1_000_000;

/// The exact exposure of a position: its worst case over every result, O(runners).
#[inline]
fn exact_exposure(pos: &Position, market: &Market) -> Money {
    exposure_of(worst_case(
        &pos.win,
        &pos.lose,
        pos.sum_lose,
        &market.removed,
        market.spec.places,
        None,
    ))
}

impl Ledger {
    /// The account's last position, if it is on `market`: accounts mostly keep trading the
    /// same market, so this answers most lookups without hashing. (`last[a]` only ever holds
    /// a position of account `a`.)
    #[inline]
    fn cached_position(&self, account: u32, market: u32) -> Option<usize> {
        let p = *self.last.get(account as usize)? as usize;
        let pos = self.positions.get(p)?;
        debug_assert!(pos.market != market || pos.account == account);
        (pos.market == market).then_some(p)
    }

    #[inline]
    pub(crate) fn position_of(&self, account: u32, market: u32) -> Option<usize> {
        self.cached_position(account, market)
            .or_else(|| self.index.get(&key(account, market)).map(|&p| p as usize))
    }

    /// A new account's (empty) entries.
    pub(crate) fn add_account(&mut self) {
        self.balances.push(0);
        self.held.push(0);
        self.open.push(Vec::new());
    }

    /// The position of `(account, market)`, created on the account's first order there; it
    /// becomes the account's cached last position.
    #[inline]
    pub(crate) fn ensure_position(
        &mut self,
        account: u32,
        market: u32,
        markets: &[Market],
    ) -> usize {
        match self.cached_position(account, market) {
            Some(p) => p,
            None => self.find_or_create(account, market, markets),
        }
    }

    /// The slow path of [`Ledger::ensure_position`]: the index, or a new position.
    #[inline(never)]
    fn find_or_create(&mut self, account: u32, market: u32, markets: &[Market]) -> usize {
        let p = self.lookup_or_create(account, market, markets);
        let a = account as usize;
        if self.last.len() <= a {
            self.last.resize(a + 1, u32::MAX);
        }
        self.last[a] = p as u32;
        p
    }

    fn lookup_or_create(&mut self, account: u32, market: u32, markets: &[Market]) -> usize {
        if let Some(&p) = self.index.get(&key(account, market)) {
            return p as usize;
        }
        let n = markets[market as usize].spec.runners.len();
        let p = self.positions.len();
        self.positions.push(Position::new(account, market, n));
        self.index.insert(key(account, market), p as u32);
        self.markets[market as usize].positions.push(p as u32);
        self.open[account as usize].push(p as u32);
        p
    }

    /// Makes a position's hold exact, keeping its account's total in step.
    pub(crate) fn refresh(&mut self, p: usize, market: &Market) {
        let pos = &mut self.positions[p];
        let new = exact_exposure(pos, market);
        self.held[pos.account as usize] += new - pos.held;
        pos.held = new;
        pos.stale = false;
    }

    /// Makes every hold of an account exact: the slow path of the funds check.
    fn tighten(&mut self, account: u32, markets: &[Market]) {
        for i in 0..self.open[account as usize].len() {
            let p = self.open[account as usize][i] as usize;
            if self.positions[p].stale {
                let market = &markets[self.positions[p].market as usize];
                self.refresh(p, market);
            }
        }
    }

    /// A position's exact exposure without tightening (for the views): its hold when that is
    /// exact, else evaluated.
    fn exposure_now(&self, p: usize, markets: &[Market]) -> Money {
        let pos = &self.positions[p];
        if pos.stale {
            exact_exposure(pos, &markets[pos.market as usize])
        } else {
            pos.held
        }
    }

    /// An account's exact exposure over open markets, without tightening.
    fn exact_total(&self, account: u32, markets: &[Market]) -> Money {
        self.open[account as usize]
            .iter()
            .map(|&p| self.exposure_now(p as usize, markets))
            .sum()
    }

    /// Takes a settled or voided market's positions out of their accounts' open lists and
    /// frees their holds.
    pub(crate) fn close_positions(&mut self, m: u32) {
        for &p in &self.markets[m as usize].positions {
            let pos = &mut self.positions[p as usize];
            let a = pos.account as usize;
            self.held[a] -= pos.held;
            pos.held = 0;
            pos.stale = false;
            self.open[a].retain(|&q| q != p);
        }
    }

    /// The fast path of the funds check: does the account have `loss` available by its
    /// holds? A change that loses at most `loss` cannot lower the worst case by more
    /// (ceil(x + y) <= ceil(x) + ceil(y)), and the holds are at least the exposure, so such
    /// a change passes the exact rule too, without any evaluation.
    #[inline]
    fn covers(&self, account: Option<u32>, loss: Money) -> bool {
        account.is_some_and(|a| self.balances[a as usize] - self.held[a as usize] >= loss)
    }

    /// Would adding `(dw, dl)` on runner `r` of market `m` be allowed? Allowed when it does
    /// not raise the position's exposure (a hedge), or when `available` stays >= 0 afterwards.
    /// The slow path of the funds check (after [`Ledger::covers`] said no): exact holds,
    /// then the exact rule.
    #[inline(never)]
    fn check_exactly(
        &mut self,
        markets: &[Market],
        m: u32,
        r: u16,
        account: Option<u32>,
        (dw, dl): (i128, i128),
    ) -> Result<(), ErrorCode> {
        if let Some(a) = account {
            self.tighten(a, markets);
        }
        let market = &markets[m as usize];
        let r = usize::from(r);
        let places = market.spec.places;
        let (old, new) = match account.and_then(|a| self.position_of(a, m)) {
            Some(p) => {
                let pos = &self.positions[p];
                let worst = worst_case(
                    &pos.win,
                    &pos.lose,
                    pos.sum_lose,
                    &market.removed,
                    places,
                    Some((r, dw, dl)),
                );
                (pos.held, exposure_of(worst))
            }
            None => {
                let n = market.spec.runners.len();
                let zeros = vec![0; n];
                let worst = worst_case(
                    &zeros,
                    &zeros,
                    0,
                    &market.removed,
                    places,
                    Some((r, dw, dl)),
                );
                (0, exposure_of(worst))
            }
        };
        if new <= old {
            return Ok(());
        }
        let (balance, total) = account.map_or((0, 0), |a| {
            (self.balances[a as usize], self.held[a as usize])
        });
        if balance - (total - old + new) < 0 {
            return Err(ErrorCode::InsufficientFunds);
        }
        Ok(())
    }
}

/// A cash amount must be positive and at most `MAX_BALANCE`.
fn check_amount(amount: Money) -> Result<(), ErrorCode> {
    if amount <= 0 {
        Err(ErrorCode::InvalidSize)
    } else if amount > MAX_BALANCE {
        Err(ErrorCode::AmountOverflow)
    } else {
        Ok(())
    }
}

impl Exchange {
    /// Adds `amount` to an account's balance (creating the account); returns the new balance.
    ///
    /// # Errors
    /// `InvalidSize` for an amount <= 0; `AmountOverflow` for a balance that would pass
    /// `MAX_BALANCE`; `InvalidArgument` for an empty account name.
    pub fn deposit(&mut self, account: &str, amount: Money) -> Result<Money, ErrorCode> {
        check_amount(amount)?;
        if account.is_empty() {
            return Err(ErrorCode::InvalidArgument);
        }
        let a = self.account_idx(account);
        let current = a.map_or(0, |a| self.ledger.balances[a as usize]);
        let new = current
            .checked_add(amount)
            .filter(|&b| b <= MAX_BALANCE)
            .ok_or(ErrorCode::AmountOverflow)?;
        let a = self.intern_account(account);
        self.ledger.balances[a as usize] = new;
        Ok(new)
    }

    /// Takes `amount` from an account's balance; returns the new balance.
    ///
    /// # Errors
    /// `InvalidSize` for an amount <= 0; `AmountOverflow` over `MAX_BALANCE`;
    /// `InsufficientFunds` beyond `available`.
    pub fn withdraw(&mut self, account: &str, amount: Money) -> Result<Money, ErrorCode> {
        check_amount(amount)?;
        if amount > self.available(account) {
            return Err(ErrorCode::InsufficientFunds);
        }
        let a = self
            .account_idx(account)
            .ok_or(ErrorCode::InsufficientFunds)? as usize;
        self.ledger.balances[a] -= amount;
        Ok(self.ledger.balances[a])
    }

    /// Settled cash of an account (0 for an account never seen).
    #[must_use]
    pub fn balance(&self, account: &str) -> Money {
        self.account_idx(account)
            .map_or(0, |a| self.ledger.balances[a as usize])
    }

    /// `balance - exposure over every open market` (exact, whatever the holds).
    #[must_use]
    pub fn available(&self, account: &str) -> Money {
        self.account_idx(account).map_or(0, |a| {
            self.ledger.balances[a as usize] - self.ledger.exact_total(a, &self.markets)
        })
    }

    /// The exposure an account holds against its balance over open markets: at least its
    /// exact exposure (the sum of [`Exchange::exposure`] over markets), more while holds are
    /// stale. For audits of the lazy holds.
    #[must_use]
    pub fn held(&self, account: &str) -> Money {
        self.account_idx(account)
            .map_or(0, |a| self.ledger.held[a as usize])
    }

    /// The account's exposure on one market (0 once settled or voided).
    ///
    /// # Errors
    /// `UnknownMarket`.
    pub fn exposure(&self, account: &str, market_id: &str) -> Result<Money, ErrorCode> {
        let m = self.market_idx(market_id)?;
        let p = self
            .account_idx(account)
            .and_then(|a| self.ledger.position_of(a, m));
        Ok(p.map_or(0, |p| self.ledger.exposure_now(p, &self.markets)))
    }

    /// The exchange's commission rate in parts per million.
    #[must_use]
    pub fn commission_ppm(&self) -> u32 {
        self.ledger.commission_ppm
    }

    /// Sets the exchange's commission rate (parts per million).
    ///
    /// # Errors
    /// `InvalidArgument` above 100%.
    pub fn set_commission_ppm(&mut self, ppm: u32) -> Result<(), ErrorCode> {
        if ppm > PPM {
            return Err(ErrorCode::InvalidArgument);
        }
        self.ledger.commission_ppm = ppm;
        Ok(())
    }

    /// Overrides one market's commission rate (parts per million; `None`: the exchange's).
    ///
    /// # Errors
    /// `UnknownMarket`; `InvalidArgument` above 100%; `AlreadySettled`.
    pub fn set_market_commission_ppm(
        &mut self,
        market_id: &str,
        ppm: Option<u32>,
    ) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)? as usize;
        if ppm.is_some_and(|p| p > PPM) {
            return Err(ErrorCode::InvalidArgument);
        }
        if self.ledger.markets[m].settlement != Settlement::Open {
            return Err(ErrorCode::AlreadySettled);
        }
        self.ledger.markets[m].commission_ppm = ppm;
        Ok(())
    }

    /// The commission rate that applies to a market (parts per million).
    #[must_use]
    pub fn market_commission_ppm(&self, m: u32) -> u32 {
        self.ledger.markets[m as usize]
            .commission_ppm
            .unwrap_or(self.ledger.commission_ppm)
    }

    /// Settlement state of a market by index.
    #[must_use]
    pub fn settlement(&self, m: u32) -> Settlement {
        self.ledger.markets[m as usize].settlement
    }

    /// The exposure of an account on a market recomputed from scratch (matched bets plus every
    /// live order): what the incremental cache must always equal. For tests and audits.
    #[must_use]
    pub fn exposure_from_scratch(&self, account: u32, m: u32) -> Money {
        let market = &self.markets[m as usize];
        let ml = &self.ledger.markets[m as usize];
        if ml.settlement != Settlement::Open {
            return 0;
        }
        let mut pos = Position::new(account, m, market.spec.runners.len());
        if let Some(p) = self.ledger.position_of(account, m) {
            for l in &self.ledger.positions[p].lots {
                let (w, l2) = matched_delta(l.side(), l.price(), l.size);
                pos.apply(usize::from(l.runner()), w, l2);
            }
        }
        for o in self.orders.iter() {
            if o.account == account && o.market == m && o.remaining > 0 {
                let (w, l) =
                    unmatched_delta(o.side, ladder::TICKS[usize::from(o.tick)], o.remaining);
                pos.apply(usize::from(o.runner), w, l);
            }
        }
        exact_exposure(&pos, market)
    }

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
        if self.ledger.covers(account, order_loss(side, price, size)) {
            return Ok(());
        }
        let delta = unmatched_delta(side, price, size);
        self.ledger
            .check_exactly(&self.markets, m, r, account, delta)
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
    #[inline]
    pub(crate) fn ledger_accept(
        &mut self,
        id: OrderId,
        m: u32,
        r: u16,
        account: u32,
        side: Side,
        tick: Tick,
        size: Money,
    ) {
        let price = ladder::TICKS[usize::from(tick)];
        let ledger = &mut self.ledger;
        let a = account as usize;
        let p = ledger.ensure_position(account, m, &self.markets);
        // Ids are dense and accepted in order: `order_pos` is indexed by `id - 1`.
        debug_assert_eq!(ledger.order_pos.len() as u64, id - 1);
        ledger.order_pos.push(p as u32);
        let pos = &mut ledger.positions[p];
        let (dw, dl) = unmatched_delta(side, price, size);
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
        let loss = order_loss(side, price, size);
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
        id: OrderId,
        r: u16,
        side: Side,
        tick: Tick,
        amount: Money,
    ) {
        let (dw, dl) = unmatched_delta(side, ladder::TICKS[usize::from(tick)], -amount);
        let p = self.ledger.order_pos[(id - 1) as usize] as usize;
        let pos = &mut self.ledger.positions[p];
        pos.apply(usize::from(r), dw, dl);
        pos.stale = true;
    }

    /// A taker's fills (in matching order, so grouped by price level): each side's unmatched
    /// part becomes matched, which never raises a worst case, so the holds stay. Each maker
    /// moves per fill; the taker once per level (the amounts are linear in the size).
    pub(crate) fn ledger_fills(&mut self, taker: OrderId, fills: &[FillInfo]) {
        let tk = self.orders.at(taker);
        let (r, taker_side) = (tk.runner, tk.side);
        let limit = ladder::TICKS[usize::from(tk.tick)];
        let maker_side = taker_side.opposite();
        let ledger = &mut self.ledger;
        let taker_pos = ledger.order_pos[(taker - 1) as usize] as usize;
        let mut rest = fills;
        while let Some(first) = rest.first() {
            let price = ladder::TICKS[usize::from(first.tick)];
            let level = rest.iter().take_while(|f| f.tick == first.tick).count();
            let mut matched = 0;
            for f in &rest[..level] {
                let p = ledger.order_pos[(f.maker_order - 1) as usize] as usize;
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
            let (w, l) = unmatched_delta(o.side, ladder::TICKS[usize::from(o.tick)], o.remaining);
            ledger.positions[p].apply(usize::from(o.runner), w, l);
        }
        for p in positions {
            ledger.refresh(p as usize, market);
        }
    }
}

/// Snapshot encoding of the ledger (appended to the engine's state; part of the state hash).
impl Exchange {
    pub(crate) fn encode_ledger(&self, w: &mut Writer) {
        let ledger = &self.ledger;
        w.u32(ledger.commission_ppm);
        for &b in &ledger.balances {
            w.i64(b);
        }
        for ml in &ledger.markets {
            w.u8(ml.settlement as u8);
            match ml.commission_ppm {
                Some(p) => {
                    w.u8(1);
                    w.u32(p);
                }
                None => w.u8(0),
            }
            w.u32(ml.positions.len() as u32);
            for &p in &ml.positions {
                let pos = &ledger.positions[p as usize];
                w.u32(pos.account);
                for (&win, &lose) in pos.win.iter().zip(&pos.lose) {
                    w.i128(win);
                    w.i128(lose);
                }
                w.u32(pos.lots.len() as u32);
                for l in &pos.lots {
                    w.u64(l.key);
                    w.i64(l.size);
                }
            }
        }
    }

    /// Decodes [`Exchange::encode_ledger`]; exposures are recomputed from the positions.
    pub(crate) fn decode_ledger(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let n_accounts = self.accounts.len();
        let mut ledger = Ledger {
            commission_ppm: r.u32()?,
            held: vec![0; n_accounts],
            open: vec![Vec::new(); n_accounts],
            ..Ledger::default()
        };
        if ledger.commission_ppm > PPM {
            return Err(SnapshotError::Corrupt("commission"));
        }
        for _ in 0..n_accounts {
            ledger.balances.push(r.i64()?);
        }
        for (m, market) in self.markets.iter().enumerate() {
            let n = market.spec.runners.len();
            let ml = MarketLedger {
                settlement: match r.u8()? {
                    0 => Settlement::Open,
                    1 => Settlement::Settled,
                    2 => Settlement::Voided,
                    _ => return Err(SnapshotError::Corrupt("settlement")),
                },
                commission_ppm: match r.u8()? {
                    0 => None,
                    _ => Some(r.u32()?),
                },
                ..MarketLedger::default()
            };
            ledger.markets.push(ml);
            let n_pos = r.u32()?;
            for _ in 0..n_pos {
                let account = r.u32()?;
                if account as usize >= n_accounts {
                    return Err(SnapshotError::Corrupt("position account"));
                }
                if ledger.position_of(account, m as u32).is_some() {
                    return Err(SnapshotError::Corrupt("duplicate position"));
                }
                let p = ledger.ensure_position(account, m as u32, &self.markets);
                for i in 0..n {
                    let (win, lose) = (r.i128()?, r.i128()?);
                    ledger.positions[p].apply(i, win, lose);
                }
                let n_lots = r.u32()?;
                for _ in 0..n_lots {
                    let lot = Lot {
                        key: r.u64()?,
                        size: r.i64()?,
                    };
                    let lots = &mut ledger.positions[p].lots;
                    // Sorted and unique, as the engine keeps them; a price above 1.0.
                    if usize::from(lot.runner()) >= n
                        || lot.key >> 56 != 0
                        || lot.size <= 0
                        || lot.price() <= crate::types::PRICE_SCALE
                        || lots.last().is_some_and(|prev| prev.key >= lot.key)
                    {
                        return Err(SnapshotError::Corrupt("matched lot"));
                    }
                    lots.push(lot);
                }
                ledger.refresh(p, market);
            }
            if ledger.markets[m].settlement != Settlement::Open {
                ledger.close_positions(m as u32);
            }
        }
        for o in self.orders.iter() {
            let p = ledger
                .position_of(o.account, o.market)
                .ok_or(SnapshotError::Corrupt("order without a position"))?;
            ledger.order_pos.push(p as u32);
        }
        self.ledger = ledger;
        Ok(())
    }
}
