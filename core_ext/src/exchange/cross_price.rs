//! Cross-matching prices (spec section 2b): the virtual offer a runner gets from the best
//! offers of every other runner, and the house's legs, checked so that the house never loses.
//!
//! A taker backing runner i at V against the house makes the house lay i; the house covers by
//! laying every other runner j against its best resting back at `b_j`, with stake
//! `t_j ~ s * V / b_j`. With `V* = 1 / (1 - sum 1/b_j)` the house's P&L is `s * (1 - V/V*)` on
//! every result before rounding, so `V` is `V*` rounded down to a tick. A taker laying i is the
//! mirror image (the house backs every runner at its best resting lay `l_j`, `V` rounded up).
//! The price search uses floating point; what decides is an exact integer check of the house's
//! P&L on every result with the rounded stakes, and the price moves one tick against the
//! taker (at most a few times) until that check passes.

use crate::exposure::FX;
use crate::ladder::{self, N_TICKS};
use crate::types::{Money, Side, Tick};

/// The levels of another runner that a leg may take, best first: `(tick, volume)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offers {
    /// Runner index.
    pub runner: u16,
    /// Its levels on the side the legs take, best first (a few are enough).
    pub levels: Vec<(Tick, Money)>,
}

/// How many levels of one runner a leg may reach into when the best one is too thin.
const SPILL_LEVELS: usize = 3;

/// [`plan`] over the other runners' levels: against each runner's best level first; when
/// that fails (a level too thin to hedge the rounding), the thinnest leg reaches one level
/// deeper, its whole stake priced at the deeper (worse for the house) limit, which its order
/// then fills best price first.
#[must_use]
pub fn plan_over(taker_side: Side, offers: &[Offers], limit: Tick, want: Money) -> Option<Plan> {
    if offers.is_empty() || offers.iter().any(|o| o.levels.is_empty()) {
        return None;
    }
    let mut depth = vec![0usize; offers.len()];
    loop {
        let tops: Vec<Top> = offers
            .iter()
            .zip(&depth)
            .map(|(o, &d)| Top {
                runner: o.runner,
                tick: o.levels[d].0,
                volume: o.levels[..=d].iter().map(|l| l.1).sum(),
            })
            .collect();
        if let Some(p) = plan(taker_side, &tops, limit, want) {
            return Some(p);
        }
        // Reach one level deeper on the thinnest leg that still can.
        let thinnest = (0..offers.len())
            .filter(|&k| depth[k] + 1 < offers[k].levels.len().min(SPILL_LEVELS))
            .min_by_key(|&k| tops[k].volume)?;
        depth[thinnest] += 1;
    }
}

/// The best offer of another runner that a leg takes: its runner index, tick and volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Top {
    /// Runner index.
    pub runner: u16,
    /// The best tick on the side the legs take (backs for a backing taker, lays for a laying
    /// one).
    pub tick: Tick,
    /// Volume at that tick.
    pub volume: Money,
}

/// A virtual fill: the taker's stake at the virtual tick and the house's leg stakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The virtual price the taker gets.
    pub tick: Tick,
    /// The taker's stake.
    pub stake: Money,
    /// Per other runner: `(runner, leg tick, leg stake)`.
    pub legs: Vec<(u16, Tick, Money)>,
}

/// How many ticks the price may move against the taker to absorb stake rounding.
const ROUNDING_TICKS: u16 = 3;

/// The exact virtual price `V*` as a float (None when the inverse prices sum to 1 or more).
fn exact_price(tops: &[Top]) -> Option<f64> {
    let inv: f64 = tops
        .iter()
        .map(|t| FX as f64 / ladder::TICKS[usize::from(t.tick)] as f64)
        .sum();
    (inv < 1.0).then(|| 1.0 / (1.0 - inv))
}

/// The first ladder tick to try for `price`: at or below it for a backing taker (`down`), at or
/// above it for a laying one. Picked a hair on the taker's side of `price`, so that a float a
/// hair off an exact tick does not lose it; the exact check of the house's P&L decides.
fn tick_near(price: f64, down: bool) -> Option<Tick> {
    let fx = price * FX as f64;
    let prices = &ladder::TICKS[..];
    if down {
        let target = fx * (1.0 + 1e-9);
        // The last tick at or below the target.
        let above = prices.partition_point(|&p| (p as f64) <= target);
        above.checked_sub(1).map(|t| t as Tick)
    } else {
        let target = fx * (1.0 - 1e-9);
        let t = prices.partition_point(|&p| (p as f64) < target);
        (t < N_TICKS).then_some(t as Tick)
    }
}

/// The house's P&L (fixed point) on every result is >= 0 with these stakes.
fn house_never_loses(
    taker_side: Side,
    tick: Tick,
    stake: Money,
    legs: &[(u16, Tick, Money)],
) -> bool {
    let v = i128::from(ladder::TICKS[usize::from(tick)]);
    let s = i128::from(stake);
    let total: i128 = legs.iter().map(|l| i128::from(l.2)).sum();
    let (on_taker_runner, each) = match taker_side {
        // The house laid the taker's runner and laid every other runner.
        Side::Back => (-s * (v - FX) + FX * total, Side::Back),
        // The house backed the taker's runner and backed every other runner.
        Side::Lay => (s * (v - FX) - FX * total, Side::Lay),
    };
    if on_taker_runner < 0 {
        return false;
    }
    legs.iter().all(|&(_, t, stake_j)| {
        let p = i128::from(ladder::TICKS[usize::from(t)]);
        let tj = i128::from(stake_j);
        let pnl = match each {
            Side::Back => FX * (s + total) - tj * p,
            Side::Lay => tj * p - FX * (s + total),
        };
        pnl >= 0
    })
}

