//! Exposure: per (account, market) positions and their worst case over every result.
//!
//! A position holds, per runner, `win[r]` and `lose[r]`: the account's P&L from bets on `r`
//! if `r` is among the winners / if it loses, in fixed point (money times
//! [`PRICE_SCALE`]) so that reduced prices stay exact. Unmatched orders are folded in at their
//! full potential loss (an unmatched back adds `-s` to `lose`, an unmatched lay `-s*(p-1)` to
//! `win`). With `k` places the worst case is `sum(lose) + sum of the k smallest (win - lose)`
//! over the runners still in the market. Every change touches one runner and then re-evaluates
//! the worst case in O(runners); nothing ever scans the orders.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::types::{Money, PriceFx, Side, PRICE_SCALE};

/// The fixed-point scale of position amounts.
pub const FX: i128 = PRICE_SCALE as i128;

/// A small multiplicative hasher for the `(account, market)` key: the key is two dense indices,
/// so SipHash's DoS resistance buys nothing on the hot path. Iteration order is never observed.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 29;
    }
}

/// The index from `(account, market)` to a position.
pub type PositionIndex = HashMap<u64, u32, BuildHasherDefault<KeyHasher>>;

/// The key of a position in [`PositionIndex`].
#[inline]
#[must_use]
pub fn key(account: u32, market: u32) -> u64 {
    (u64::from(account) << 32) | u64::from(market)
}

/// One account's position on one market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Account index.
    pub account: u32,
    /// Market index.
    pub market: u32,
    /// P&L per runner if it wins (fixed point), unmatched lays included.
    pub win: Vec<i128>,
    /// P&L per runner if it loses (fixed point), unmatched backs included.
    pub lose: Vec<i128>,
    /// `sum(lose)`, kept in step.
    pub sum_lose: i128,
    /// The cached exposure (whole units, rounded up).
    pub exposure: Money,
}

impl Position {
    /// An empty position over `n` runners.
    #[must_use]
    pub fn new(account: u32, market: u32, n: usize) -> Self {
        Position {
            account,
            market,
            win: vec![0; n],
            lose: vec![0; n],
            sum_lose: 0,
            exposure: 0,
        }
    }

    /// Adds `(dw, dl)` to runner `r`.
    #[inline]
    pub fn apply(&mut self, r: usize, dw: i128, dl: i128) {
        self.win[r] += dw;
        self.lose[r] += dl;
        self.sum_lose += dl;
    }

    /// Clears every amount (after settlement or before a rebuild).
    pub fn clear(&mut self) {
        self.win.iter_mut().for_each(|v| *v = 0);
        self.lose.iter_mut().for_each(|v| *v = 0);
        self.sum_lose = 0;
    }
}

/// `(dw, dl)` of `amount` unmatched (negative: leaving) on `side` at `price`.
#[inline]
#[must_use]
pub fn unmatched_delta(side: Side, price: PriceFx, amount: Money) -> (i128, i128) {
    let s = i128::from(amount);
    match side {
        Side::Back => (0, -s * FX),
        Side::Lay => (-s * (i128::from(price) - FX), 0),
    }
}

/// `(dw, dl)` of a matched bet of stake `size` at `price` for the `side` that holds it.
#[inline]
#[must_use]
pub fn matched_delta(side: Side, price: PriceFx, size: Money) -> (i128, i128) {
    let s = i128::from(size);
    let win = s * (i128::from(price) - FX);
    match side {
        Side::Back => (win, -s * FX),
        Side::Lay => (-win, s * FX),
    }
}

/// The worst P&L (fixed point) of `win`/`lose` with `places` winners among the runners not
/// `removed`, optionally with `(runner, dw, dl)` applied first (a what-if, nothing mutated).
#[inline]
#[must_use]
pub fn worst_case(
    win: &[i128],
    lose: &[i128],
    sum_lose: i128,
    removed: &[bool],
    places: u16,
    delta: Option<(usize, i128, i128)>,
) -> i128 {
    let (dr, dw, dl) = delta.unwrap_or((usize::MAX, 0, 0));
    let sum_l = sum_lose + dl;
    let d_at = |i: usize| {
        if i == dr {
            win[i] + dw - lose[i] - dl
        } else {
            win[i] - lose[i]
        }
    };
    if places == 1 {
        let (mut min, mut any) = (i128::MAX, false);
        for (i, &gone) in removed.iter().enumerate() {
            if !gone {
                min = min.min(d_at(i));
                any = true;
            }
        }
        return sum_l + if any { min } else { 0 };
    }
    worst_k(win, lose, sum_l, removed, places, (dr, dw, dl))
}

