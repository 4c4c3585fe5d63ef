//! Settlement, voiding and non-runners.
//!
//! P&L is exact: a position's `win`/`lose` are fixed point (money times 10^4) and dead-heat
//! fractions are rationals, so each account's net is a rational `N / (D * 10^4)` with `D` the
//! least common multiple of the dead-heat denominators. It is then rounded towards the house
//! (floor: a gain down, a loss up); the residue `-(sum of rounded)` is what the house keeps.

use crate::error::ErrorCode;
use crate::events::EventKind;
use crate::exchange::Exchange;
use crate::exposure::FX;
use crate::fixed::{gcd, MAX_DENOMINATOR};
use crate::ledger::{Settlement, PPM};
use crate::market::MarketStatus;
use crate::order::CancelReason;
use crate::types::{Money, PriceFx, SelectionId};

/// A dead-heat fraction for one winning runner: `num / den` of the stake is paid as a winner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadHeat {
    /// The winning runner's selection id.
    pub runner: SelectionId,
    /// Numerator (`0 < num <= den`).
    pub num: u64,
    /// Denominator.
    pub den: u64,
}

/// One account's result on a settled market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountResult {
    /// Account index.
    pub account: u32,
    /// Net P&L, rounded towards the house, before commission.
    pub pnl: Money,
    /// Commission charged (rounded up).
    pub commission: Money,
}

/// What settling or voiding a market did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementReport {
    /// Market index.
    pub market: u32,
    /// True for `void_market`.
    pub void: bool,
    /// One entry per account that held a position, in first-acted order.
    pub accounts: Vec<AccountResult>,
    /// Rounding residue kept by the house: `-(sum of rounded pnl)`, never negative.
    pub residue: Money,
    /// Sum of commissions.
    pub commission: Money,
}

/// The lowest price a reduction may leave (1.01).
const MIN_PRICE: PriceFx = 10_100;

/// A non-runner's reduction of a matched price: `max(1.01, price * (1 - rf/100))` with `rf` in
/// basis points of a percent (`bp = rf * 100`), truncated to the 1e-4 price resolution.
#[must_use]
pub fn reduce_price(price: PriceFx, reduction_bp: u32) -> PriceFx {
    let keep = i128::from(10_000 - reduction_bp.min(10_000));
    let reduced = (i128::from(price) * keep / 10_000) as PriceFx;
    reduced.max(MIN_PRICE)
}

/// Floor division for a positive divisor.
fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && (a < 0) {
        q - 1
    } else {
        q
    }
}

impl Exchange {
    fn check_settleable(&self, market_id: &str) -> Result<u32, ErrorCode> {
        let m = self.market_idx(market_id)?;
        if self.ledger.markets[m as usize].settlement != Settlement::Open {
            return Err(ErrorCode::AlreadySettled);
        }
        Ok(m)
    }

    /// Closes a market for settlement: status `CLOSED`, every unmatched order cancelled.
    fn close_for_settlement(&mut self, m: u32) {
        if self.markets[m as usize].status != MarketStatus::Closed {
            self.markets[m as usize].status = MarketStatus::Closed;
            let in_play = self.markets[m as usize].in_play;
            self.emit_kind(EventKind::MarketStatusChanged {
                market: m,
                status: MarketStatus::Closed,
                in_play,
            });
        }
        self.cancel_all_unmatched(m, CancelReason::MarketClosed);
    }

    /// Refuses, before anything changes, a settlement whose arithmetic could leave 64 bits.
    /// An account's |P&L| is at most the sum of its position's |legs|; the legs still hold
    /// the unmatched orders that closing cancels, so each one's worst leg (its remaining
    /// stake at the top price) is added back. Conservative: it only bites near `i64::MAX`.
    fn check_settlement_range(&self, m: u32) -> Result<(), ErrorCode> {
        let market = &self.markets[m as usize];
        let mut unmatched: std::collections::HashMap<u32, i128> = std::collections::HashMap::new();
        let live = self
            .resting_orders(m)
            .into_iter()
            .chain(market.pending.iter().copied());
        for id in live {
            let order = self.orders.at(id);
            *unmatched.entry(order.account).or_default() += i128::from(order.remaining) * 1000 * FX;
        }
        let (mut total, limit) = (0_i128, i128::from(Money::MAX));
        for &p in &self.ledger.markets[m as usize].positions {
            let pos = &self.ledger.positions[p as usize];
            let legs: i128 = pos.win.iter().chain(&pos.lose).map(|v| v.abs()).sum();
            let extra = unmatched.get(&pos.account).copied().unwrap_or(0);
            let bound = (legs + extra) / FX + 1;
            total += bound;
            let balance = i128::from(self.ledger.balances[pos.account as usize]);
            if balance.abs() + bound > limit || total > limit {
                return Err(ErrorCode::AmountOverflow);
            }
        }
        Ok(())
    }

