//! Profiling harness: 100k passive places then their cancels, by indices, three rounds; then
//! 100 sweeps of 5 levels x 20 resting lays (10,000 fills).
//! `valgrind --tool=callgrind target/release/examples/place_cancel_profile` counts the
//! instructions of each (see docs/decisions.md, issue 13).
use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

#[inline(never)]
fn places(ex: &mut Exchange, m: u32, a: u32, ids: &mut Vec<u64>, n: usize) {
    for i in 0..n {
        let req = request(Side::Back, 100 + (i % 32) as u16, 100);
        ids.push(ex.place_summary(m, 0, a, &req).unwrap().order_id);
        if ex.pending_events().len() >= 4096 {
            ex.drain_events();
        }
    }
}

/// Sweeps of `levels` levels of `per` resting orders each (of 50 maker accounts) by one
/// taker: every resting order fills whole.
#[inline(never)]
fn sweeps(ex: &mut Exchange, m: u32, makers: &[u32], taker: u32, levels: u16, per: usize) {
    for round in 0..100 {
        for l in 0..levels {
            for k in 0..per {
                let req = request(Side::Lay, 100 + l, 100);
                let a = makers[(round + k) % makers.len()];
                ex.place_summary(m, 0, a, &req).unwrap();
            }
        }
        fill_all(ex, m, taker, levels, per);
    }
}

#[inline(never)]
fn fill_all(ex: &mut Exchange, m: u32, taker: u32, levels: u16, per: usize) {
    let req = PlaceRequest {
        time_in_force: TimeInForce::Ioc,
        ..request(Side::Back, 100, 100 * (levels as i64) * per as i64)
    };
    ex.place_summary(m, 0, taker, &req).unwrap();
    ex.drain_events();
}

/// A GTC/LAPSE limit order on the first runner (the indexed calls ignore the names).
fn request(side: Side, tick: u16, size: i64) -> PlaceRequest<'static> {
    PlaceRequest {
        market_id: "",
        runner: 1,
        side,
        tick,
        size,
        account: "",
        client_order_id: None,
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Lapse,
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
    let makers: Vec<u32> = (0..50)
        .map(|i| {
            let name = format!("m{i:02}");
            ex.deposit(&name, 1_000_000_000_000_000).unwrap();
            ex.account_idx(&name).unwrap()
        })
        .collect();
    ex.deposit("taker", 1_000_000_000_000_000).unwrap();
    let taker = ex.account_idx("taker").unwrap();
    // 100 rounds of 5 levels x 20 orders: 10,000 fills
    sweeps(&mut ex, m, &makers, taker, 5, 20);
    println!("{}", ex.state_hash());
}
