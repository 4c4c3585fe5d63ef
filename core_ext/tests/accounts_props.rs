//! Property tests of spec section 3 over random command streams with random results:
//! the exposure always equals a from-scratch recomputation, the held exposure is never below
//! it, no order or withdrawal takes `available` below zero (only a runner removal can, by
//! voiding a hedge), settlement is zero-sum up to the residue, balances fall by exactly commission
//! plus residue, and a restore from a mid-stream snapshot settles identically.

use proptest::prelude::*;

use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::settlement::{DeadHeat, SettlementReport};
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

const ACCOUNTS: [&str; 5] = ["a", "b", "c", "d", "broke"];
/// (market id, runners, places)
const MARKETS: [(&str, &[i64], u16); 2] = [("win", &[1, 2, 3], 1), ("place", &[1, 2, 3, 4], 2)];

#[derive(Debug, Clone)]
enum Cmd {
    Place {
        market: usize,
        runner: usize,
        back: bool,
        tick: u16,
        size: i64,
        account: usize,
        ioc: bool,
        persist: bool,
    },
    Cancel {
        order: u64,
    },
    Replace {
        order: u64,
        tick: u16,
    },
    Deposit {
        account: usize,
        amount: i64,
    },
    Withdraw {
        account: usize,
        amount: i64,
    },
    Remove {
        market: usize,
        runner: usize,
        bp: u32,
    },
    InPlay {
        market: usize,
    },
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        10 => (0..2usize, 0..4usize, any::<bool>(), 0u16..200, 1i64..3_000, 0..5usize, any::<bool>(), any::<bool>())
            .prop_map(|(market, runner, back, tick, size, account, ioc, persist)| Cmd::Place {
                market, runner, back, tick, size, account, ioc, persist,
            }),
        3 => (1..80u64).prop_map(|order| Cmd::Cancel { order }),
        2 => (1..80u64, 0u16..200).prop_map(|(order, tick)| Cmd::Replace { order, tick }),
        1 => (0..4usize, 1i64..20_000).prop_map(|(account, amount)| Cmd::Deposit { account, amount }),
        1 => (0..5usize, 1i64..20_000).prop_map(|(account, amount)| Cmd::Withdraw { account, amount }),
        1 => (0..2usize, 0..4usize, prop_oneof![Just(0u32), Just(2_500), Just(2_350), Just(1), Just(10_000)])
            .prop_map(|(market, runner, bp)| Cmd::Remove { market, runner, bp }),
        1 => (0..2usize).prop_map(|market| Cmd::InPlay { market }),
    ]
}

fn new_exchange(commission_ppm: u32) -> Exchange {
    let mut ex = Exchange::new();
    ex.set_commission_ppm(commission_ppm).unwrap();
    for (id, runners, places) in MARKETS {
        let spec = MarketSpec {
            runners: runners.to_vec(),
            places,
            bet_delay_ms: 0,
            min_stake: 1,
        };
        ex.create_market(id, spec).unwrap();
        ex.open_market(id).unwrap();
    }
    ex.set_market_commission_ppm("place", Some(33_333)).unwrap();
    for a in &ACCOUNTS[..4] {
        ex.deposit(a, 5_000).unwrap();
    }
    ex
}

