//! Profiling harness: 100k passive places then their cancels, by indices, three rounds.
//! `valgrind --tool=callgrind target/release/examples/place_cancel_profile` counts the
//! instructions of each (see docs/decisions.md, issue 13).
use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

#[inline(never)]
fn places(ex: &mut Exchange, m: u32, a: u32, ids: &mut Vec<u64>, n: usize) {
    for i in 0..n {
        let req = PlaceRequest {
            market_id: "",
            runner: 1,
            side: Side::Back,
            tick: 100 + (i % 32) as u16,
            size: 100,
            account: "",
            client_order_id: None,
            time_in_force: TimeInForce::Gtc,
            min_fill_size: None,
            persistence: Persistence::Lapse,
        };
        ids.push(ex.place_summary(m, 0, a, &req).unwrap().order_id);
        if ex.pending_events().len() >= 4096 {
            ex.drain_events();
        }
    }
}

#[inline(never)]
fn cancels(ex: &mut Exchange, a: u32, ids: &[u64]) {
    for &id in ids {
        let _ = ex.cancel_indexed(id, Some(a), None);
        if ex.pending_events().len() >= 4096 {
            ex.drain_events();
        }
    }
}

fn main() {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market("M", spec).unwrap();
    ex.open_market("M").unwrap();
    ex.deposit("a", 1_000_000_000_000_000).unwrap();
    let m = ex.market_idx("M").unwrap();
    let a = ex.account_idx("a").unwrap();
    let mut ids = Vec::with_capacity(100_000);
    for _ in 0..3 {
        ids.clear();
        places(&mut ex, m, a, &mut ids, 100_000);
        cancels(&mut ex, a, &ids);
    }
    println!("{}", ex.state_hash());
}
