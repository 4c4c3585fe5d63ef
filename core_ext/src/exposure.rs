//! Exposure: per (account, market) positions and their worst case over every result.
//!
//! A position holds, per runner, `win[r]` and `lose[r]`: the account's P&L from bets on `r`
//! if `r` is among the winners / if it loses, in fixed point (money times
//! [`PRICE_SCALE`]) so that reduced prices stay exact. Unmatched orders are folded in at their
//! full potential loss (an unmatched back adds `-s` to `lose`, an unmatched lay `-s*(p-1)` to
//! `win`). With `k` places the worst case is `sum(lose) + sum of the k smallest (win - lose)`
//! over the runners still in the market. Every change touches one runner and then re-evaluates
//! the worst case in O(runners); nothing ever scans the orders.

use crate::types::{Money, PriceFx, Side, PRICE_SCALE};

/// The fixed-point scale of position amounts.
pub const FX: i128 = PRICE_SCALE as i128;

/// The index from `(account, market)` to a position. Fx: the key is two dense indices, so
/// SipHash's flooding resistance buys nothing on the hot path; iteration order is never
/// observed.
pub type PositionIndex = rustc_hash::FxHashMap<u64, u32>;

/// The key of a position in [`PositionIndex`].
#[inline]
#[must_use]
pub fn key(account: u32, market: u32) -> u64 {
    (u64::from(account) << 32) | u64::from(market)
}

/// Slots of [`Position::lot_cache`].
pub const LOT_CACHE: usize = 64;

/// The cache slot of a lot key (Fibonacci hashing: the top bits of one multiply).
#[inline]
fn lot_slot(key: u64) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - LOT_CACHE.trailing_zeros())) as usize
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
    /// The exposure held against the account's balance (whole units, rounded up): exactly
    /// the exposure when `stale` is false, an upper bound of it otherwise.
    pub held: Money,
    /// Whether `held` may exceed the exact exposure (a fill, a cancel or an accept since the
    /// last evaluation: none of them needs one, see [`crate::ledger`]).
    pub stale: bool,
    /// Matched stake per `(runner, side, price)`, sorted by that key: what settlement audits
    /// and a non-runner's reduction need, bounded by the ladder rather than by the fills.
    pub lots: Vec<Lot>,
    /// Where recent lots are in `lots`, by a hash of their key (a cache, not state: an
    /// account mostly fills again at a few prices, so this skips the binary search; an entry
    /// made stale by an insertion just misses).
    pub lot_cache: [u32; LOT_CACHE],
}

/// The matched stake one position holds at one price on one runner and side (every fill at
/// that price summed: a matched bet's P&L is linear in its stake).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lot {
    /// `(runner, side, price)` packed so that their order is the integer's (one compare per
    /// step of the binary search on the fill path).
    pub key: u64,
    /// Stake (the backer's) matched at that price.
    pub size: Money,
}

impl Lot {
    /// The packed key of `(runner, side, price)`; a price is below 2^39 (ladder prices and
    /// their reductions are at most 1000.0, i.e. 10^7 in fixed point).
    #[inline]
    #[must_use]
    pub fn key_of(runner: u16, side: Side, price: PriceFx) -> u64 {
        debug_assert!((0..1 << 39).contains(&price));
        (u64::from(runner) << 40) | (u64::from(side as u8) << 39) | price as u64
    }

    /// A lot from its parts.
    #[must_use]
    pub fn new(runner: u16, side: Side, price: PriceFx, size: Money) -> Self {
        Lot {
            key: Lot::key_of(runner, side, price),
            size,
        }
    }

    /// Runner index.
    #[inline]
    #[must_use]
    pub fn runner(&self) -> u16 {
        (self.key >> 40) as u16
    }

    /// The side the position holds.
    #[inline]
    #[must_use]
    pub fn side(&self) -> Side {
        if self.key >> 39 & 1 == 0 {
            Side::Back
        } else {
            Side::Lay
        }
    }

