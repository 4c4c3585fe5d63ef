//! Hand-worked tests of spec section 3 on the Rust API: every number is checkable on paper
//! (money in cents; a stake of 1_000 is 10.00).

use pybet_core::events::EventKind;
use pybet_core::exchange::{Exchange, PlaceReport, PlaceRequest};
use pybet_core::ladder::parse_tick;
use pybet_core::settlement::DeadHeat;
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::{CancelReason, ErrorCode, MarketSpec};

fn market(ex: &mut Exchange, id: &str, runners: &[i64], places: u16) {
    let spec = MarketSpec {
        runners: runners.to_vec(),
        places,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market(id, spec).unwrap();
    ex.open_market(id).unwrap();
}

fn place(
    ex: &mut Exchange,
    m: &str,
    runner: i64,
    side: Side,
    price: &str,
    size: i64,
    account: &str,
) -> PlaceReport {
    let req = PlaceRequest {
        market_id: m,
        runner,
        side,
        tick: parse_tick(price).unwrap(),
        size,
        account,
        client_order_id: None,
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Lapse,
    };
    ex.place(&req).unwrap()
}

fn funded(accounts: &[&str], amount: i64) -> Exchange {
    let mut ex = Exchange::new();
    for a in accounts {
        ex.deposit(a, amount).unwrap();
    }
    ex
}

#[test]
fn deposit_withdraw_and_available() {
    let mut ex = Exchange::new();
    assert_eq!(ex.balance("alice"), 0);
    assert_eq!(ex.deposit("alice", 10_000), Ok(10_000));
    assert_eq!(ex.deposit("alice", 0), Err(ErrorCode::InvalidSize));
    assert_eq!(ex.withdraw("alice", -1), Err(ErrorCode::InvalidSize));
    market(&mut ex, "m", &[1, 2, 3], 1);
    // Back 40.00 at 3.0 unmatched: exposure 40.00, available 60.00.
    place(&mut ex, "m", 1, Side::Back, "3.0", 4_000, "alice");
    assert_eq!(ex.exposure("alice", "m"), Ok(4_000));
    assert_eq!(ex.available("alice"), 6_000);
    assert_eq!(
        ex.withdraw("alice", 6_001),
        Err(ErrorCode::InsufficientFunds)
    );
    assert_eq!(ex.withdraw("alice", 6_000), Ok(4_000));
    assert_eq!(ex.available("alice"), 0);
    assert_eq!(ex.withdraw("nobody", 1), Err(ErrorCode::InsufficientFunds));
}

#[test]
fn three_runner_win_market_exposure_and_settlement_with_commission() {
    let mut ex = funded(&["alice", "bob", "carol"], 100_000);
    ex.set_commission_ppm(50_000).unwrap(); // 5%
    market(&mut ex, "m", &[1, 2, 3], 1);
    // bob lays runner 1 at 3.0 for 10.00 (resting): liability 10 * (3 - 1) = 20.00.
    place(&mut ex, "m", 1, Side::Lay, "3.0", 1_000, "bob");
    assert_eq!(ex.exposure("bob", "m"), Ok(2_000));
    // alice backs runner 1 at 3.0 for 10.00 and matches: she risks 10.00.
    let rep = place(&mut ex, "m", 1, Side::Back, "3.0", 1_000, "alice");
    assert_eq!(rep.size_matched, 1_000);
    assert_eq!(ex.exposure("alice", "m"), Ok(1_000));
    assert_eq!(ex.exposure("bob", "m"), Ok(2_000));
    // carol lays runner 2 at 4.0 for 5.00, unmatched: 5 * 3 = 15.00.
    place(&mut ex, "m", 2, Side::Lay, "4.0", 500, "carol");
    assert_eq!(ex.exposure("carol", "m"), Ok(1_500));
    assert_eq!(ex.available("carol"), 100_000 - 1_500);

    let rep = ex.settle_market("m", &[1], &[]).unwrap();
    // In first-acted order: bob -20.00; alice +20.00, commission 5% of 20.00 = 1.00;
    // carol 0 (her lay is cancelled).
    let by: Vec<(i64, i64)> = rep.accounts.iter().map(|a| (a.pnl, a.commission)).collect();
    assert_eq!(by, vec![(-2_000, 0), (2_000, 100), (0, 0)]);
    assert_eq!(rep.commission, 100);
    assert_eq!(rep.residue, 0);
    assert_eq!(ex.balance("alice"), 100_000 + 1_900);
    assert_eq!(ex.balance("bob"), 98_000);
    assert_eq!(ex.balance("carol"), 100_000);
    for a in ["alice", "bob", "carol"] {
        assert_eq!(ex.exposure(a, "m"), Ok(0));
        assert_eq!(ex.available(a), ex.balance(a));
    }
    assert_eq!(
        ex.settle_market("m", &[1], &[]).unwrap_err(),
        ErrorCode::AlreadySettled
    );
    assert_eq!(ex.void_market("m").unwrap_err(), ErrorCode::AlreadySettled);
    let events = ex.drain_events();
    let settled: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Settled { .. }))
        .collect();
    assert_eq!(settled.len(), 3);
    assert!(events
        .iter()
        .any(|e| matches!(&e.kind, EventKind::MarketSettled { winners, void: false, .. } if winners == &[0])));
}

