//! Snapshot, restore and state hash of a pool: a versioned little-endian encoding with an
//! FNV-1a 64 checksum. Totals are not stored: restore rebuilds them from the tickets, and
//! the settlement is recomputed from the stored result, so a snapshot cannot disagree with
//! itself.

use super::error::{ToteError, ToteResult};
use super::pool::{Pool, PoolStatus};
use super::rules::{NoWinner, PoolKind, Rounding, Rules, Split};
use crate::codec::{fnv1a, Reader, SnapshotError, Writer};
use crate::types::Money;

const MAGIC: &[u8; 8] = b"PBPOOL01";

fn bad(what: &str) -> ToteError {
    ToteError::Snapshot(format!("bad {what} in pool snapshot"))
}

impl From<SnapshotError> for ToteError {
    fn from(e: SnapshotError) -> Self {
        ToteError::Snapshot(format!("pool snapshot: {e}"))
    }
}

impl Pool {
    fn encode_body(&self) -> Vec<u8> {
        let t = self.ticket_count();
        let mut w = Writer::with_capacity(128 + self.runners() + t * 13);
        w.bytes(MAGIC);
        w.u8(self.kind as u8);
        w.u64(self.runners() as u64);
        w.u64(self.places as u64);
        let r = &self.rules;
        for v in [r.takeout_ppm, r.breakage, r.min_payout] {
            w.i64(v);
        }
        for v in [r.split as u8, r.rounding as u8, r.no_winner as u8] {
            w.u8(v);
        }
        let to = r.carryover_to.as_deref().unwrap_or("");
        w.u8(u8::from(r.carryover_to.is_some()));
        w.u64(to.len() as u64);
        w.bytes(to.as_bytes());
        w.u8(self.status as u8);
        for &s in &self.scratched {
            w.u8(u8::from(s));
        }
        w.u64(t as u64);
        for &c in &self.ticket_combo {
            w.u32(c);
        }
        for &s in &self.ticket_stake {
            w.i64(s);
        }
        for &r in &self.ticket_refunded {
            w.u8(u8::from(r));
        }
        match &self.settlement {
            None => w.u8(0),
            Some(s) => {
                w.u8(1);
                w.u64(s.result.len() as u64);
                for g in &s.result {
                    w.u64(g.len() as u64);
                    for &r in g {
                        w.i64(r);
                    }
                }
            }
        }
        w.buf
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
        let mut rd = Reader::new(body);
        if rd.take(8)? != MAGIC {
            return Err(bad("magic"));
        }
        let kind = PoolKind::from_code(rd.u8()?).map_err(|_| bad("kind"))?;
        let n = rd.len_u64(1000)?;
        let places = rd.len_u64(1000)?;
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
        let to_len = rd.len_u64(256)?;
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
        let t = rd.len_u64(body.len() / 13)?;
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
            let positions = rd.len_u64(1000)?;
            let mut result = Vec::with_capacity(positions);
            for _ in 0..positions {
                let m = rd.len_u64(1000)?;
                result.push((0..m).map(|_| rd.i64()).collect::<Result<Vec<_>, _>>()?);
            }
            pool.dividends(&result).map_err(|e| bad(&e.to_string()))?;
        }
        if !rd.done() {
            return Err(bad("trailing bytes"));
        }
        Ok(pool)
    }
}
