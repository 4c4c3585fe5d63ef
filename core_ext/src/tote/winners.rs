//! From a finishing order (positions, each a list of dead-heated runners) to the winning
//! combinations of a pool and the weight of each one's share of the net pool.

use super::combo::ComboSpace;
use super::error::{ToteError, ToteResult};
use super::rules::PoolKind;

/// Checks a finishing order and converts it to 0-based runners.
///
/// # Errors
/// `InvalidSelection` for an empty position or an unknown, scratched or repeated runner.
pub fn parse_result(result: &[Vec<i64>], scratched: &[bool]) -> ToteResult<Vec<Vec<usize>>> {
    let n = scratched.len();
    let mut seen = vec![false; n];
    let mut out = Vec::with_capacity(result.len());
    for (p, group) in result.iter().enumerate() {
        if group.is_empty() {
            return Err(ToteError::InvalidSelection(format!(
                "position {} is empty",
                p + 1
            )));
        }
        let mut g = Vec::with_capacity(group.len());
        for &r in group {
            if r < 1 || r > n as i64 {
                return Err(ToteError::InvalidSelection(format!(
                    "unknown runner {r} in result"
                )));
            }
            let r0 = (r - 1) as usize;
            if scratched[r0] {
                return Err(ToteError::InvalidSelection(format!(
                    "runner {r} is scratched"
                )));
            }
            if seen[r0] {
                return Err(ToteError::InvalidSelection(format!(
                    "runner {r} is repeated"
                )));
            }
            seen[r0] = true;
            g.push(r0);
        }
        g.sort_unstable();
        out.push(g);
    }
    Ok(out)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Winning combinations as `(rank, weight)`: each one's share of the net pool is
/// `weight / sum(weights)` (before dropping combinations nobody backed).
///
/// WIN/PLACE/SHOW: the runners in the first `places` places; runners tied across the last
/// paid place share the places they occupy (`q/m` of a place each for m runners tied over q
/// paid places). Exotics: every selection consistent with the order (dead-heated runners
/// in any order among the positions they cover), weight 1 each.
#[must_use]
pub fn winning_combos(
    kind: PoolKind,
    places: usize,
    space: &ComboSpace,
    result: &[Vec<usize>],
) -> Vec<(usize, u64)> {
    if kind.is_single() {
        return single_winners(places, result);
    }
    // Which group covers each finishing slot.
    let mut slot_group = Vec::new();
    for (gi, g) in result.iter().enumerate() {
        for _ in 0..g.len() {
            slot_group.push(gi);
        }
    }
    let k = space.arity();
    if slot_group.len() < k {
        return Vec::new();
    }
    let mut out: Vec<(usize, u64)> = Vec::new();
    let mut sel = [0usize; 4];
    fill(0, k, &slot_group, result, &mut sel, &mut |s| {
        out.push((space.rank(s), 1))
    });
    out.sort_unstable();
    out.dedup();
    out
}

fn fill(
    depth: usize,
    k: usize,
    slot_group: &[usize],
    result: &[Vec<usize>],
    sel: &mut [usize; 4],
    emit: &mut impl FnMut(&[usize]),
) {
    if depth == k {
        emit(&sel[..k]);
        return;
    }
    for &r in &result[slot_group[depth]] {
        if sel[..depth].contains(&r) {
            continue;
        }
        sel[depth] = r;
        fill(depth + 1, k, slot_group, result, sel, emit);
    }
}

fn single_winners(places: usize, result: &[Vec<usize>]) -> Vec<(usize, u64)> {
    // Groups that reach into the paid places, with the number of paid places each covers.
    let mut used = Vec::new();
    let mut p = 0;
    for g in result {
        if p >= places {
            break;
        }
        let q = g.len().min(places - p);
        used.push((g, q));
        p += g.len();
    }
    let l = used.iter().fold(1u64, |l, (g, _)| {
        let m = g.len() as u64;
        l / gcd(l, m) * m
    });
    let mut out = Vec::new();
    for (g, q) in used {
        let w = q as u64 * l / g.len() as u64;
        for &r in g {
            out.push((r, w));
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(kind: PoolKind, n: usize) -> ComboSpace {
        ComboSpace::new(n, kind.arity(), kind.is_ordered()).unwrap()
    }

    #[test]
    fn place_dead_heat_for_second_shares_the_place() {
        let res = vec![vec![0], vec![1, 2]];
        let w = winning_combos(PoolKind::Place, 2, &space(PoolKind::Place, 5), &res);
        assert_eq!(w, vec![(0, 2), (1, 1), (2, 1)]);
    }

    #[test]
    fn exacta_dead_heat_for_first_pays_both_orders() {
        let s = space(PoolKind::Exacta, 5);
        let res = vec![vec![0, 1], vec![2]];
        let w = winning_combos(PoolKind::Exacta, 2, &s, &res);
        assert_eq!(w, vec![(s.rank(&[0, 1]), 1), (s.rank(&[1, 0]), 1)]);
    }

    #[test]
    fn quinella_dead_heat_for_second_dedups() {
        let s = space(PoolKind::Quinella, 5);
        let res = vec![vec![0], vec![1, 2]];
        let w = winning_combos(PoolKind::Quinella, 2, &s, &res);
        assert_eq!(w.len(), 2);
    }
}