#[test]
fn insufficient_funds_changes_nothing_and_hedges_pass_at_zero_available() {
    let mut ex = funded(&["alice", "bob"], 1_000);
    market(&mut ex, "m", &[1, 2, 3], 1);
    // An account that never deposited has balance 0: its first order is refused and it is
    // not even interned.
    let hash = ex.state_hash();
    let rep = place(&mut ex, "m", 1, Side::Back, "2.0", 1, "ghost");
    assert_eq!(rep.reject, Some(ErrorCode::InsufficientFunds));
    assert_eq!(ex.state_hash(), hash);
    assert_eq!(ex.account_idx("ghost"), None);
    // bob lays runner 1 at 2.0 for 10.00: liability 10.00 = all his money.
    place(&mut ex, "m", 1, Side::Lay, "2.0", 1_000, "bob");
    assert_eq!(ex.available("bob"), 0);
    // A back of 0.01 on runner 2 adds a loss to the worst result (runner 1 wins): refused.
    assert_eq!(
        place(&mut ex, "m", 2, Side::Back, "2.0", 1, "bob").reject,
        Some(ErrorCode::InsufficientFunds)
    );
    // A lay of 0.01 on runner 2 only loses if runner 2 wins (-0.01), better than the worst
    // (-10.00 if runner 1 wins): exposure unchanged, so accepted at zero available.
    assert_eq!(
        place(&mut ex, "m", 2, Side::Lay, "2.0", 1, "bob").reject,
        None
    );
    assert_eq!(ex.exposure("bob", "m"), Ok(1_000));
    // alice backs 10.00 at 2.0 and matches bob: alice exposure 10.00, available 0.
    place(&mut ex, "m", 1, Side::Back, "2.0", 1_000, "alice");
    assert_eq!(ex.available("alice"), 0);
    let hash = ex.state_hash();
    assert_eq!(
        place(&mut ex, "m", 2, Side::Back, "2.0", 1, "alice").reject,
        Some(ErrorCode::InsufficientFunds)
    );
    assert_eq!(ex.state_hash(), hash);
    // alice lays runner 1 at 1.5 for 10.00: win1 = +10 - 5 = +5, lose1 = -10: the worst
    // case stays -10, so it does not raise her exposure and passes at zero available.
    let hedge = place(&mut ex, "m", 1, Side::Lay, "1.5", 1_000, "alice");
    assert_eq!(hedge.reject, None);
    assert_eq!(ex.exposure("alice", "m"), Ok(1_000));
    // bob backs into it at 1.5: alice's lay matches, lose1 = 0, win1 = +5: exposure 0.
    // bob's own position: back 10 at 1.5 (+5 / -10) on top of his lay (-10 / +10):
    // win1 = -5, lose1 = 0 -> exposure 5.00, below his 10.00 before: a hedge too.
    let rep = place(&mut ex, "m", 1, Side::Back, "1.5", 1_000, "bob");
    assert_eq!(rep.size_matched, 1_000);
    assert_eq!(ex.exposure("alice", "m"), Ok(0));
    assert_eq!(ex.exposure("bob", "m"), Ok(500));
    assert_eq!(ex.available("alice"), 1_000);
}