    /// Price in fixed point (a ladder price, or reduced by a non-runner).
    #[inline]
    #[must_use]
    pub fn price(&self) -> PriceFx {
        (self.key & ((1 << 39) - 1)) as PriceFx
    }
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
            held: 0,
            stale: false,
            lots: Vec::new(),
            lot_cache: [0; LOT_CACHE],
        }
    }

    /// Records `size` matched on `side` at `price` on runner `r` in the lots (amounts are
    /// applied separately).
    #[inline]
    pub fn add_lot(&mut self, r: u16, side: Side, price: PriceFx, size: Money) {
        let key = Lot::key_of(r, side, price);
        let slot = lot_slot(key);
        let cached = self.lot_cache[slot] as usize;
        if let Some(l) = self.lots.get_mut(cached) {
            if l.key == key {
                l.size += size;
                return;
            }
        }
        let i = match self.lots.binary_search_by_key(&key, |l| l.key) {
            Ok(i) => {
                self.lots[i].size += size;
                i
            }
            Err(i) => {
                self.lots.insert(i, Lot { key, size });
                i
            }
        };
        self.lot_cache[slot] = i as u32;
    }

    /// Drops the lots on runner `r` (void) and reduces the others' prices with `reduce`,
    /// merging lots that end on the same price.
    pub fn reprice_lots(&mut self, r: u16, reduce: impl Fn(PriceFx) -> PriceFx) {
        self.lots.retain(|l| l.runner() != r);
        for l in &mut self.lots {
            *l = Lot::new(l.runner(), l.side(), reduce(l.price()), l.size);
        }
        // A reduction is monotone, so the order mostly holds; equal keys end up adjacent.
        self.lots.sort_by_key(|l| l.key);
        self.lots.dedup_by(|b, a| {
            if a.key == b.key {
                a.size += b.size;
                true
            } else {
                false
            }
        });
    }

    /// A fill of `size` at `price` for this position's order of `side` and `limit`: the
    /// amounts move (see [`fill_delta`]), the hold goes stale, the lot grows.
    #[inline(always)]
    pub fn fill(&mut self, r: u16, side: Side, limit: PriceFx, price: PriceFx, size: Money) {
        let i = usize::from(r);
        let (dw, dl) = fill_delta(side, limit, price, size);
        // Only the amounts that move: a back gains on a win; a lay gains the stake on a loss,
        // and only a taker lay filled below its limit frees part of its liability.
        match side {
            Side::Back => self.win[i] += dw,
            Side::Lay => {
                self.lose[i] += dl;
                self.sum_lose += dl;
                if limit != price {
                    self.win[i] += dw;
                }
            }
        }
        self.stale = true;
        self.add_lot(r, side, price, size);
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
    match side {
        Side::Back => (0, -i128::from(amount) * FX),
        Side::Lay => (-odds_product(amount, price), 0),
    }
}

/// `(dw, dl)` of `amount` of an SP bet unmatched (negative: leaving): a back's stake if the
/// runner loses, a lay's liability if it wins, whatever the price turns out to be.
#[inline]
#[must_use]
pub fn sp_unmatched_delta(side: Side, amount: Money) -> (i128, i128) {
    match side {
        Side::Back => (0, -i128::from(amount) * FX),
        Side::Lay => (-i128::from(amount) * FX, 0),
    }
}

/// The potential loss of a new unmatched order, in whole units rounded up: a back's stake, a
/// lay's liability. Equals `exposure_of` of its [`unmatched_delta`], in 64-bit arithmetic (the
/// funds check and the hold of every accepted order compute it).
#[inline]
#[must_use]
pub fn order_loss(side: Side, price: PriceFx, size: Money) -> Money {
    match side {
        Side::Back => size,
        Side::Lay => {
            let product = u64::try_from(price - PRICE_SCALE)
                .ok()
                .zip(u64::try_from(size).ok())
                .and_then(|(odds, size)| odds.checked_mul(size))
                .and_then(|p| p.checked_add(PRICE_SCALE as u64 - 1));
            match product {
                Some(p) => (p / PRICE_SCALE as u64) as Money,
                None => exposure_of(-odds_product(size, price)),
            }
        }
    }
}

