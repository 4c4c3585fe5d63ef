//! Spec section 8a on the Rust API: a settled or voided market's orders leave the engine, so
//! the snapshot, the state hash and the order listing follow what is live, not history.

use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::ladder::parse_tick;
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::MarketSpec;

fn market(ex: &mut Exchange, id: &str) {
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market(id, spec).unwrap();
    ex.open_market(id).unwrap();
}

fn place<'a>(
    m: &'a str,
    side: Side,
    price: &str,
    account: &'a str,
    coid: Option<&'a str>,
) -> PlaceRequest<'a> {
    PlaceRequest {
        market_id: m,
        runner: 1,
        side,
        tick: parse_tick(price).unwrap(),
        size: 100,
        account,
        client_order_id: coid,
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Lapse,
    }
}

/// `n` orders in market `m`, every one finished: pairs that match, then a cancelled one.
fn trade(ex: &mut Exchange, m: &str, n: usize) {
    for i in 0..n / 3 {
        let coid = format!("c{i}");
        ex.place(&place(m, Side::Back, "2.0", "alice", Some(&coid)))
            .unwrap();
        ex.place(&place(m, Side::Lay, "2.0", "bob", None)).unwrap();
        let rest = ex
            .place(&place(m, Side::Back, "3.0", "carol", None))
            .unwrap();
        ex.cancel(rest.order_id, "carol", None).unwrap();
    }
}

fn funded() -> Exchange {
    let mut ex = Exchange::new();
    for a in ["alice", "bob", "carol"] {
        ex.deposit(a, 1_000_000_000_000).unwrap();
    }
    market(&mut ex, "live");
    ex.place(&place("live", Side::Back, "5.0", "alice", Some("keep")))
        .unwrap();
    ex
}

#[test]
fn a_settled_markets_orders_leave_the_snapshot_and_the_listing() {
    let mut ex = funded();
    let before = ex.snapshot().len();
    market(&mut ex, "race");
    trade(&mut ex, "race", 30_000);
    assert_eq!(
        ex.orders_where(None, Some("race"), false).unwrap().len(),
        30_000
    );
    // every one of them in the snapshot (15 bytes is less than any order takes)
    assert!(ex.snapshot().len() > before + 30_000 * 15);

    ex.settle_market("race", &[1], &[]).unwrap();
    assert!(ex
        .orders_where(None, Some("race"), false)
        .unwrap()
        .is_empty());
    assert_eq!(
        ex.held_order_count(),
        1,
        "only the live market's order is held"
    );
    assert_eq!(ex.order_count(), 30_001, "ids stay monotonic");
    assert!(
        ex.market("race").unwrap().books.is_empty(),
        "its books are freed"
    );
    assert_eq!(ex.book("race", 1, 5).unwrap(), (Vec::new(), Vec::new()));
    let (winners, results) = ex.settlement_result("race").unwrap().unwrap();
    assert_eq!(winners, &[0]);
    let pnl: Vec<(u32, i64)> = results.iter().map(|r| (r.account, r.pnl)).collect();
    // alice backed 10,000 pairs at 2.0 for 100 and won; bob laid them; carol's were cancelled.
    assert_eq!(pnl, vec![(0, 1_000_000), (1, -1_000_000), (2, 0)]);
    assert_eq!(ex.settlement_result("live").unwrap(), None);
    let after = ex.snapshot().len();
    assert!(
        after < before + 2_048,
        "snapshot {before} bytes before the market, {after} after its settlement"
    );
    // The live market is untouched and a client order id of the settled market is free.
    assert!(ex.order(1).is_some());
    let again = ex
        .place(&place("live", Side::Back, "5.0", "alice", Some("c0")))
        .unwrap();
    assert_eq!(again.order_id, 30_002);
}

#[test]
fn a_voided_markets_orders_leave_too_and_a_restore_keeps_the_hash() {
    let mut ex = funded();
    market(&mut ex, "race");
    trade(&mut ex, "race", 300);
    ex.void_market("race").unwrap();
    assert!(ex
        .orders_where(None, Some("race"), false)
        .unwrap()
        .is_empty());
    let copy = Exchange::restore(&ex.snapshot()).unwrap();
    assert_eq!(copy.state_hash(), ex.state_hash());
    assert_eq!(copy.order_count(), ex.order_count());
    assert_eq!(copy.held_order_count(), 1);
}

#[test]
fn the_same_live_state_gives_the_same_hash_whatever_history_came_before() {
    let mut a = funded();
    let mut b = funded();
    market(&mut a, "race");
    trade(&mut a, "race", 3_000);
    a.void_market("race").unwrap();
    // The same accounts, the same number of orders, but none of them matched.
    market(&mut b, "race");
    for _ in 0..1_000 {
        for (account, price) in [("alice", "2.0"), ("bob", "2.2"), ("carol", "3.0")] {
            b.place(&place("race", Side::Back, price, account, None))
                .unwrap();
        }
    }
    b.void_market("race").unwrap();
    assert_eq!(a.order_count(), b.order_count());
    assert_eq!(a.state_hash(), b.state_hash());
}

#[test]
fn freed_slots_are_reused_without_changing_any_order() {
    let mut ex = funded();
    for round in 0..5 {
        let m = format!("race{round}");
        market(&mut ex, &m);
        trade(&mut ex, &m, 3_000);
        ex.settle_market(&m, &[2], &[]).unwrap();
    }
    let live = ex.order(1).unwrap();
    assert_eq!((live.size, live.remaining), (100, 100));
    assert_eq!(ex.held_order_count(), 1);
    let next = ex
        .place(&place("live", Side::Lay, "4.0", "bob", None))
        .unwrap();
    assert_eq!(ex.order(next.order_id).unwrap().remaining, 100);
}

#[test]
fn a_purged_market_keeps_nothing_but_its_slot_and_its_id_can_be_used_again() {
    use pybet_core::ErrorCode;
    let mut ex = funded();
    market(&mut ex, "race");
    trade(&mut ex, "race", 300);
    assert_eq!(ex.purge_market("race"), Err(ErrorCode::InvalidState));
    ex.settle_market("race", &[1], &[]).unwrap();
    let settled = ex.snapshot().len();
    ex.purge_market("race").unwrap();
    assert!(ex.snapshot().len() < settled, "the result is dropped");
    assert_eq!(
        ex.settlement_result("race").err(),
        Some(ErrorCode::UnknownMarket)
    );
    assert_eq!(ex.purge_market("race"), Err(ErrorCode::UnknownMarket));
    assert!(ex.markets().all(|m| m.id != "race"));
    // restore keeps it purged, with the same hash
    let copy = Exchange::restore(&ex.snapshot()).unwrap();
    assert_eq!(copy.state_hash(), ex.state_hash());
    assert!(copy.market("race").is_err());
    // the id is free again: a new market of that name trades as any other
    market(&mut ex, "race");
    ex.place(&place("race", Side::Back, "2.0", "alice", None))
        .unwrap();
    assert_eq!(ex.orders_where(None, Some("race"), false).unwrap().len(), 1);
    let copy = Exchange::restore(&ex.snapshot()).unwrap();
    assert_eq!(copy.state_hash(), ex.state_hash());
}