#[test]
fn replace_to_a_dearer_lay_beyond_funds_leaves_the_order() {
    let mut ex = funded(&["bob"], 1_000);
    market(&mut ex, "m", &[1, 2], 1);
    let id = place(&mut ex, "m", 1, Side::Lay, "2.0", 1_000, "bob").order_id;
    // At 3.0 the liability would be 20.00 > 10.00.
    let rep = ex.replace(id, parse_tick("3.0").unwrap(), "bob").unwrap();
    assert_eq!(rep.reject, Some(ErrorCode::InsufficientFunds));
    assert_eq!(ex.order(id).unwrap().remaining, 1_000);
    // At 1.5 it is cheaper: allowed, exposure 5.00.
    let rep = ex.replace(id, parse_tick("1.5").unwrap(), "bob").unwrap();
    assert_eq!(rep.reject, None);
    assert_eq!(ex.exposure("bob", "m"), Ok(500));
}

#[test]
fn four_runner_two_place_market() {
    let mut ex = funded(&["a", "b", "c"], 100_000);
    market(&mut ex, "p", &[1, 2, 3, 4], 2);
    // a backs runners 1 and 2 at 2.0 for 10.00 each (b lays), a lays runner 3 at 3.0 for
    // 10.00 (c backs). win = (10, 10, -20, 0), lose = (-10, -10, 10, 0): sum(lose) = -10,
    // d = (20, 20, -30, 0); the two smallest: -30 + 0 -> worst = -40: exposure 40.00
    // (runners 3 and 4 placed).
    for r in [1, 2] {
        place(&mut ex, "p", r, Side::Lay, "2.0", 1_000, "b");
        place(&mut ex, "p", r, Side::Back, "2.0", 1_000, "a");
    }
    place(&mut ex, "p", 3, Side::Back, "3.0", 1_000, "c");
    place(&mut ex, "p", 3, Side::Lay, "3.0", 1_000, "a");
    assert_eq!(ex.exposure("a", "p"), Ok(4_000));
    // b: lays on 1 and 2 at 2.0: win = (-10, -10, 0, 0), lose = (10, 10, 0, 0):
    // sum(lose) 20 + two smallest d (-20, -20) = -20: exposure 20.00 (1 and 2 placed).
    assert_eq!(ex.exposure("b", "p"), Ok(2_000));
    // c: back 3 at 3.0: worst 3 unplaced: -10.00.
    assert_eq!(ex.exposure("c", "p"), Ok(1_000));
    let rep = ex.settle_market("p", &[3, 4], &[]).unwrap();
    let pnl: Vec<i64> = rep.accounts.iter().map(|a| a.pnl).collect();
    // Order of first action: b, a, c. a loses exactly its exposure.
    assert_eq!(pnl, vec![2_000, -4_000, 2_000]);
    assert_eq!(rep.residue, 0);
}

