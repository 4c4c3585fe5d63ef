//! Dense indexing of selections: every valid selection of a pool has a rank in
//! `0..count()`, so per-combination totals live in one flat vector.
//!
//! Ordered selections (WIN..SUPERFECTA) are ranked lexicographically among the
//! k-permutations of n runners (a mixed-radix number); QUINELLA pairs `i < j` are ranked
//! lexicographically among the 2-combinations. Runners are 0-based in here.

use super::error::{ToteError, ToteResult};

/// Most combinations a pool may have (a 40-runner superfecta has 2.2 M).
pub const MAX_COMBOS: usize = 1 << 24;

/// The set of valid selections of one pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComboSpace {
    n: usize,
    arity: usize,
    ordered: bool,
    count: usize,
    /// `radix[i]` = number of ways to fill the positions after i.
    radix: [usize; 4],
}

impl ComboSpace {
    /// The space of selections of `arity` distinct runners out of `n`.
    ///
    /// # Errors
    /// `InvalidArgument` if `arity` is not 1..=4, `n < arity`, or there are too many combinations.
    pub fn new(n: usize, arity: usize, ordered: bool) -> ToteResult<ComboSpace> {
        if !(1..=4).contains(&arity) || (!ordered && arity != 2) {
            return Err(ToteError::InvalidArgument(format!("bad arity {arity}")));
        }
        if n < arity || n > 1000 {
            return Err(ToteError::InvalidArgument(format!(
                "a pool of arity {arity} needs {arity}..=1000 runners, got {n}"
            )));
        }
        let mut radix = [0usize; 4];
        let mut count: usize = 1;
        for i in (0..arity).rev() {
            radix[i] = count;
            count = count.saturating_mul(n - i);
        }
        if !ordered {
            count = n * (n - 1) / 2;
        }
        if count > MAX_COMBOS {
            return Err(ToteError::InvalidArgument(format!(
                "{count} combinations exceed the limit of {MAX_COMBOS}"
            )));
        }
        Ok(ComboSpace {
            n,
            arity,
            ordered,
            count,
            radix,
        })
    }

    /// Number of runners.
    #[must_use]
    pub fn n(&self) -> usize {
        self.n
    }

    /// Runners per selection.
    #[must_use]
    pub fn arity(&self) -> usize {
        self.arity
    }

    /// Number of valid selections.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Validates a selection of 1-based runner numbers and returns its rank.
    ///
    /// # Errors
    /// `InvalidSelection` for a wrong arity, an unknown, scratched or repeated runner.
    #[inline]
    pub fn rank_checked(&self, sel: &[i64], scratched: &[bool]) -> ToteResult<usize> {
        if sel.len() != self.arity {
            return Err(ToteError::InvalidSelection(format!(
                "a selection needs {} runner(s), got {}",
                self.arity,
                sel.len()
            )));
        }
        let mut idx = [0usize; 4];
        for (i, &r) in sel.iter().enumerate() {
            if r < 1 || r > self.n as i64 {
                return Err(ToteError::InvalidSelection(format!(
                    "unknown runner {r} (runners are 1..={})",
                    self.n
                )));
            }
            let r0 = (r - 1) as usize;
            if scratched[r0] {
                return Err(ToteError::InvalidSelection(format!(
                    "runner {r} is scratched"
                )));
            }
            if idx[..i].contains(&r0) {
                return Err(ToteError::InvalidSelection(format!(
                    "runner {r} is repeated"
                )));
            }
            idx[i] = r0;
        }
        Ok(self.rank(&idx[..self.arity]))
    }

    /// Rank of a valid selection of distinct 0-based runners.
    #[inline]
    #[must_use]
    pub fn rank(&self, sel: &[usize]) -> usize {
        if !self.ordered {
            let (i, j) = if sel[0] < sel[1] {
                (sel[0], sel[1])
            } else {
                (sel[1], sel[0])
            };
            return i * (2 * self.n - i - 1) / 2 + (j - i - 1);
        }
        let mut rank = 0;
        for i in 0..sel.len() {
            let smaller_before = sel[..i].iter().filter(|&&s| s < sel[i]).count();
            rank += (sel[i] - smaller_before) * self.radix[i];
        }
        rank
    }

