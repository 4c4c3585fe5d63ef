//! The starting-price crossing (spec section 2a): the price where the back supply and the lay
//! supply of one runner meet, found exactly. Pure arithmetic over a list of participants; the
//! exchange gathers them and applies the result (`starting_price.rs`).
//!
//! At a candidate price `P` (fixed point, `PRICE_SCALE` = 1.0), a participant is eligible by its
//! threshold: an SP back without a limit always, an SP back with limit `L` when `L <= P`, an
//! exchange back at price `p` when `p <= P`; an SP lay without a limit always, an SP lay with
//! limit `L` when `L >= P`, an exchange lay at `p` when `p >= P`. Back supply `Sb(P)` is the
//! eligible back stake; lay supply `Sl(P)` is the eligible SP lay liability over `P - 1` plus
//! the eligible exchange lay stake. `f = Sb - Sl` never falls as `P` grows: it jumps at the
//! thresholds (breakpoints) and rises continuously between them through the SP lay term. The
//! SP is where `f` changes sign: at a breakpoint whose jump straddles 0, or inside an interval,
//! solved exactly as `P = 1 + L / (B - E)` and rounded to 1e-4 (half to even).

use crate::types::{Money, PriceFx, Side, PRICE_SCALE};

/// The lowest and highest prices an SP can take (1.01 and 1000).
pub const MIN_SP: PriceFx = 10_100;
/// See [`MIN_SP`].
pub const MAX_SP: PriceFx = 1000 * PRICE_SCALE;

const FX: i128 = PRICE_SCALE as i128;

/// Where a participant comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An SP bet; its amount is stake (back) or liability (lay); `limit` None for
    /// `MARKET_ON_CLOSE`.
    StartingPrice {
        /// The limit of a `LIMIT_ON_CLOSE` bet.
        limit: Option<PriceFx>,
    },
    /// An unmatched exchange order at `price`; its amount is stake.
    Exchange {
        /// Its limit price.
        price: PriceFx,
    },
}

/// One participant in the crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supply {
    /// Back or lay.
    pub side: Side,
    /// Where it comes from.
    pub source: Source,
    /// Stake, or (an SP lay) liability.
    pub amount: Money,
}

impl Supply {
    /// The price from which (backs) or up to which (lays) it is eligible; None: always.
    fn threshold(&self) -> Option<PriceFx> {
        match self.source {
            Source::StartingPrice { limit } => limit,
            Source::Exchange { price } => Some(price),
        }
    }

    /// Whether it takes part at `p`, and whether it is marginal there (its threshold is `p`).
    #[must_use]
    pub fn eligible_at(&self, p: PriceFx) -> bool {
        match (self.side, self.threshold()) {
            (_, None) => true,
            (Side::Back, Some(t)) => t <= p,
            (Side::Lay, Some(t)) => t >= p,
        }
    }

    fn is_sp_lay(&self) -> bool {
        self.side == Side::Lay && matches!(self.source, Source::StartingPrice { .. })
    }
}

/// Eligible totals at a point: back stake, SP lay liability, exchange lay stake.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    back: i128,
    sp_lay: i128,
    ex_lay: i128,
}

impl Totals {
    fn of(supply: &[Supply], eligible: impl Fn(&Supply) -> bool) -> Self {
        let mut t = Totals::default();
        for s in supply.iter().filter(|s| eligible(s)) {
            let a = i128::from(s.amount);
            match s.side {
                Side::Back => t.back += a,
                Side::Lay if s.is_sp_lay() => t.sp_lay += a,
                Side::Lay => t.ex_lay += a,
            }
        }
        t
    }

    /// The sign of `f(P) = back - sp_lay / (P - 1) - ex_lay`, exactly.
    fn sign_at(&self, p: PriceFx) -> std::cmp::Ordering {
        let odds = i128::from(p) - FX;
        (self.back * odds).cmp(&(self.sp_lay * FX + self.ex_lay * odds))
    }