#[test]
fn dead_heat_halves_the_stake_and_rounding_goes_to_the_house() {
    let mut ex = funded(&["a", "b"], 100_000);
    market(&mut ex, "m", &[1, 2, 3], 1);
    // a backs runner 1 at 5.0 for 10.00; runners 1 and 2 dead-heat for the one place
    // (1/2 each): a wins 10 * 1/2 * 4 - 10 * 1/2 = 20 - 5 = +15.00; b -15.00.
    place(&mut ex, "m", 1, Side::Lay, "5.0", 1_000, "b");
    place(&mut ex, "m", 1, Side::Back, "5.0", 1_000, "a");
    let half = |runner| DeadHeat {
        runner,
        num: 1,
        den: 2,
    };
    assert_eq!(
        ex.settle_market("m", &[1, 2], &[]).unwrap_err(),
        ErrorCode::InvalidArgument
    );
    let rep = ex.settle_market("m", &[1, 2], &[half(1), half(2)]).unwrap();
    let pnl: Vec<i64> = rep.accounts.iter().map(|a| a.pnl).collect();
    assert_eq!(pnl, vec![-1_500, 1_500]);
    assert_eq!(rep.residue, 0);

    // Thirds at 1.01 with a stake of 3 cents: the backer gets 3 * 1/3 * 0.01 - 3 * 2/3 =
    // -1.99 cents, rounded to a loss of 2; the layer +1.99, rounded down to 1. Residue 1.
    let mut ex = funded(&["a", "b"], 100_000);
    market(&mut ex, "m", &[1, 2, 3], 1);
    place(&mut ex, "m", 1, Side::Lay, "1.01", 3, "b");
    place(&mut ex, "m", 1, Side::Back, "1.01", 3, "a");
    let third = |runner| DeadHeat {
        runner,
        num: 1,
        den: 3,
    };
    let rep = ex
        .settle_market("m", &[1, 2, 3], &[third(1), third(2), third(3)])
        .unwrap();
    let pnl: Vec<i64> = rep.accounts.iter().map(|a| a.pnl).collect();
    assert_eq!(pnl, vec![1, -2]);
    assert_eq!(rep.residue, 1);
    assert_eq!(ex.balance("a") + ex.balance("b"), 200_000 - 1);
}

#[test]
fn dead_heat_and_winner_validation() {
    let mut ex = funded(&["a"], 100);
    market(&mut ex, "m", &[1, 2, 3], 1);
    let dh = |runner, num, den| DeadHeat { runner, num, den };
    let bad: Vec<(Vec<i64>, Vec<DeadHeat>, ErrorCode)> = vec![
        (vec![], vec![], ErrorCode::InvalidArgument),
        (vec![9], vec![], ErrorCode::UnknownRunner),
        (vec![1, 1], vec![], ErrorCode::InvalidArgument),
        (vec![1], vec![dh(2, 1, 2)], ErrorCode::InvalidArgument),
        (vec![1], vec![dh(1, 3, 2)], ErrorCode::InvalidArgument),
        (vec![1], vec![dh(1, 0, 2)], ErrorCode::InvalidArgument),
        (
            vec![1, 2],
            vec![dh(1, 1, 999_983), dh(2, 1, 999_979)],
            ErrorCode::InvalidArgument,
        ),
    ];
    let hash = ex.state_hash();
    for (winners, dead_heat, code) in bad {
        assert_eq!(
            ex.settle_market("m", &winners, &dead_heat).unwrap_err(),
            code
        );
    }
    assert_eq!(ex.state_hash(), hash);
    assert_eq!(
        ex.settle_market("nope", &[1], &[]).unwrap_err(),
        ErrorCode::UnknownMarket
    );
}

