//! Replays a benchmark stream file (written by `benches/workload.py`, `Workload.save_ops`)
//! through the Rust core and prints one JSON object: throughput, sampled latency percentiles
//! and peak memory. `pybet bench` runs it so that Rust and Python engines replay the same ops.
//!
//! `cargo run --release -p pybet-replay -- FILE [--repeat N] [--fills OUT]`
//!
//! File layout (little endian): magic `PYBETOPS`, u32 version, u64 ops, u64 warm,
//! u32 runners, u32 accounts; then i64 runner ids; then per op the columns kind u8,
//! runner i64, side u8, tick u16, size i64, account u16, target i64 (each column contiguous);
//! then the account names, each a u16 length and UTF-8 bytes.

use std::fmt::Write as _;
use std::time::Instant;

use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

const MARKET: &str = "bench";
/// Events are drained as a consumer would, every few thousand: the same policy as the
/// Python drivers (`benches/engines.py`, `DRAIN_EVERY`).
const DRAIN_EVERY: usize = 4096;

/// The operations of a stream file, column by column.
struct Ops {
    warm: usize,
    runner_ids: Vec<i64>,
    kind: Vec<u8>,
    runner: Vec<i64>,
    side: Vec<u8>,
    tick: Vec<u16>,
    size: Vec<i64>,
    account: Vec<u16>,
    target: Vec<i64>,
    accounts: Vec<String>,
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take(2).try_into().expect("2 bytes"))
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
}

fn read_ops(path: &str) -> Ops {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut r = Reader(&bytes);
    assert_eq!(r.take(8), b"PYBETOPS", "not a pybet ops file");
    assert_eq!(r.u32(), 1, "unsupported ops file version");
    let n = usize::try_from(r.u64()).expect("ops fit in memory");
    let warm = usize::try_from(r.u64()).expect("warm fits");
    let n_runners = r.u32() as usize;
    let n_accounts = r.u32() as usize;
    let runner_ids = (0..n_runners).map(|_| r.i64()).collect();
    let kind = r.take(n).to_vec();
    let runner = (0..n).map(|_| r.i64()).collect();
    let side = r.take(n).to_vec();
    let tick = (0..n).map(|_| r.u16()).collect();
    let size = (0..n).map(|_| r.i64()).collect();
    let account = (0..n).map(|_| r.u16()).collect();
    let target = (0..n).map(|_| r.i64()).collect();
    let accounts = (0..n_accounts)
        .map(|_| {
            let len = r.u16() as usize;
            String::from_utf8(r.take(len).to_vec()).expect("UTF-8 account name")
        })
        .collect();
    Ops {
        warm,
        runner_ids,
        kind,
        runner,
        side,
        tick,
        size,
        account,
        target,
        accounts,
    }
}

/// An exchange with the bench market open; order ids per op are kept in `ids`. Names are
/// resolved once, as a Rust caller holding indices would (the Python drivers use handles).
struct Replay<'a> {
    ops: &'a Ops,
    ex: Exchange,
    market: u32,
    runners: Vec<u16>,
    accounts: Vec<u32>,
    ids: Vec<u64>,
    fills: Vec<(usize, u64, u16, i64)>,
    record: bool,
}

impl<'a> Replay<'a> {
    fn new(ops: &'a Ops, record: bool) -> Self {
        let mut ex = Exchange::new();
        let spec = MarketSpec {
            runners: ops.runner_ids.clone(),
            places: 1,
            bet_delay_ms: 0,
            min_stake: 1,
        };
        ex.create_market(MARKET, spec).expect("create market");
        ex.open_market(MARKET).expect("open market");
        // Exposure checks are on: fund every account far beyond what the stream can need.
        for account in &ops.accounts {
            ex.deposit(account, 1_000_000_000_000_000).expect("deposit");
        }
        let market = ex.market_idx(MARKET).expect("bench market");
        let runners = ops
            .runner
            .iter()
            .map(|&sel| ex.market_at(market).runner_index(sel).expect("runner"))
            .collect();
        let accounts = ops
            .accounts
            .iter()
            .map(|a| ex.account_idx(a).expect("deposited account"))
            .collect();
        Replay {
            ops,
            ex,
            market,
            runners,
            accounts,
            ids: vec![0; ops.kind.len()],
            fills: Vec::new(),
            record,
        }
    }