    /// Settles a market with its `winners` (selection ids) and optional dead-heat fractions.
    /// Any market not yet settled may be settled, whatever its status; settlement closes it
    /// (unmatched orders are cancelled with `MARKET_CLOSED`), credits each account its rounded
    /// net P&L less commission, frees its exposure and emits `MarketSettled` then one
    /// `Settled` per account.
    ///
    /// # Errors
    /// `UnknownMarket`; `AlreadySettled`; `UnknownRunner`; `RunnerRemoved` (a removed runner
    /// among the winners); `InvalidArgument` for no winners, a repeated winner, more winners
    /// than places without dead heats, a dead heat on a runner that is not a winner, a
    /// fraction not in `(0, 1]`, or dead-heat denominators whose lcm exceeds 10^6;
    /// `AmountOverflow` when a balance or total could leave the 64-bit range.
    pub fn settle_market(
        &mut self,
        market_id: &str,
        winners: &[SelectionId],
        dead_heat: &[DeadHeat],
    ) -> Result<SettlementReport, ErrorCode> {
        let m = self.check_settleable(market_id)?;
        let market = &self.markets[m as usize];
        let n = market.spec.runners.len();
        if winners.is_empty() {
            return Err(ErrorCode::InvalidArgument);
        }
        let mut win_idx = Vec::with_capacity(winners.len());
        for &w in winners {
            let r = market.runner_index(w).ok_or(ErrorCode::UnknownRunner)?;
            if market.removed[usize::from(r)] {
                return Err(ErrorCode::RunnerRemoved);
            }
            if win_idx.contains(&r) {
                return Err(ErrorCode::InvalidArgument);
            }
            win_idx.push(r);
        }
        if dead_heat.is_empty() && winners.len() > usize::from(market.spec.places) {
            return Err(ErrorCode::InvalidArgument);
        }
        // fraction[r] = (num, den) of the stake paid as a winner; losers 0/1.
        let mut fraction: Vec<(u64, u64)> = vec![(0, 1); n];
        for &r in &win_idx {
            fraction[usize::from(r)] = (1, 1);
        }
        let mut lcm: u64 = 1;
        let mut seen = Vec::with_capacity(dead_heat.len());
        for dh in dead_heat {
            let r = market
                .runner_index(dh.runner)
                .ok_or(ErrorCode::UnknownRunner)?;
            if !win_idx.contains(&r) || seen.contains(&r) || dh.den == 0 || dh.num == 0 {
                return Err(ErrorCode::InvalidArgument);
            }
            if dh.num > dh.den {
                return Err(ErrorCode::InvalidArgument);
            }
            seen.push(r);
            let g = gcd(dh.num, dh.den);
            let (num, den) = (dh.num / g, dh.den / g);
            lcm = lcm / gcd(lcm, den) * den;
            if lcm > MAX_DENOMINATOR {
                return Err(ErrorCode::InvalidArgument);
            }
            fraction[usize::from(r)] = (num, den);
        }
        let d = i128::from(lcm);
        // Weight of the winning leg per runner over the common denominator `d`.
        let weight: Vec<i128> = fraction
            .iter()
            .map(|&(num, den)| i128::from(num) * d / i128::from(den))
            .collect();

        self.check_settlement_range(m)?;
        self.close_for_settlement(m);
        let ppm = i128::from(self.market_commission_ppm(m));
        let house = self.account_idx(crate::exchange::HOUSE_ACCOUNT);
        let positions = self.ledger.markets[m as usize].positions.clone();
        let mut results = Vec::with_capacity(positions.len());
        let mut exact_sum: i128 = 0;
        let (mut rounded_sum, mut commission_sum): (Money, Money) = (0, 0);
        for p in positions {
            let pos = &mut self.ledger.positions[p as usize];
            let exact: i128 = weight
                .iter()
                .zip(pos.win.iter().zip(&pos.lose))
                .map(|(&wt, (&win, &lose))| wt * win + (d - wt) * lose)
                .sum();
            exact_sum += exact;
            // In range: check_settlement_range bounded every |pnl| and their sum.
            let pnl = floor_div(exact, d * FX) as Money;
            // The house (cross-matching) keeps its rounding margin whole.
            let commission = if pnl > 0 && Some(pos.account) != house {
                ((i128::from(pnl) * ppm + i128::from(PPM) - 1) / i128::from(PPM)) as Money
            } else {
                0
            };
            let account = pos.account;
            pos.clear();
            pos.lots = Vec::new();
            self.ledger.balances[account as usize] += pnl - commission;
            rounded_sum += pnl;
            commission_sum += commission;
            results.push(crate::settlement::AccountResult {
                account,
                pnl,
                commission,
            });
        }
        debug_assert_eq!(exact_sum, 0, "matched bets are zero-sum");
        self.finish_settlement(m, Settlement::Settled, win_idx, &results);
        Ok(SettlementReport {
            market: m,
            void: false,
            accounts: results,
            residue: -rounded_sum,
            commission: commission_sum,
        })
    }