/// `amount * (price - 1)` in fixed point, with one 64-bit multiply: |amount| <= 10^12 and
/// price - 1 < 10^7, so the magnitude stays below u64::MAX (not i64::MAX).
#[inline(always)]
pub fn odds_product(amount: Money, price: PriceFx) -> i128 {
    let product = u64::try_from(price - PRICE_SCALE)
        .ok()
        .and_then(|odds| amount.unsigned_abs().checked_mul(odds));
    match product {
        Some(m) if amount >= 0 => i128::from(m),
        Some(m) => -i128::from(m),
        None => i128::from(amount) * i128::from(price - PRICE_SCALE),
    }
}

/// `(dw, dl)` of a fill of `size` at `price` for the side of an order with limit `limit`: its
/// unmatched part leaves at the limit and becomes matched at the fill price, i.e.
/// `unmatched_delta(side, limit, -size) + matched_delta(side, price, size)` in one step. Never
/// negative (a back fills at or above its limit, a lay at or below): a fill cannot raise the
/// worst case.
#[inline(always)]
#[must_use]
pub fn fill_delta(side: Side, limit: PriceFx, price: PriceFx, size: Money) -> (i128, i128) {
    match side {
        // The stake was already lost if the runner loses; now it also wins at the price.
        Side::Back => (odds_product(size, price), 0),
        // The liability reserved at the limit shrinks to the one at the price, and the
        // stake is won if the runner loses.
        Side::Lay => (
            odds_product(size, limit) - odds_product(size, price),
            i128::from(size) * FX,
        ),
    }
}

/// `(dw, dl)` of a matched bet of stake `size` at `price` for the `side` that holds it.
#[inline]
#[must_use]
pub fn matched_delta(side: Side, price: PriceFx, size: Money) -> (i128, i128) {
    let s = i128::from(size);
    let win = odds_product(size, price);
    match side {
        Side::Back => (win, -s * FX),
        Side::Lay => (-win, s * FX),
    }
}

