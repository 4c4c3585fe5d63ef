//! The standard mix of spec section 10 through the Rust core: 70% limit orders near the touch,
//! 25% cancels of resting orders, 5% orders that sweep several levels.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

#[path = "../tests/support/rng.rs"]
mod rng;
use rng::Rng;

#[derive(Clone, Copy)]
enum Op {
    Place {
        side: Side,
        tick: u16,
        size: i64,
        account: usize,
    },
    Cancel {
        nth: u64,
    },
}

const ACCOUNTS: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

fn standard_mix(n: usize, seed: u64) -> Vec<Op> {
    let mut rng = Rng(seed | 1);
    let mid: u16 = 100; // around 2.02
    (0..n)
        .map(|_| {
            let roll = rng.below(100);
            let side = if rng.below(2) == 0 {
                Side::Back
            } else {
                Side::Lay
            };
            let account = rng.below(ACCOUNTS.len() as u64) as usize;
            if roll < 70 {
                // near the touch: backs rest above mid, lays below, within 5 ticks
                let off = rng.below(5) as u16;
                let tick = match side {
                    Side::Back => mid + 1 + off,
                    Side::Lay => mid - 1 - off,
                };
                Op::Place {
                    side,
                    tick,
                    size: 200 + rng.below(5_000) as i64,
                    account,
                }
            } else if roll < 95 {
                Op::Cancel { nth: rng.next() }
            } else {
                // sweep: cross several levels
                let tick = match side {
                    Side::Back => mid - 6,
                    Side::Lay => mid + 6,
                };
                Op::Place {
                    side,
                    tick,
                    size: 20_000 + rng.below(20_000) as i64,
                    account,
                }
            }
        })
        .collect()
}

/// Runs the ops; returns how many were applied.
fn run(ops: &[Op]) -> usize {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market("1.1", spec).unwrap();
    ex.open_market("1.1").unwrap();
    for account in ACCOUNTS {
        ex.deposit(account, 1_000_000_000_000_000).unwrap();
    }
    let mut live: Vec<(u64, usize)> = Vec::with_capacity(ops.len());
    for op in ops {
        match *op {
            Op::Place {
                side,
                tick,
                size,
                account,
            } => {
                let req = PlaceRequest {
                    market_id: "1.1",
                    runner: 1,
                    side,
                    tick,
                    size,
                    account: ACCOUNTS[account],
                    client_order_id: None,
                    time_in_force: TimeInForce::Gtc,
                    min_fill_size: None,
                    persistence: Persistence::Lapse,
                };
                let rep = ex.place(&req).unwrap();
                if rep.size_remaining > 0 {
                    live.push((rep.order_id, account));
                }
            }
            Op::Cancel { nth } => {
                if !live.is_empty() {
                    // multiply-shift instead of a 64-bit division: the harness should cost little
                    let i = ((u128::from(nth) * live.len() as u128) >> 64) as usize;
                    let (id, account) = live.swap_remove(i);
                    let _ = ex.cancel(id, ACCOUNTS[account], None);
                }
            }
        }
        // Drained every few thousand, as a consumer would: a bigger buffer spills out of cache.
        if ex.pending_events().len() > 4096 {
            ex.drain_events();
        }
    }
    ops.len()
}

fn bench(c: &mut Criterion) {
    let ops = standard_mix(200_000, 42);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(ops.len() as u64));
    group.sample_size(20);
    group.bench_function("standard_mix_200k", |b| b.iter(|| run(&ops)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
