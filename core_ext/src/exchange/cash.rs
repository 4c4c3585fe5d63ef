//! Cash and the exposure views: deposit, withdraw, balance, available, held, exposure, and
//! the commission rates.

use super::Exchange;
use crate::error::ErrorCode;
use crate::exposure::{matched_delta, Position};
use crate::ledger::{exact_exposure, Settlement, PPM};
use crate::types::{Money, MAX_BALANCE};

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
        if account.is_empty() || account == super::HOUSE_ACCOUNT {
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

    /// What stays of a settled or voided market: its winners (runner indices) and each
    /// account's P&L and commission, in first-acted order (`None` while it is not settled).
    ///
    /// # Errors
    /// `UnknownMarket`.
    #[allow(clippy::type_complexity)]
    pub fn settlement_result(
        &self,
        market_id: &str,
    ) -> Result<Option<(&[u16], &[crate::settlement::AccountResult])>, ErrorCode> {
        let ml = &self.ledger.markets[self.market_idx(market_id)? as usize];
        Ok((ml.settlement != Settlement::Open).then(|| (&ml.winners[..], &ml.results[..])))
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
                let (w, l) = o.unmatched_delta();
                pos.apply(usize::from(o.runner), w, l);
            }
        }
        exact_exposure(&pos, market)
    }
}