    /// Voids a market: closes it, cancels unmatched orders, returns every stake (no cash
    /// moves: exposure was only held) and emits `MarketSettled` (void) and a zero `Settled`
    /// per account.
    ///
    /// # Errors
    /// `UnknownMarket`; `AlreadySettled`.
    pub fn void_market(&mut self, market_id: &str) -> Result<SettlementReport, ErrorCode> {
        let m = self.check_settleable(market_id)?;
        self.close_for_settlement(m);
        let positions = self.ledger.markets[m as usize].positions.clone();
        let mut results = Vec::with_capacity(positions.len());
        for p in positions {
            let pos = &mut self.ledger.positions[p as usize];
            pos.clear();
            pos.lots = Vec::new();
            results.push(AccountResult {
                account: pos.account,
                pnl: 0,
                commission: 0,
            });
        }
        self.finish_settlement(m, Settlement::Voided, Vec::new(), &results);
        Ok(SettlementReport {
            market: m,
            void: true,
            accounts: results,
            residue: 0,
            commission: 0,
        })
    }

    fn finish_settlement(
        &mut self,
        m: u32,
        state: Settlement,
        winners: Vec<u16>,
        results: &[AccountResult],
    ) {
        let ml = &mut self.ledger.markets[m as usize];
        ml.settlement = state;
        ml.winners.clone_from(&winners);
        self.ledger.close_positions(m);
        self.ledger.free_positions_of(m, results.to_vec());
        self.free_settled_market(m);
        self.emit_kind(EventKind::MarketSettled {
            market: m,
            winners,
            void: state == Settlement::Voided,
        });
        for res in results {
            self.emit_kind(EventKind::Settled {
                market: m,
                account: res.account,
                pnl: res.pnl,
                commission: res.commission,
            });
        }
    }

    /// Frees every order of market `m` (nothing of a settled market can change), its books
    /// and its client order ids (the gateway's idempotency window remembers them for as long as it
    /// promises); what the feed and the settlement result keep is all that remains.
    /// Drops what a settled or voided market kept (its result, winners and starting prices):
    /// after this the market is unknown (`UnknownMarket`) and its id may be created again.
    /// Memory then holds nothing of it but an empty slot (SPEC 8a: a settled market's result
    /// stays until purged).
    ///
    /// # Errors
    /// `UnknownMarket`; `InvalidState` when it is not settled or voided.
    pub fn purge_market(&mut self, market_id: &str) -> Result<(), ErrorCode> {
        let m = self.market_idx(market_id)?;
        if self.settlement(m) == Settlement::Open {
            return Err(ErrorCode::InvalidState);
        }
        self.drop_market(m);
        Ok(())
    }

    pub(crate) fn drop_market(&mut self, m: u32) {
        let ml = &mut self.ledger.markets[m as usize];
        ml.results = Vec::new();
        ml.winners = Vec::new();
        let market = &mut self.markets[m as usize];
        market.purged = true;
        market.sp = None;
        market.release_books();
        self.market_index.remove(&market.id);
    }

    pub(crate) fn free_settled_market(&mut self, m: u32) {
        for id in std::mem::take(&mut self.markets[m as usize].order_ids) {
            if let Some(order) = self.orders.remove(id) {
                if let Some(coid) = order.client_order_id {
                    self.client_ids.remove(order.account, &coid);
                }
            }
        }
        self.markets[m as usize].release_books();
    }

