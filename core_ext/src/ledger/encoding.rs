//! The ledger's snapshot encoding (appended to the engine's state; part of the state hash).

use super::{Ledger, MarketLedger, Settlement, PPM};
use crate::codec::{Reader, SnapshotError, Writer};
use crate::exposure::Lot;
use crate::market::Market;
use crate::order::OrderStore;
use crate::settlement::AccountResult;

impl Ledger {
    /// Appends the ledger to a snapshot body.
    pub(crate) fn encode(&self, w: &mut Writer) {
        let ledger = self;
        w.u32(ledger.commission_ppm);
        for &b in &ledger.balances {
            w.i64(b);
        }
        for ml in &ledger.markets {
            w.u8(ml.settlement as u8);
            match ml.commission_ppm {
                Some(p) => {
                    w.u8(1);
                    w.u32(p);
                }
                None => w.u8(0),
            }
            if ml.settlement != Settlement::Open {
                // What stays of a settled market: its winners and per-account result.
                w.u32(ml.winners.len() as u32);
                for &r in &ml.winners {
                    w.u16(r);
                }
                w.u32(ml.results.len() as u32);
                for res in &ml.results {
                    w.u32(res.account);
                    w.i64(res.pnl);
                    w.i64(res.commission);
                }
                continue;
            }
            w.u32(ml.positions.len() as u32);
            for &p in &ml.positions {
                let pos = &ledger.positions[p as usize];
                w.u32(pos.account);
                for (&win, &lose) in pos.win.iter().zip(&pos.lose) {
                    w.i128(win);
                    w.i128(lose);
                }
                w.u32(pos.lots.len() as u32);
                for l in &pos.lots {
                    w.u64(l.key);
                    w.i64(l.size);
                }
            }
        }
    }

    /// Decodes [`Ledger::encode`] for an engine with `n_accounts` accounts, these `markets`
    /// and `orders` (whose ledger positions it sets); exposures are recomputed from the
    /// positions.
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        n_accounts: usize,
        markets: &[Market],
        orders: &mut OrderStore,
        version: u32,
    ) -> Result<Ledger, SnapshotError> {
        let mut ledger = Ledger {
            commission_ppm: r.u32()?,
            held: vec![0; n_accounts],
            open: vec![Vec::new(); n_accounts],
            ..Ledger::default()
        };
        if ledger.commission_ppm > PPM {
            return Err(SnapshotError::Corrupt("commission"));
        }
        for _ in 0..n_accounts {
            ledger.balances.push(r.i64()?);
        }
        for (m, market) in markets.iter().enumerate() {
            let n = market.spec.runners.len();
            let ml = MarketLedger {
                settlement: match r.u8()? {
                    0 => Settlement::Open,
                    1 => Settlement::Settled,
                    2 => Settlement::Voided,
                    _ => return Err(SnapshotError::Corrupt("settlement")),
                },
                commission_ppm: match r.u8()? {
                    0 => None,
                    _ => Some(r.u32()?),
                },
                ..MarketLedger::default()
            };
            ledger.markets.push(ml);
            if version >= 5 && ledger.markets[m].settlement != Settlement::Open {
                let ml = &mut ledger.markets[m];
                for _ in 0..r.u32()? {
                    let w = r.u16()?;
                    if usize::from(w) >= n {
                        return Err(SnapshotError::Corrupt("winner"));
                    }
                    ml.winners.push(w);
                }
                for _ in 0..r.u32()? {
                    let res = AccountResult {
                        account: r.u32()?,
                        pnl: r.i64()?,
                        commission: r.i64()?,
                    };
                    if res.account as usize >= n_accounts {
                        return Err(SnapshotError::Corrupt("result account"));
                    }
                    ml.results.push(res);
                }
                continue;
            }
            let n_pos = r.u32()?;
            for _ in 0..n_pos {
                let account = r.u32()?;
                if account as usize >= n_accounts {
                    return Err(SnapshotError::Corrupt("position account"));
                }
                if ledger.position_of(account, m as u32).is_some() {
                    return Err(SnapshotError::Corrupt("duplicate position"));
                }
                let p = ledger.ensure_position(account, m as u32, markets);
                for i in 0..n {
                    let (win, lose) = (r.i128()?, r.i128()?);
                    ledger.positions[p].apply(i, win, lose);
                }
                let n_lots = r.u32()?;
                for _ in 0..n_lots {
                    let lot = Lot {
                        key: r.u64()?,
                        size: r.i64()?,
                    };
                    let lots = &mut ledger.positions[p].lots;
                    // Sorted and unique, as the engine keeps them; a price above 1.0.
                    if usize::from(lot.runner()) >= n
                        || lot.key >> 56 != 0
                        || lot.size <= 0
                        || lot.price() <= crate::types::PRICE_SCALE
                        || lots.last().is_some_and(|prev| prev.key >= lot.key)
                    {
                        return Err(SnapshotError::Corrupt("matched lot"));
                    }
                    lots.push(lot);
                }
                ledger.refresh(p, market);
            }
            if ledger.markets[m].settlement != Settlement::Open {
                // An older snapshot's settled market: its result was not kept, only freed.
                ledger.close_positions(m as u32);
                ledger.free_positions_of(m as u32, Vec::new());
            }
        }
        let ids: Vec<_> = orders.iter().map(|o| o.id).collect();
        for id in ids {
            let o = orders.at_mut(id);
            if ledger.markets[o.market as usize].settlement != Settlement::Open {
                continue; // an older snapshot's settled market: its orders are freed next
            }
            let p = ledger
                .position_of(o.account, o.market)
                .ok_or(SnapshotError::Corrupt("order without a position"))?;
            o.position = p as u32;
        }
        Ok(ledger)
    }
}
