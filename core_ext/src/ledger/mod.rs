//! The ledger: balances, held exposures and positions (the engine's hooks into it are in
//! `exchange/holds.rs`, the cash commands in `exchange/cash.rs`, its snapshot encoding in
//! `ledger/encoding.rs`).
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

mod encoding;

use crate::error::ErrorCode;
use crate::exposure::{exposure_of, key, worst_case, Position, PositionIndex};
use crate::market::Market;
use crate::types::Money;

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
    /// A settled or voided market's result: per account (in first-acted order) its P&L and
    /// commission. What stays of the market's positions, which settlement frees.
    pub results: Vec<crate::settlement::AccountResult>,
    /// A settled market's winners (runner indices; none for a void).
    pub winners: Vec<u16>,
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
    /// Every position of a market not yet settled (a settled market's slots are free).
    pub positions: Vec<Position>,
    /// Free slots of `positions`.
    pub free_positions: Vec<u32>,
    /// `(account, market)` to position.
    pub index: PositionIndex,
    /// One entry per market, parallel to the exchange's markets.
    pub markets: Vec<MarketLedger>,
    /// The exchange's commission rate in parts per million.
    pub commission_ppm: u32,
    /// The position each account touched last (a cache, not state: accounts mostly keep
    /// trading the same market, so this skips the hash lookup).
    pub last: Vec<u32>,
}

/// Parts per million: the resolution of commission rates.
pub const PPM: u32 = 1_000_000;

/// The exact exposure of a position: its worst case over every result, O(runners).
#[inline]
pub(crate) fn exact_exposure(pos: &Position, market: &Market) -> Money {
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
        let p = match self.free_positions.pop() {
            Some(p) => {
                self.positions[p as usize] = Position::new(account, market, n);
                p as usize
            }
            None => {
                self.positions.push(Position::new(account, market, n));
                self.positions.len() - 1
            }
        };
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
    pub(crate) fn tighten(&mut self, account: u32, markets: &[Market]) {
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
    pub(crate) fn exposure_now(&self, p: usize, markets: &[Market]) -> Money {
        let pos = &self.positions[p];
        if pos.stale {
            exact_exposure(pos, &markets[pos.market as usize])
        } else {
            pos.held
        }
    }

    /// An account's exact exposure over open markets, without tightening.
    pub(crate) fn exact_total(&self, account: u32, markets: &[Market]) -> Money {
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

    /// Frees a settled market's positions, keeping `results` as what remains of them.
    pub(crate) fn free_positions_of(
        &mut self,
        m: u32,
        results: Vec<crate::settlement::AccountResult>,
    ) {
        let ml = &mut self.markets[m as usize];
        ml.results = results;
        for p in std::mem::take(&mut ml.positions) {
            let account = self.positions[p as usize].account;
            self.index.remove(&key(account, m));
            if self.last.get(account as usize) == Some(&p) {
                self.last[account as usize] = u32::MAX;
            }
            self.positions[p as usize] = Position::new(account, u32::MAX, 0);
            self.free_positions.push(p);
        }
    }

    /// The fast path of the funds check: does the account have `loss` available by its
    /// holds? A change that loses at most `loss` cannot lower the worst case by more
    /// (ceil(x + y) <= ceil(x) + ceil(y)), and the holds are at least the exposure, so such
    /// a change passes the exact rule too, without any evaluation.
    #[inline]
    pub(crate) fn covers(&self, account: Option<u32>, loss: Money) -> bool {
        account.is_some_and(|a| self.balances[a as usize] - self.held[a as usize] >= loss)
    }

    /// Would adding `(dw, dl)` on runner `r` of market `m` be allowed? Allowed when it does
    /// not raise the position's exposure (a hedge), or when `available` stays >= 0 afterwards.
    /// The slow path of the funds check (after [`Ledger::covers`] said no): exact holds,
    /// then the exact rule.
    #[inline(never)]
    pub(crate) fn check_exactly(
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
