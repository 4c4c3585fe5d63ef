//! Cross-matching on the Rust API (spec section 2b), by hand, and a property test: after every
//! command the house's P&L is >= 0 on every result, the book is uncrossed directly and against
//! its own virtual offers, matched volume is conserved, settlement is zero-sum and a restore
//! from a snapshot replays to the same state hash.

use proptest::prelude::*;

use pybet_core::exchange::{Exchange, PlaceReport, PlaceRequest, HOUSE_ACCOUNT};
use pybet_core::ladder::{parse_tick, TICKS};
use pybet_core::types::{Persistence, Side, Tick, TimeInForce};
use pybet_core::{ErrorCode, MarketSpec, OrderStatus};

const M: &str = "x";

fn exchange(runners: &[i64], delay: i64) -> Exchange {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: runners.to_vec(),
        places: 1,
        bet_delay_ms: delay,
        min_stake: 1,
    };
    ex.create_market(M, spec).unwrap();
    ex.enable_cross_matching(M).unwrap();
    ex.open_market(M).unwrap();
    for a in ["a", "b", "c", "t"] {
        ex.deposit(a, 1_000_000_000).unwrap();
    }
    ex
}

fn place(
    ex: &mut Exchange,
    runner: i64,
    side: Side,
    price: &str,
    size: i64,
    who: &str,
) -> PlaceReport {
    let req = PlaceRequest {
        market_id: M,
        runner,
        side,
        tick: parse_tick(price).unwrap(),
        size,
        account: who,
        client_order_id: None,
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Lapse,
    };
    ex.place(&req).unwrap()
}

fn price(t: Tick) -> f64 {
    TICKS[usize::from(t)] as f64 / 10_000.0
}

fn house_never_loses(ex: &Exchange) -> bool {
    ex.account_idx(HOUSE_ACCOUNT).is_none() || ex.exposure(HOUSE_ACCOUNT, M) == Ok(0)
}

#[test]
fn betfairs_two_runner_virtual_prices() {
    let mut ex = exchange(&[1, 2], 0);
    // Someone backs runner 2 at 1.85: on runner 1 that is something to back at 2.16.
    place(&mut ex, 2, Side::Back, "1.85", 1_000, "a");
    let (to_back, to_lay) = ex.book_with_virtual(M, 1, 3).unwrap();
    assert_eq!(to_back.len(), 1);
    assert_eq!(price(to_back[0].0), 2.16);
    assert!(to_lay.is_empty());
    assert_eq!(ex.book(M, 1, 3).unwrap().0, vec![]); // the direct view has none
                                                     // Someone lays runner 2 at 2.16: on runner 1, something to lay at 1.87.
    let mut ex = exchange(&[1, 2], 0);
    place(&mut ex, 2, Side::Lay, "2.16", 1_000, "a");
    let (_, to_lay) = ex.book_with_virtual(M, 1, 3).unwrap();
    assert_eq!(price(to_lay[0].0), 1.87);
}

#[test]
fn a_taker_is_matched_through_the_house_which_never_loses() {
    let mut ex = exchange(&[1, 2], 0);
    let maker = place(&mut ex, 2, Side::Back, "1.85", 1_000, "a").order_id;
    let rep = place(&mut ex, 1, Side::Back, "2.1", 500, "t");
    assert_eq!(rep.size_matched, 500);
    let house = ex.account_idx(HOUSE_ACCOUNT).unwrap();
    assert_eq!(rep.fills.len(), 1);
    assert_eq!(
        (rep.fills[0].maker_account, price(rep.fills[0].tick)),
        (house, 2.16)
    );
    // The house laid runner 2 at 1.85 against the resting back: 500 * 2.16 / 1.85 = 583.8.
    let m = ex.order(maker).unwrap();
    assert!((583..=584).contains(&m.matched), "{}", m.matched);
    assert!(house_never_loses(&ex));
    for winner in [1, 2] {
        let mut copy = Exchange::restore(&ex.snapshot()).unwrap();
        let rep = copy.settle_market(M, &[winner], &[]).unwrap();
        let house_pnl: i64 = rep
            .accounts
            .iter()
            .filter(|r| r.account == house)
            .map(|r| r.pnl)
            .sum();
        assert!(house_pnl >= 0, "winner {winner}: {house_pnl}");
        assert_eq!(
            rep.accounts.iter().map(|r| r.pnl).sum::<i64>() + rep.residue,
            0
        );
    }
}

