//! Batches of commands over plain columns (the numpy calls of the binding run these with the
//! GIL released). The rules: every placed row is a GTC/LAPSE order; sides are 0 back, 1 lay;
//! a cancel row's size is a reduction (0: the whole unmatched size) and its target an order id
//! or `-1 - j` for the order that row `j` of the same batch placed; no row is ever raised,
//! each gets its numeric reject code (0 accepted). Names are resolved once per batch: the
//! market once, the runner when it changes, each distinct account once (then by index).

use super::{Exchange, PlaceRequest, PlaceSummary};
use crate::error::ErrorCode;
use crate::order::OrderStatus;
use crate::types::{OrderType, Persistence, Side, TimeInForce};

/// Row kinds of [`execute`].
pub const KIND_PLACE: u8 = 0;
/// A cancel row: `size` is the reduction (0 cancels the whole unmatched size).
pub const KIND_CANCEL: u8 = 1;

/// The accounts of a batch: distinct names and, per row, an index into them (`None`: every
/// row is `names[0]`).
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    /// Distinct account names.
    pub names: Vec<String>,
    /// Per row, an index into `names`.
    pub rows: Option<Vec<u32>>,
}

impl Accounts {
    /// The index into `names` of row `i`.
    #[inline]
    #[must_use]
    pub fn row(&self, i: usize) -> usize {
        self.rows.as_ref().map_or(0, |r| r[i] as usize)
    }
}

/// Column results of a batch, one entry per row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Results {
    /// The new (place) or target (cancel) order id; 0 when there is none.
    pub order_id: Vec<u64>,
    /// [`status_code`] of the order after the row.
    pub status: Vec<u8>,
    /// Matched by the row.
    pub size_matched: Vec<i64>,
    /// Cancelled by the row.
    pub size_cancelled: Vec<i64>,
    /// [`ErrorCode::as_u8`] of the rejection, 0 when accepted.
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
#[must_use]
pub fn status_code(s: Option<OrderStatus>) -> u8 {
    match s {
        Some(OrderStatus::Pending) => 0,
        Some(OrderStatus::Executable) => 1,
        Some(OrderStatus::ExecutionComplete) => 2,
        None => 3,
    }
}

/// Optional per-row columns of the place rows (an empty slice: the default for every row).
#[derive(Debug, Clone, Copy, Default)]
pub struct RowOptions<'a> {
    /// `OrderType as u8` (0 `LIMIT`): an SP bet's size is a lay's liability, a
    /// `MARKET_ON_CLOSE` bet ignores its tick.
    pub order_types: &'a [u8],
    /// `TimeInForce as u8` (0 GTC, 1 IOC, 2 FOK).
    pub time_in_force: &'a [u8],
    /// A FOK row's minimum fill (0: the whole size).
    pub min_fill_sizes: &'a [i64],
}

