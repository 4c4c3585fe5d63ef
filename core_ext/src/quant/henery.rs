//! Henery's (1981) model: runner i's running time is N(mu_i, 1), independent; the means are
//! solved so that the model's win probabilities reproduce `p`, and the probability of an
//! ordered finish is a nested integral, computed on a uniform grid.
//!
//! Method. Grid: `GRID` points from `min(mu) - 8` to `max(mu) + 8`. Win probabilities
//! `P_i = int phi(t - mu_i) prod_{j != i} Q(t - mu_j) dt` by the trapezoid rule. Means:
//! diagonal Newton on `ln P_i(mu) - ln p_i` (the analytic derivative
//! `dP_i/dmu_i = int (t - mu_i) phi(t - mu_i) prod_{j != i} Q(t - mu_j) dt`), recentred to mean 0
//! after each step, halving the step while the residual grows, until every
//! `|ln P_i - ln p_i| < 1e-11`. Ordered finish (i1..id): backwards,
//! `g_d(t) = phi_{i_d}(t) prod_{o not in prefix} Q_o(t)`, `G_m(t) = int_t^inf g_m`,
//! `g_{m-1} = phi_{i_{m-1}} G_m`, `P = int g_1`, with cumulative trapezoids. The tensor is
//! finally normalised to sum to 1 (the discretisation error is about 1e-5). Runners with
//! `p_i = 0` are infinitely slow: every finish that includes them gets 0.

use super::normal::{pdf, upper_tail};
use super::validate::{self, QuantError, QuantResult};

const GRID: usize = 601;

struct Grid {
    h: f64,
    /// `phi[r][g]`: density of runner r at grid point g.
    phi: Vec<Vec<f64>>,
    /// `lnq[r][g]`: log survival (time greater than t) of runner r.
    lnq: Vec<Vec<f64>>,
    /// Sum of `lnq` over every live runner.
    lnq_all: Vec<f64>,
    t: Vec<f64>,
}

fn grid(mu: &[f64], live: &[usize]) -> Grid {
    let lo = live.iter().map(|&i| mu[i]).fold(f64::INFINITY, f64::min) - 8.0;
    let hi = live
        .iter()
        .map(|&i| mu[i])
        .fold(f64::NEG_INFINITY, f64::max)
        + 8.0;
    let h = (hi - lo) / (GRID - 1) as f64;
    let t: Vec<f64> = (0..GRID).map(|g| lo + h * g as f64).collect();
    let n = mu.len();
    let mut phi = vec![vec![0.0; GRID]; n];
    let mut lnq = vec![vec![0.0; GRID]; n];
    let mut lnq_all = vec![0.0; GRID];
    for &r in live {
        for g in 0..GRID {
            let x = t[g] - mu[r];
            phi[r][g] = pdf(x);
            lnq[r][g] = upper_tail(x).max(1e-300).ln();
            lnq_all[g] += lnq[r][g];
        }
    }
    Grid {
        h,
        phi,
        lnq,
        lnq_all,
        t,
    }
}

fn trapezoid(h: f64, f: impl Fn(usize) -> f64) -> f64 {
    let mut s = 0.5 * (f(0) + f(GRID - 1));
    for g in 1..GRID - 1 {
        s += f(g);
    }
    s * h
}

/// Win probabilities and their derivatives in the runner's own mean.
fn win_probs(gr: &Grid, mu: &[f64], live: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = mu.len();
    let (mut p, mut dp) = (vec![0.0; n], vec![0.0; n]);
    for &i in live {
        let others: Vec<f64> = (0..GRID)
            .map(|g| (gr.lnq_all[g] - gr.lnq[i][g]).exp())
            .collect();
        p[i] = trapezoid(gr.h, |g| gr.phi[i][g] * others[g]);
        dp[i] = trapezoid(gr.h, |g| (gr.t[g] - mu[i]) * gr.phi[i][g] * others[g]);
    }
    (p, dp)
}

fn residual(p_model: &[f64], p: &[f64], live: &[usize]) -> f64 {
    live.iter()
        .map(|&i| (p_model[i].ln() - p[i].ln()).abs())
        .fold(0.0, f64::max)
}