#[test]
fn best_execution_prefers_the_better_price_and_direct_at_a_tie() {
    let mut ex = exchange(&[1, 2], 0);
    place(&mut ex, 2, Side::Back, "1.85", 10_000, "a"); // virtual 2.16 on runner 1
    let better = place(&mut ex, 1, Side::Lay, "2.2", 100, "b").order_id; // direct 2.2
    let tie = place(&mut ex, 1, Side::Lay, "2.16", 100, "c").order_id; // direct 2.16
    let rep = place(&mut ex, 1, Side::Back, "2", 350, "t");
    assert_eq!(rep.size_matched, 350);
    let makers: Vec<u64> = rep.fills.iter().map(|f| f.maker_order).collect();
    assert_eq!(makers[0], better);
    assert_eq!(makers[1], tie);
    assert!(rep.fills[2..].iter().all(
        |f| ex.order(f.maker_order).unwrap().account == ex.account_idx(HOUSE_ACCOUNT).unwrap()
    ));
    assert_eq!(rep.fills[2..].iter().map(|f| f.size).sum::<i64>(), 150);
    assert!(house_never_loses(&ex));
}

#[test]
fn three_runners_the_smallest_leg_limits_and_the_taker_walks_virtual_levels() {
    let mut ex = exchange(&[1, 2, 3], 0);
    // Backs on 2 at 3.0 (plenty) and on 3 at 4.0 (only 100), then 4.2 (plenty).
    place(&mut ex, 2, Side::Back, "3", 100_000, "a");
    place(&mut ex, 3, Side::Back, "4", 100, "b");
    place(&mut ex, 3, Side::Back, "4.2", 100_000, "b");
    let (to_back, _) = ex.book_with_virtual(M, 1, 3).unwrap();
    // 1 / (1 - 1/3 - 1/4) = 2.4 first, for at most 100 * 4 / 2.4 = 166; then with 4.2 behind it.
    assert!(to_back.len() >= 2, "{to_back:?}");
    assert!(price(to_back[0].0) <= 2.4);
    assert!(to_back[0].1 as f64 <= 100.0 * 4.0 / price(to_back[0].0));
    assert!(to_back[1].0 < to_back[0].0);
    let rep = place(&mut ex, 1, Side::Back, "1.5", 1_000, "t");
    assert_eq!(rep.size_matched, 1_000);
    let ticks: Vec<Tick> = rep.fills.iter().map(|f| f.tick).collect();
    assert!(
        ticks.windows(2).all(|w| w[0] >= w[1]),
        "best price first: {ticks:?}"
    );
    assert!(ticks.len() >= 2);
    assert!(house_never_loses(&ex));
}

#[test]
fn virtual_prices_follow_the_remaining_runners_after_a_removal() {
    let mut ex = exchange(&[1, 2, 3], 0);
    place(&mut ex, 2, Side::Back, "3", 1_000, "a");
    place(&mut ex, 3, Side::Back, "4", 1_000, "b");
    let before = ex.book_with_virtual(M, 1, 1).unwrap().0[0].0;
    ex.remove_runner(M, 3, 0).unwrap(); // cancels the unmatched orders, 3 is out
    place(&mut ex, 2, Side::Back, "3", 1_000, "a");
    let after = ex.book_with_virtual(M, 1, 1).unwrap().0[0].0;
    // Only runner 2 is left: 1 / (1 - 1/3) = 1.5.
    assert_eq!(price(after), 1.5);
    assert!(after < before);
}

#[test]
fn a_delayed_in_play_taker_is_cross_matched_when_released() {
    let mut ex = exchange(&[1, 2], 5_000);
    place(&mut ex, 2, Side::Back, "1.85", 1_000, "a");
    let mut req = PlaceRequest {
        market_id: M,
        runner: 2,
        side: Side::Back,
        tick: parse_tick("1.9").unwrap(),
        size: 1_000,
        account: "b",
        client_order_id: None,
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Persist,
    };
    ex.place(&req).unwrap();
    ex.turn_in_play(M).unwrap(); // the LAPSE back at 1.85 lapses, the PERSIST one stays
    assert_eq!(price(ex.book_with_virtual(M, 1, 1).unwrap().0[0].0), 2.1);
    req.runner = 1;
    req.tick = parse_tick("2").unwrap();
    req.size = 200;
    req.account = "t";
    let pending = ex.place(&req).unwrap();
    assert_eq!(pending.size_matched, 0);
    let released = ex.advance_time(5_000);
    assert_eq!(released[0].size_matched, 200);
    assert!(house_never_loses(&ex));
}

#[test]
fn cross_matching_needs_one_winner_and_the_house_cannot_deposit() {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1, 2, 3],
        places: 2,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market("p", spec).unwrap();
    assert_eq!(
        ex.enable_cross_matching("p"),
        Err(ErrorCode::InvalidArgument)
    );
    assert_eq!(
        ex.deposit(HOUSE_ACCOUNT, 100),
        Err(ErrorCode::InvalidArgument)
    );
}

