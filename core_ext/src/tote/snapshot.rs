//! Snapshot, restore and state hash of a pool: a versioned little-endian encoding with an
//! FNV-1a 64 checksum. Totals are not stored: restore rebuilds them from the tickets, and
//! the settlement is recomputed from the stored result, so a snapshot cannot disagree with
//! itself.

use super::error::{ToteError, ToteResult};
use super::pool::{Pool, PoolStatus};
use super::rules::{NoWinner, PoolKind, Rounding, Rules, Split};
use crate::types::Money;

const MAGIC: &[u8; 8] = b"PBPOOL01";

/// FNV-1a, 64 bit: deterministic on every machine.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> ToteResult<&[u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| ToteError::Snapshot("truncated pool snapshot".into()))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> ToteResult<u8> {
        Ok(self.take(1)?[0])
    }
    fn u64(&mut self) -> ToteResult<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn i64(&mut self) -> ToteResult<i64> {
        Ok(self.u64()? as i64)
    }
    fn len(&mut self, limit: usize) -> ToteResult<usize> {
        let n = self.u64()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= limit)
            .ok_or_else(|| ToteError::Snapshot(format!("length {n} out of range")))
    }
}

fn bad(what: &str) -> ToteError {
    ToteError::Snapshot(format!("bad {what} in pool snapshot"))
}

impl Pool {
    fn encode_body(&self) -> Vec<u8> {
        let t = self.ticket_count();
        let mut b = Vec::with_capacity(128 + self.runners() + t * 13);
        b.extend_from_slice(MAGIC);
        b.push(self.kind as u8);
        for v in [self.runners() as u64, self.places as u64] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let r = &self.rules;
        for v in [r.takeout_ppm, r.breakage, r.min_payout] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend([r.split as u8, r.rounding as u8, r.no_winner as u8]);
        let to = r.carryover_to.as_deref().unwrap_or("");
        b.push(u8::from(r.carryover_to.is_some()));
        b.extend_from_slice(&(to.len() as u64).to_le_bytes());
        b.extend_from_slice(to.as_bytes());
        b.push(self.status as u8);
        b.extend(self.scratched.iter().map(|&s| u8::from(s)));
        b.extend_from_slice(&(t as u64).to_le_bytes());
        for &c in &self.ticket_combo {
            b.extend_from_slice(&c.to_le_bytes());
        }
        for &s in &self.ticket_stake {
            b.extend_from_slice(&s.to_le_bytes());
        }
        b.extend(self.ticket_refunded.iter().map(|&r| u8::from(r)));
        match &self.settlement {
            None => b.push(0),
            Some(s) => {
                b.push(1);
                b.extend_from_slice(&(s.result.len() as u64).to_le_bytes());
                for g in &s.result {
                    b.extend_from_slice(&(g.len() as u64).to_le_bytes());
                    for &r in g {
                        b.extend_from_slice(&r.to_le_bytes());
                    }
                }
            }
        }
        b
    }

    /// The pool's full state as bytes (restore with [`Pool::restore`]).
    #[must_use]
    pub fn snapshot(&self) -> Vec<u8> {
        let mut b = self.encode_body();
        let h = fnv1a(&b);
        b.extend_from_slice(&h.to_le_bytes());
        b
    }

    /// A deterministic 64-bit hash of the pool's state (equal states, equal hashes).
    #[must_use]
    pub fn state_hash(&self) -> u64 {
        fnv1a(&self.encode_body())
    }

    /// Rebuilds a pool from [`Pool::snapshot`] bytes.
    ///
    /// # Errors
    /// `Snapshot` if the bytes are truncated, corrupt or inconsistent.
    pub fn restore(blob: &[u8]) -> ToteResult<Pool> {
        if blob.len() < MAGIC.len() + 8 {
            return Err(ToteError::Snapshot("pool snapshot too short".into()));
        }
        let (body, sum) = blob.split_at(blob.len() - 8);
        if fnv1a(body).to_le_bytes() != sum {
            return Err(ToteError::Snapshot(
                "pool snapshot checksum mismatch".into(),
            ));
        }
        let mut rd = Reader { buf: body, pos: 0 };
        if rd.take(8)? != MAGIC {
            return Err(bad("magic"));
        }
        let kind = PoolKind::from_code(rd.u8()?).map_err(|_| bad("kind"))?;
        let n = rd.len(1000)?;
        let places = rd.len(1000)?;
        let (takeout_ppm, breakage, min_payout) = (rd.i64()?, rd.i64()?, rd.i64()?);
        let split = match rd.u8()? {
            0 => Split::Profit,
            1 => Split::Pool,
            _ => return Err(bad("split")),
        };
        let rounding = match rd.u8()? {
            0 => Rounding::Down,
            1 => Rounding::Nearest,
            _ => return Err(bad("rounding")),
        };
        let no_winner = match rd.u8()? {
            0 => NoWinner::Refund,
            1 => NoWinner::Carryover,
            _ => return Err(bad("no_winner")),
        };
        let has_to = rd.u8()? == 1;
        let to_len = rd.len(256)?;
        let to = String::from_utf8(rd.take(to_len)?.to_vec()).map_err(|_| bad("carryover_to"))?;
        let rules = Rules {
            takeout_ppm,
            split,
            breakage,
            rounding,
            min_payout,
            no_winner,
            carryover_to: has_to.then_some(to),
        };
        let mut pool = Pool::new(kind, n, Some(places), rules).map_err(|e| bad(&e.to_string()))?;
        let status = rd.u8()?;
        for s in &mut pool.scratched {
            *s = rd.u8()? == 1;
        }
        let t = rd.len(body.len() / 13)?;
        let combos = rd.take(4 * t)?;
        pool.ticket_combo = combos
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
            .collect();
        let stakes = rd.take(8 * t)?;
        pool.ticket_stake = stakes
            .chunks_exact(8)
            .map(|c| Money::from_le_bytes(c.try_into().expect("8")))
            .collect();
        pool.ticket_refunded = rd.take(t)?.iter().map(|&b| b == 1).collect();
        for i in 0..t {
            let (c, s) = (pool.ticket_combo[i] as usize, pool.ticket_stake[i]);
            if c >= pool.totals.len() || s <= 0 || pool.gross > super::pool::MAX_POOL - s {
                return Err(bad("ticket"));
            }
            pool.gross += s;
            if pool.ticket_refunded[i] {
                pool.refunds += s;
            } else {
                pool.totals[c] += s;
            }
        }
        pool.status = if status == 0 {
            PoolStatus::Open
        } else {
            PoolStatus::Closed
        };
        if rd.u8()? == 1 {
            let positions = rd.len(1000)?;
            let mut result = Vec::with_capacity(positions);
            for _ in 0..positions {
                let m = rd.len(1000)?;
                result.push((0..m).map(|_| rd.i64()).collect::<ToteResult<Vec<_>>>()?);
            }
            pool.dividends(&result).map_err(|e| bad(&e.to_string()))?;
        }
        if rd.pos != body.len() {
            return Err(bad("trailing bytes"));
        }
        Ok(pool)
    }
}