/// The order columns of a batch, as slices of equal length.
#[derive(Debug, Clone, Copy)]
pub struct PlaceColumns<'a> {
    /// Selection ids.
    pub runners: &'a [i64],
    /// 0 back, 1 lay.
    pub sides: &'a [u8],
    /// Ladder ticks.
    pub ticks: &'a [u16],
    /// Sizes (a cancel row: the reduction, 0 for all).
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
        self.place_with(i, c, &RowOptions::default(), out);
    }

    /// A place row with its options (order type, time in force, minimum fill) from `opts`.
    fn place_with(
        &mut self,
        i: usize,
        c: &PlaceColumns<'_>,
        opts: &RowOptions<'_>,
        out: &mut Results,
    ) {
        let order_type = opts.order_types.get(i).copied().unwrap_or(0);
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
            let side = Side::from_u8(c.sides[i]).ok_or(ErrorCode::InvalidArgument)?;
            let time_in_force =
                TimeInForce::from_u8(opts.time_in_force.get(i).copied().unwrap_or(0))
                    .ok_or(ErrorCode::InvalidArgument)?;
            let min_fill_size = opts.min_fill_sizes.get(i).copied().filter(|&m| m != 0);
            let req = PlaceRequest {
                market_id: self.market_id,
                runner: c.runners[i],
                side,
                tick: c.ticks[i],
                size: c.sizes[i],
                account: name,
                client_order_id: None,
                time_in_force,
                min_fill_size,
                persistence: Persistence::Lapse,
            };
            match (OrderType::from_u8(order_type), self.known[k]) {
                (Some(OrderType::Limit), Some(a)) => self.ex.place_summary(m, r, a, &req),
                (Some(OrderType::Limit), None) => self
                    .ex
                    .place_indexed(m, r, None, &req)
                    .map(|rep| PlaceSummary::from(&rep)),
                (Some(sp), _) => self
                    .ex
                    .place_starting_price(&req, sp)
                    .map(|rep| PlaceSummary::from(&rep)),
                (None, _) => Err(ErrorCode::InvalidArgument),
            }
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

/// Every row a GTC/LAPSE order.
#[must_use]
pub fn place(
    ex: &mut Exchange,
    market_id: &str,
    cols: &PlaceColumns<'_>,
    accounts: &Accounts,
) -> Results {
    place_typed(ex, market_id, cols, &[], accounts)
}

/// [`place`] with an order type per row (`OrderType as u8`; empty: every row `LIMIT`): SP
/// bets (`MARKET_ON_CLOSE`, `LIMIT_ON_CLOSE`) wait for the off like a single
/// `place_starting_price`; an unknown type is `INVALID_ARGUMENT` for its row.
#[must_use]
pub fn place_typed(
    ex: &mut Exchange,
    market_id: &str,
    cols: &PlaceColumns<'_>,
    order_types: &[u8],
    accounts: &Accounts,
) -> Results {
    let opts = RowOptions {
        order_types,
        ..RowOptions::default()
    };
    place_with(ex, market_id, cols, &opts, accounts)
}

/// [`place`] with optional per-row order types, times in force and minimum fills.
#[must_use]
pub fn place_with(
    ex: &mut Exchange,
    market_id: &str,
    cols: &PlaceColumns<'_>,
    opts: &RowOptions<'_>,
    accounts: &Accounts,
) -> Results {
    let n = cols.runners.len();
    let mut out = Results::with_capacity(n);
    let mut run = Runner::new(ex, market_id, accounts);
    let plain = opts.order_types.is_empty()
        && opts.time_in_force.is_empty()
        && opts.min_fill_sizes.is_empty();
    for i in 0..n {
        if plain {
            run.place(i, cols, &mut out);
        } else {
            run.place_with(i, cols, opts, &mut out);
        }
    }
    out
}

/// Every row a whole cancel.
#[must_use]
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
#[must_use]
pub fn execute(
    ex: &mut Exchange,
    market_id: &str,
    kinds: &[u8],
    cols: &PlaceColumns<'_>,
    targets: &[i64],
    accounts: &Accounts,
) -> Results {
    execute_with(
        ex,
        market_id,
        kinds,
        cols,
        targets,
        &RowOptions::default(),
        accounts,
    )
}

/// [`execute`] with optional per-row options for its place rows (an IOC needs no second row
/// to cancel its rest).
#[must_use]
pub fn execute_with(
    ex: &mut Exchange,
    market_id: &str,
    kinds: &[u8],
    cols: &PlaceColumns<'_>,
    targets: &[i64],
    opts: &RowOptions<'_>,
    accounts: &Accounts,
) -> Results {
    let n = kinds.len();
    let mut out = Results::with_capacity(n);
    let mut run = Runner::new(ex, market_id, accounts);
    let plain = opts.order_types.is_empty()
        && opts.time_in_force.is_empty()
        && opts.min_fill_sizes.is_empty();
    for i in 0..n {
        match kinds[i] {
            KIND_PLACE if plain => run.place(i, cols, &mut out),
            KIND_PLACE => run.place_with(i, cols, opts, &mut out),
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