#[test]
fn without_the_flag_there_are_no_virtual_offers() {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market(M, spec).unwrap();
    ex.open_market(M).unwrap();
    ex.deposit("a", 1_000_000).unwrap();
    ex.deposit("t", 1_000_000).unwrap();
    place(&mut ex, 2, Side::Back, "1.85", 1_000, "a");
    assert!(ex.book_with_virtual(M, 1, 3).unwrap().0.is_empty());
    assert_eq!(place(&mut ex, 1, Side::Back, "2", 100, "t").size_matched, 0);
}

#[derive(Debug, Clone)]
struct Cmd {
    runner: i64,
    back: bool,
    tick: u16,
    size: i64,
    who: usize,
    ioc: bool,
}

impl Cmd {
    fn request(&self) -> PlaceRequest<'static> {
        PlaceRequest {
            market_id: M,
            runner: self.runner,
            side: if self.back { Side::Back } else { Side::Lay },
            tick: self.tick,
            size: self.size,
            // Backs from a and b, lays from c: no self-match can leave a crossed book.
            account: if self.back {
                ["a", "b"][self.who % 2]
            } else {
                "c"
            },
            client_order_id: None,
            time_in_force: if self.ioc {
                TimeInForce::Ioc
            } else {
                TimeInForce::Gtc
            },
            min_fill_size: None,
            persistence: Persistence::Lapse,
        }
    }
}

fn cmd() -> impl Strategy<Value = Cmd> {
    (
        1i64..4,
        any::<bool>(),
        20u16..160,
        1i64..5_000,
        0..3usize,
        any::<bool>(),
    )
        .prop_map(|(runner, back, tick, size, who, ioc)| Cmd {
            runner,
            back,
            tick,
            size,
            who,
            ioc,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn house_invariants_over_random_streams(cmds in prop::collection::vec(cmd(), 1..60), winner in 1i64..4) {
        let mut ex = exchange(&[1, 2, 3], 0);
        let mut snapshot = None;
        for (k, c) in cmds.iter().enumerate() {
            if k == cmds.len() / 2 {
                snapshot = Some(ex.snapshot());
            }
            ex.place(&c.request()).unwrap();
            prop_assert!(house_never_loses(&ex), "house exposed after {:?}", c);
            for r in 1..4i64 {
                let (to_back, to_lay) = ex.book(M, r, 1).unwrap();
                if let (Some(b), Some(l)) = (to_back.first(), to_lay.first()) {
                    prop_assert!(b.0 < l.0, "direct book crossed on {}", r);
                }
            }
            // Every level's total is what rests in it, an emptied level's too.
            let mut resting = std::collections::HashMap::new();
            for o in ex.orders().filter(|o| o.status == OrderStatus::Executable) {
                *resting.entry((o.runner, o.side as u8, o.tick)).or_insert(0i64) += o.remaining;
            }
            let market = ex.market(M).unwrap();
            for (ri, book) in market.books.iter().enumerate() {
                for side in [Side::Back, Side::Lay] {
                    for tick in 0..pybet_core::ladder::N_TICKS as u16 {
                        let want = resting.get(&(ri as u16, side as u8, tick)).copied().unwrap_or(0);
                        prop_assert_eq!(book.side(side).level(tick).total, want, "level total");
                    }
                }
            }
            // No resting order can take a virtual offer on its own runner.
            for o in ex.orders().filter(|o| o.remaining > 0) {
                prop_assert_eq!(ex.virtual_offer_for(o.id), None, "order {} crossed", o.id);
            }
        }
        for r in 0..3u16 {
            let (mut back, mut lay) = (0i64, 0i64);
            for o in ex.orders().filter(|o| o.runner == r) {
                match o.side {
                    Side::Back => back += o.matched,
                    Side::Lay => lay += o.matched,
                }
            }
            prop_assert_eq!(back, lay, "volume on runner {}", r);
        }
        if let Some(blob) = snapshot {
            let mut replay = Exchange::restore(&blob).unwrap();
            for c in &cmds[cmds.len() / 2..] {
                replay.place(&c.request()).unwrap();
            }
            prop_assert_eq!(replay.state_hash(), ex.state_hash());
        }
        let rep = ex.settle_market(M, &[winner], &[]).unwrap();
        prop_assert_eq!(rep.accounts.iter().map(|r| r.pnl).sum::<i64>() + rep.residue, 0);
        if let Some(house) = ex.account_idx(HOUSE_ACCOUNT) {
            for r in rep.accounts.iter().filter(|r| r.account == house) {
                prop_assert!(r.pnl >= 0);
            }
        }
    }
}
