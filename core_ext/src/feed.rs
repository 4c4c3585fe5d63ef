//! Engine events as MessagePack maps for the history feed (SPEC 8a): one map per event, with
//! `kind` and the same field names and values as the Python `Event` objects (market and runner
//! ids, account names, prices as decimal odds), so that a consumer needs no engine to read
//! them. Both come from [`event_fields`]. Encoding here, without Python objects, costs tens of nanoseconds per event; building
//! the `Event` objects and encoding them from Python cost about 6 µs.
//!
//! The engine's own event `seq` is left out: a feed event is named by its batch's journal
//! sequence and its position in the batch, which a replay reproduces.

use crate::events::{Event, EventKind};
use crate::exchange::Exchange;
use crate::ladder::TICKS;
use crate::market::MarketStatus;
use crate::msgpack::{array_header, int, string, uint};
use crate::types::{PriceFx, Side, Tick, PRICE_SCALE};

/// Where an event's fields go: the MessagePack maps here, the Python `Event` objects in the
/// binding. [`event_fields`] is the one place that says which fields each kind has, in which
/// order and with which values, so the two encodings cannot drift apart.
pub trait EventFields {
    /// A string field.
    fn str(&mut self, key: &str, value: &str);
    /// An unsigned integer field (order ids).
    fn uint(&mut self, key: &str, value: u64);
    /// A signed integer field (money, selection ids).
    fn int(&mut self, key: &str, value: i64);
    /// A float field (decimal odds, percentages).
    fn float(&mut self, key: &str, value: f64);
    /// A boolean field.
    fn bool(&mut self, key: &str, value: bool);
    /// A field without a value.
    fn nil(&mut self, key: &str);
    /// A list of integers (winning selection ids).
    fn ints(&mut self, key: &str, values: &[i64]);
    /// A side (the feed writes its name; Python its enum).
    fn side(&mut self, key: &str, value: Side);
    /// A market status (the feed writes its name; Python its enum).
    fn status(&mut self, key: &str, value: MarketStatus);
}

/// Appends one MessagePack map per event to `out` (no array header: the caller frames a
/// batch's maps, which may come from several drains); returns the number of maps.
pub fn encode_events(ex: &Exchange, events: &[Event], out: &mut Vec<u8>) -> usize {
    for ev in events {
        let mut map = Map::new(out, ev.kind.name());
        event_fields(ex, &ev.kind, &mut map);
        map.finish();
    }
    events.len()
}

/// The fields of one event (besides its kind): ids and names resolved, prices as odds.
#[allow(clippy::too_many_lines)] // one arm per kind, each a list of fields
pub fn event_fields(ex: &Exchange, kind: &EventKind, w: &mut impl EventFields) {
    let market_id = |m: u32| ex.market_at(m).id.as_str();
    let runner_id = |m: u32, r: u16| ex.market_at(m).spec.runners[usize::from(r)];
    match kind {
        EventKind::OrderAccepted {
            order_id,
            market,
            runner,
            side,
            tick,
            size,
            account,
        } => {
            w.uint("order_id", *order_id);
            w.str("market_id", market_id(*market));
            w.int("runner", runner_id(*market, *runner));
            w.side("side", *side);
            w.float("price", tick_price(*tick));
            w.int("size", *size);
            w.str("account", ex.account_name(*account));
        }
        EventKind::OrderRejected {
            market,
            account,
            code,
            client_order_id,
        } => {
            w.str("market_id", market_id(*market));
            w.str("account", account);
            w.str("code", code.as_str());
            match client_order_id {
                Some(c) => w.str("client_order_id", c),
                None => w.nil("client_order_id"),
            }
        }
        EventKind::Fill {
            market,
            runner,
            maker_order,
            taker_order,
            maker_account,
            taker_account,
            tick,
            size,
            taker_side,
        } => {
            w.str("market_id", market_id(*market));
            w.int("runner", runner_id(*market, *runner));
            w.uint("maker_order", *maker_order);
            w.uint("taker_order", *taker_order);
            w.str("maker_account", ex.account_name(*maker_account));
            w.str("taker_account", ex.account_name(*taker_account));
            w.float("price", tick_price(*tick));
            w.int("size", *size);
            w.side("taker_side", *taker_side);
        }
        EventKind::OrderCancelled {
            order_id,
            market,
            account,
            size,
            reason,
        } => {
            w.uint("order_id", *order_id);
            w.str("market_id", market_id(*market));
            w.str("account", ex.account_name(*account));
            w.int("size", *size);
            w.str("reason", reason.as_str());
            if let Some(o) = ex.order(*order_id) {
                w.int("runner", runner_id(*market, o.runner));
            }
        }
        EventKind::MarketStatusChanged {
            market,
            status,
            in_play,
        } => {
            w.str("market_id", market_id(*market));
            w.status("status", *status);
            w.bool("in_play", *in_play);
        }
        EventKind::RunnerRemoved {
            market,
            runner,
            reduction_bp,
        } => {
            w.str("market_id", market_id(*market));
            w.int("runner", runner_id(*market, *runner));
            w.float("reduction_factor", f64::from(*reduction_bp) / 100.0);
        }
        EventKind::MarketSettled {
            market,
            winners,
            void,
        } => {
            w.str("market_id", market_id(*market));
            let ids: Vec<i64> = winners.iter().map(|&r| runner_id(*market, r)).collect();
            w.ints("winners", &ids);
            w.bool("void", *void);
        }
        EventKind::Settled {
            market,
            account,
            pnl,
            commission,
        } => {
            w.str("market_id", market_id(*market));
            w.str("account", ex.account_name(*account));
            w.int("pnl", *pnl);
            w.int("commission", *commission);
        }
        EventKind::StartingPriceReconciled {
            market,
            runner,
            price,
        } => {
            w.str("market_id", market_id(*market));
            w.int("runner", runner_id(*market, *runner));
            match price {
                Some(p) => w.float("price", fx_price(*p)),
                None => w.nil("price"),
            }
        }
        EventKind::StartingPriceFill {
            market,
            runner,
            back_order,
            lay_order,
            back_account,
            lay_account,
            price,
            size,
        } => {
            w.str("market_id", market_id(*market));
            w.int("runner", runner_id(*market, *runner));
            w.uint("back_order", *back_order);
            w.uint("lay_order", *lay_order);
            w.str("back_account", ex.account_name(*back_account));
            w.str("lay_account", ex.account_name(*lay_account));
            w.float("price", fx_price(*price));
            w.int("size", *size);
        }
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Back => "BACK",
        Side::Lay => "LAY",
    }
}

