//! Final dividends: from a finishing order to per-ticket payouts and the pool's accounts.
//!
//! Accounting (all integer minor units):
//! - live pool = gross − scratch refunds; takeout = floor(live × takeout); net = live − takeout.
//! - each winning ticket is paid `floor(stake × dividend / 100)`.
//! - minus pool = for each winning combination whose dividend was raised to `min_payout`,
//!   what its tickets are paid beyond its exact share of the net pool (rounded down to the
//!   minor unit): the money the operator adds.
//! - breakage = net − paid to winners + minus pool: the broken-off parts of the dividends,
//!   the sub-unit remainders of payouts and shares (never negative with `rounding = down`).
//!
//! so that sum(payouts incl. refunds) + takeout + breakage − minus pool + carryover = gross.

use super::dividend::{dividends, payout, Share};
use super::error::ToteResult;
use super::pool::{Pool, PoolStatus};
use super::rules::{NoWinner, Split};
use super::winners::{parse_result, winning_combos};
use crate::types::Money;

/// How the pool ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Outcome {
    /// Winning tickets were paid.
    Paid = 0,
    /// Nobody won: every live ticket was refunded.
    Refunded = 1,
    /// Nobody won: the net pool was carried over.
    CarriedOver = 2,
}

/// One winning selection and its dividend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Winner {
    /// Runner numbers (1-based), in selection order (QUINELLA: ascending).
    pub selection: Vec<i64>,
    /// Dividend per 100 of stake.
    pub dividend: Money,
    /// Live stake on the selection.
    pub stake: Money,
}

/// The settlement of a pool for one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The finishing order it was computed for.
    pub result: Vec<Vec<i64>>,
    /// Paid, refunded or carried over.
    pub outcome: Outcome,
    /// Winning selections with stakes on them, by rank.
    pub winners: Vec<Winner>,
    /// Every stake accepted.
    pub gross_pool: Money,
    /// Refunded stakes: scratches, plus every live ticket when the outcome is `Refunded`.
    pub refunds: Money,
    /// Kept by the operator.
    pub takeout: Money,
    /// Shared between the winners (or carried over).
    pub net_pool: Money,
    /// Kept by the operator from rounding.
    pub breakage: Money,
    /// Paid by the operator to honour `min_payout`.
    pub minus_pool: Money,
    /// Carried to `carryover_to`.
    pub carryover: Money,
    /// Paid to winning tickets (excluding refunds).
    pub paid: Money,
    /// Per-ticket payout, refunds included.
    pub payouts: Vec<Money>,
}

impl Pool {
    /// Computes the dividends for `result` (positions, each a list of runner numbers; more
    /// than one where runners dead-heat), closes the pool and records per-ticket payouts.
    /// May be called again (an amended result replaces the previous settlement).
    ///
    /// # Errors
    /// `InvalidSelection` for a bad result; the pool is unchanged.
    pub fn dividends(&mut self, result: &[Vec<i64>]) -> ToteResult<&Settlement> {
        let parsed = parse_result(result, &self.scratched)?;
        let s = self.compute(result, &parsed);
        self.status = PoolStatus::Closed;
        Ok(self.settlement.insert(s))
    }

    fn compute(&self, result: &[Vec<i64>], parsed: &[Vec<usize>]) -> Settlement {
        let live = self.gross - self.refunds;
        let takeout = self.takeout_amount();
        let net = live - takeout;
        let mut winners = winning_combos(self.kind, self.places, &self.space, parsed);
        winners.retain(|&(rank, _)| self.totals[rank] > 0);
        let base_payouts: Vec<Money> = self
            .ticket_stake
            .iter()
            .zip(&self.ticket_refunded)
            .map(|(&s, &r)| if r { s } else { 0 })
            .collect();
        let mut s = Settlement {
            result: result.to_vec(),
            outcome: Outcome::Paid,
            winners: Vec::new(),
            gross_pool: self.gross,
            refunds: self.refunds,
            takeout,
            net_pool: net,
            breakage: 0,
            minus_pool: 0,
            carryover: 0,
            paid: 0,
            payouts: base_payouts,
        };
        if winners.is_empty() {
            match self.rules.no_winner {
                NoWinner::Refund => {
                    s.outcome = Outcome::Refunded;
                    s.takeout = 0;
                    s.net_pool = live;
                    s.refunds = self.gross;
                    s.payouts.clone_from(&self.ticket_stake);
                }
                NoWinner::Carryover => {
                    s.outcome = Outcome::CarriedOver;
                    s.carryover = net;
                }
            }
            return s;
        }
        let shares: Vec<Share> = winners
            .iter()
            .map(|&(rank, weight)| Share {
                stake: self.totals[rank],
                weight,
            })
            .collect();
        let profit_split = self.kind.is_single() && self.rules.split == Split::Profit;
        let divs = dividends(&self.rules, profit_split, net, &shares);
        let mut by_combo = vec![0i128; divs.len()];
        let mut slot = vec![usize::MAX; self.space.count()];
        for (i, &(rank, _)) in winners.iter().enumerate() {
            slot[rank] = i;
        }
        for t in 0..self.ticket_stake.len() {
            if self.ticket_refunded[t] {
                continue;
            }
            let i = slot[self.ticket_combo[t] as usize];
            if i != usize::MAX {
                let p = payout(self.ticket_stake[t], divs[i].paid);
                by_combo[i] += p;
                s.payouts[t] = p as Money;
            }
        }
        let paid: i128 = by_combo.iter().sum();
        let minus: i128 = divs
            .iter()
            .zip(&by_combo)
            .filter(|(d, _)| d.paid > d.broken)
            .map(|(d, &p)| (p - d.share).max(0))
            .sum();
        s.paid = paid as Money;
        s.minus_pool = minus as Money;
        s.breakage = net - s.paid + s.minus_pool;
        s.winners = winners
            .iter()
            .zip(&divs)
            .map(|(&(rank, _), d)| Winner {
                selection: self.space.unrank(rank)[..self.space.arity()]
                    .iter()
                    .map(|&r| r as i64 + 1)
                    .collect(),
                dividend: d.paid,
                stake: self.totals[rank],
            })
            .collect();
        s
    }
}