#[test]
fn removal_with_a_25_percent_factor() {
    let mut ex = funded(&["a", "b", "c"], 100_000);
    market(&mut ex, "m", &[1, 2, 3], 1);
    // a backs runner 1 at 4.0 for 10.00 (b lays): b's liability 30.00.
    place(&mut ex, "m", 1, Side::Lay, "4.0", 1_000, "b");
    place(&mut ex, "m", 1, Side::Back, "4.0", 1_000, "a");
    // a backs runner 2 at 3.0 for 5.00 (b lays): void when runner 2 is removed.
    place(&mut ex, "m", 2, Side::Lay, "3.0", 500, "b");
    place(&mut ex, "m", 2, Side::Back, "3.0", 500, "a");
    // c rests a back on runner 3: cancelled by the removal.
    let resting = place(&mut ex, "m", 3, Side::Back, "6.0", 700, "c").order_id;
    // b: win = (-30, -10, 0), lose = (10, 5, 0): sum 15, d = (-40, -15, 0): worst -25.
    assert_eq!(ex.exposure("b", "m"), Ok(2_500));
    ex.drain_events();
    ex.remove_runner("m", 2, 2_500).unwrap();
    // Runner 1's price: 4.0 * 0.75 = 3.0, so b's liability is 10 * 2 = 20.00; runner 2 void.
    assert_eq!(ex.exposure("b", "m"), Ok(2_000));
    assert_eq!(ex.exposure("a", "m"), Ok(1_000));
    assert_eq!(ex.exposure("c", "m"), Ok(0));
    assert_eq!(ex.order(resting).unwrap().remaining, 0);
    let events = ex.drain_events();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::OrderCancelled {
            reason: CancelReason::MarketClosed,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::RunnerRemoved {
            runner: 1,
            reduction_bp: 2_500,
            ..
        }
    )));
    // The removed runner takes no orders and cannot be removed twice or win.
    assert_eq!(
        place(&mut ex, "m", 2, Side::Back, "2.0", 100, "a").reject,
        Some(ErrorCode::RunnerRemoved)
    );
    assert_eq!(
        ex.remove_runner("m", 2, 0).unwrap_err(),
        ErrorCode::RunnerRemoved
    );
    assert_eq!(
        ex.remove_runner("m", 3, 10_001).unwrap_err(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        ex.settle_market("m", &[2], &[]).unwrap_err(),
        ErrorCode::RunnerRemoved
    );
    // A bet matched after the removal keeps its price: a backs runner 1 at 2.0 for 1.00.
    place(&mut ex, "m", 1, Side::Lay, "2.0", 100, "b");
    place(&mut ex, "m", 1, Side::Back, "2.0", 100, "a");
    let rep = ex.settle_market("m", &[1], &[]).unwrap();
    // a: 10 * (3 - 1) + 1 * (2 - 1) = +21.00; b -21.00.
    let pnl: Vec<i64> = rep.accounts.iter().map(|a| a.pnl).collect();
    assert_eq!(pnl, vec![-2_100, 2_100, 0]);
}

#[test]
fn commission_on_net_winnings_with_a_market_override() {
    let mut ex = funded(&["a", "b"], 100_000);
    ex.set_commission_ppm(50_000).unwrap();
    market(&mut ex, "m", &[1, 2, 3], 1);
    ex.set_market_commission_ppm("m", Some(100_000)).unwrap(); // 10% here
                                                               // a backs runner 1 at 3.0 for 10.00 (+20 if 1 wins) and runner 2 at 2.0 for 3.33
                                                               // (-3.33 if 1 wins): net +16.67, commission 10% = 1.667 -> rounded up to 1.67.
    place(&mut ex, "m", 1, Side::Lay, "3.0", 1_000, "b");
    place(&mut ex, "m", 1, Side::Back, "3.0", 1_000, "a");
    place(&mut ex, "m", 2, Side::Lay, "2.0", 333, "b");
    place(&mut ex, "m", 2, Side::Back, "2.0", 333, "a");
    let rep = ex.settle_market("m", &[1], &[]).unwrap();
    let by: Vec<(i64, i64)> = rep.accounts.iter().map(|a| (a.pnl, a.commission)).collect();
    assert_eq!(by, vec![(-1_667, 0), (1_667, 167)]);
    assert_eq!(ex.balance("a"), 100_000 + 1_667 - 167);
    assert_eq!(ex.balance("a") + ex.balance("b"), 200_000 - 167);
    assert_eq!(
        ex.set_commission_ppm(1_000_001),
        Err(ErrorCode::InvalidArgument)
    );
}

#[test]
fn void_returns_every_stake() {
    let mut ex = funded(&["a", "b"], 10_000);
    market(&mut ex, "m", &[1, 2], 1);
    place(&mut ex, "m", 1, Side::Lay, "5.0", 1_000, "b");
    place(&mut ex, "m", 1, Side::Back, "5.0", 1_000, "a");
    assert_eq!(ex.available("b"), 6_000);
    let rep = ex.void_market("m").unwrap();
    assert!(rep.void);
    assert_eq!((ex.balance("a"), ex.balance("b")), (10_000, 10_000));
    assert_eq!((ex.available("a"), ex.available("b")), (10_000, 10_000));
    assert_eq!(
        ex.settle_market("m", &[1], &[]).unwrap_err(),
        ErrorCode::AlreadySettled
    );
    assert_eq!(
        ex.remove_runner("m", 1, 0).unwrap_err(),
        ErrorCode::AlreadySettled
    );
}

