//! The loops of the numpy batch calls, over plain slices (no Python objects, so they run with
//! the GIL released). Names are resolved once per batch: the market once, the runner when it
//! changes, each distinct account once (then by index).

use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::{ErrorCode, OrderStatus};

/// Row kinds of [`execute`].
pub const KIND_PLACE: u8 = 0;
/// A cancel row: `size` is the reduction (0 cancels the whole unmatched size).
pub const KIND_CANCEL: u8 = 1;

/// The accounts of a batch: distinct names and, per row, an index into them.
pub struct Accounts {
    pub names: Vec<String>,
    pub rows: Option<Vec<u32>>,
}

impl Accounts {
    #[inline]
    pub fn row(&self, i: usize) -> usize {
        self.rows.as_ref().map_or(0, |r| r[i] as usize)
    }
}

/// Column results of a batch, one entry per row.
#[derive(Default)]
pub struct Results {
    pub order_id: Vec<u64>,
    pub status: Vec<u8>,
    pub size_matched: Vec<i64>,
    pub size_cancelled: Vec<i64>,
    pub reject: Vec<u8>,
}

impl Results {
    fn with_capacity(n: usize) -> Self {
        Results {
            order_id: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
            size_matched: Vec::with_capacity(n),
            size_cancelled: Vec::with_capacity(n),
            reject: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, id: u64, status: u8, matched: i64, cancelled: i64, code: u8) {
        self.order_id.push(id);
        self.status.push(status);
        self.size_matched.push(matched);
        self.size_cancelled.push(cancelled);
        self.reject.push(code);
    }
}

/// `OrderStatus` as the integer of `pybet.OrderStatus` (REJECTED = 3).
pub fn status_code(s: Option<OrderStatus>) -> u8 {
    match s {
        Some(OrderStatus::Pending) => 0,
        Some(OrderStatus::Executable) => 1,
        Some(OrderStatus::ExecutionComplete) => 2,
        None => 3,
    }
}

/// One order's columns as slices.
pub struct PlaceColumns<'a> {
    pub runners: &'a [i64],
    pub sides: &'a [u8],
    pub ticks: &'a [u16],
    pub sizes: &'a [i64],
}

/// Resolves names once and places or cancels row by row.
struct Runner<'e, 'a> {
    ex: &'e mut Exchange,
    market_id: &'a str,
    market: Result<u32, ErrorCode>,
    known: Vec<Option<u32>>,
    accounts: &'a Accounts,
    last_runner: Option<(i64, u16)>,
}

impl<'e, 'a> Runner<'e, 'a> {
    fn new(ex: &'e mut Exchange, market_id: &'a str, accounts: &'a Accounts) -> Self {
        let known = accounts.names.iter().map(|a| ex.account_idx(a)).collect();
        let market = ex.market_idx(market_id);
        Runner {
            ex,
            market_id,
            market,
            known,
            accounts,
            last_runner: None,
        }
    }

    fn place(&mut self, i: usize, c: &PlaceColumns<'_>, out: &mut Results) {
        let k = self.accounts.row(i);
        let name = self.accounts.names[k].as_str();
        let rep = self.market.and_then(|m| {
            let r = match self.last_runner {
                Some((sel, r)) if sel == c.runners[i] => r,
                _ => {
                    let r = self
                        .ex
                        .market_at(m)
                        .runner_index(c.runners[i])
                        .ok_or(ErrorCode::UnknownRunner)?;
                    self.last_runner = Some((c.runners[i], r));
                    r
                }
            };
            let side = match c.sides[i] {
                0 => Side::Back,
                1 => Side::Lay,
                _ => return Err(ErrorCode::InvalidArgument),
            };
            let req = PlaceRequest {
                market_id: self.market_id,
                runner: c.runners[i],
                side,
                tick: c.ticks[i],
                size: c.sizes[i],
                account: name,
                client_order_id: None,
                time_in_force: TimeInForce::Gtc,
                min_fill_size: None,
                persistence: Persistence::Lapse,
            };
            self.ex.place_indexed(m, r, self.known[k], &req)
        });
        match rep {
            Ok(r) => {
                if self.known[k].is_none() && r.reject.is_none() {
                    self.known[k] = self.ex.account_idx(name);
                }
                let code = r.reject.map_or(0, ErrorCode::as_u8);
                let (id, st) = (r.order_id, status_code(r.status));
                out.push(id, st, r.size_matched, r.size_cancelled, code);
            }
            Err(code) => out.push(0, status_code(None), 0, 0, code.as_u8()),
        }
    }

    fn cancel(&mut self, i: usize, id: u64, reduction: i64, out: &mut Results) {
        let account = self.known[self.accounts.row(i)];
        let reduction = (reduction != 0).then_some(reduction);
        match self.ex.cancel_indexed(id, account, reduction) {
            Ok(r) => {
                let status = self.ex.order(id).map(|o| o.status);
                let code = r.reject.map_or(0, ErrorCode::as_u8);
                out.push(id, status_code(status), 0, r.size_cancelled, code);
            }
            Err(code) => out.push(id, status_code(None), 0, 0, code.as_u8()),
        }
    }
}

/// `place_many`: every row a GTC/LAPSE order.
pub fn place(
    ex: &mut Exchange,
    market_id: &str,
    cols: &PlaceColumns<'_>,
    accounts: &Accounts,
) -> Results {
    let n = cols.runners.len();
    let mut out = Results::with_capacity(n);
    let mut run = Runner::new(ex, market_id, accounts);
    for i in 0..n {
        run.place(i, cols, &mut out);
    }
    out
}

/// `cancel_many`: every row a whole cancel.
pub fn cancel(ex: &mut Exchange, ids: &[u64], accounts: &Accounts) -> Results {
    let mut out = Results::with_capacity(ids.len());
    let mut run = Runner::new(ex, "", accounts);
    for (i, &id) in ids.iter().enumerate() {
        run.cancel(i, id, 0, &mut out);
    }
    out
}

/// `execute_many`: places and cancels mixed, applied in row order. A cancel row's `target` is
/// an engine order id when `>= 0`, or `-1 - j` for the order placed by row `j < i` of this
/// same batch (so a replayed stream needs no round trip to learn its ids).
pub fn execute(
    ex: &mut Exchange,
    market_id: &str,
    kinds: &[u8],
    cols: &PlaceColumns<'_>,
    targets: &[i64],
    accounts: &Accounts,
) -> Results {
    let n = kinds.len();
    let mut out = Results::with_capacity(n);
    let mut run = Runner::new(ex, market_id, accounts);
    for i in 0..n {
        match kinds[i] {
            KIND_PLACE => run.place(i, cols, &mut out),
            KIND_CANCEL => {
                let t = targets[i];
                let id = if t >= 0 {
                    Ok(t as u64)
                } else {
                    // -1 - j: row j of this batch, which must come before this row.
                    usize::try_from(-1 - t)
                        .ok()
                        .filter(|&j| j < i)
                        .map(|j| out.order_id[j])
                        .ok_or(ErrorCode::InvalidArgument)
                };
                match id {
                    Ok(id) => run.cancel(i, id, cols.sizes[i], &mut out),
                    Err(code) => out.push(0, status_code(None), 0, 0, code.as_u8()),
                }
            }
            _ => out.push(
                0,
                status_code(None),
                0,
                0,
                ErrorCode::InvalidArgument.as_u8(),
            ),
        }
    }
    out
}
