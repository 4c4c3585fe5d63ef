//! Accounts: balances, cached exposures, positions, and the risk hooks of the engine.
//!
//! Cash is never moved while a market is open: an order or a matched bet holds its exposure
//! against the balance (`available = balance - total exposure`), and settlement moves the
//! rounded P&L into the balance and frees the hold.

use crate::error::ErrorCode;
use crate::exchange::Exchange;
use crate::exposure::{
    exposure_of, key, matched_delta, unmatched_delta, worst_case, Position, PositionIndex,
};
use crate::ladder;
use crate::market::Market;
use crate::snapshot::{Reader, SnapshotError, Writer};
use crate::types::{Money, OrderId, PriceFx, Side, Tick};

/// A matched bet, as settlement and a non-runner's price reduction need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchedBet {
    /// The backer's account index.
    pub back_account: u32,
    /// The layer's account index.
    pub lay_account: u32,
    /// Runner index.
    pub runner: u16,
    /// Price in fixed point (a ladder price, or reduced by a non-runner).
    pub price: PriceFx,
    /// Backer's stake.
    pub size: Money,
}

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

/// Per market: who holds a position, the matched bets, the commission override.
#[derive(Debug, Clone, Default)]
pub struct MarketLedger {
    /// Position indices, in the order the accounts first acted on the market.
    pub positions: Vec<u32>,
    /// Every matched bet still live (cleared at settlement).
    pub bets: Vec<MatchedBet>,
    /// Commission rate override in parts per million.
    pub commission_ppm: Option<u32>,
    /// Settlement state.
    pub settlement: Settlement,
}

/// Balances, exposures and positions of every account.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Balance per account index.
    pub balances: Vec<Money>,
    /// Total exposure over open markets per account index.
    pub exposure: Vec<Money>,
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
}

/// Parts per million: the resolution of commission rates.
pub const PPM: u32 = 1_000_000;

impl Ledger {
    #[inline]
    pub(crate) fn position_of(&self, account: u32, market: u32) -> Option<usize> {
        self.index.get(&key(account, market)).map(|&p| p as usize)
    }

    pub(crate) fn ensure_position(&mut self, account: u32, market: u32, n: usize) -> usize {
        if let Some(p) = self.position_of(account, market) {
            return p;
        }
        let p = self.positions.len();
        self.positions.push(Position::new(account, market, n));
        self.index.insert(key(account, market), p as u32);
        self.markets[market as usize].positions.push(p as u32);
        p
    }

    /// Re-evaluates a position's exposure and keeps its account's total in step.
    #[inline]
    pub(crate) fn refresh(&mut self, p: usize, market: &Market) {
        let pos = &mut self.positions[p];
        let new = exposure_of(worst_case(
            &pos.win,
            &pos.lose,
            pos.sum_lose,
            &market.removed,
            market.spec.places,
            None,
        ));
        let account = pos.account as usize;
        self.exposure[account] += new - pos.exposure;
        pos.exposure = new;
    }

    /// Would adding `(dw, dl)` on runner `r` be allowed? Allowed when it does not raise the
    /// position's exposure (a hedge), or when `available` stays >= 0 afterwards.
    fn check(
        &self,
        market: &Market,
        m: u32,
        r: u16,
        account: Option<u32>,
        dw: i128,
        dl: i128,
    ) -> Result<(), ErrorCode> {
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
                (pos.exposure, exposure_of(worst))
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
            (self.balances[a as usize], self.exposure[a as usize])
        });
        if balance - (total - old + new) < 0 {
            return Err(ErrorCode::InsufficientFunds);
        }
        Ok(())
    }
}

impl Exchange {
    /// Adds `amount` to an account's balance (creating the account); returns the new balance.
    ///
    /// # Errors
    /// `InvalidSize` for an amount <= 0 or a balance that would overflow.
    pub fn deposit(&mut self, account: &str, amount: Money) -> Result<Money, ErrorCode> {
        if amount <= 0 || account.is_empty() {
            return Err(if amount <= 0 {
                ErrorCode::InvalidSize
            } else {
                ErrorCode::InvalidArgument
            });
        }
        let a = self.account_idx(account);
        let current = a.map_or(0, |a| self.ledger.balances[a as usize]);
        let new = current.checked_add(amount).ok_or(ErrorCode::InvalidSize)?;
        let a = self.intern_account(account);
        self.ledger.balances[a as usize] = new;
        Ok(new)
    }

