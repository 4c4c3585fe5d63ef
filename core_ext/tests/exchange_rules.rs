//! Unit tests of the matching rules of spec section 2, on the Rust API.

use pybet_core::events::EventKind;
use pybet_core::exchange::{Exchange, OrderTerms, PlaceReport, PlaceRequest};
use pybet_core::ladder::parse_tick;
use pybet_core::types::{Persistence, Side, TimeInForce};
use pybet_core::{CancelReason, ErrorCode, MarketSpec, OrderStatus};

const M: &str = "1.1";

fn exchange(delay: i64) -> Exchange {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: delay,
        min_stake: 2,
    };
    ex.create_market(M, spec).unwrap();
    ex.open_market(M).unwrap();
    // Orders hold their exposure against a balance: fund every account these tests use.
    for account in ["a", "b", "l", "l1", "l2", "t", "x"] {
        ex.deposit(account, 1_000_000_000).unwrap();
    }
    ex
}

fn place(ex: &mut Exchange, side: Side, price: &str, size: i64, account: &str) -> PlaceReport {
    place_with(
        ex,
        side,
        price,
        size,
        account,
        TimeInForce::Gtc,
        None,
        Persistence::Lapse,
    )
}

#[allow(clippy::too_many_arguments)]
fn place_with(
    ex: &mut Exchange,
    side: Side,
    price: &str,
    size: i64,
    account: &str,
    tif: TimeInForce,
    min_fill: Option<i64>,
    persistence: Persistence,
) -> PlaceReport {
    let req = PlaceRequest {
        market_id: M,
        runner: 1,
        side,
        tick: parse_tick(price).unwrap(),
        size,
        account,
        client_order_id: None,
        time_in_force: tif,
        min_fill_size: min_fill,
        persistence,
    };
    ex.place(&req).unwrap()
}

#[test]
fn taker_gets_the_resting_price_best_first() {
    let mut ex = exchange(0);
    place(&mut ex, Side::Lay, "2.0", 100, "l1");
    place(&mut ex, Side::Lay, "2.2", 100, "l2");
    let rep = place(&mut ex, Side::Back, "2.0", 150, "t");
    let fills: Vec<_> = rep.fills.iter().map(|f| (f.tick, f.size)).collect();
    assert_eq!(
        fills,
        vec![
            (parse_tick("2.2").unwrap(), 100),
            (parse_tick("2.0").unwrap(), 50)
        ]
    );
}

#[test]
fn time_priority_within_a_level_and_partial_fills() {
    let mut ex = exchange(0);
    let a = place(&mut ex, Side::Back, "3.0", 100, "a").order_id;
    let b = place(&mut ex, Side::Back, "3.0", 100, "b").order_id;
    let rep = place(&mut ex, Side::Lay, "3.0", 150, "t");
    assert_eq!(
        rep.fills.iter().map(|f| f.maker_order).collect::<Vec<_>>(),
        vec![a, b]
    );
    assert_eq!(ex.order(b).unwrap().remaining, 50);
}

#[test]
fn ioc_and_fok() {
    let mut ex = exchange(0);
    place(&mut ex, Side::Lay, "2.0", 100, "l");
    let ioc = place_with(
        &mut ex,
        Side::Back,
        "2.0",
        300,
        "t",
        TimeInForce::Ioc,
        None,
        Persistence::Lapse,
    );
    assert_eq!(
        (ioc.size_matched, ioc.size_cancelled, ioc.size_remaining),
        (100, 200, 0)
    );
    place(&mut ex, Side::Lay, "2.0", 100, "l");
    let fok = place_with(
        &mut ex,
        Side::Back,
        "2.0",
        300,
        "t",
        TimeInForce::Fok,
        None,
        Persistence::Lapse,
    );
    assert_eq!((fok.size_matched, fok.size_cancelled), (0, 300));
    let fok_min = place_with(
        &mut ex,
        Side::Back,
        "2.0",
        300,
        "t",
        TimeInForce::Fok,
        Some(100),
        Persistence::Lapse,
    );
    assert_eq!((fok_min.size_matched, fok_min.size_cancelled), (100, 200));
}