    #[inline]
    fn step(&mut self, i: usize) {
        let o = self.ops;
        let k = usize::from(o.account[i]);
        if o.kind[i] == 0 {
            let req = PlaceRequest {
                market_id: MARKET,
                runner: o.runner[i],
                side: if o.side[i] == 0 {
                    Side::Back
                } else {
                    Side::Lay
                },
                tick: o.tick[i],
                size: o.size[i],
                account: o.accounts[k].as_str(),
                client_order_id: None,
                time_in_force: TimeInForce::Gtc,
                min_fill_size: None,
                persistence: Persistence::Lapse,
            };
            if self.record {
                // The recorded run takes the full report for its fills (untimed).
                if let Ok(rep) = self.ex.place(&req) {
                    self.ids[i] = rep.order_id;
                    for f in &rep.fills {
                        self.fills.push((i, f.maker_order, f.tick, f.size));
                    }
                }
            } else if let Ok(rep) =
                self.ex
                    .place_summary(self.market, self.runners[i], self.accounts[k], &req)
            {
                self.ids[i] = rep.order_id;
            }
        } else {
            let target = usize::try_from(o.target[i]).expect("cancel names a place");
            let reduction = (o.size[i] > 0).then_some(o.size[i]);
            let _ = self
                .ex
                .cancel_indexed(self.ids[target], Some(self.accounts[k]), reduction);
        }
        if self.ex.pending_events().len() >= DRAIN_EVERY {
            self.ex.drain_events();
        }
    }
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[idx]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: replay FILE [--repeat N] [--fills OUT]");
    let mut repeat = 3usize;
    let mut fills_out: Option<String> = None;
    let mut i = 2;
    while i < args.len() {
        match args[i].as_str() {
            "--repeat" => {
                repeat = args[i + 1].parse().expect("--repeat N");
                i += 1;
            }
            "--fills" => {
                fills_out = Some(args[i + 1].clone());
                i += 1;
            }
            other => panic!("unknown argument {other}"),
        }
        i += 1;
    }
    let ops = read_ops(path);
    let n = ops.kind.len();
    let timed = n - ops.warm;
    let rss_before = rss_kb().unwrap_or(0);

    if let Some(out) = fills_out {
        let mut r = Replay::new(&ops, true);
        (0..n).for_each(|i| r.step(i));
        let by_id: std::collections::HashMap<u64, usize> =
            r.ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut text = String::new();
        for (taker, maker, tick, size) in &r.fills {
            let maker_op = by_id.get(maker).copied().unwrap_or(usize::MAX);
            let _ = writeln!(text, "{taker},{maker_op},{tick},{size}");
        }
        std::fs::write(&out, text).expect("write fills");
    }

    let mut best = f64::INFINITY;
    for _ in 0..repeat.max(1) {
        let mut r = Replay::new(&ops, false);
        (0..ops.warm).for_each(|i| r.step(i));
        let t0 = Instant::now();
        (ops.warm..n).for_each(|i| r.step(i));
        best = best.min(t0.elapsed().as_secs_f64());
        std::hint::black_box(&r.ex);
    }
    let peak = peak_rss_kb().unwrap_or(0);

    let mut r = Replay::new(&ops, false);
    (0..ops.warm).for_each(|i| r.step(i));
    let mut lat = Vec::with_capacity(timed);
    for i in ops.warm..n {
        let t0 = Instant::now();
        r.step(i);
        lat.push(u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX));
    }
    lat.sort_unstable();
    println!(
        "{{\"ops\": {timed}, \"seconds\": {best:.9}, \"ops_per_s\": {:.1}, \"p50_ns\": {}, \"p99_ns\": {}, \"p999_ns\": {}, \"peak_mem_bytes\": {}}}",
        timed as f64 / best,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 0.999),
        peak.saturating_sub(rss_before) * 1024,
    );
}
