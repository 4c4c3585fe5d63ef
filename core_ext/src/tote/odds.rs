//! Live odds: WIN approximate odds, PLACE/SHOW dividend ranges, exotic will-pays.

use super::dividend::{dividends, Share};
use super::error::{ToteError, ToteResult};
use super::pool::Pool;
use super::rules::{PoolKind, Split};
use crate::types::Money;

impl Pool {
    /// WIN: decimal odds per runner = net pool / runner total (`inf` with no money on it,
    /// `NaN` once scratched). Meaningful for WIN pools (for the others it is the same
    /// ratio on the per-combination totals of the first `n` ranks).
    #[must_use]
    pub fn win_odds(&self) -> Vec<f64> {
        let net = self.net_pool() as f64;
        (0..self.runners())
            .map(|r| {
                if self.scratched[r] {
                    f64::NAN
                } else if self.totals[r] == 0 {
                    f64::INFINITY
                } else {
                    net / self.totals[r] as f64
                }
            })
            .collect()
    }

    /// PLACE/SHOW: per runner, the least and the greatest decimal dividend (dividend / 100,
    /// broken and floored at `min_payout`) it would pay if placed without a dead heat, with the
    /// other placed runners the ones with the most, respectively the least, money on them.
    /// Flat `[min0, max0, min1, max1, ...]`; `NaN` for scratched runners or runners without
    /// money.
    ///
    /// # Errors
    /// `Unsupported` for other kinds.
    pub fn place_range(&self) -> ToteResult<Vec<f64>> {
        if !matches!(self.kind, PoolKind::Place | PoolKind::Show) {
            return Err(ToteError::Unsupported(
                "place_range is for PLACE/SHOW pools".into(),
            ));
        }
        let net = self.net_pool();
        let profit = self.rules.split == Split::Profit;
        let mut others: Vec<(Money, usize)> = (0..self.runners())
            .filter(|&r| !self.scratched[r])
            .map(|r| (self.totals[r], r))
            .collect();
        others.sort_unstable();
        let mut out = Vec::with_capacity(2 * self.runners());
        for r in 0..self.runners() {
            if self.scratched[r] || self.totals[r] == 0 {
                out.extend([f64::NAN, f64::NAN]);
                continue;
            }
            let rest: Vec<Money> = others.iter().filter(|o| o.1 != r).map(|o| o.0).collect();
            let k = (self.places - 1).min(rest.len());
            let mut candidates = Vec::new();
            for set in [&rest[..k], &rest[rest.len() - k..]] {
                let mut shares = vec![Share {
                    stake: self.totals[r],
                    weight: 1,
                }];
                shares.extend(set.iter().filter(|&&t| t > 0).map(|&t| Share {
                    stake: t,
                    weight: 1,
                }));
                candidates.push(dividends(&self.rules, profit, net, &shares)[0].paid);
            }
            let lo = *candidates.iter().min().unwrap_or(&0);
            let hi = *candidates.iter().max().unwrap_or(&0);
            out.extend([lo as f64 / 100.0, hi as f64 / 100.0]);
        }
        Ok(out)
    }

    /// Will-pays as a dense `(n,)*arity` row-major tensor: the decimal dividend (dividend /
    /// 100, broken and floored at `min_payout`) each combination would pay if it alone won;
    /// 0 where it cannot pay (a repeated or scratched runner, or no money on it). QUINELLA is
    /// filled symmetrically. One pass over the combination totals.
    ///
    /// # Errors
    /// `Unsupported` for PLACE/SHOW (use [`Pool::place_range`]).
    pub fn will_pays(&self) -> ToteResult<Vec<f64>> {
        if matches!(self.kind, PoolKind::Place | PoolKind::Show) {
            return Err(ToteError::Unsupported(
                "will_pays is for WIN and exotic pools".into(),
            ));
        }
        let net = i128::from(self.net_pool());
        let unit = i128::from(self.rules.breakage);
        let nearest = self.rules.rounding == super::rules::Rounding::Nearest;
        let min = self.rules.min_payout;
        let mut out = vec![0.0; self.space.dense_len()];
        let ordered = self.kind.is_ordered();
        // The same arithmetic as `dividends` for one share of weight 1, as a floor division
        // `num / den`; while both sides stay below 2^53 it runs on the FPU (exact, see
        // `floor_div`), several times faster than i128 division.
        let small = |v: i128| (0..FLOAT_EXACT).contains(&v);
        let gross = i128::from(self.gross);
        let fast = small(2 * net * 100 + gross * unit) && small(2 * gross * unit);
        self.space.for_each(|rank, sel| {
            let t = i128::from(self.totals[rank]);
            if t == 0 {
                return;
            }
            let (num, den) = if nearest {
                (2 * net * 100 + t * unit, 2 * t * unit)
            } else {
                (net * 100, t * unit)
            };
            let q = if fast {
                i128::from(floor_div(num as u64, den as u64))
            } else {
                num.div_euclid(den)
            };
            let d = ((q * unit) as Money).max(min).max(0) as f64 / 100.0;
            out[self.space.dense_index(sel)] = d;
            if !ordered {
                out[self.space.dense_index(&[sel[1], sel[0]])] = d;
            }
        });
        Ok(out)
    }

    /// Live totals as a dense `(n,)*arity` row-major tensor (QUINELLA symmetric).
    #[must_use]
    pub fn dense_totals(&self) -> Vec<Money> {
        if self.kind.is_single() {
            return self.totals.clone();
        }
        let mut out = vec![0; self.space.dense_len()];
        let ordered = self.kind.is_ordered();
        self.space.for_each(|rank, sel| {
            out[self.space.dense_index(sel)] = self.totals[rank];
            if !ordered {
                out[self.space.dense_index(&[sel[1], sel[0]])] = self.totals[rank];
            }
        });
        out
    }
}

/// Integers below this are exact in an `f64`.
const FLOAT_EXACT: i128 = 1 << 53;

/// `a / b` rounded down, exactly, for `a, b < 2^53`, `b > 0`: the float quotient is within one
/// of the true quotient, and one integer correction step makes it exact.
#[inline]
fn floor_div(a: u64, b: u64) -> u64 {
    let mut q = (a as f64 / b as f64) as u64;
    if q * b > a {
        q -= 1;
    } else if (q + 1) * b <= a {
        q += 1;
    }
    q
}

#[cfg(test)]
mod floor_div_tests {
    use super::floor_div;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn prop_floor_div_is_exact(a in 0u64..(1 << 53), b in 1u64..(1 << 53)) {
            prop_assert_eq!(floor_div(a, b), a / b);
        }
    }

    #[test]
    fn floor_div_edges() {
        let big = (1u64 << 53) - 1;
        for (a, b) in [
            (0, 1),
            (big, 1),
            (big, big),
            (big - 1, big),
            (big, 3),
            (10, 10),
            (9, 10),
        ] {
            assert_eq!(floor_div(a, b), a / b, "{a} / {b}");
        }
    }
}