/// A ladder tick as decimal odds.
#[allow(clippy::cast_precision_loss)] // ladder prices are at most 1000 * PRICE_SCALE
#[must_use]
pub fn tick_price(tick: Tick) -> f64 {
    fx_price(TICKS[usize::from(tick)])
}

/// A fixed-point price as decimal odds.
#[allow(clippy::cast_precision_loss)] // prices are far below 2^53
#[must_use]
pub fn fx_price(p: PriceFx) -> f64 {
    p as f64 / PRICE_SCALE as f64
}

/// A map being written: the header is reserved as a map32 and patched with the pair count at
/// the end (fields vary per kind and per event).
struct Map<'a> {
    out: &'a mut Vec<u8>,
    header: usize,
    pairs: u32,
}

impl<'a> Map<'a> {
    fn new(out: &'a mut Vec<u8>, kind: &str) -> Self {
        let header = out.len();
        out.extend_from_slice(&[0xdf, 0, 0, 0, 0]);
        let mut map = Map {
            out,
            header,
            pairs: 0,
        };
        map.str("kind", kind);
        map
    }

    fn key(&mut self, key: &str) {
        self.pairs += 1;
        string(self.out, key);
    }

    fn finish(self) {
        let at = self.header + 1;
        self.out[at..at + 4].copy_from_slice(&self.pairs.to_be_bytes());
    }
}

impl EventFields for Map<'_> {
    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        string(self.out, value);
    }

    fn uint(&mut self, key: &str, value: u64) {
        self.key(key);
        uint(self.out, value);
    }

    fn int(&mut self, key: &str, value: i64) {
        self.key(key);
        int(self.out, value);
    }

    fn float(&mut self, key: &str, value: f64) {
        self.key(key);
        self.out.push(0xcb);
        self.out.extend_from_slice(&value.to_be_bytes());
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.push(if value { 0xc3 } else { 0xc2 });
    }

    fn nil(&mut self, key: &str) {
        self.key(key);
        self.out.push(0xc0);
    }

    fn ints(&mut self, key: &str, values: &[i64]) {
        self.key(key);
        array_header(self.out, values.len());
        for &v in values {
            int(self.out, v);
        }
    }

    fn side(&mut self, key: &str, value: Side) {
        self.str(key, side_name(value));
    }

    fn status(&mut self, key: &str, value: MarketStatus) {
        self.str(key, value.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::encode_events;
    use crate::exchange::Exchange;

    #[test]
    fn every_drained_event_becomes_one_map() {
        let mut ex = Exchange::new();
        let spec = crate::market::MarketSpec {
            runners: vec![7, 8],
            places: 1,
            bet_delay_ms: 0,
            min_stake: 1,
        };
        ex.create_market("1.1", spec).expect("create");
        ex.open_market("1.1").expect("open");
        let events = ex.drain_events();
        let mut out = Vec::new();
        assert_eq!(encode_events(&ex, &events, &mut out), events.len());
        // a map32 header, then "kind": "MarketStatusChanged"
        assert_eq!(out[0], 0xdf);
        assert_eq!(&out[5..10], &[0xa4, b'k', b'i', b'n', b'd']);
        let maps = out.iter().filter(|&&b| b == 0xdf).count();
        assert!(maps >= events.len());
    }
}
