//! A soak test (SPEC section 11): one seeded stream of 10^6 commands over several markets and
//! accounts, with every invariant checked along the way and at the end. Proptest explores many
//! short streams; this one lets books, positions and queues grow long.
//!
//! Invariants: no two accounts' orders cross; every order's size = matched + remaining +
//! cancelled; matched back stake = matched lay stake per runner; exposure = a from-scratch
//! recomputation, and the held exposure is at least their sum; available never negative (the
//! balances are large enough that no removal can void a hedge past them); settlement moves balances by exactly
//! -(commission + residue); replaying the stream reproduces the state hash; a snapshot restores
//! to the same hash and the same future.

use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::{MarketSpec, OrderStatus};

const COMMANDS: usize = 1_000_000;
const CHECK_EVERY: usize = 50_000;
const ACCOUNTS: [&str; 10] = ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"];

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

struct MarketDef {
    id: String,
    runners: Vec<i64>,
    places: u16,
    delay: i64,
}

fn market_def(k: usize) -> MarketDef {
    let (runners, places, delay) = match k % 3 {
        0 => (vec![11, 12, 13], 1, 0),
        1 => (vec![21, 22, 23, 24], 2, 500),
        _ => (vec![31, 32], 1, 0),
    };
    MarketDef {
        id: format!("1.{k}"),
        runners,
        places,
        delay,
    }
}

const KEEP_SETTLED: usize = 4;