#[test]
fn snapshot_holds_balances_positions_and_settled_state() {
    let mut ex = funded(&["a", "b"], 10_000);
    ex.set_commission_ppm(20_000).unwrap();
    market(&mut ex, "m", &[1, 2, 3], 1);
    market(&mut ex, "n", &[1, 2], 1);
    place(&mut ex, "m", 1, Side::Lay, "5.0", 1_000, "b");
    place(&mut ex, "m", 1, Side::Back, "5.0", 600, "a");
    place(&mut ex, "n", 2, Side::Lay, "2.0", 100, "b");
    place(&mut ex, "n", 2, Side::Back, "2.0", 100, "a");
    ex.settle_market("n", &[2], &[]).unwrap();
    ex.remove_runner("m", 3, 1_000).unwrap();
    let mut copy = Exchange::restore(&ex.snapshot()).unwrap();
    assert_eq!(copy.state_hash(), ex.state_hash());
    for a in ["a", "b"] {
        assert_eq!(copy.available(a), ex.available(a));
        assert_eq!(copy.exposure(a, "m"), ex.exposure(a, "m"));
    }
    assert_eq!(
        copy.settle_market("n", &[1], &[]).unwrap_err(),
        ErrorCode::AlreadySettled
    );
    let one = ex.settle_market("m", &[1], &[]).unwrap();
    let two = copy.settle_market("m", &[1], &[]).unwrap();
    assert_eq!(one, two);
    assert_eq!(copy.state_hash(), ex.state_hash());
    // A deposit changes the hash.
    let before = ex.state_hash();
    ex.deposit("a", 1).unwrap();
    assert_ne!(before, ex.state_hash());
}

#[test]
fn a_taker_filled_before_the_end_of_a_level_updates_both_positions() {
    // Regression: the matching loop used to return early when the taker was filled with
    // more makers left at the level, skipping the fill hooks.
    let mut ex = funded(&["a", "b"], 10_000);
    market(&mut ex, "m", &[1, 2, 3], 1);
    place(&mut ex, "m", 1, Side::Back, "2.0", 500, "a");
    place(&mut ex, "m", 1, Side::Back, "2.0", 500, "a");
    place(&mut ex, "m", 1, Side::Lay, "2.0", 100, "b");
    // a: matched back 1.00 (+1 / -1) plus 9.00 unmatched: worst -10.00. b: lay 1.00 at 2.0
    // matched: -1.00 if runner 1 wins.
    assert_eq!(ex.exposure("a", "m"), Ok(1_000));
    assert_eq!(ex.exposure("b", "m"), Ok(100));
    let a = ex.account_idx("a").unwrap();
    let b = ex.account_idx("b").unwrap();
    assert_eq!(ex.exposure_from_scratch(a, 0), 1_000);
    assert_eq!(ex.exposure_from_scratch(b, 0), 100);
    let rep = ex.settle_market("m", &[1], &[]).unwrap();
    let pnl: Vec<i64> = rep.accounts.iter().map(|x| x.pnl).collect();
    assert_eq!(pnl, vec![100, -100]);
}