    /// Removes a runner (non-runner) with reduction factor `reduction_bp` (percent times 100:
    /// 25% is 2500). Every unmatched order of the market is cancelled (`MARKET_CLOSED`), bets
    /// matched on the runner are void, bets matched earlier on the other runners get their
    /// price reduced by [`reduce_price`]. The market keeps its status.
    ///
    /// # Errors
    /// `UnknownMarket`, `UnknownRunner`, `AlreadySettled`, `RunnerRemoved` (already removed),
    /// `InvalidArgument` for a factor over 100%.
    pub fn remove_runner(
        &mut self,
        market_id: &str,
        runner: SelectionId,
        reduction_bp: u32,
    ) -> Result<(), ErrorCode> {
        let m = self.check_settleable(market_id)?;
        let r = self.markets[m as usize]
            .runner_index(runner)
            .ok_or(ErrorCode::UnknownRunner)?;
        if self.markets[m as usize].removed[usize::from(r)] {
            return Err(ErrorCode::RunnerRemoved);
        }
        if reduction_bp > 10_000 {
            return Err(ErrorCode::InvalidArgument);
        }
        self.cancel_all_unmatched(m, CancelReason::MarketClosed);
        self.markets[m as usize].removed[usize::from(r)] = true;
        self.emit_kind(EventKind::RunnerRemoved {
            market: m,
            runner: r,
            reduction_bp,
        });
        let ledger = &mut self.ledger;
        for &p in &ledger.markets[m as usize].positions {
            ledger.positions[p as usize].reprice_lots(r, |price| reduce_price(price, reduction_bp));
        }
        self.rebuild_positions(m);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PRICE_SCALE;

    #[test]
    fn reduction_by_hand() {
        // 25%: 4.0 -> 3.0; 2.0 -> 1.5; 1.2 -> 0.9 -> floored at 1.01.
        assert_eq!(reduce_price(40_000, 2_500), 30_000);
        assert_eq!(reduce_price(20_000, 2_500), 15_000);
        assert_eq!(reduce_price(12_000, 2_500), MIN_PRICE);
        // 23.5%: 2.5 * 0.765 = 1.9125 exactly.
        assert_eq!(reduce_price(25_000, 2_350), 19_125);
        // 0.01%: 2.01 * 0.9999 = 2.009799 -> truncated to 2.0097.
        assert_eq!(reduce_price(20_100, 1), 20_097);
        assert_eq!(reduce_price(20_100, 0), 20_100);
        assert_eq!(reduce_price(1_000 * PRICE_SCALE, 10_000), MIN_PRICE);
    }

    #[test]
    fn a_settlement_that_would_leave_64_bits_is_refused_before_anything_changes() {
        use crate::exchange::PlaceRequest;
        use crate::types::{Persistence, Side, TimeInForce};
        let mut ex = Exchange::new();
        let spec = crate::MarketSpec {
            runners: vec![1, 2],
            places: 1,
            bet_delay_ms: 0,
            min_stake: 1,
        };
        ex.create_market("m", spec).unwrap();
        ex.open_market("m").unwrap();
        ex.deposit("backer", 1_000_000).unwrap();
        ex.deposit("layer", 1_000_000).unwrap();
        let order = |side, account| PlaceRequest {
            market_id: "m",
            runner: 1,
            side,
            tick: crate::ladder::parse_tick("3").unwrap(),
            size: 1_000,
            account,
            client_order_id: None,
            time_in_force: TimeInForce::Gtc,
            min_fill_size: None,
            persistence: Persistence::Lapse,
        };
        ex.place(&order(Side::Lay, "layer")).unwrap();
        ex.place(&order(Side::Back, "backer")).unwrap();
        ex.place(&order(Side::Back, "backer")).unwrap(); // rests unmatched
                                                         // A balance a deposit could not make: only a long run of settlements gets near it.
        let backer = ex.account_idx("backer").unwrap() as usize;
        ex.ledger.balances[backer] = Money::MAX - 1_500;
        let hash = ex.state_hash();
        assert_eq!(
            ex.settle_market("m", &[1], &[]).unwrap_err(),
            ErrorCode::AmountOverflow
        );
        assert_eq!(ex.state_hash(), hash);
        assert_eq!(ex.market("m").unwrap().status, MarketStatus::Open);
        ex.ledger.balances[backer] = 1_000_000;
        let report = ex.settle_market("m", &[1], &[]).unwrap();
        assert_eq!(report.accounts.len(), 2);
    }

    #[test]
    fn floor_division_rounds_towards_the_house() {
        assert_eq!(floor_div(35, 10), 3);
        assert_eq!(floor_div(-35, 10), -4);
        assert_eq!(floor_div(-30, 10), -3);
    }
}
