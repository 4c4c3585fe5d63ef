//! Property tests of the starting-price reconciliation over random SP bets and exchange
//! orders: backs and lays matched at the SP balance to the unit, the SP matches (up to
//! rounding) as much as any single ladder price could, exposure equals a from-scratch
//! recomputation before and after, settlement is zero-sum, the book stays uncrossed, and a
//! restore from a snapshot taken before the off reconciles to the same state hash.

use proptest::prelude::*;

use pybet_core::events::EventKind;
use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::ladder::{self, N_TICKS};
use pybet_core::types::{OrderType, Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

const M: &str = "sp";
const ACCOUNTS: [&str; 4] = ["a", "b", "c", "d"];

#[derive(Debug, Clone)]
struct Bet {
    order_type: OrderType,
    back: bool,
    tick: u16,
    size: i64,
    account: usize,
    runner: i64,
    moc_persistence: bool,
}

fn bet() -> impl Strategy<Value = Bet> {
    (
        prop_oneof![
            Just(OrderType::Limit),
            Just(OrderType::MarketOnClose),
            Just(OrderType::LimitOnClose)
        ],
        any::<bool>(),
        0u16..(N_TICKS as u16),
        10i64..5_000,
        0..4usize,
        1i64..3,
        any::<bool>(),
    )
        .prop_map(
            |(order_type, back, tick, size, account, runner, moc_persistence)| Bet {
                order_type,
                back,
                tick,
                size,
                account,
                runner,
                moc_persistence,
            },
        )
}

fn exchange(bets: &[Bet]) -> Exchange {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market(M, spec).unwrap();
    ex.enable_starting_price(M, Some(10)).unwrap();
    ex.open_market(M).unwrap();
    for a in ACCOUNTS {
        ex.deposit(a, 100_000_000).unwrap();
    }
    for b in bets {
        let req = PlaceRequest {
            market_id: M,
            runner: b.runner,
            side: if b.back { Side::Back } else { Side::Lay },
            tick: b.tick,
            size: b.size,
            account: ACCOUNTS[b.account],
            client_order_id: None,
            time_in_force: TimeInForce::Gtc,
            min_fill_size: None,
            persistence: if b.moc_persistence {
                Persistence::MarketOnClose
            } else {
                Persistence::Lapse
            },
        };
        ex.place_starting_price(&req, b.order_type).unwrap();
    }
    ex
}

fn check_exposures(ex: &Exchange) {
    for a in ACCOUNTS {
        let idx = ex.account_idx(a).unwrap();
        assert_eq!(
            ex.exposure(a, M).unwrap(),
            ex.exposure_from_scratch(idx, 0),
            "exposure of {a}"
        );
    }
}

/// The most a single ladder price could match: min(back supply, lay supply) in stake.
fn best_single_price_volume(ex: &Exchange, runner: u16) -> i64 {
    let orders: Vec<_> = ex
        .orders()
        .filter(|o| o.runner == runner && o.remaining > 0)
        .cloned()
        .collect();
    (0..N_TICKS)
        .map(|t| {
            let p = ladder::TICKS[t];
            let (mut backs, mut lays) = (0i64, 0i64);
            for o in &orders {
                let threshold = match o.order_type {
                    OrderType::MarketOnClose => None,
                    _ => Some(ladder::TICKS[usize::from(o.tick)]),
                };
                let eligible = match (o.side, threshold) {
                    (_, None) => true,
                    (Side::Back, Some(th)) => th <= p,
                    (Side::Lay, Some(th)) => th >= p,
                };
                if !eligible {
                    continue;
                }
                match (o.side, o.order_type.is_starting_price()) {
                    (Side::Back, _) => backs += o.remaining,
                    (Side::Lay, true) => {
                        lays += (i128::from(o.remaining) * 10_000 / i128::from(p - 10_000)) as i64
                    }
                    (Side::Lay, false) => lays += o.remaining,
                }
            }
            backs.min(lays)
        })
        .max()
        .unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn reconciliation_invariants(bets in prop::collection::vec(bet(), 0..40), winner in 1i64..3) {
        let mut ex = exchange(&bets);
        check_exposures(&ex);
        let before_off = Exchange::restore(&ex.snapshot()).unwrap();
        // Exchange orders that converted at the off take part, so measure after conversion:
        // the bound is computed on the live orders just before matching.
        let has_moc = bets.iter().any(|b| b.order_type == OrderType::Limit && b.moc_persistence);
        let best: Vec<i64> = (0..2).map(|r| best_single_price_volume(&ex, r)).collect();
        ex.drain_events();
        ex.turn_in_play(M).unwrap();
        let mut matched = [[0i64; 2]; 2];
        let mut sps = [None, None];
        for e in ex.drain_events() {
            match e.kind {
                EventKind::StartingPriceFill { runner, size, .. } => {
                    matched[usize::from(runner)][0] += size;
                    matched[usize::from(runner)][1] += size;
                }
                EventKind::StartingPriceReconciled { runner, price, .. } => {
                    sps[usize::from(runner)] = price;
                }
                _ => {}
            }
        }
        // Per runner, what backs and lays matched at the off balances exactly, and equals
        // the fills reported.
        let matched_before: std::collections::HashMap<u64, i64> =
            before_off.orders().map(|o| (o.id, o.matched)).collect();
        for r in 0..2u16 {
            let (mut back, mut lay) = (0i64, 0i64);
            for o in ex.orders().filter(|o| o.runner == r) {
                let delta = o.matched - matched_before.get(&o.id).copied().unwrap_or(0);
                match o.side {
                    Side::Back => back += delta,
                    Side::Lay => lay += delta,
                }
                if o.order_type.is_starting_price() {
                    prop_assert_eq!(o.remaining, 0, "an SP bet left live after the off");
                }
            }
            prop_assert_eq!(back, lay, "runner {} backs and lays matched at the SP", r);
            prop_assert_eq!(back, matched[usize::from(r)][0]);
            // The SP matches about as much as the best single ladder price (not less, up to
            // the rounding of the price to 1e-4 and of each lay's stake).
            if !has_moc && sps[usize::from(r)].is_some() {
                let v = matched[usize::from(r)][0];
                let slack = best[usize::from(r)] / 500 + 40;
                prop_assert!(v + slack >= best[usize::from(r)], "runner {} matched {} < best {}", r, v, best[usize::from(r)]);
            }
        }
        prop_assert!(ex.book(M, 1, 400).is_ok());
        check_exposures(&ex);
        // The same off from a snapshot gives the same state.
        let mut replay = before_off;
        replay.turn_in_play(M).unwrap();
        prop_assert_eq!(replay.state_hash(), ex.state_hash());
        let rep = ex.settle_market(M, &[winner], &[]).unwrap();
        let total: i64 = rep.accounts.iter().map(|a| a.pnl).sum();
        prop_assert_eq!(total + rep.residue, 0);
    }
}
