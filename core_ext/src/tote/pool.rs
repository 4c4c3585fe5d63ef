//! The pool: bet intake, scratches and incremental totals.
//!
//! Tickets are stored as a struct of arrays (combination rank, stake, refunded flag); the
//! ticket id is the index. Totals per combination are a dense vector indexed by rank, so a
//! bet costs O(1) and will-pays are one pass over the vector.

use super::combo::ComboSpace;
use super::error::{ToteError, ToteResult};
use super::rules::{PoolKind, Rules};
use super::settle::Settlement;
use crate::types::Money;

/// Largest gross pool accepted, so that every product in the dividend math fits in i128
/// with room to spare and every payout fits in i64.
pub const MAX_POOL: Money = 1 << 50;

/// Whether the pool takes bets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PoolStatus {
    /// Taking bets.
    Open = 0,
    /// No more bets; scratches and results allowed.
    Closed = 1,
}

/// A pari-mutuel pool of one kind on one race.
#[derive(Debug, Clone)]
pub struct Pool {
    pub(super) kind: PoolKind,
    pub(super) places: usize,
    pub(super) rules: Rules,
    pub(super) space: ComboSpace,
    pub(super) status: PoolStatus,
    pub(super) scratched: Vec<bool>,
    /// Live stake per combination rank.
    pub(super) totals: Vec<Money>,
    /// Every stake ever accepted.
    pub(super) gross: Money,
    /// Stakes refunded by scratches.
    pub(super) refunds: Money,
    pub(super) ticket_combo: Vec<u32>,
    pub(super) ticket_stake: Vec<Money>,
    pub(super) ticket_refunded: Vec<bool>,
    /// The latest settlement (result and per-ticket payouts).
    pub(super) settlement: Option<Settlement>,
}

impl Pool {
    /// A new open pool of `runners` runners numbered 1..=runners.
    ///
    /// `places` is the number of paid places: 1 for WIN (the only value allowed), default 2
    /// for PLACE, 3 for SHOW; exotics ignore it (must be `None`).
    ///
    /// # Errors
    /// `InvalidArgument` for bad rules, too few runners or a bad `places`.
    pub fn new(
        kind: PoolKind,
        runners: usize,
        places: Option<usize>,
        rules: Rules,
    ) -> ToteResult<Pool> {
        rules.validate()?;
        let paid = match (kind, places) {
            (PoolKind::Win, None | Some(1)) => Some(1),
            (PoolKind::Place, None) => Some(2),
            (PoolKind::Show, None) => Some(3),
            // Up to 4 paid places: keeps the dead-heat weights (lcm of tie sizes) small.
            (PoolKind::Place | PoolKind::Show, Some(k)) => {
                Some(k).filter(|&k| (1..=4).contains(&k))
            }
            (PoolKind::Win, Some(_)) => None,
            (k, None) => Some(k.arity()),
            (k, Some(p)) => Some(p).filter(|&p| p == k.arity()),
        };
        let places = paid.ok_or_else(|| {
            ToteError::InvalidArgument(format!(
                "places={places:?} is not valid for a {kind:?} pool (WIN: 1, PLACE/SHOW: 1..=4)"
            ))
        })?;
        let space = ComboSpace::new(runners, kind.arity(), kind.is_ordered())?;
        Ok(Pool {
            kind,
            places,
            rules,
            space,
            status: PoolStatus::Open,
            scratched: vec![false; runners],
            totals: vec![0; space.count()],
            gross: 0,
            refunds: 0,
            ticket_combo: Vec::new(),
            ticket_stake: Vec::new(),
            ticket_refunded: Vec::new(),
            settlement: None,
        })
    }

    /// The pool's kind.
    #[must_use]
    pub fn kind(&self) -> PoolKind {
        self.kind
    }

    /// Number of runners (numbered 1..=n).
    #[must_use]
    pub fn runners(&self) -> usize {
        self.space.n()
    }

    /// Number of paid places (1 for WIN, k for PLACE/SHOW, the arity for exotics).
    #[must_use]
    pub fn places(&self) -> usize {
        self.places
    }

