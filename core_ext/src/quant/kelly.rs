//! Optimal stakes: Isaacs (1953) for a pari-mutuel pool, where the bettor's own money moves
//! the odds, and the Kelly criterion for many mutually exclusive outcomes at fixed odds.

use super::validate::{self, QuantError, QuantResult};

/// Isaacs' stakes maximising the expected profit of bets added to a pool with `others`
/// already bet on each runner, `Q = 1 - takeout` paid back:
/// `E(x) = Q (S + X) sum_k p_k x_k / (S_k + x_k) - X`. Runners are ranked by `p_k / S_k`;
/// the chosen set is the longest prefix whose last runner has `Q p_k K > S_k`, where
/// `K = S_out / (1 - Q P_s)` (`S_out`: money on runners outside the set, `P_s`: the set's
/// probability), and then `x_k = sqrt(Q p_k S_k K) - S_k`. Runners with nothing bet by others
/// get no stake (any stake there would take the whole pool: the optimum is not attained).
///
/// # Errors
/// Bad probabilities, negative or non-finite totals, shapes that differ, a bad takeout.
pub fn kelly_parimutuel(p: &[f64], others: &[f64], takeout: f64) -> QuantResult<Vec<f64>> {
    validate::probabilities("p", p, 1)?;
    validate::same_len(("p", p.len()), ("others", others.len()))?;
    validate::non_negative("others", others)?;
    validate::takeout(takeout)?;
    let q = 1.0 - takeout;
    let total: f64 = others.iter().sum();
    let mut order: Vec<usize> = (0..p.len())
        .filter(|&k| others[k] > 0.0 && p[k] > 0.0)
        .collect();
    order.sort_by(|&a, &b| {
        (p[b] / others[b])
            .total_cmp(&(p[a] / others[a]))
            .then(a.cmp(&b))
    });
    let (mut p_s, mut s_in, mut best) = (0.0, 0.0, (0usize, 0.0));
    for (t, &k) in order.iter().enumerate() {
        p_s += p[k];
        s_in += others[k];
        let s_out = total - s_in;
        let denom = 1.0 - q * p_s;
        if s_out <= 0.0 || denom <= 0.0 {
            break;
        }
        let kk = s_out / denom;
        if q * p[k] * kk > others[k] {
            best = (t + 1, kk);
        } else {
            break;
        }
    }
    let mut x = vec![0.0; p.len()];
    for &k in &order[..best.0] {
        x[k] = ((q * p[k] * others[k] * best.1).sqrt() - others[k]).max(0.0);
    }
    Ok(x)
}

/// Kelly fractions of the bankroll for mutually exclusive outcomes at decimal `odds`
/// (Kelly 1956; Smoczynski and Tomkins 2010): rank by `p_k o_k`, grow the set while
/// `p_k o_k > R` with `R = (1 - P_s) / (1 - sum_s 1/o_k)`, then `f_k = p_k - R / o_k`.
///
/// # Errors
/// Bad probabilities, odds not above 1 or not finite, shapes that differ.
pub fn kelly_fixed_odds(p: &[f64], odds: &[f64]) -> QuantResult<Vec<f64>> {
    validate::probabilities("p", p, 1)?;
    validate::same_len(("p", p.len()), ("odds", odds.len()))?;
    for (i, &o) in odds.iter().enumerate() {
        if !o.is_finite() || o <= 1.0 {
            return Err(QuantError(format!(
                "odds[{i}] must be a finite decimal price above 1, got {o}"
            )));
        }
    }
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| {
        (p[b] * odds[b])
            .total_cmp(&(p[a] * odds[a]))
            .then(a.cmp(&b))
    });
    let (mut p_s, mut inv_s, mut r, mut chosen) = (0.0, 0.0, 1.0, 0usize);
    for &k in &order {
        if p[k] * odds[k] <= r {
            break;
        }
        p_s += p[k];
        inv_s += 1.0 / odds[k];
        chosen += 1;
        r = if inv_s < 1.0 {
            (1.0 - p_s) / (1.0 - inv_s)
        } else {
            0.0
        };
        if inv_s >= 1.0 {
            break;
        }
    }
    let mut f = vec![0.0; p.len()];
    for &k in &order[..chosen] {
        f[k] = (p[k] - r / odds[k]).max(0.0);
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_favourable_bet_is_classic_kelly() {
        // p = 0.6 at evens on one side, 0.4 at 1.5 on the other: only the first is +EV.
        let f = kelly_fixed_odds(&[0.6, 0.4], &[2.0, 1.5]).unwrap();
        assert!((f[0] - 0.2).abs() < 1e-12, "{f:?}");
        assert_eq!(f[1], 0.0);
    }

    #[test]
    fn isaacs_satisfies_first_order_conditions() {
        let p = [0.5, 0.3, 0.2];
        let s = [300.0, 400.0, 300.0];
        let x = kelly_parimutuel(&p, &s, 0.15).unwrap();
        assert!(x[0] > 0.0 && x[1] == 0.0 && x[2] == 0.0, "{x:?}");
        // dE/dx_0 = 0 at the optimum.
        let e = |x0: f64| {
            let tot = 1000.0 + x0;
            0.85 * tot * p[0] * x0 / (s[0] + x0) - x0
        };
        let h = 1e-4;
        assert!(((e(x[0] + h) - e(x[0] - h)) / (2.0 * h)).abs() < 1e-6);
    }

    #[test]
    fn no_overlay_no_bet() {
        let x = kelly_parimutuel(&[0.5, 0.5], &[500.0, 500.0], 0.15).unwrap();
        assert_eq!(x, vec![0.0, 0.0]);
    }
}
