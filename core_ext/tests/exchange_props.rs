//! Property tests of the matching engine over random command streams.

use std::collections::HashMap;

use proptest::prelude::*;

use pybet_core::events::EventKind;
use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::{MarketSpec, OrderStatus};

const M: &str = "1.1";
const ACCOUNTS: [&str; 4] = ["a", "b", "c", "d"];

#[derive(Debug, Clone)]
enum Cmd {
    Place {
        runner: i64,
        side: Side,
        tick: u16,
        size: i64,
        account: usize,
        tif: u8,
        persist: bool,
    },
    Cancel {
        order: u64,
        account: usize,
        reduce: Option<i64>,
    },
    Replace {
        order: u64,
        tick: u16,
    },
    Suspend,
    Resume,
    InPlay,
    Advance(i64),
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        8 => (1..=3i64, any::<bool>(), 90u16..120, 1i64..2_000, 0..4usize, 0..3u8, any::<bool>())
            .prop_map(|(runner, back, tick, size, account, tif, persist)| Cmd::Place {
                runner,
                side: if back { Side::Back } else { Side::Lay },
                tick,
                size,
                account,
                tif,
                persist,
            }),
        3 => (1..60u64, 0..4usize, proptest::option::of(1i64..500))
            .prop_map(|(order, account, reduce)| Cmd::Cancel { order, account, reduce }),
        1 => (1..60u64, 90u16..120).prop_map(|(order, tick)| Cmd::Replace { order, tick }),
        1 => Just(Cmd::Suspend),
        1 => Just(Cmd::Resume),
        1 => Just(Cmd::InPlay),
        1 => (0..5_000i64).prop_map(Cmd::Advance),
    ]
}

fn new_exchange(delay: i64) -> Exchange {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1, 2, 3],
        places: 1,
        bet_delay_ms: delay,
        min_stake: 1,
    };
    ex.create_market(M, spec).unwrap();
    ex.open_market(M).unwrap();
    // Funded well beyond any stream's exposure: these properties are about matching.
    for account in ACCOUNTS {
        ex.deposit(account, 1_000_000_000_000_000).unwrap();
    }
    ex
}

fn apply(ex: &mut Exchange, c: &Cmd) {
    match *c {
        Cmd::Place {
            runner,
            side,
            tick,
            size,
            account,
            tif,
            persist,
        } => {
            let req = PlaceRequest {
                market_id: M,
                runner,
                side,
                tick,
                size,
                account: ACCOUNTS[account],
                client_order_id: None,
                time_in_force: match tif {
                    0 => TimeInForce::Gtc,
                    1 => TimeInForce::Ioc,
                    _ => TimeInForce::Fok,
                },
                min_fill_size: None,
                persistence: if persist {
                    Persistence::Persist
                } else {
                    Persistence::Lapse
                },
            };
            ex.place(&req).unwrap();
        }
        Cmd::Cancel {
            order,
            account,
            reduce,
        } => {
            let _ = ex.cancel(order, ACCOUNTS[account], reduce);
        }
        Cmd::Replace { order, tick } => {
            if let Some(o) = ex.order(order) {
                let owner = ex.account_name(o.account).to_owned();
                ex.replace(order, tick, &owner).unwrap();
            }
        }
        Cmd::Suspend => {
            let _ = ex.suspend_market(M);
        }
        Cmd::Resume => {
            let _ = ex.resume_market(M);
        }
        Cmd::InPlay => {
            let _ = ex.turn_in_play(M);
        }
        Cmd::Advance(dt) => {
            let now = ex.now_ms() + dt;
            ex.advance_time(now);
        }
    }
}

/// No resting back and lay of different accounts cross; an account's own orders may.
fn check_invariants(ex: &Exchange) {
    let resting: Vec<_> = ex
        .orders()
        .filter(|o| o.status == OrderStatus::Executable && o.remaining > 0)
        .collect();
    for b in resting.iter().filter(|o| o.side == Side::Back) {
        for l in resting.iter().filter(|o| o.side == Side::Lay) {
            if b.runner == l.runner && b.account != l.account {
                assert!(l.tick < b.tick, "crossed: back {b:?} lay {l:?}");
            }
        }
    }
    for o in ex.orders() {
        assert_eq!(o.size, o.matched + o.remaining + o.cancelled, "{o:?}");
        assert!(o.matched >= 0 && o.remaining >= 0 && o.cancelled >= 0);
    }
    // The books' level totals equal the sum of the resting orders on them.
    let market = ex.market(M).unwrap();
    for (r, book) in market.books.iter().enumerate() {
        for side in [Side::Back, Side::Lay] {
            let mut per_tick: HashMap<u16, i64> = HashMap::new();
            for o in resting
                .iter()
                .filter(|o| usize::from(o.runner) == r && o.side == side)
            {
                *per_tick.entry(o.tick).or_default() += o.remaining;
            }
            let levels: HashMap<u16, i64> = match side {
                Side::Back => book.backs.iter_asc().map(|(t, l)| (t, l.total)).collect(),
                Side::Lay => book.lays.iter_asc().map(|(t, l)| (t, l.total)).collect(),
            };
            assert_eq!(levels, per_tick);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn prop_invariants_hold_after_every_command(cmds in prop::collection::vec(cmd(), 1..150), delay in prop_oneof![Just(0i64), Just(1_000i64)]) {
        let mut ex = new_exchange(delay);
        for c in &cmds {
            apply(&mut ex, c);
            check_invariants(&ex);
        }
        // Matched back volume equals matched lay volume per runner and price.
        let mut volume: HashMap<(u16, u16), i64> = HashMap::new();
        for e in ex.drain_events() {
            if let EventKind::Fill { runner, tick, size, .. } = e.kind {
                *volume.entry((runner, tick)).or_default() += size;
            }
        }
        let mut back_matched = 0;
        let mut lay_matched = 0;
        for o in ex.orders() {
            match o.side {
                Side::Back => back_matched += o.matched,
                Side::Lay => lay_matched += o.matched,
            }
        }
        prop_assert_eq!(back_matched, lay_matched);
        prop_assert_eq!(volume.values().sum::<i64>(), back_matched);
    }

    #[test]
    fn prop_replay_gives_same_events_and_hash(cmds in prop::collection::vec(cmd(), 1..120)) {
        let mut a = new_exchange(500);
        let mut b = new_exchange(500);
        for c in &cmds {
            apply(&mut a, c);
            apply(&mut b, c);
        }
        prop_assert_eq!(a.drain_events(), b.drain_events());
        prop_assert_eq!(a.state_hash(), b.state_hash());
    }

    #[test]
    fn prop_snapshot_restore_same_hash_and_future(
        before in prop::collection::vec(cmd(), 0..80),
        after in prop::collection::vec(cmd(), 0..80),
    ) {
        let mut live = new_exchange(500);
        for c in &before {
            apply(&mut live, c);
        }
        live.drain_events();
        let (blob, hash) = live.snapshot_and_hash();
        prop_assert_eq!(&blob, &live.snapshot());
        prop_assert_eq!(hash, live.state_hash());
        let mut restored = Exchange::restore(&blob).unwrap();
        prop_assert_eq!(restored.state_hash(), live.state_hash());
        for c in &after {
            apply(&mut live, c);
            apply(&mut restored, c);
        }
        prop_assert_eq!(live.drain_events(), restored.drain_events());
        prop_assert_eq!(live.state_hash(), restored.state_hash());
        prop_assert_eq!(live.snapshot(), restored.snapshot());
    }
}