    /// The price strictly inside `(lo, hi)` where `f` is 0, rounded to 1e-4, if any.
    fn solve_between(&self, lo: PriceFx, hi: PriceFx) -> Option<PriceFx> {
        let excess = self.back - self.ex_lay;
        if self.sp_lay <= 0 || excess <= 0 {
            return None;
        }
        // P - 1 = L / (B - E), in fixed point: (P - FX) = L * FX / excess.
        let num = self.sp_lay * FX;
        let q = num / excess;
        let rem = num % excess;
        let rounded = match (2 * rem).cmp(&excess) {
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Equal => q + (q & 1),
        };
        let p = PriceFx::try_from(rounded + FX).ok()?;
        // Exact comparisons use the unrounded value: inside iff lo < FX + num/excess < hi.
        let exact_above_lo = num > (i128::from(lo) - FX) * excess;
        let exact_below_hi = num < (i128::from(hi) - FX) * excess;
        (exact_above_lo && exact_below_hi).then_some(p.clamp(lo, hi))
    }
}

/// The crossing price of `supply`, clamped to [1.01, 1000]; None when one side has no supply
/// at all (then every SP bet lapses).
#[must_use]
pub fn crossing(supply: &[Supply]) -> Option<PriceFx> {
    let has = |side| supply.iter().any(|s| s.side == side && s.amount > 0);
    if !has(Side::Back) || !has(Side::Lay) {
        return None;
    }
    let mut points: Vec<PriceFx> = supply
        .iter()
        .filter_map(Supply::threshold)
        .map(|p| p.clamp(MIN_SP, MAX_SP))
        .chain([MIN_SP, MAX_SP])
        .collect();
    points.sort_unstable();
    points.dedup();
    use std::cmp::Ordering::{Greater, Less};
    for (k, &b) in points.iter().enumerate() {
        if k > 0 {
            let a = points[k - 1];
            // Inside (a, b): backs eligible at a, lays eligible at b.
            let open = Totals::of(supply, |s| match s.side {
                Side::Back => s.eligible_at(a),
                Side::Lay => s.eligible_at(b),
            });
            if let Some(p) = open.solve_between(a, b) {
                return Some(p);
            }
        }
        // At b: f(b-) uses the backs below b, f(b+) the lays above b.
        let below = Totals::of(supply, |s| match s.side {
            Side::Back => s.threshold().is_none_or(|t| t < b),
            Side::Lay => s.eligible_at(b),
        });
        let above = Totals::of(supply, |s| match s.side {
            Side::Back => s.eligible_at(b),
            Side::Lay => s.threshold().is_none_or(|t| t > b),
        });
        let left_ok = k == 0 || below.sign_at(b) != Greater;
        let right_ok = k + 1 == points.len() || above.sign_at(b) != Less;
        if left_ok && right_ok {
            return Some(b);
        }
    }
    Some(MAX_SP)
}

/// The SP bets' own projection: 1 + (SP lay liability) / (SP back stake) when only
/// `MARKET_ON_CLOSE` bets are present, the crossing of the SP bets in general.
#[must_use]
pub fn far_price(supply: &[Supply]) -> Option<PriceFx> {
    let own: Vec<Supply> = supply
        .iter()
        .copied()
        .filter(|s| matches!(s.source, Source::StartingPrice { .. }))
        .collect();
    crossing(&own)
}