#[test]
fn holds_stay_loose_after_cancels_and_fills_and_are_tightened_before_a_refusal() {
    // Alice has 100.00. A back of 60.00 holds 60.00; cancelling it leaves the hold (a cancel
    // never raises the worst case) while the views are exact.
    let mut ex = funded(&["alice", "bob"], 10_000);
    market(&mut ex, "m", &[1, 2, 3], 1);
    let rep = place(&mut ex, "m", 1, Side::Back, "3.0", 6_000, "alice");
    assert_eq!(ex.held("alice"), 6_000);
    ex.cancel(rep.order_id, "alice", None).unwrap();
    assert_eq!(ex.exposure("alice", "m"), Ok(0));
    assert_eq!(ex.available("alice"), 10_000);
    assert_eq!(ex.held("alice"), 6_000);
    // By the hold only 40.00 is free, but the exact rule allows another 60.00: the check
    // re-evaluates before it refuses, and accepts exactly what exact holds would.
    let rep = place(&mut ex, "m", 1, Side::Back, "3.0", 6_000, "alice");
    assert_eq!(rep.reject, None);
    assert_eq!(ex.held("alice"), 6_000);
    // Bob lays 30.00 of it at 3.0 (liability 60.00): alice's matched part wins 60.00 if
    // runner 1 wins and loses 30.00 otherwise; her unmatched 30.00 loses too: exposure 60.00
    // as before, the hold unchanged.
    place(&mut ex, "m", 1, Side::Lay, "3.0", 3_000, "bob");
    assert_eq!(ex.exposure("alice", "m"), Ok(6_000));
    assert_eq!(ex.exposure("bob", "m"), Ok(6_000));
    // 40.00 more is available; 40.01 is not, by the exact rule.
    let over = place(&mut ex, "m", 2, Side::Back, "2.0", 4_001, "alice");
    assert_eq!(over.reject, Some(ErrorCode::InsufficientFunds));
    assert_eq!(ex.held("alice"), 6_000, "the refusal left exact holds");
    let ok = place(&mut ex, "m", 2, Side::Back, "2.0", 4_000, "alice");
    assert_eq!(ok.reject, None);
    assert_eq!(ex.available("alice"), 0);
}

#[test]
fn a_removal_that_voids_a_hedge_can_leave_available_below_zero() {
    // Alice (20.00) lays runner 2 at 2.0 for 10.00 and runner 1 at 2.0 for 30.00, both
    // matched against bob. Results: 1 wins: -30 + 10 = -20.00; 2 wins: +30 - 10 = +20.00;
    // 3 wins: +40.00. Exposure 20.00, available 0.
    let mut ex = funded(&["alice", "bob"], 100_000);
    market(&mut ex, "m", &[1, 2, 3], 1);
    ex.withdraw("alice", 100_000 - 2_000).unwrap();
    place(&mut ex, "m", 1, Side::Back, "2.0", 3_000, "bob");
    place(&mut ex, "m", 2, Side::Back, "2.0", 1_000, "bob");
    assert_eq!(
        place(&mut ex, "m", 2, Side::Lay, "2.0", 1_000, "alice").reject,
        None
    );
    assert_eq!(
        place(&mut ex, "m", 1, Side::Lay, "2.0", 3_000, "alice").reject,
        None
    );
    assert_eq!(ex.exposure("alice", "m"), Ok(2_000));
    assert_eq!(ex.available("alice"), 0);
    // Runner 2 is removed (factor 0): the lay on it is void, and with it the hedge. Now
    // 1 wins: -30.00. The removal cannot be refused, so available goes to -10.00.
    ex.remove_runner("m", 2, 0).unwrap();
    assert_eq!(ex.exposure("alice", "m"), Ok(3_000));
    assert_eq!(ex.available("alice"), -1_000);
    assert_eq!(
        ex.withdraw("alice", 1).unwrap_err(),
        ErrorCode::InsufficientFunds
    );
    // An order that raises the exposure is refused; one that lowers it goes through: a back
    // of runner 1 for 5.00 matched against bob's lay (1 wins: -30 + 5 = -25.00).
    let raise = place(&mut ex, "m", 3, Side::Back, "2.0", 100, "alice");
    assert_eq!(raise.reject, Some(ErrorCode::InsufficientFunds));
    place(&mut ex, "m", 1, Side::Lay, "2.0", 500, "bob");
    let hedge = place(&mut ex, "m", 1, Side::Back, "2.0", 500, "alice");
    assert_eq!(hedge.reject, None);
    assert_eq!(ex.exposure("alice", "m"), Ok(2_500));
    assert_eq!(ex.available("alice"), -500);
    // Runner 1 wins: alice loses 25.00 of her 20.00 and owes 5.00.
    ex.settle_market("m", &[1], &[]).unwrap();
    assert_eq!(ex.balance("alice"), -500);
    assert_eq!(ex.available("alice"), -500);
    assert_eq!(ex.held("alice"), 0);
}