    /// Takes `amount` from an account's balance; returns the new balance.
    ///
    /// # Errors
    /// `InvalidSize` for an amount <= 0; `InsufficientFunds` beyond `available`.
    pub fn withdraw(&mut self, account: &str, amount: Money) -> Result<Money, ErrorCode> {
        if amount <= 0 {
            return Err(ErrorCode::InvalidSize);
        }
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

    /// `balance - exposure over every open market`.
    #[must_use]
    pub fn available(&self, account: &str) -> Money {
        self.account_idx(account).map_or(0, |a| {
            self.ledger.balances[a as usize] - self.ledger.exposure[a as usize]
        })
    }

    /// The account's exposure on one market (0 once settled or voided).
    ///
    /// # Errors
    /// `UnknownMarket`.
    pub fn exposure(&self, account: &str, market_id: &str) -> Result<Money, ErrorCode> {
        let m = self.market_idx(market_id)?;
        Ok(self
            .account_idx(account)
            .and_then(|a| self.ledger.position_of(a, m))
            .map_or(0, |p| self.ledger.positions[p].exposure))
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
        for b in &ml.bets {
            if b.back_account == account {
                let (w, l) = matched_delta(Side::Back, b.price, b.size);
                pos.apply(usize::from(b.runner), w, l);
            }
            if b.lay_account == account {
                let (w, l) = matched_delta(Side::Lay, b.price, b.size);
                pos.apply(usize::from(b.runner), w, l);
            }
        }
        for o in self.orders.iter() {
            if o.account == account && o.market == m && o.remaining > 0 {
                let (w, l) =
                    unmatched_delta(o.side, ladder::TICKS[usize::from(o.tick)], o.remaining);
                pos.apply(usize::from(o.runner), w, l);
            }
        }
        exposure_of(worst_case(
            &pos.win,
            &pos.lose,
            pos.sum_lose,
            &market.removed,
            market.spec.places,
            None,
        ))
    }

    // ------------------------------------------------------------ hooks called by the engine

    pub(crate) fn ledger_check_new(
        &self,
        m: u32,
        r: u16,
        account: Option<u32>,
        side: Side,
        tick: Tick,
        size: Money,
    ) -> Result<(), ErrorCode> {
        let (dw, dl) = unmatched_delta(side, ladder::TICKS[usize::from(tick)], size);
        self.ledger
            .check(&self.markets[m as usize], m, r, account, dw, dl)
    }

    pub(crate) fn ledger_check_replace(&self, id: OrderId, tick: Tick) -> Result<(), ErrorCode> {
        let o = self.orders.at(id);
        // A back's unmatched loss is its stake whatever the price: a replace changes nothing.
        if o.side == Side::Back {
            return Ok(());
        }
        let (w_old, _) =
            unmatched_delta(Side::Lay, ladder::TICKS[usize::from(o.tick)], o.remaining);
        let (w_new, _) = unmatched_delta(Side::Lay, ladder::TICKS[usize::from(tick)], o.remaining);
        self.ledger.check(
            &self.markets[o.market as usize],
            o.market,
            o.runner,
            Some(o.account),
            w_new - w_old,
            0,
        )
    }

    pub(crate) fn ledger_unmatched_change(&mut self, id: OrderId, delta: Money) {
        let o = self.orders.at(id);
        let (m, r, account) = (o.market, usize::from(o.runner), o.account);
        let (dw, dl) = unmatched_delta(o.side, ladder::TICKS[usize::from(o.tick)], delta);
        let market = &self.markets[m as usize];
        let idx = (id - 1) as usize;
        // Ids are dense and accepted in order: the first call for an id is its acceptance.
        let p = if let Some(&p) = self.ledger.order_pos.get(idx) {
            p as usize
        } else {
            let p = self
                .ledger
                .ensure_position(account, m, market.spec.runners.len());
            self.ledger.order_pos.push(p as u32);
            p
        };
        self.ledger.positions[p].apply(r, dw, dl);
        self.ledger.refresh(p, market);
    }

    pub(crate) fn ledger_fill(&mut self, maker: OrderId, taker: OrderId, tick: Tick, size: Money) {
        let price = ladder::TICKS[usize::from(tick)];
        let mk = self.orders.at(maker);
        let tk = self.orders.at(taker);
        let (m, r) = (tk.market, usize::from(tk.runner));
        let (maker_acct, taker_acct, maker_side) = (mk.account, tk.account, mk.side);
        let taker_limit = ladder::TICKS[usize::from(tk.tick)];
        let market = &self.markets[m as usize];
        let pos_of = |id: OrderId| self.ledger.order_pos[(id - 1) as usize] as usize;
        let (maker_pos, taker_pos) = (pos_of(maker), pos_of(taker));
        // Each side: its unmatched part leaves (at its own limit price) and becomes matched at
        // the fill price. The maker's limit is the fill price.
        for (p, side, limit) in [
            (maker_pos, maker_side, price),
            (taker_pos, maker_side.opposite(), taker_limit),
        ] {
            let (uw, ul) = unmatched_delta(side, limit, -size);
            let (mw, ml) = matched_delta(side, price, size);
            self.ledger.positions[p].apply(r, uw + mw, ul + ml);
            self.ledger.refresh(p, market);
        }
        let (back_account, lay_account) = match maker_side {
            Side::Back => (maker_acct, taker_acct),
            Side::Lay => (taker_acct, maker_acct),
        };
        self.ledger.markets[m as usize].bets.push(MatchedBet {
            back_account,
            lay_account,
            runner: r as u16,
            price,
            size,
        });
    }

    /// Rebuilds every position of a market from its matched bets and live orders (after a
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
        for i in 0..ledger.markets[m as usize].bets.len() {
            let b = ledger.markets[m as usize].bets[i];
            for (acct, side) in [(b.back_account, Side::Back), (b.lay_account, Side::Lay)] {
                let p = ledger.index[&key(acct, m)] as usize;
                let (w, l) = matched_delta(side, b.price, b.size);
                ledger.positions[p].apply(usize::from(b.runner), w, l);
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
            w.u64(ml.bets.len() as u64);
            for b in &ml.bets {
                w.u32(b.back_account);
                w.u32(b.lay_account);
                w.u16(b.runner);
                w.i64(b.price);
                w.i64(b.size);
            }
            w.u32(ml.positions.len() as u32);
            for &p in &ml.positions {
                let pos = &ledger.positions[p as usize];
                w.u32(pos.account);
                for (&win, &lose) in pos.win.iter().zip(&pos.lose) {
                    w.i128(win);
                    w.i128(lose);
                }
            }
        }
    }

    /// Decodes [`Exchange::encode_ledger`]; exposures are recomputed from the positions.
    pub(crate) fn decode_ledger(&mut self, r: &mut Reader<'_>) -> Result<(), SnapshotError> {
        let n_accounts = self.accounts.len();
        let mut ledger = Ledger {
            commission_ppm: r.u32()?,
            exposure: vec![0; n_accounts],
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
            let mut ml = MarketLedger {
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
            let n_bets = r.u64()?;
            for _ in 0..n_bets {
                let b = MatchedBet {
                    back_account: r.u32()?,
                    lay_account: r.u32()?,
                    runner: r.u16()?,
                    price: r.i64()?,
                    size: r.i64()?,
                };
                if b.back_account as usize >= n_accounts
                    || b.lay_account as usize >= n_accounts
                    || usize::from(b.runner) >= n
                {
                    return Err(SnapshotError::Corrupt("matched bet"));
                }
                ml.bets.push(b);
            }
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
                let p = ledger.ensure_position(account, m as u32, n);
                for i in 0..n {
                    let (win, lose) = (r.i128()?, r.i128()?);
                    ledger.positions[p].apply(i, win, lose);
                }
                ledger.refresh(p, market);
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