struct Sim {
    ex: Exchange,
    rng: Rng,
    markets: Vec<MarketDef>,
    now: i64,
    next_market: usize,
    /// Settled markets not yet purged, oldest first (a few are kept, as a retention would).
    settled: Vec<String>,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut ex = Exchange::new();
        for (i, a) in ACCOUNTS.iter().enumerate() {
            // Some accounts are tight on funds, so INSUFFICIENT_FUNDS and hedges happen.
            let amount = if i < 3 { 5_000 } else { 50_000_000 };
            ex.deposit(a, amount).unwrap();
        }
        let mut sim = Sim {
            ex,
            rng: Rng(seed | 1),
            markets: Vec::new(),
            now: 0,
            next_market: 0,
            settled: Vec::new(),
        };
        for _ in 0..3 {
            sim.add_market();
        }
        sim
    }

    fn add_market(&mut self) {
        let def = market_def(self.next_market);
        self.next_market += 1;
        let spec = MarketSpec {
            runners: def.runners.clone(),
            places: def.places,
            bet_delay_ms: def.delay,
            min_stake: 1,
        };
        self.ex.create_market(&def.id, spec).unwrap();
        self.ex.open_market(&def.id).unwrap();
        self.markets.push(def);
    }

    /// One random command. Results are not checked here: the invariants are.
    fn step(&mut self) {
        let roll = self.rng.below(1000);
        let k = self.rng.below(self.markets.len() as u64) as usize;
        let account = ACCOUNTS[self.rng.below(ACCOUNTS.len() as u64) as usize];
        let market_id = self.markets[k].id.clone();
        match roll {
            0..=619 => {
                let runners = &self.markets[k].runners;
                let runner = runners[self.rng.below(runners.len() as u64) as usize];
                let side = if self.rng.below(2) == 0 {
                    Side::Back
                } else {
                    Side::Lay
                };
                // Around 3.0 (tick 100 is 2.02; the 2-3 band is ticks 100-149).
                let tick = 110 + self.rng.below(30) as u16;
                let size = 1 + self.rng.below(3_000) as i64;
                let tif = match self.rng.below(10) {
                    0 => TimeInForce::Ioc,
                    1 => TimeInForce::Fok,
                    _ => TimeInForce::Gtc,
                };
                let min_fill = (tif == TimeInForce::Fok && self.rng.below(2) == 0)
                    .then(|| 1 + self.rng.below(size as u64) as i64);
                let persistence = if self.rng.below(3) == 0 {
                    Persistence::Persist
                } else {
                    Persistence::Lapse
                };
                let req = PlaceRequest {
                    market_id: &market_id,
                    runner,
                    side,
                    tick,
                    size,
                    account,
                    client_order_id: None,
                    time_in_force: tif,
                    min_fill_size: min_fill,
                    persistence,
                };
                let _ = self.ex.place(&req);
            }
            620..=849 => {
                let n = self.ex.order_count() as u64;
                if n > 0 {
                    // Mostly recent orders, which are the likeliest to be live.
                    let back = self.rng.below(n.min(2_000));
                    let id = n - back;
                    let owner = self.ex.order(id).map(|o| o.account);
                    let who = match owner {
                        Some(a) if self.rng.below(10) != 0 => self.ex.account_name(a).to_owned(),
                        _ => account.to_owned(),
                    };
                    let reduce = (self.rng.below(4) == 0).then(|| 1 + self.rng.below(500) as i64);
                    let _ = self.ex.cancel(id, &who, reduce);
                }
            }
            850..=899 => {
                let n = self.ex.order_count() as u64;
                if n > 0 {
                    let id = n - self.rng.below(n.min(500));
                    if let Some(a) = self.ex.order(id).map(|o| o.account) {
                        let who = self.ex.account_name(a).to_owned();
                        let tick = 110 + self.rng.below(30) as u16;
                        let _ = self.ex.replace(id, tick, &who);
                    }
                }
            }
            900..=949 => {
                self.now += self.rng.below(300) as i64;
                self.ex.advance_time(self.now);
            }
            950..=969 => {
                let _ = self.ex.suspend_market(&market_id);
            }
            970..=989 => {
                let _ = self.ex.resume_market(&market_id);
            }
            990..=994 => {
                let _ = self.ex.turn_in_play(&market_id);
            }
            995..=996 => {
                let runners = self.markets[k].runners.clone();
                let r = runners[self.rng.below(runners.len() as u64) as usize];
                let _ = self
                    .ex
                    .remove_runner(&market_id, r, self.rng.below(5_000) as u32);
            }
            _ => self.settle_and_replace(k),
        }
        if self.ex.pending_events().len() > 4096 {
            self.ex.drain_events();
        }
    }

    /// Settles market `k` with a random live winner and opens a fresh market in its place.
    fn settle_and_replace(&mut self, k: usize) {
        let def = &self.markets[k];
        let market = self.ex.market(&def.id).unwrap();
        let live: Vec<i64> = def
            .runners
            .iter()
            .zip(&market.removed)
            .filter(|(_, &removed)| !removed)
            .map(|(&r, _)| r)
            .collect();
        let before = total_balance(&self.ex);
        let report = if live.is_empty() {
            self.ex.void_market(&def.id).expect("a market voids")
        } else {
            let places = usize::from(def.places).min(live.len());
            let start = self.rng.below(live.len() as u64) as usize;
            let winners: Vec<i64> = (0..places)
                .map(|i| live[(start + i) % live.len()])
                .collect();
            self.ex
                .settle_market(&def.id, &winners, &[])
                .expect("a live market settles")
        };
        assert_eq!(
            total_balance(&self.ex),
            before - report.commission - report.residue,
            "settlement moves balances by exactly -(commission + residue)"
        );
        let pnl: i64 = report.accounts.iter().map(|a| a.pnl).sum();
        assert_eq!(pnl + report.residue, 0, "settled P&L sums to zero");
        let settled = self.markets.remove(k);
        self.settled.push(settled.id);
        if self.settled.len() > KEEP_SETTLED {
            let oldest = self.settled.remove(0);
            self.ex
                .purge_market(&oldest)
                .expect("a settled market purges");
        }
        self.add_market();
    }
}

fn total_balance(ex: &Exchange) -> i64 {
    ACCOUNTS.iter().map(|a| ex.balance(a)).sum()
}

/// Per runner of a market: matched stake by side, lowest resting back and highest resting lay
/// per account.
struct RunnerStats {
    back_matched: i64,
    lay_matched: i64,
    min_back: [i32; ACCOUNTS.len()],
    max_lay: [i32; ACCOUNTS.len()],
}