fn apply(ex: &mut Exchange, c: &Cmd) {
    match *c {
        Cmd::Place {
            market,
            runner,
            back,
            tick,
            size,
            account,
            ioc,
            persist,
        } => {
            let (id, runners, _) = MARKETS[market];
            let req = PlaceRequest {
                market_id: id,
                runner: runners[runner % runners.len()],
                side: if back { Side::Back } else { Side::Lay },
                tick,
                size,
                account: ACCOUNTS[account],
                client_order_id: None,
                time_in_force: if ioc {
                    TimeInForce::Ioc
                } else {
                    TimeInForce::Gtc
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
        Cmd::Cancel { order } => {
            if let Some(o) = ex.order(order) {
                let owner = ex.account_name(o.account).to_owned();
                ex.cancel(order, &owner, None).unwrap();
            }
        }
        Cmd::Replace { order, tick } => {
            if let Some(o) = ex.order(order) {
                let owner = ex.account_name(o.account).to_owned();
                ex.replace(order, tick, &owner).unwrap();
            }
        }
        Cmd::Deposit { account, amount } => {
            ex.deposit(ACCOUNTS[account], amount).unwrap();
        }
        Cmd::Withdraw { account, amount } => {
            let _ = ex.withdraw(ACCOUNTS[account], amount);
        }
        Cmd::Remove { market, runner, bp } => {
            let (id, runners, _) = MARKETS[market];
            let _ = ex.remove_runner(id, runners[runner % runners.len()], bp);
        }
        Cmd::InPlay { market } => {
            let _ = ex.turn_in_play(MARKETS[market].0);
        }
    }
}

fn availables(ex: &Exchange) -> Vec<i64> {
    ACCOUNTS.iter().map(|a| ex.available(a)).collect()
}

/// After a command other than a runner removal: no account's `available` went below zero,
/// and one already below (after a removal) did not fall further.
fn check_available_not_lowered(ex: &Exchange, before: &[i64]) {
    for (name, &was) in ACCOUNTS.iter().zip(before) {
        let now = ex.available(name);
        assert!(now >= 0 || now >= was, "{name}: available {was} -> {now}");
    }
}

fn check_exposures(ex: &Exchange) {
    for (name_idx, name) in ACCOUNTS.iter().enumerate() {
        let Some(a) = ex.account_idx(name) else {
            assert_eq!(name_idx, 4, "only the unfunded account stays unknown");
            continue;
        };
        let mut total = 0;
        for (m, (id, _, _)) in MARKETS.iter().enumerate() {
            let cached = ex.exposure(name, id).unwrap();
            assert_eq!(
                cached,
                ex.exposure_from_scratch(a, m as u32),
                "{name} on {id}"
            );
            total += cached;
        }
        assert_eq!(ex.available(name), ex.balance(name) - total);
        assert!(
            ex.held(name) >= total,
            "{name}: held {} below the exposure {total}",
            ex.held(name)
        );
    }
}

/// Random results: one winner, or a dead heat of two for the last place (halves), among the
/// runners still in the market.
fn settle_all(ex: &mut Exchange, pick: &[usize], dead_heat: bool) -> Vec<SettlementReport> {
    let mut out = Vec::new();
    for (m, (id, runners, places)) in MARKETS.iter().enumerate() {
        let market = ex.market(id).unwrap();
        let alive: Vec<i64> = runners
            .iter()
            .enumerate()
            .filter(|(i, _)| !market.removed[*i])
            .map(|(_, &r)| r)
            .collect();
        if alive.is_empty() {
            out.push(ex.void_market(id).unwrap());
            continue;
        }
        let mut order = alive.clone();
        order.rotate_left(pick[m] % alive.len());
        let k = usize::from(*places).min(order.len());
        let (winners, dh) = if dead_heat && order.len() > k {
            let winners: Vec<i64> = order[..=k].to_vec();
            let dh = winners[k - 1..]
                .iter()
                .map(|&runner| DeadHeat {
                    runner,
                    num: 1,
                    den: 2,
                })
                .collect();
            (winners, dh)
        } else {
            (order[..k].to_vec(), Vec::new())
        };
        out.push(ex.settle_market(id, &winners, &dh).unwrap());
    }
    out
}

fn total_balance(ex: &Exchange) -> i64 {
    ACCOUNTS.iter().map(|a| ex.balance(a)).sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn prop_exposure_cache_equals_recomputation_and_settlement_balances(
        cmds in prop::collection::vec(cmd(), 1..120),
        pick in prop::collection::vec(0..8usize, 2),
        dead_heat in any::<bool>(),
        commission in prop_oneof![Just(0u32), Just(50_000), Just(1_000_000)],
    ) {
        let mut ex = new_exchange(commission);
        let mut removed = false;
        for c in &cmds {
            let before = availables(&ex);
            apply(&mut ex, c);
            check_exposures(&ex);
            if matches!(c, Cmd::Remove { .. }) {
                removed = true;
            } else {
                check_available_not_lowered(&ex, &before);
            }
        }
        let before = total_balance(&ex);
        let reports = settle_all(&mut ex, &pick, dead_heat);
        let mut fall = 0;
        for rep in &reports {
            let pnl: i64 = rep.accounts.iter().map(|a| a.pnl).sum();
            prop_assert_eq!(pnl + rep.residue, 0);
            prop_assert!(rep.residue >= 0);
            let commission: i64 = rep.accounts.iter().map(|a| a.commission).sum();
            prop_assert_eq!(commission, rep.commission);
            fall += rep.commission + rep.residue;
        }
        prop_assert_eq!(total_balance(&ex), before - fall);
        for a in ACCOUNTS {
            // A removal that voided a hedge can leave a debt; nothing else can.
            prop_assert!(removed || ex.balance(a) >= 0);
            prop_assert_eq!(ex.available(a), ex.balance(a));
            prop_assert_eq!(ex.held(a), 0);
        }
    }

    #[test]
    fn prop_restore_mid_stream_settles_identically(
        cmds in prop::collection::vec(cmd(), 1..100),
        cut in 0..100usize,
        pick in prop::collection::vec(0..8usize, 2),
        dead_heat in any::<bool>(),
    ) {
        let cut = cut % cmds.len();
        let mut ex = new_exchange(50_000);
        for c in &cmds[..cut] {
            apply(&mut ex, c);
        }
        let mut copy = Exchange::restore(&ex.snapshot()).unwrap();
        prop_assert_eq!(copy.state_hash(), ex.state_hash());
        for c in &cmds[cut..] {
            apply(&mut ex, c);
            apply(&mut copy, c);
        }
        ex.drain_events();
        copy.drain_events();
        let one = settle_all(&mut ex, &pick, dead_heat);
        let two = settle_all(&mut copy, &pick, dead_heat);
        prop_assert_eq!(one, two);
        prop_assert_eq!(ex.drain_events(), copy.drain_events());
        prop_assert_eq!(ex.state_hash(), copy.state_hash());
    }
}