/// The k > 1 case of [`worst_case`]: a partial selection over the runners, O(n).
#[inline(never)]
fn worst_k(
    win: &[i128],
    lose: &[i128],
    sum_l: i128,
    removed: &[bool],
    places: u16,
    (dr, dw, dl): (usize, i128, i128),
) -> i128 {
    let mut ds: Vec<i128> = (0..win.len())
        .filter(|&i| !removed[i])
        .map(|i| {
            if i == dr {
                win[i] + dw - lose[i] - dl
            } else {
                win[i] - lose[i]
            }
        })
        .collect();
    let k = usize::from(places).min(ds.len());
    if k == 0 {
        return sum_l;
    }
    if k < ds.len() {
        ds.select_nth_unstable(k - 1);
    }
    sum_l + ds[..k].iter().sum::<i128>()
}

/// Exposure from a worst case: `max(0, -worst)` in whole units, rounded up.
#[inline]
#[must_use]
pub fn exposure_of(worst: i128) -> Money {
    if worst >= 0 {
        return 0;
    }
    // i128 division is a slow library call; every realistic amount fits in i64.
    if let Ok(loss) = i64::try_from(-worst) {
        if loss <= i64::MAX - PRICE_SCALE {
            return (loss + PRICE_SCALE - 1) / PRICE_SCALE;
        }
    }
    Money::try_from((-worst + FX - 1) / FX).unwrap_or(Money::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: i64 = PRICE_SCALE;

    fn exposure(pos: &Position, removed: &[bool], places: u16) -> Money {
        exposure_of(worst_case(
            &pos.win,
            &pos.lose,
            pos.sum_lose,
            removed,
            places,
            None,
        ))
    }

    #[test]
    fn three_runner_win_market_by_hand() {
        // Back runner 0: 10.00 at 3.0 -> win0 = +20.00, lose0 = -10.00.
        // Lay runner 1: 5.00 at 4.0 -> win1 = -15.00, lose1 = +5.00.
        // Results: 0 wins: +20 + 5 = +25; 1 wins: -10 - 15 = -25; 2 wins: -10 + 5 = -5.
        // Formula: sum(lose) = -5; d = (30, -20, 0); min = -20; worst = -25.
        let mut pos = Position::new(0, 0, 3);
        let (w, l) = matched_delta(Side::Back, 3 * P, 1_000);
        pos.apply(0, w, l);
        let (w, l) = matched_delta(Side::Lay, 4 * P, 500);
        pos.apply(1, w, l);
        assert_eq!(exposure(&pos, &[false; 3], 1), 2_500);
        // An unmatched back of 2.00 on runner 2 adds -2 to lose2: results become
        // 0 wins: +23, 1 wins: -27, 2 wins: -5 (it would win, no gains counted) -> 27.00.
        let (w, l) = unmatched_delta(Side::Back, 5 * P, 200);
        pos.apply(2, w, l);
        assert_eq!(exposure(&pos, &[false; 3], 1), 2_700);
    }

    #[test]
    fn four_runner_two_place_market_by_hand() {
        // Back runners 0 and 1 at 2.0 for 10.00 each; lay runner 2 at 3.0 for 10.00.
        // win = (10, 10, -20, 0), lose = (-10, -10, 10, 0): sum(lose) = -10,
        // d = (20, 20, -30, 0); two smallest: -30 + 0 = -30 -> worst = -40:
        // runners 2 and 3 placed: backs lose 20, lay loses 20 -> -40. Exposure 40.00.
        let mut pos = Position::new(0, 0, 4);
        for r in [0, 1] {
            let (w, l) = matched_delta(Side::Back, 2 * P, 1_000);
            pos.apply(r, w, l);
        }
        let (w, l) = matched_delta(Side::Lay, 3 * P, 1_000);
        pos.apply(2, w, l);
        assert_eq!(exposure(&pos, &[false; 4], 2), 4_000);
        // With runner 3 removed only {0,1,2} can place; the worst pair is {0, 2}:
        // back 0 +10, back 1 -10, lay 2 -20 = -20. Formula: d = (20, 20, -30), two smallest
        // -30 + 20 = -10, worst = -10 - 10 = -20.
        assert_eq!(exposure(&pos, &[false, false, false, true], 2), 2_000);
    }

    #[test]
    fn lay_liability_rounds_up() {
        // Lay 1 unit at 1.01: liability 0.01 of a unit -> exposure rounds up to 1.
        let mut pos = Position::new(0, 0, 2);
        let (w, l) = unmatched_delta(Side::Lay, 10_100, 1);
        pos.apply(0, w, l);
        assert_eq!(exposure(&pos, &[false; 2], 1), 1);
    }

    #[test]
    fn what_if_equals_applying() {
        let mut pos = Position::new(0, 0, 3);
        let (w, l) = matched_delta(Side::Back, 25_000, 700);
        pos.apply(1, w, l);
        let (dw, dl) = unmatched_delta(Side::Lay, 40_000, 300);
        let what_if = worst_case(
            &pos.win,
            &pos.lose,
            pos.sum_lose,
            &[false; 3],
            1,
            Some((1, dw, dl)),
        );
        pos.apply(1, dw, dl);
        assert_eq!(
            what_if,
            worst_case(&pos.win, &pos.lose, pos.sum_lose, &[false; 3], 1, None)
        );
    }
}
