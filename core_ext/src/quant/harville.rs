//! Harville (1973) ordered-finish probabilities and the discounted variant of Lo and
//! Bacon-Shone: position j uses strengths `q_j`, and
//! `P(i1..id) = prod_j q_j[i_j] / (1 - sum_{m<j} q_j[i_m])`.
//! Harville is `q_j = p` for every j. Outputs are dense `(n,)*depth` row-major tensors with
//! zeros where an index repeats.

use super::validate::{self, QuantError, QuantResult};

/// Fills the dense tensor for per-position strengths `qs` (each summing to 1).
fn ordered(qs: &[Vec<f64>], n: usize) -> Vec<f64> {
    let d = qs.len();
    let mut out = vec![0.0; n.pow(d as u32)];
    let (q0, q1) = (&qs[0], &qs[1]);
    for i in 0..n {
        let pi = q0[i];
        let den1 = 1.0 - q1[i];
        if pi == 0.0 || den1 <= 0.0 {
            continue;
        }
        for j in 0..n {
            if j == i {
                continue;
            }
            let pij = pi * q1[j] / den1;
            let ij = i * n + j;
            if d == 2 {
                out[ij] = pij;
                continue;
            }
            let q2 = &qs[2];
            let den2 = 1.0 - q2[i] - q2[j];
            if pij == 0.0 || den2 <= 0.0 {
                continue;
            }
            let scale2 = pij / den2;
            for k in 0..n {
                if k == i || k == j {
                    continue;
                }
                let pijk = scale2 * q2[k];
                if d == 3 {
                    out[ij * n + k] = pijk;
                    continue;
                }
                let q3 = &qs[3];
                let den3 = 1.0 - q3[i] - q3[j] - q3[k];
                if pijk == 0.0 || den3 <= 0.0 {
                    continue;
                }
                let scale3 = pijk / den3;
                let row = (ij * n + k) * n;
                for l in 0..n {
                    if l != i && l != j && l != k {
                        out[row + l] = scale3 * q3[l];
                    }
                }
            }
        }
    }
    out
}

/// Harville probabilities of every ordered finish of length `depth` (2..=4), dense
/// `(n,)*depth`.
///
/// # Errors
/// Bad probabilities or depth.
pub fn harville(p: &[f64], depth: usize) -> QuantResult<Vec<f64>> {
    validate::probabilities("p", p, 2)?;
    validate::depth(depth, p.len(), 2)?;
    Ok(ordered(&vec![p.to_vec(); depth], p.len()))
}

/// Probability that each runner finishes in the first `k` places (1..=4) under Harville.
///
/// # Errors
/// Bad probabilities or `k`.
pub fn place_probabilities(p: &[f64], k: usize) -> QuantResult<Vec<f64>> {
    validate::probabilities("p", p, 1)?;
    validate::depth(k, p.len(), 1)?;
    let n = p.len();
    if k == 1 {
        return Ok(p.to_vec());
    }
    let t = ordered(&vec![p.to_vec(); k], n);
    let mut out = vec![0.0; n];
    let stride: Vec<usize> = (0..k).map(|pos| n.pow((k - 1 - pos) as u32)).collect();
    for (idx, &v) in t.iter().enumerate() {
        if v == 0.0 {
            continue;
        }
        for s in &stride {
            out[(idx / s) % n] += v;
        }
    }
    Ok(out)
}

/// Discounted Harville (Lo and Bacon-Shone): place j uses `p^lambda_j` renormalised.
/// `lambdas` has `depth - 1` entries (places 2..=depth; the winner uses `p`) or `depth`
/// entries (places 1..=depth). Lo, Bacon-Shone and Busche (1995) fit about 0.81 and 0.65 for
/// second and third.
///
/// # Errors
/// Bad probabilities, depth or lambdas (not finite or not positive, wrong count).
pub fn discounted_harville(p: &[f64], depth: usize, lambdas: &[f64]) -> QuantResult<Vec<f64>> {
    validate::probabilities("p", p, 2)?;
    validate::depth(depth, p.len(), 2)?;
    let lams: Vec<f64> = match lambdas.len() {
        l if l == depth - 1 => std::iter::once(1.0)
            .chain(lambdas.iter().copied())
            .collect(),
        l if l == depth => lambdas.to_vec(),
        l => {
            return Err(QuantError(format!(
                "lambdas needs {} or {depth} entries for depth {depth}, got {l}",
                depth - 1
            )))
        }
    };
    for (i, &l) in lams.iter().enumerate() {
        if !l.is_finite() || l <= 0.0 {
            return Err(QuantError(format!(
                "lambda {i} must be finite and positive, got {l}"
            )));
        }
    }
    let qs: Vec<Vec<f64>> = lams
        .iter()
        .map(|&l| {
            let w: Vec<f64> = p
                .iter()
                .map(|&x| if x > 0.0 { x.powf(l) } else { 0.0 })
                .collect();
            let s: f64 = w.iter().sum();
            w.iter().map(|x| x / s).collect()
        })
        .collect();
    Ok(ordered(&qs, p.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harville_matches_the_formula() {
        let p = [0.5, 0.3, 0.2];
        let t = harville(&p, 3).unwrap();
        let want = 0.5 * 0.3 / 0.5 * 0.2 / 0.2;
        assert!((t[5] - want).abs() < 1e-15); // (0, 1, 2)
        assert!((t.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn place_probabilities_sum_to_k() {
        let p = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04];
        for k in 1..=4 {
            let s: f64 = place_probabilities(&p, k).unwrap().iter().sum();
            assert!((s - k as f64).abs() < 1e-12);
        }
    }

    #[test]
    fn discounted_with_unit_lambdas_is_harville() {
        let p = [0.4, 0.3, 0.2, 0.1];
        let a = harville(&p, 3).unwrap();
        let b = discounted_harville(&p, 3, &[1.0, 1.0]).unwrap();
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-15));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(harville(&[0.5, 0.4], 2).is_err());
        assert!(harville(&[0.5, 0.5], 3).is_err());
        assert!(harville(&[1.5, -0.5], 2).is_err());
        assert!(harville(&[f64::NAN, 1.0], 2).is_err());
        assert!(discounted_harville(&[0.5, 0.5], 2, &[1.0, 2.0, 3.0]).is_err());
    }
}