/// Leg stakes for taker stake `s` at `tick`, each `s * V / p_j` rounded by `round`; None when
/// a leg is over its volume.
fn legs_for(tops: &[Top], tick: Tick, s: Money, round_up: bool) -> Option<Vec<(u16, Tick, Money)>> {
    let v = i128::from(ladder::TICKS[usize::from(tick)]);
    tops.iter()
        .map(|t| {
            let p = i128::from(ladder::TICKS[usize::from(t.tick)]);
            let num = i128::from(s) * v;
            let stake = if round_up { (num + p - 1) / p } else { num / p };
            let stake = Money::try_from(stake).ok()?;
            (stake > 0 && stake <= t.volume).then_some((t.runner, t.tick, stake))
        })
        .collect()
}

/// The largest taker stake that every leg can fill at `tick` (before rounding checks).
fn max_stake(tops: &[Top], tick: Tick) -> Money {
    let v = i128::from(ladder::TICKS[usize::from(tick)]);
    tops.iter()
        .map(|t| {
            let p = i128::from(ladder::TICKS[usize::from(t.tick)]);
            Money::try_from(i128::from(t.volume) * p / v).unwrap_or(Money::MAX)
        })
        .min()
        .unwrap_or(0)
}

/// The virtual offer to a taker of `taker_side` with limit `limit` that wants `want`: the
/// tick, the taker's stake (at most `want`, at least 1) and the legs, with the house's P&L
/// >= 0 on every result. None when there is no such offer within the limit.
#[must_use]
pub fn plan(taker_side: Side, tops: &[Top], limit: Tick, want: Money) -> Option<Plan> {
    if tops.is_empty() || want <= 0 {
        return None;
    }
    let exact = exact_price(tops)?;
    let mut tick = tick_near(exact, taker_side == Side::Back)?;
    for _ in 0..=ROUNDING_TICKS {
        let within = match taker_side {
            Side::Back => tick >= limit,
            Side::Lay => tick <= limit,
        };
        if !within {
            return None;
        }
        let mut stake = max_stake(tops, tick).min(want);
        // Rounding can push a leg one unit over its volume: step the stake down a little.
        for _ in 0..4 {
            if stake <= 0 {
                break;
            }
            for round_up in [true, false] {
                if let Some(legs) = legs_for(tops, tick, stake, round_up) {
                    if house_never_loses(taker_side, tick, stake, &legs) {
                        return Some(Plan { tick, stake, legs });
                    }
                }
            }
            stake -= 1;
        }
        // Move one tick against the taker: more margin for the rounding.
        tick = match taker_side {
            Side::Back => tick.checked_sub(1)?,
            Side::Lay => (tick + 1 < N_TICKS as Tick).then_some(tick + 1)?,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ladder::parse_tick;

    fn top(runner: u16, price: &str, volume: Money) -> Top {
        Top {
            runner,
            tick: parse_tick(price).unwrap(),
            volume,
        }
    }

    fn price(t: Tick) -> i64 {
        ladder::TICKS[usize::from(t)]
    }

    #[test]
    fn betfairs_two_runner_figures() {
        // A back offer at 1.85 on the other runner: something to back at 2.16 (exact 2.176).
        let p = plan(Side::Back, &[top(1, "1.85", 100_000)], 0, 1_000).unwrap();
        assert_eq!(price(p.tick), 21_600);
        // A lay offer at 2.16: something to lay at 1.87 (exact 1.862).
        let p = plan(Side::Lay, &[top(1, "2.16", 100_000)], 349, 1_000).unwrap();
        assert_eq!(price(p.tick), 18_700);
    }

    #[test]
    fn three_runners_and_the_smallest_leg_limits_the_size() {
        // Backs at 3.0 and 4.0 on the others: V* = 1 / (1 - 1/3 - 1/4) = 2.4 exactly.
        let tops = [top(1, "3", 10_000), top(2, "4", 300)];
        let p = plan(Side::Back, &tops, 0, 1_000_000).unwrap();
        assert!(price(p.tick) <= 24_000);
        // The leg at 4.0 holds 300: the taker's stake is at most 300 * 4 / V.
        assert!(p.stake <= 300 * 40_000 / price(p.tick));
        assert!(p
            .legs
            .iter()
            .all(|&(r, _, s)| s <= if r == 2 { 300 } else { 10_000 }));
        assert!(house_never_loses(Side::Back, p.tick, p.stake, &p.legs));
    }

    #[test]
    fn no_offer_when_the_inverse_prices_reach_one_or_the_limit_is_not_met() {
        // 1/1.5 + 1/2 > 1: backing at any price would need a negative probability.
        assert_eq!(
            plan(Side::Back, &[top(1, "1.5", 100), top(2, "2", 100)], 0, 10),
            None
        );
        // 2.16 available; a taker asking at least 2.2 is not served.
        let limit = parse_tick("2.2").unwrap();
        assert_eq!(plan(Side::Back, &[top(1, "1.85", 1_000)], limit, 10), None);
    }

    #[test]
    fn the_house_never_loses_on_small_and_odd_stakes() {
        for want in 1..60 {
            for (a, b) in [("1.85", "3.5"), ("2.5", "4.1"), ("6.2", "1.33")] {
                let tops = [top(1, a, 5_000), top(2, b, 5_000)];
                for side in [Side::Back, Side::Lay] {
                    let limit = if side == Side::Back { 0 } else { 349 };
                    if let Some(p) = plan(side, &tops, limit, want) {
                        assert!(p.stake >= 1 && p.stake <= want);
                        assert!(house_never_loses(side, p.tick, p.stake, &p.legs), "{p:?}");
                    }
                }
            }
        }
    }
}