    /// The rule parameters.
    #[must_use]
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The combination space (ranks of selections).
    #[must_use]
    pub fn space(&self) -> &ComboSpace {
        &self.space
    }

    /// Open or closed.
    #[must_use]
    pub fn status(&self) -> PoolStatus {
        self.status
    }

    /// Scratched flag per runner (index 0 = runner 1).
    #[must_use]
    pub fn scratched(&self) -> &[bool] {
        &self.scratched
    }

    /// Every stake ever accepted, including later refunds.
    #[must_use]
    pub fn gross(&self) -> Money {
        self.gross
    }

    /// Stakes refunded by scratches.
    #[must_use]
    pub fn refunds(&self) -> Money {
        self.refunds
    }

    /// Live stake per combination rank.
    #[must_use]
    pub fn totals(&self) -> &[Money] {
        &self.totals
    }

    /// Number of tickets.
    #[must_use]
    pub fn ticket_count(&self) -> usize {
        self.ticket_stake.len()
    }

    /// Combination rank per ticket.
    #[must_use]
    pub fn ticket_combos(&self) -> &[u32] {
        &self.ticket_combo
    }

    /// Stake per ticket.
    #[must_use]
    pub fn ticket_stakes(&self) -> &[Money] {
        &self.ticket_stake
    }

    /// Refunded-by-scratch flag per ticket.
    #[must_use]
    pub fn ticket_refunded(&self) -> &[bool] {
        &self.ticket_refunded
    }

    /// The latest settlement, if `dividends` was called.
    #[must_use]
    pub fn settlement(&self) -> Option<&Settlement> {
        self.settlement.as_ref()
    }

    /// Takeout on the live pool (gross minus refunds), rounded down to the minor unit.
    #[must_use]
    pub fn takeout_amount(&self) -> Money {
        let live = i128::from(self.gross - self.refunds);
        (live * i128::from(self.rules.takeout_ppm) / i128::from(super::rules::PPM)) as Money
    }

    /// The net pool: live pool minus takeout.
    #[must_use]
    pub fn net_pool(&self) -> Money {
        self.gross - self.refunds - self.takeout_amount()
    }

    fn check_open(&self) -> ToteResult<()> {
        if self.status != PoolStatus::Open {
            return Err(ToteError::PoolClosed("the pool is closed to bets".into()));
        }
        Ok(())
    }

    fn check_stake(&self, stake: Money, already: Money) -> ToteResult<()> {
        if stake <= 0 {
            return Err(ToteError::InvalidSize(format!(
                "stake must be positive, got {stake}"
            )));
        }
        if stake > MAX_POOL || self.gross + already > MAX_POOL - stake {
            return Err(ToteError::AmountOverflow(format!(
                "stake {stake} would take the pool past {MAX_POOL}"
            )));
        }
        Ok(())
    }

    /// Adds a ticket on `selection` (1-based runner numbers) and returns its id.
    ///
    /// # Errors
    /// `PoolClosed`, `InvalidSelection` or `InvalidSize`; the pool is unchanged.
    pub fn bet(&mut self, selection: &[i64], stake: Money) -> ToteResult<u64> {
        self.check_open()?;
        let rank = self.space.rank_checked(selection, &self.scratched)?;
        self.check_stake(stake, 0)?;
        Ok(self.push(rank, stake))
    }

    #[inline]
    fn push(&mut self, rank: usize, stake: Money) -> u64 {
        let id = self.ticket_stake.len() as u64;
        self.totals[rank] += stake;
        self.gross += stake;
        self.ticket_combo.push(rank as u32);
        self.ticket_stake.push(stake);
        self.ticket_refunded.push(false);
        id
    }