/// Solves the means of the running times that reproduce the win probabilities `p`.
fn solve_means(p: &[f64], live: &[usize]) -> QuantResult<Vec<f64>> {
    let n = p.len();
    let mut mu = vec![0.0; n];
    let mean_ln = live.iter().map(|&i| p[i].ln()).sum::<f64>() / live.len() as f64;
    for &i in live {
        mu[i] = -(p[i].ln() - mean_ln) * 0.5;
    }
    let mut gr = grid(&mu, live);
    let (mut pm, mut dpm) = win_probs(&gr, &mu, live);
    let mut res = residual(&pm, p, live);
    let mut step = 1.0;
    for _ in 0..400 {
        if res < 1e-11 {
            return Ok(mu);
        }
        let mut next = mu.clone();
        for &i in live {
            // Newton on ln P_i: d ln P_i / d mu_i = dP_i / P_i (negative).
            let d = dpm[i] / pm[i];
            next[i] = mu[i] - step * (pm[i].ln() - p[i].ln()) / d.min(-1e-3);
        }
        let mean = live.iter().map(|&i| next[i]).sum::<f64>() / live.len() as f64;
        for &i in live {
            next[i] -= mean;
        }
        let g2 = grid(&next, live);
        let (p2, dp2) = win_probs(&g2, &next, live);
        let r2 = residual(&p2, p, live);
        if r2 < res || step < 1e-6 {
            (mu, gr, pm, dpm, res) = (next, g2, p2, dp2, r2);
            step = (step * 2.0).min(1.0);
        } else {
            step *= 0.5;
        }
    }
    let _ = gr;
    if res < 1e-7 {
        Ok(mu)
    } else {
        Err(QuantError(format!(
            "henery: means did not converge (residual {res:e})"
        )))
    }
}

/// Henery probabilities of every ordered finish of length `depth` (2..=4), dense `(n,)*depth`.
///
/// # Errors
/// Bad probabilities or depth, or (rarely) no convergence of the means.
pub fn henery(p: &[f64], depth: usize) -> QuantResult<Vec<f64>> {
    validate::probabilities("p", p, 2)?;
    validate::depth(depth, p.len(), 2)?;
    let n = p.len();
    let live: Vec<usize> = (0..n).filter(|&i| p[i] > 0.0).collect();
    let mut out = vec![0.0; n.pow(depth as u32)];
    if live.len() < depth {
        return Err(QuantError(format!(
            "henery needs at least {depth} runners with positive probability"
        )));
    }
    let mu = solve_means(p, &live)?;
    let gr = grid(&mu, &live);
    let mut sel = [0usize; 4];
    let mut work = vec![0.0; GRID];
    let mut total = 0.0;
    visit(&live, depth, 0, &mut sel, &mut |sel| {
        let prob = ordered_prob(&gr, sel, &mut work);
        let idx = sel.iter().fold(0, |a, &r| a * n + r);
        out[idx] = prob;
        total += prob;
    });
    for v in &mut out {
        *v /= total;
    }
    Ok(out)
}

fn visit(
    live: &[usize],
    depth: usize,
    at: usize,
    sel: &mut [usize; 4],
    f: &mut impl FnMut(&[usize]),
) {
    if at == depth {
        f(&sel[..depth]);
        return;
    }
    for &r in live {
        if !sel[..at].contains(&r) {
            sel[at] = r;
            visit(live, depth, at + 1, sel, f);
        }
    }
}

/// Probability of the ordered finish `sel` by backward nested cumulative integrals.
fn ordered_prob(gr: &Grid, sel: &[usize], work: &mut [f64]) -> f64 {
    let d = sel.len();
    let last = sel[d - 1];
    for (g, w) in work.iter_mut().enumerate() {
        let ln_others = gr.lnq_all[g] - sel.iter().map(|&r| gr.lnq[r][g]).sum::<f64>();
        *w = gr.phi[last][g] * ln_others.exp();
    }
    for &r in sel[..d - 1].iter().rev() {
        // work <- phi_r(t) * int_t^inf work
        let mut acc = 0.0;
        let mut prev = work[GRID - 1];
        work[GRID - 1] = 0.0;
        for g in (0..GRID - 1).rev() {
            let cur = work[g];
            acc += 0.5 * gr.h * (cur + prev);
            prev = cur;
            work[g] = gr.phi[r][g] * acc;
        }
    }
    trapezoid(gr.h, |g| work[g])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_runners_give_equal_orders() {
        let t = henery(&[0.25; 4], 2).unwrap();
        for i in 0..4 {
            for j in 0..4 {
                let want = if i == j { 0.0 } else { 1.0 / 12.0 };
                assert!(
                    (t[i * 4 + j] - want).abs() < 1e-6,
                    "{i} {j} {}",
                    t[i * 4 + j]
                );
            }
        }
    }

    #[test]
    fn marginals_reproduce_p() {
        let p = [0.5, 0.2, 0.15, 0.1, 0.05];
        let t = henery(&p, 3).unwrap();
        for (i, &pi) in p.iter().enumerate() {
            let m: f64 = t[i * 25..(i + 1) * 25].iter().sum();
            assert!((m - pi).abs() < 1e-3, "{i}: {m} vs {pi}");
        }
    }
}
