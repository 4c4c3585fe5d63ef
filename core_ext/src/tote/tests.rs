//! Hand-worked pool tests and the money-invariant property.

use super::*;
use proptest::prelude::*;

fn rules(takeout_ppm: i64) -> Rules {
    Rules {
        takeout_ppm,
        ..Rules::default()
    }
}

fn invariant(s: &Settlement) -> bool {
    let paid: i64 = s.payouts.iter().sum();
    paid + s.takeout + s.breakage - s.minus_pool + s.carryover == s.gross_pool
}

#[test]
fn win_pool_single_winner() {
    let mut p = Pool::new(PoolKind::Win, 4, None, rules(150_000)).unwrap();
    p.bet(&[1], 6000).unwrap();
    p.bet(&[2], 3000).unwrap();
    p.bet(&[3], 1000).unwrap();
    // gross 10000, takeout 1500, net 8500; runner 2: 8500/3000 = 2.8333 -> 280 per 100.
    let s = p.dividends(&[vec![2], vec![1]]).unwrap().clone();
    assert_eq!(s.winners[0].dividend, 280);
    assert_eq!(s.payouts, vec![0, 8400, 0]);
    assert_eq!(s.breakage, 100);
    assert!(invariant(&s));
}

#[test]
fn show_minus_pool() {
    // Heavy favourite: net pool less than the stakes on the placed runners.
    let mut p = Pool::new(
        PoolKind::Show,
        5,
        None,
        Rules {
            min_payout: 105,
            ..rules(170_000)
        },
    )
    .unwrap();
    p.bet(&[1], 9000).unwrap();
    p.bet(&[2], 500).unwrap();
    p.bet(&[3], 300).unwrap();
    p.bet(&[4], 200).unwrap();
    let s = p.dividends(&[vec![1], vec![2], vec![3]]).unwrap().clone();
    assert!(s.minus_pool > 0);
    assert!(s.winners.iter().all(|w| w.dividend >= 105));
    assert!(invariant(&s));
}

#[test]
fn carryover_when_nobody_wins() {
    let mut p = Pool::new(
        PoolKind::Trifecta,
        5,
        None,
        Rules {
            no_winner: NoWinner::Carryover,
            carryover_to: Some("R2".into()),
            ..rules(200_000)
        },
    )
    .unwrap();
    p.bet(&[1, 2, 3], 1000).unwrap();
    let s = p.dividends(&[vec![3], vec![2], vec![1]]).unwrap().clone();
    assert_eq!(s.outcome, Outcome::CarriedOver);
    assert_eq!((s.takeout, s.carryover), (200, 800));
    assert!(invariant(&s));
}

#[test]
fn scratch_refunds_and_is_rejected_in_bets() {
    let mut p = Pool::new(PoolKind::Exacta, 4, None, rules(0)).unwrap();
    p.bet(&[1, 2], 100).unwrap();
    p.bet(&[2, 3], 200).unwrap();
    assert_eq!(p.scratch(3).unwrap(), 200);
    assert!(matches!(
        p.bet(&[3, 1], 100),
        Err(ToteError::InvalidSelection(_))
    ));
    assert!(p.scratch(3).is_err());
    let s = p.dividends(&[vec![1], vec![2]]).unwrap().clone();
    assert_eq!(s.payouts, vec![100, 200]);
    assert!(invariant(&s));
}

#[test]
fn snapshot_round_trip() {
    let mut p = Pool::new(PoolKind::Quinella, 6, None, rules(180_000)).unwrap();
    p.bet_many(&[1, 2, 3, 4, 2, 1], &[100, 250, 75]).unwrap();
    p.scratch(4).unwrap();
    p.dividends(&[vec![2], vec![1]]).unwrap();
    let q = Pool::restore(&p.snapshot()).unwrap();
    assert_eq!(q.state_hash(), p.state_hash());
    assert_eq!(q.settlement(), p.settlement());
    let mut blob = p.snapshot();
    blob[20] ^= 1;
    assert!(Pool::restore(&blob).is_err());
}

#[test]
fn bet_many_is_all_or_nothing() {
    let mut p = Pool::new(PoolKind::Win, 3, None, rules(0)).unwrap();
    let e = p.bet_many(&[1, 2, 4], &[10, 10, 10]).unwrap_err();
    assert!(e.to_string().contains("row 2"));
    assert_eq!(p.ticket_count(), 0);
    assert_eq!(p.gross(), 0);
}

const KINDS: [PoolKind; 7] = PoolKind::ALL;

prop_compose! {
    fn pool_case()(kind in 0usize..7, n in 4usize..8, takeout in 0i64..300_000,
                   breakage in prop::sample::select(vec![1i64, 5, 10, 20]),
                   nearest in any::<bool>(), pool_split in any::<bool>(),
                   min_payout in 0i64..130, carry in any::<bool>(),
                   bets in prop::collection::vec((prop::collection::vec(1i64..9, 4), 1i64..5000), 0..40),
                   scratch in prop::option::of(1i64..9),
                   order in Just((1..=8).collect::<Vec<i64>>()).prop_shuffle(),
                   ties in prop::collection::vec(1usize..3, 4))
        -> (Pool, Vec<Vec<i64>>) {
        let kind = KINDS[kind];
        let rules = Rules {
            takeout_ppm: takeout, breakage,
            rounding: if nearest { Rounding::Nearest } else { Rounding::Down },
            split: if pool_split { Split::Pool } else { Split::Profit },
            min_payout,
            no_winner: if carry { NoWinner::Carryover } else { NoWinner::Refund },
            carryover_to: None,
        };
        let mut p = Pool::new(kind, n, None, rules).unwrap();
        for (sel, stake) in bets {
            let _ = p.bet(&sel[..kind.arity()], stake);
        }
        if let Some(r) = scratch { let _ = p.scratch(r); }
        let mut result = Vec::new();
        let mut it = order.into_iter().filter(|&r| r <= n as i64 && !p.scratched()[(r - 1) as usize]);
        for t in ties {
            let g: Vec<i64> = it.by_ref().take(t).collect();
            if g.is_empty() { break; }
            result.push(g);
        }
        (p, result)
    }
}

proptest! {
    #[test]
    fn prop_money_invariant((mut p, result) in pool_case()) {
        let s = p.dividends(&result).unwrap().clone();
        prop_assert!(invariant(&s), "{s:?}");
        if p.rules().rounding == Rounding::Down {
            prop_assert!(s.breakage >= 0);
        }
        prop_assert!(s.minus_pool >= 0);
        for w in &s.winners {
            prop_assert!(w.dividend >= p.rules().min_payout);
        }
        let q = Pool::restore(&p.snapshot()).unwrap();
        prop_assert_eq!(q.state_hash(), p.state_hash());
    }
}