#[test]
fn self_match_skipped() {
    let mut ex = exchange(0);
    let own = place(&mut ex, Side::Lay, "2.0", 100, "a").order_id;
    let rep = place(&mut ex, Side::Back, "2.0", 100, "a");
    assert!(rep.fills.is_empty());
    assert_eq!(ex.order(own).unwrap().remaining, 100);
}

#[test]
fn reduction_keeps_queue_position_and_cancel_checks_owner() {
    let mut ex = exchange(0);
    let first = place(&mut ex, Side::Lay, "2.0", 100, "a").order_id;
    place(&mut ex, Side::Lay, "2.0", 100, "b");
    assert_eq!(ex.cancel(first, "b", None), Err(ErrorCode::NotOwner));
    assert_eq!(ex.cancel(99, "a", None), Err(ErrorCode::UnknownOrder));
    let rep = ex.cancel(first, "a", Some(40)).unwrap();
    assert_eq!((rep.size_cancelled, rep.size_remaining), (40, 60));
    let fill = place(&mut ex, Side::Back, "2.0", 10, "t");
    assert_eq!(fill.fills[0].maker_order, first);
}

#[test]
fn rejections_change_nothing() {
    let mut ex = exchange(0);
    let hash = ex.state_hash();
    assert_eq!(
        place(&mut ex, Side::Back, "2.0", 0, "x").reject,
        Some(ErrorCode::InvalidSize)
    );
    assert_eq!(
        place(&mut ex, Side::Back, "2.0", 1, "x").reject,
        Some(ErrorCode::BelowMinStake)
    );
    ex.suspend_market(M).unwrap();
    let suspended = ex.state_hash();
    assert_eq!(
        place(&mut ex, Side::Back, "2.0", 5, "x").reject,
        Some(ErrorCode::MarketNotOpen)
    );
    assert_eq!(ex.state_hash(), suspended);
    assert_ne!(hash, suspended);
}

#[test]
fn in_play_lapses_lapse_orders_and_delay_releases_in_order() {
    let mut ex = exchange(1_000);
    let lapse = place(&mut ex, Side::Back, "3.0", 100, "a").order_id;
    let persist = place_with(
        &mut ex,
        Side::Back,
        "3.0",
        100,
        "a",
        TimeInForce::Gtc,
        None,
        Persistence::Persist,
    )
    .order_id;
    ex.turn_in_play(M).unwrap();
    assert_eq!(ex.order(lapse).unwrap().cancelled, 100);
    assert_eq!(ex.order(persist).unwrap().remaining, 100);
    let pending = place(&mut ex, Side::Lay, "3.0", 50, "b");
    assert_eq!(pending.status, Some(OrderStatus::Pending));
    assert!(ex.advance_time(999).is_empty());
    let released = ex.advance_time(1_000);
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].size_matched, 50);
    let waiting = place(&mut ex, Side::Lay, "3.0", 50, "b").order_id;
    ex.suspend_market(M).unwrap();
    let lapsed = ex.drain_events().into_iter().any(|e| {
        matches!(e.kind, EventKind::OrderCancelled { order_id, reason: CancelReason::Lapsed, .. } if order_id == waiting)
    });
    assert!(lapsed);
}

#[test]
fn replace_is_atomic() {
    let mut ex = exchange(0);
    let id = place(&mut ex, Side::Back, "3.0", 100, "a").order_id;
    ex.suspend_market(M).unwrap();
    let rep = ex.replace(id, parse_tick("3.5").unwrap(), "a").unwrap();
    assert_eq!(rep.reject, Some(ErrorCode::MarketNotOpen));
    assert_eq!(ex.order(id).unwrap().remaining, 100);
    // A rejected replace still says what the order would have been.
    let terms = OrderTerms {
        market: 0,
        runner: 0,
        side: Side::Back,
        tick: parse_tick("3.5").unwrap(),
        size: 100,
    };
    assert_eq!((rep.order_id, rep.terms), (0, terms));
    ex.resume_market(M).unwrap();
    let rep = ex.replace(id, parse_tick("3.5").unwrap(), "a").unwrap();
    assert!(rep.reject.is_none());
    assert_eq!(
        ex.order(rep.order_id).unwrap().tick,
        parse_tick("3.5").unwrap()
    );
    assert_eq!(ex.order(id).unwrap().cancelled, 100);
}