/// An SP lay's stake at `price`: `floor(liability / (price - 1))`.
#[must_use]
pub fn lay_stake(liability: Money, price: PriceFx) -> Money {
    let odds = i128::from(price) - FX;
    Money::try_from(i128::from(liability) * FX / odds).unwrap_or(Money::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: PriceFx = PRICE_SCALE;

    fn sp(side: Side, amount: Money) -> Supply {
        Supply {
            side,
            source: Source::StartingPrice { limit: None },
            amount,
        }
    }

    fn sp_limit(side: Side, limit: PriceFx, amount: Money) -> Supply {
        Supply {
            side,
            source: Source::StartingPrice { limit: Some(limit) },
            amount,
        }
    }

    fn ex(side: Side, price: PriceFx, amount: Money) -> Supply {
        Supply {
            side,
            source: Source::Exchange { price },
            amount,
        }
    }

    #[test]
    fn far_price_is_one_plus_liability_over_stake() {
        // Betfair's examples: B = 1,000, L = 6,000 gives 7.0; B = 6,000, L = 1,000 gives 1.1667.
        let s = [sp(Side::Back, 1_000), sp(Side::Lay, 6_000)];
        assert_eq!(crossing(&s), Some(7 * P));
        let s = [sp(Side::Back, 6_000), sp(Side::Lay, 1_000)];
        assert_eq!(crossing(&s), Some(11_667));
        assert_eq!(far_price(&s), Some(11_667));
    }

    #[test]
    fn one_sided_supply_has_no_price() {
        assert_eq!(crossing(&[sp(Side::Back, 100)]), None);
        assert_eq!(
            crossing(&[sp(Side::Lay, 100), ex(Side::Lay, 3 * P, 50)]),
            None
        );
        assert_eq!(crossing(&[]), None);
    }

    #[test]
    fn clamped_to_the_ladder_ends() {
        // Lay liability tiny against a big back stake: 1 + 1/100000 -> 1.01.
        assert_eq!(
            crossing(&[sp(Side::Back, 100_000), sp(Side::Lay, 1)]),
            Some(MIN_SP)
        );
        // Liability huge: 1 + 10^7 -> 1000.
        assert_eq!(
            crossing(&[sp(Side::Back, 1), sp(Side::Lay, 10_000_000)]),
            Some(MAX_SP)
        );
    }

    #[test]
    fn exchange_lays_absorb_sp_backs_at_a_breakpoint() {
        // SP backs 100 against resting lays 50 at 3.0 and 80 at 2.5: at 2.5 there is 130 to
        // lay, just above it only 50, so the SP is 2.5 and the lays at 2.5 are marginal.
        let s = [
            sp(Side::Back, 100),
            ex(Side::Lay, 3 * P, 50),
            ex(Side::Lay, 25_000, 80),
        ];
        assert_eq!(crossing(&s), Some(25_000));
        // The far price ignores the exchange: SP backs alone have no counterparty.
        assert_eq!(far_price(&s), None);
    }

    #[test]
    fn exchange_backs_absorb_sp_lays_inside_an_interval() {
        // SP lay liability 600 against resting backs 100 at 4.0 and 100 at 8.0: below 8.0 only
        // the first takes part and 1 + 600/100 = 7.0 lies in (4.0, 8.0).
        let s = [
            sp(Side::Lay, 600),
            ex(Side::Back, 4 * P, 100),
            ex(Side::Back, 8 * P, 100),
        ];
        assert_eq!(crossing(&s), Some(7 * P));
    }

    #[test]
    fn a_back_limit_above_the_sp_is_left_out() {
        // MOC back 1,000 and LOC back 1,000 at limit 8.0 against 6,000 of liability: with both
        // the price would be 4.0 < 8.0, so the LOC is out and the SP is 7.0.
        let s = [
            sp(Side::Back, 1_000),
            sp_limit(Side::Back, 8 * P, 1_000),
            sp(Side::Lay, 6_000),
        ];
        assert_eq!(crossing(&s), Some(7 * P));
        // With a limit of 3.5 it takes part: 1 + 6000/2000 = 4.0 >= 3.5.
        let s = [
            sp(Side::Back, 1_000),
            sp_limit(Side::Back, 35_000, 1_000),
            sp(Side::Lay, 6_000),
        ];
        assert_eq!(crossing(&s), Some(4 * P));
    }

    #[test]
    fn a_lay_limit_below_the_sp_is_left_out() {
        // Lay liability 6,000 (MOC) and 6,000 at limit 5.0 against 1,000 backed: with both the
        // price would be 13.0 > 5.0, so the LOC lay is out and the SP is 7.0.
        let s = [
            sp(Side::Back, 1_000),
            sp(Side::Lay, 6_000),
            sp_limit(Side::Lay, 5 * P, 6_000),
        ];
        assert_eq!(crossing(&s), Some(7 * P));
    }

    #[test]
    fn rounding_is_half_to_even_at_1e4() {
        // 1 + 1/3 = 1.33333.. -> 1.3333; 1 + 2/3 -> 1.6667.
        assert_eq!(
            crossing(&[sp(Side::Back, 3), sp(Side::Lay, 1)]),
            Some(13_333)
        );
        assert_eq!(
            crossing(&[sp(Side::Back, 3), sp(Side::Lay, 2)]),
            Some(16_667)
        );
        assert_eq!(lay_stake(600, 7 * P), 100);
        assert_eq!(lay_stake(601, 7 * P), 100);
    }
}