fn check_invariants(ex: &Exchange) {
    // listed markets by engine index (purged ones are not listed, and hold no orders)
    let listed: std::collections::HashMap<u32, usize> = ex
        .markets()
        .enumerate()
        .map(|(i, m)| (ex.market_idx(&m.id).unwrap(), i))
        .collect();
    let mut stats: Vec<Vec<RunnerStats>> = ex
        .markets()
        .map(|m| {
            (0..m.spec.runners.len())
                .map(|_| RunnerStats {
                    back_matched: 0,
                    lay_matched: 0,
                    min_back: [i32::MAX; ACCOUNTS.len()],
                    max_lay: [-1; ACCOUNTS.len()],
                })
                .collect()
        })
        .collect();
    let slot: Vec<usize> = (0..ACCOUNTS.len() as u32)
        .map(|i| {
            let name = ex.account_name(i);
            ACCOUNTS.iter().position(|&x| x == name).unwrap()
        })
        .collect();
    // One pass over every order.
    for o in ex.orders() {
        assert_eq!(
            o.size,
            o.matched + o.remaining + o.cancelled,
            "order {}",
            o.id
        );
        assert!(o.remaining >= 0 && o.matched >= 0 && o.cancelled >= 0);
        let s = &mut stats[listed[&o.market]][usize::from(o.runner)];
        let a = slot[o.account as usize];
        match o.side {
            Side::Back => s.back_matched += o.matched,
            Side::Lay => s.lay_matched += o.matched,
        }
        if o.status == OrderStatus::Executable && o.remaining > 0 {
            match o.side {
                Side::Back => s.min_back[a] = s.min_back[a].min(i32::from(o.tick)),
                Side::Lay => s.max_lay[a] = s.max_lay[a].max(i32::from(o.tick)),
            }
        }
    }
    for (m, (market, runners)) in ex.markets().zip(&stats).enumerate() {
        for (r, s) in runners.iter().enumerate() {
            assert_eq!(
                s.back_matched, s.lay_matched,
                "market {m} runner {r}: volume"
            );
            for (a, &lay) in s.max_lay.iter().enumerate() {
                for (b, &back) in s.min_back.iter().enumerate() {
                    assert!(a == b || lay < back, "market {m} runner {r} crossed");
                }
            }
        }
        for a in ACCOUNTS {
            let idx = ex.account_idx(a).unwrap();
            assert_eq!(
                ex.exposure(a, &market.id).unwrap(),
                ex.exposure_from_scratch(idx, ex.market_idx(&market.id).unwrap()),
                "exposure of {a} on market {m} equals a recomputation"
            );
        }
    }
    for a in ACCOUNTS {
        assert!(ex.available(a) >= 0, "{a} available never negative");
        let exposure = ex.balance(a) - ex.available(a);
        assert!(ex.held(a) >= exposure, "{a} holds at least its exposure");
    }
}

#[test]
fn prop_a_million_commands_keep_every_invariant() {
    let mut sim = Sim::new(0x5eed);
    for i in 1..=COMMANDS {
        sim.step();
        if i % CHECK_EVERY == 0 {
            check_invariants(&sim.ex);
        }
    }
    check_invariants(&sim.ex);
    // The stream did exercise the engine: many orders, fills, markets settled.
    assert!(sim.ex.order_count() > 200_000);
    // Settled markets' orders were freed: the engine holds what is live, not the history.
    assert!(
        sim.ex.held_order_count() * 10 < sim.ex.order_count(),
        "held {} of {} orders",
        sim.ex.held_order_count(),
        sim.ex.order_count()
    );
    assert_eq!(sim.ex.orders().count(), sim.ex.held_order_count());
    // Purged markets are gone: what is listed is the live markets and the few kept settled.
    assert_eq!(
        sim.ex.markets().count(),
        sim.markets.len() + sim.settled.len()
    );
    assert!(
        sim.next_market > 500,
        "markets settled: {}",
        sim.next_market - 3
    );
    let hash = sim.ex.state_hash();

    // The same stream again reproduces the state exactly.
    let mut again = Sim::new(0x5eed);
    for _ in 0..COMMANDS {
        again.step();
    }
    assert_eq!(
        again.ex.state_hash(),
        hash,
        "replay reproduces the state hash"
    );

    // A snapshot restores to the same hash and the same future.
    let mut restored = Sim {
        ex: Exchange::restore(&sim.ex.snapshot()).unwrap(),
        rng: Rng(0xf00d),
        markets: sim.markets.iter().map(market_def_like).collect(),
        now: sim.now,
        next_market: sim.next_market,
        settled: sim.settled.clone(),
    };
    assert_eq!(restored.ex.state_hash(), hash, "restore keeps the hash");
    sim.rng = Rng(0xf00d);
    for _ in 0..20_000 {
        sim.step();
        restored.step();
    }
    assert_eq!(restored.ex.state_hash(), sim.ex.state_hash(), "same future");
    check_invariants(&restored.ex);
}

fn market_def_like(d: &MarketDef) -> MarketDef {
    MarketDef {
        id: d.id.clone(),
        runners: d.runners.clone(),
        places: d.places,
        delay: d.delay,
    }
}