#[test]
fn reports_carry_the_terms_of_their_order() {
    let mut ex = exchange(0);
    let rep = place(&mut ex, Side::Lay, "4.0", 300, "a");
    let o = ex.order(rep.order_id).unwrap();
    assert_eq!(
        rep.terms,
        OrderTerms {
            market: o.market,
            runner: o.runner,
            side: Side::Lay,
            tick: o.tick,
            size: 300
        }
    );
    let rejected = place(&mut ex, Side::Back, "4.0", 1, "a");
    assert_eq!(rejected.reject, Some(ErrorCode::BelowMinStake));
    assert_eq!((rejected.terms.side, rejected.terms.size), (Side::Back, 1));
}

#[test]
fn orders_where_filters_by_account_market_and_liveness() {
    let mut ex = exchange(0);
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 2,
    };
    ex.create_market("1.2", spec).unwrap();
    ex.open_market("1.2").unwrap();
    let a1 = place(&mut ex, Side::Back, "3.0", 100, "a").order_id;
    let b1 = place(&mut ex, Side::Lay, "3.0", 100, "b").order_id; // fills a1 whole
    let a2 = place(&mut ex, Side::Back, "5.0", 100, "a").order_id;
    let ids = |v: Vec<&pybet_core::Order>| v.iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(
        ids(ex.orders_where(None, None, false).unwrap()),
        [a1, b1, a2]
    );
    assert_eq!(
        ids(ex.orders_where(Some("a"), None, false).unwrap()),
        [a1, a2]
    );
    assert_eq!(ids(ex.orders_where(Some("a"), None, true).unwrap()), [a2]);
    assert_eq!(ids(ex.orders_where(None, Some(M), true).unwrap()), [a2]);
    assert!(ex
        .orders_where(None, Some("1.2"), false)
        .unwrap()
        .is_empty());
    assert!(ex
        .orders_where(Some("nobody"), None, false)
        .unwrap()
        .is_empty());
    assert_eq!(
        ex.orders_where(None, Some("9.9"), false).unwrap_err(),
        ErrorCode::UnknownMarket
    );
}

#[test]
fn a_place_that_errs_leaves_the_clock_alone() {
    let mut ex = exchange(0);
    let hash = ex.state_hash();
    let mut req = PlaceRequest {
        market_id: "9.9",
        runner: 1,
        side: Side::Back,
        tick: parse_tick("2").unwrap(),
        size: 100,
        account: "a",
        client_order_id: None,
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Lapse,
    };
    assert_eq!(
        ex.place_timed(&req, Some(5_000)).unwrap_err(),
        ErrorCode::UnknownMarket
    );
    assert_eq!((ex.now_ms(), ex.state_hash()), (0, hash));
    req.market_id = M;
    ex.place_timed(&req, Some(5_000)).unwrap();
    assert_eq!(ex.now_ms(), 5_000);
}

#[test]
fn a_settled_markets_client_order_ids_are_free_again() {
    let mut ex = exchange(0);
    let mut req = PlaceRequest {
        market_id: M,
        runner: 1,
        side: Side::Back,
        tick: parse_tick("3").unwrap(),
        size: 100,
        account: "a",
        client_order_id: Some("c-1"),
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Lapse,
    };
    ex.place(&req).unwrap();
    assert_eq!(
        ex.place(&req).unwrap().reject,
        Some(ErrorCode::DuplicateClientOrderId)
    );
    ex.settle_market(M, &[1], &[]).unwrap();
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 2,
    };
    ex.create_market("1.2", spec).unwrap();
    ex.open_market("1.2").unwrap();
    req.market_id = "1.2";
    let restored = Exchange::restore(&ex.snapshot()).unwrap();
    assert!(ex.place(&req).unwrap().reject.is_none());
    let mut restored = restored;
    assert!(restored.place(&req).unwrap().reject.is_none());
    assert_eq!(restored.state_hash(), ex.state_hash());
}
