//! Exact dividend arithmetic: sharing a net pool between winning combinations, breakage and
//! the minimum payout. Everything is integer (i128 inside); no floats touch money.

use super::rules::{Rounding, Rules};
use crate::types::Money;

/// One winning combination: its live stake and its weight (share of the net pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// Live stake on the combination (> 0).
    pub stake: Money,
    /// Weight of its share; shares are `weight / sum(weights)`.
    pub weight: u64,
}

/// The dividend per 100 of stake of one winning combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dividend {
    /// Broken to the unit, before the minimum payout.
    pub broken: Money,
    /// What is paid: `max(broken, min_payout, 0)`.
    pub paid: Money,
    /// The combination's exact share of the net pool, rounded down to the minor unit.
    pub share: i128,
}

/// `floor(a / b)` for `b > 0`.
#[inline]
fn floor_div(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

/// Dividends for winning combinations sharing `net`.
///
/// With `profit_split` (US place pools and WIN dead heats) the profit `net - sum(stakes)` is
/// shared by weight and each combination also gets its stakes back; otherwise the net pool
/// itself is shared by weight. The amount a combination gets is `num / den` exactly, and its
/// dividend per 100 is `100 * num / (den * stake)`, broken to `rules.breakage`.
#[must_use]
pub fn dividends(rules: &Rules, profit_split: bool, net: Money, shares: &[Share]) -> Vec<Dividend> {
    let w_total: i128 = shares.iter().map(|s| i128::from(s.weight)).sum();
    let stakes: i128 = shares.iter().map(|s| i128::from(s.stake)).sum();
    let profit = i128::from(net) - stakes;
    let unit = i128::from(rules.breakage);
    shares
        .iter()
        .map(|s| {
            let t = i128::from(s.stake);
            let w = i128::from(s.weight);
            let num = if profit_split {
                t * w_total + profit * w
            } else {
                i128::from(net) * w
            };
            let den = w_total * t;
            let broken = match rules.rounding {
                Rounding::Down => floor_div(num * 100, den * unit) * unit,
                Rounding::Nearest => floor_div(2 * num * 100 + den * unit, 2 * den * unit) * unit,
            };
            let broken = broken.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as Money;
            Dividend {
                broken,
                paid: broken.max(rules.min_payout).max(0),
                share: floor_div(num, w_total),
            }
        })
        .collect()
}

/// The payout of `stake` at `dividend` per 100, rounded down (a payout never pays a
/// fraction of a minor unit; the remainder is breakage).
#[inline]
#[must_use]
pub fn payout(stake: Money, dividend: Money) -> i128 {
    floor_div(i128::from(stake) * i128::from(dividend), 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(breakage: Money, rounding: Rounding, min_payout: Money) -> Rules {
        Rules {
            breakage,
            rounding,
            min_payout,
            ..Rules::default()
        }
    }

    #[test]
    fn win_single_winner_breaks_down_to_the_dime() {
        // net 8500 on a runner with 2000: 425 per 100 exactly; 8500/2100 = 404.76 -> 400.
        let r = rules(10, Rounding::Down, 100);
        let d = dividends(
            &r,
            true,
            8500,
            &[Share {
                stake: 2000,
                weight: 1,
            }],
        );
        assert_eq!(d[0].paid, 420);
        let d = dividends(
            &r,
            true,
            8500,
            &[Share {
                stake: 2100,
                weight: 1,
            }],
        );
        assert_eq!(d[0].paid, 400);
    }

    #[test]
    fn nearest_rounding_rounds_half_up() {
        let r = rules(10, Rounding::Nearest, 100);
        // 8500/2100*100 = 404.76 -> 400; 8500/2000*100 = 425 -> 430.
        assert_eq!(
            dividends(
                &r,
                false,
                8500,
                &[Share {
                    stake: 2100,
                    weight: 1
                }]
            )[0]
            .paid,
            400
        );
        assert_eq!(
            dividends(
                &r,
                false,
                8500,
                &[Share {
                    stake: 2000,
                    weight: 1
                }]
            )[0]
            .paid,
            430
        );
    }

    #[test]
    fn min_payout_floors_the_dividend() {
        let r = rules(10, Rounding::Down, 105);
        let d = dividends(
            &r,
            true,
            1000,
            &[Share {
                stake: 1000,
                weight: 1,
            }],
        );
        assert_eq!(
            d[0],
            Dividend {
                broken: 100,
                paid: 105,
                share: 1000,
            }
        );
    }
}