/// The worst P&L (fixed point) of `win`/`lose` with `places` winners among the runners not
/// `removed`, optionally with `(runner, dw, dl)` applied first (a what-if, nothing mutated).
#[inline(always)]
#[must_use]
pub fn worst_case(
    win: &[i128],
    lose: &[i128],
    sum_lose: i128,
    removed: &[bool],
    places: u16,
    delta: Option<(usize, i128, i128)>,
) -> i128 {
    let Some((dr, dw, dl)) = delta else {
        return worst_now(win, lose, sum_lose, removed, places);
    };
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

/// [`worst_case`] without a what-if: the re-evaluation after every change. The single-place
/// loop walks the slices in step (no index, no bounds checks, no what-if branch).
#[inline(always)]
fn worst_now(win: &[i128], lose: &[i128], sum_lose: i128, removed: &[bool], places: u16) -> i128 {
    if places == 1 {
        let (mut min, mut any) = (i128::MAX, false);
        for ((&w, &l), &gone) in win.iter().zip(lose).zip(removed) {
            if !gone {
                min = min.min(w - l);
                any = true;
            }
        }
        return sum_lose + if any { min } else { 0 };
    }
    worst_k(win, lose, sum_lose, removed, places, (usize::MAX, 0, 0))
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
    use crate::test_rng::Rng;

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

    #[test]
    fn lots_aggregate_fills_per_runner_side_and_price() {
        let mut pos = Position::new(0, 0, 2);
        pos.add_lot(1, Side::Lay, 30_000, 100);
        pos.add_lot(0, Side::Back, 20_000, 50);
        pos.add_lot(1, Side::Lay, 30_000, 25);
        pos.add_lot(0, Side::Back, 25_000, 10);
        pos.add_lot(0, Side::Lay, 20_000, 7);
        let got: Vec<_> = pos
            .lots
            .iter()
            .map(|l| (l.runner(), l.side(), l.price(), l.size))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, Side::Back, 20_000, 50),
                (0, Side::Back, 25_000, 10),
                (0, Side::Lay, 20_000, 7),
                (1, Side::Lay, 30_000, 125),
            ]
        );
    }

    #[test]
    fn lots_stay_sorted_and_exact_whatever_the_cache_holds() {
        // Insertions shift indices under the cache: every add must still land on its key.
        let mut pos = Position::new(0, 0, 3);
        let mut model = std::collections::BTreeMap::new();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..5_000 {
            let r = rng.below(3) as u16;
            let side = if rng.below(2) == 0 {
                Side::Back
            } else {
                Side::Lay
            };
            let price = crate::ladder::TICKS[rng.below(350) as usize];
            let size = rng.below(1_000) as i64 + 1;
            pos.add_lot(r, side, price, size);
            *model.entry(Lot::key_of(r, side, price)).or_insert(0) += size;
        }
        let got: Vec<(u64, i64)> = pos.lots.iter().map(|l| (l.key, l.size)).collect();
        let want: Vec<(u64, i64)> = model.into_iter().collect();
        assert_eq!(got, want);
    }

    #[test]
    fn repricing_voids_the_runner_and_merges_equal_prices() {
        let mut pos = Position::new(0, 0, 2);
        pos.add_lot(0, Side::Back, 20_000, 50);
        pos.add_lot(0, Side::Back, 20_001, 10);
        pos.add_lot(1, Side::Lay, 30_000, 100);
        // A reduction that maps both runner-0 prices onto 1.5.
        pos.reprice_lots(1, |_| 15_000);
        let got: Vec<_> = pos
            .lots
            .iter()
            .map(|l| (l.runner(), l.side(), l.price(), l.size))
            .collect();
        assert_eq!(got, vec![(0, Side::Back, 15_000, 60)]);
    }

    #[test]
    fn a_fill_is_its_unmatched_part_leaving_plus_the_matched_bet() {
        for side in [Side::Back, Side::Lay] {
            for (limit, price) in [(20_000, 20_000), (30_000, 25_000), (1_000 * P, 10_100)] {
                let (limit, price) = match side {
                    Side::Back => (price, limit), // a back fills at or above its limit
                    Side::Lay => (limit, price),
                };
                for size in [1, 1_234, 1_000_000_000_000] {
                    let (uw, ul) = unmatched_delta(side, limit, -size);
                    let (mw, ml) = matched_delta(side, price, size);
                    let (fw, fl) = fill_delta(side, limit, price, size);
                    assert_eq!(
                        (fw, fl),
                        (uw + mw, ul + ml),
                        "{side:?} {limit} {price} {size}"
                    );
                    assert!(fw >= 0 && fl >= 0);
                    // Position::fill moves exactly these amounts and records the lot.
                    let mut pos = Position::new(0, 0, 2);
                    pos.fill(1, side, limit, price, size);
                    assert_eq!((pos.win[1], pos.lose[1], pos.sum_lose), (fw, fl, fl));
                    assert_eq!((pos.win[0], pos.lose[0]), (0, 0));
                    assert!(pos.stale);
                    assert_eq!(pos.lots, vec![Lot::new(1, side, price, size)]);
                }
            }
        }
    }

    #[test]
    fn order_loss_is_the_exposure_of_the_unmatched_order() {
        for side in [Side::Back, Side::Lay] {
            for tick in [0, 1, 57, 200, 349] {
                let price = crate::ladder::TICKS[tick];
                for size in [1, 2, 99, 10_001, 123_457, 1_000_000_000_000] {
                    let (dw, dl) = unmatched_delta(side, price, size);
                    assert_eq!(order_loss(side, price, size), exposure_of(dw + dl));
                }
            }
        }
    }

    #[test]
    fn odds_product_is_exact_at_the_extremes() {
        // MAX_SIZE at 1000.0: 10^12 * 999 * 10^4 > i64::MAX, still exact.
        let (size, price) = (1_000_000_000_000_i64, 1_000 * P);
        let exact = i128::from(size) * i128::from(price - P);
        assert!(exact > i128::from(i64::MAX));
        assert_eq!(odds_product(size, price), exact);
        assert_eq!(odds_product(-size, price), -exact);
        assert_eq!(unmatched_delta(Side::Lay, price, -size), (exact, 0));
        assert_eq!(
            matched_delta(Side::Lay, price, size),
            (-exact, size as i128 * FX)
        );
        // A price at or below 1.0 never reaches here, but stays exact through the fallback.
        assert_eq!(odds_product(7, P / 2), -7 * i128::from(P / 2));
    }
}