    /// Adds one ticket per row, all or nothing: `selections` is row-major with `arity`
    /// runners per row. Returns the id of the first ticket; ids are consecutive.
    ///
    /// # Errors
    /// The first bad row's error, with its row index in the message; the pool is unchanged.
    pub fn bet_many(&mut self, selections: &[i64], stakes: &[Money]) -> ToteResult<u64> {
        self.check_open()?;
        let k = self.space.arity();
        if selections.len() != stakes.len() * k {
            return Err(ToteError::InvalidSelection(format!(
                "{} selection values for {} stakes of arity {k}",
                selections.len(),
                stakes.len()
            )));
        }
        // Ranks go straight into the ticket table and are rolled back on a bad row, so a
        // batch is all-or-nothing without a temporary copy.
        let first = self.ticket_stake.len() as u64;
        let base = self.ticket_combo.len();
        self.ticket_combo.reserve(stakes.len());
        let mut sum: Money = 0;
        let row_err = |row: usize, e: ToteError| match e {
            ToteError::InvalidSelection(m) => {
                ToteError::InvalidSelection(format!("row {row}: {m}"))
            }
            ToteError::InvalidSize(m) => ToteError::InvalidSize(format!("row {row}: {m}")),
            other => other,
        };
        for (row, (sel, &stake)) in selections.chunks_exact(k).zip(stakes).enumerate() {
            let checked = if k == 1 {
                self.single_rank(sel[0])
            } else {
                self.space.rank_checked(sel, &self.scratched)
            }
            .and_then(|rank| self.check_stake(stake, sum).map(|()| rank));
            match checked {
                Ok(rank) => {
                    sum += stake;
                    self.ticket_combo.push(rank as u32);
                }
                Err(e) => {
                    self.ticket_combo.truncate(base);
                    return Err(row_err(row, e));
                }
            }
        }
        for (&rank, &stake) in self.ticket_combo[base..].iter().zip(stakes) {
            self.totals[rank as usize] += stake;
        }
        self.gross += sum;
        self.ticket_stake.extend_from_slice(stakes);
        self.ticket_refunded.resize(self.ticket_stake.len(), false);
        Ok(first)
    }

    #[inline]
    fn single_rank(&self, r: i64) -> ToteResult<usize> {
        if r >= 1 && r <= self.space.n() as i64 && !self.scratched[(r - 1) as usize] {
            Ok((r - 1) as usize)
        } else {
            self.space.rank_checked(&[r], &self.scratched)
        }
    }

    /// Closes the pool to bets (idempotent).
    pub fn close(&mut self) {
        self.status = PoolStatus::Closed;
    }

    /// Scratches `runner`: refunds every live ticket that includes it and removes it from
    /// the pool. Returns the amount refunded.
    ///
    /// # Errors
    /// `InvalidSelection` for an unknown or already scratched runner, `PoolClosed` once the
    /// pool has been settled; the pool is unchanged.
    pub fn scratch(&mut self, runner: i64) -> ToteResult<Money> {
        if self.settlement.is_some() {
            return Err(ToteError::PoolClosed("the pool has been settled".into()));
        }
        if runner < 1 || runner > self.space.n() as i64 {
            return Err(ToteError::InvalidSelection(format!(
                "unknown runner {runner}"
            )));
        }
        let r0 = (runner - 1) as usize;
        if self.scratched[r0] {
            return Err(ToteError::InvalidSelection(format!(
                "runner {runner} is already scratched"
            )));
        }
        self.scratched[r0] = true;
        let mut dead = vec![false; self.space.count()];
        self.space
            .for_each(|rank, sel| dead[rank] = sel.contains(&r0));
        let mut refunded = 0;
        for t in 0..self.ticket_stake.len() {
            let c = self.ticket_combo[t] as usize;
            if dead[c] && !self.ticket_refunded[t] {
                self.ticket_refunded[t] = true;
                refunded += self.ticket_stake[t];
            }
        }
        for (total, &d) in self.totals.iter_mut().zip(&dead) {
            if d {
                *total = 0;
            }
        }
        self.refunds += refunded;
        Ok(refunded)
    }

    /// Per-ticket payouts of the latest settlement; before one, the scratch refunds.
    #[must_use]
    pub fn payouts(&self) -> Vec<Money> {
        match &self.settlement {
            Some(s) => s.payouts.clone(),
            None => self
                .ticket_stake
                .iter()
                .zip(&self.ticket_refunded)
                .map(|(&s, &r)| if r { s } else { 0 })
                .collect(),
        }
    }
}