    /// The selection (0-based runners, in selection order) with this rank.
    #[must_use]
    pub fn unrank(&self, mut rank: usize) -> [usize; 4] {
        let mut out = [0usize; 4];
        if !self.ordered {
            let mut i = 0;
            loop {
                let row = self.n - i - 1;
                if rank < row {
                    out[0] = i;
                    out[1] = i + 1 + rank;
                    return out;
                }
                rank -= row;
                i += 1;
            }
        }
        for i in 0..self.arity {
            let c = rank / self.radix[i];
            rank %= self.radix[i];
            // The c-th runner not used earlier in the selection.
            let mut seen = 0;
            for r in 0..self.n {
                if out[..i].contains(&r) {
                    continue;
                }
                if seen == c {
                    out[i] = r;
                    break;
                }
                seen += 1;
            }
        }
        out
    }

    /// Calls `f(rank, selection)` for every selection, in rank order.
    pub fn for_each(&self, mut f: impl FnMut(usize, &[usize])) {
        let mut sel = [0usize; 4];
        let mut rank = 0usize;
        if !self.ordered {
            for i in 0..self.n {
                for j in i + 1..self.n {
                    sel[0] = i;
                    sel[1] = j;
                    f(rank, &sel[..2]);
                    rank += 1;
                }
            }
            return;
        }
        self.fill(0, &mut sel, &mut rank, &mut f);
    }

    fn fill(
        &self,
        depth: usize,
        sel: &mut [usize; 4],
        rank: &mut usize,
        f: &mut impl FnMut(usize, &[usize]),
    ) {
        if depth == self.arity {
            f(*rank, &sel[..self.arity]);
            *rank += 1;
            return;
        }
        for r in 0..self.n {
            if sel[..depth].contains(&r) {
                continue;
            }
            sel[depth] = r;
            self.fill(depth + 1, sel, rank, f);
        }
    }

    /// Index of a selection in the dense `(n,)*arity` tensor (row-major).
    #[inline]
    #[must_use]
    pub fn dense_index(&self, sel: &[usize]) -> usize {
        sel.iter().fold(0, |acc, &r| acc * self.n + r)
    }

    /// Size of the dense `(n,)*arity` tensor.
    #[must_use]
    pub fn dense_len(&self) -> usize {
        self.n.pow(self.arity as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_dense_and_invert() {
        for (n, k, ordered) in [
            (5, 1, true),
            (6, 2, true),
            (6, 2, false),
            (7, 3, true),
            (8, 4, true),
        ] {
            let s = ComboSpace::new(n, k, ordered).unwrap();
            let mut seen = 0;
            s.for_each(|rank, sel| {
                assert_eq!(rank, seen);
                assert_eq!(s.rank(sel), rank);
                assert_eq!(&s.unrank(rank)[..k], sel);
                seen += 1;
            });
            assert_eq!(seen, s.count());
        }
    }

    #[test]
    fn superfecta_of_twenty_has_116280_combos() {
        assert_eq!(ComboSpace::new(20, 4, true).unwrap().count(), 116_280);
    }

    #[test]
    fn quinella_rank_ignores_order() {
        let s = ComboSpace::new(9, 2, false).unwrap();
        assert_eq!(s.rank(&[3, 7]), s.rank(&[7, 3]));
    }

    #[test]
    fn rank_checked_rejects() {
        let s = ComboSpace::new(5, 2, true).unwrap();
        let mut scr = vec![false; 5];
        scr[2] = true;
        assert!(s.rank_checked(&[1], &scr).is_err());
        assert!(s.rank_checked(&[1, 6], &scr).is_err());
        assert!(s.rank_checked(&[0, 1], &scr).is_err());
        assert!(s.rank_checked(&[1, 1], &scr).is_err());
        assert!(s.rank_checked(&[1, 3], &scr).is_err());
        assert!(s.rank_checked(&[1, 2], &scr).is_ok());
    }
}
