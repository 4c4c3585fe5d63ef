//! Betfair Starting Price on the Rust API (spec section 2a), hand-worked: every figure is
//! checkable on paper (money in minor units; prices in 1e-4 fixed point, 70_000 = 7.0).

use pybet_core::events::EventKind;
use pybet_core::exchange::{Exchange, PlaceReport, PlaceRequest};
use pybet_core::ladder::parse_tick;
use pybet_core::types::{OrderType, Persistence, Side, TimeInForce};
use pybet_core::{CancelReason, ErrorCode, MarketSpec, OrderStatus};

const M: &str = "1.1";

fn exchange() -> Exchange {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![1, 2],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 2,
    };
    ex.create_market(M, spec).unwrap();
    ex.enable_starting_price(M, Some(10)).unwrap();
    ex.open_market(M).unwrap();
    for a in ["b1", "b2", "l1", "l2", "x"] {
        ex.deposit(a, 1_000_000).unwrap();
    }
    ex
}

fn request<'a>(side: Side, price: &str, size: i64, account: &'a str) -> PlaceRequest<'a> {
    PlaceRequest {
        market_id: M,
        runner: 1,
        side,
        tick: parse_tick(price).unwrap(),
        size,
        account,
        client_order_id: None,
        time_in_force: TimeInForce::Gtc,
        min_fill_size: None,
        persistence: Persistence::Lapse,
    }
}

fn sp(ex: &mut Exchange, side: Side, size: i64, account: &str) -> PlaceReport {
    let req = request(side, "1.01", size, account);
    ex.place_starting_price(&req, OrderType::MarketOnClose)
        .unwrap()
}

fn sp_limit(ex: &mut Exchange, side: Side, limit: &str, size: i64, account: &str) -> PlaceReport {
    let req = request(side, limit, size, account);
    ex.place_starting_price(&req, OrderType::LimitOnClose)
        .unwrap()
}

fn limit(ex: &mut Exchange, side: Side, price: &str, size: i64, account: &str) -> PlaceReport {
    ex.place(&request(side, price, size, account)).unwrap()
}

fn sp_of(ex: &Exchange) -> Option<i64> {
    ex.starting_prices(M).unwrap()[0].actual
}

/// Per (back order, lay order): the stake of every SP fill, in emission order.
fn sp_fills(ex: &mut Exchange) -> Vec<(u64, u64, i64, i64)> {
    ex.drain_events()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::StartingPriceFill {
                back_order,
                lay_order,
                price,
                size,
                ..
            } => Some((back_order, lay_order, price, size)),
            _ => None,
        })
        .collect()
}

#[test]
fn far_price_and_the_sp_of_market_on_close_bets() {
    // Betfair's example: 1,000 backed against 6,000 of lay liability gives 7.0.
    let mut ex = exchange();
    let back = sp(&mut ex, Side::Back, 1_000, "b1").order_id;
    let lay = sp(&mut ex, Side::Lay, 6_000, "l1").order_id;
    let view = ex.starting_prices(M).unwrap()[0];
    assert_eq!(
        (view.far, view.near, view.actual),
        (Some(70_000), Some(70_000), None)
    );
    // Until the off an SP bet holds its whole amount: the back's stake, the lay's liability.
    assert_eq!(ex.exposure("b1", M), Ok(1_000));
    assert_eq!(ex.exposure("l1", M), Ok(6_000));
    ex.drain_events();
    ex.turn_in_play(M).unwrap();
    assert_eq!(sp_of(&ex), Some(70_000));
    assert_eq!(sp_fills(&mut ex), vec![(back, lay, 70_000, 1_000)]);
    let (b, l) = (ex.order(back).unwrap(), ex.order(lay).unwrap());
    assert_eq!(
        (b.matched, b.remaining, b.status),
        (1_000, 0, OrderStatus::ExecutionComplete)
    );
    assert_eq!((l.matched, l.remaining), (1_000, 0)); // stake 6000 / (7 - 1)
                                                      // Settled: the backer wins 6,000, the layer pays it.
    let rep = ex.settle_market(M, &[1], &[]).unwrap();
    let pnl: Vec<i64> = rep.accounts.iter().map(|a| a.pnl).collect();
    assert_eq!(pnl.iter().sum::<i64>() + rep.residue, 0);
    assert_eq!(ex.balance("b1"), 1_006_000);
    assert_eq!(ex.balance("l1"), 994_000);
}

#[test]
fn the_short_side_is_filled_whole_and_the_excess_lapses() {
    // 6,000 backed against 1,000 liability: SP = 1 + 1000/6000 = 1.1667 (rounded). The lay's
    // stake is floor(1000 / 0.1667) = 5,998, so 2 of the back stake lapse.
    let mut ex = exchange();
    let back = sp(&mut ex, Side::Back, 6_000, "b1").order_id;
    let lay = sp(&mut ex, Side::Lay, 1_000, "l1").order_id;
    ex.reconcile_starting_price(M).unwrap();
    assert_eq!(sp_of(&ex), Some(11_667));
    let b = ex.order(back).unwrap();
    assert_eq!((b.matched, b.cancelled), (5_998, 2));
    let l = ex.order(lay).unwrap();
    assert_eq!(l.matched, 5_998);
    // 5998 * 0.1667 = 999.8666: 1,000 of liability used (rounded up), nothing returned.
    assert_eq!(l.cancelled, 0);
    let rep = ex.settle_market(M, &[2], &[]).unwrap();
    assert_eq!(
        rep.accounts.iter().map(|a| a.pnl).sum::<i64>() + rep.residue,
        0
    );
}

#[test]
fn limit_on_close_backs_and_lays_take_part_only_within_their_limits() {
    let mut ex = exchange();
    sp(&mut ex, Side::Back, 1_000, "b1");
    let high = sp_limit(&mut ex, Side::Back, "8", 1_000, "b2").order_id; // above 7.0: out
    sp(&mut ex, Side::Lay, 6_000, "l1");
    let low_lay = sp_limit(&mut ex, Side::Lay, "5", 6_000, "l2").order_id; // below 7.0: out
    ex.reconcile_starting_price(M).unwrap();
    assert_eq!(sp_of(&ex), Some(70_000));
    for id in [high, low_lay] {
        let o = ex.order(id).unwrap();
        assert_eq!((o.matched, o.remaining, o.cancelled), (0, 0, o.size));
    }
    // A back limit below the SP takes part (1 + 6000/2000 = 4.0 >= 3.5).
    let mut ex = exchange();
    sp(&mut ex, Side::Back, 1_000, "b1");
    let low = sp_limit(&mut ex, Side::Back, "3.5", 1_000, "b2").order_id;
    sp(&mut ex, Side::Lay, 6_000, "l1");
    ex.reconcile_starting_price(M).unwrap();
    assert_eq!(sp_of(&ex), Some(40_000));
    assert_eq!(ex.order(low).unwrap().matched, 1_000);
}

#[test]
fn unmatched_exchange_lays_absorb_sp_backs_marginal_ones_in_time_priority() {
    // SP backs 100 against lays resting 50 at 3.0 and 30 + 50 at 2.5: at 2.5 there is 130 to
    // lay, above it 50: the SP is 2.5; the lay at 3.0 fills whole, the marginal lays at 2.5
    // share the other 50 in time priority (30 then 20).
    let mut ex = exchange();
    let l3 = limit(&mut ex, Side::Lay, "3", 50, "l1").order_id;
    let l25a = limit(&mut ex, Side::Lay, "2.5", 30, "l2").order_id;
    let l25b = limit(&mut ex, Side::Lay, "2.5", 50, "l1").order_id;
    let back = sp(&mut ex, Side::Back, 100, "b1").order_id;
    assert_eq!(ex.starting_prices(M).unwrap()[0].near, Some(25_000));
    assert_eq!(ex.starting_prices(M).unwrap()[0].far, None);
    ex.drain_events();
    ex.turn_in_play(M).unwrap();
    assert_eq!(sp_of(&ex), Some(25_000));
    assert_eq!(
        sp_fills(&mut ex),
        vec![
            (back, l3, 25_000, 50),
            (back, l25a, 25_000, 30),
            (back, l25b, 25_000, 20)
        ]
    );
    assert_eq!(ex.order(l25b).unwrap().matched, 20);
    // The rest of the LAPSE order lapsed at the off, after the reconciliation.
    assert_eq!(ex.order(l25b).unwrap().cancelled, 30);
    assert_eq!(ex.book(M, 1, 5).unwrap().0, vec![]);
    assert_eq!(ex.order(back).unwrap().matched, 100);
}

#[test]
fn unmatched_exchange_backs_absorb_sp_lays_inside_an_interval() {
    // SP lay liability 600 against backs resting 100 at 4.0 and 100 at 8.0: SP = 7.0, the lay's
    // stake is 100, matched with the back at 4.0 (the one at 8.0 is not eligible above 7.0).
    let mut ex = exchange();
    let b4 = limit(&mut ex, Side::Back, "4", 100, "b1").order_id;
    let b8 = limit(&mut ex, Side::Back, "8", 100, "b2").order_id;
    let lay = sp(&mut ex, Side::Lay, 600, "l1").order_id;
    ex.reconcile_starting_price(M).unwrap();
    assert_eq!(sp_of(&ex), Some(70_000));
    assert_eq!(ex.order(b4).unwrap().matched, 100);
    assert_eq!(ex.order(b8).unwrap().matched, 0);
    assert_eq!(ex.order(lay).unwrap().matched, 100);
    // The back at 4.0 got 7.0: its average matched price is the SP.
    let o = ex.order(b4).unwrap();
    assert_eq!(o.matched_value / o.matched as u64, 70_000);
}

#[test]
fn a_market_on_close_limit_order_converts_at_the_off() {
    let mut ex = exchange();
    let mut req = request(Side::Back, "10", 500, "b1");
    req.persistence = Persistence::MarketOnClose;
    let moc_back = ex.place(&req).unwrap().order_id;
    let mut req = request(Side::Lay, "4", 100, "l1"); // liability 100 * 3 = 300
    req.persistence = Persistence::MarketOnClose;
    let moc_lay = ex.place(&req).unwrap().order_id;
    let mut req = request(Side::Lay, "1.02", 100, "l2"); // liability 2 < 10: lapses
    req.persistence = Persistence::MarketOnClose;
    let tiny = ex.place(&req).unwrap().order_id;
    ex.drain_events();
    ex.turn_in_play(M).unwrap();
    let reasons: Vec<(u64, CancelReason)> = ex
        .drain_events()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::OrderCancelled {
                order_id, reason, ..
            } if order_id <= tiny => Some((order_id, reason)),
            _ => None,
        })
        .collect();
    assert!(reasons.contains(&(moc_back, CancelReason::ToStartingPrice)));
    assert!(reasons.contains(&(moc_lay, CancelReason::ToStartingPrice)));
    assert!(reasons.contains(&(tiny, CancelReason::Lapsed)));
    // 500 backed against 300 liability: SP = 1 + 300/500 = 1.6.
    assert_eq!(sp_of(&ex), Some(16_000));
    let sp_orders: Vec<_> = ex.orders().filter(|o| o.id > tiny).collect();
    assert_eq!(sp_orders.len(), 2);
    assert!(sp_orders
        .iter()
        .all(|o| o.order_type == OrderType::MarketOnClose));
    assert_eq!(sp_orders[0].matched, 500);
}

#[test]
fn sp_bets_are_refused_where_and_when_they_do_not_belong() {
    let mut ex = exchange();
    // Below the minimum liability (10) for a lay, below the minimum stake (2) for a back.
    assert_eq!(
        sp(&mut ex, Side::Lay, 9, "l1").reject,
        Some(ErrorCode::BelowMinStake)
    );
    assert_eq!(
        sp(&mut ex, Side::Back, 1, "b1").reject,
        Some(ErrorCode::BelowMinStake)
    );
    assert_eq!(
        sp(&mut ex, Side::Back, 0, "b1").reject,
        Some(ErrorCode::InvalidSize)
    );
    // A market without SP.
    let spec = MarketSpec {
        runners: vec![1],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 1,
    };
    ex.create_market("1.2", spec).unwrap();
    ex.open_market("1.2").unwrap();
    let mut req = request(Side::Back, "2", 100, "b1");
    req.market_id = "1.2";
    let rep = ex
        .place_starting_price(&req, OrderType::MarketOnClose)
        .unwrap();
    assert_eq!(rep.reject, Some(ErrorCode::InvalidArgument));
    req.persistence = Persistence::MarketOnClose;
    assert_eq!(
        ex.place(&req).unwrap().reject,
        Some(ErrorCode::InvalidArgument)
    );
    // After the off.
    ex.reconcile_starting_price(M).unwrap();
    assert_eq!(
        sp(&mut ex, Side::Back, 100, "b1").reject,
        Some(ErrorCode::MarketNotOpen)
    );
    assert_eq!(ex.reconcile_starting_price(M), Err(ErrorCode::InvalidState));
    // A replace has no price to move on an SP bet.
    let mut ex = exchange();
    let id = sp(&mut ex, Side::Back, 100, "b1").order_id;
    let rep = ex.replace(id, parse_tick("3").unwrap(), "b1").unwrap();
    assert_eq!(rep.reject, Some(ErrorCode::InvalidArgument));
}

#[test]
fn cancelling_an_sp_bet_frees_its_exposure_and_no_counterparty_lapses_all() {
    let mut ex = exchange();
    let id = sp(&mut ex, Side::Lay, 600, "l1").order_id;
    assert_eq!(ex.available("l1"), 1_000_000 - 600);
    let rep = ex.cancel(id, "l1", Some(100)).unwrap();
    assert_eq!(rep.size_cancelled, 100);
    assert_eq!(ex.exposure("l1", M), Ok(500));
    let back = sp(&mut ex, Side::Back, 100, "b1").order_id;
    ex.cancel(id, "l1", None).unwrap();
    assert_eq!(ex.exposure("l1", M), Ok(0));
    // Only a back is left: no SP, and the back lapses.
    ex.reconcile_starting_price(M).unwrap();
    assert_eq!(sp_of(&ex), None);
    let b = ex.order(back).unwrap();
    assert_eq!((b.matched, b.cancelled), (0, 100));
    assert_eq!(ex.exposure("b1", M), Ok(0));
}

#[test]
fn projections_change_nothing_and_a_snapshot_carries_the_sp_book() {
    let mut ex = exchange();
    sp(&mut ex, Side::Back, 1_000, "b1");
    sp_limit(&mut ex, Side::Lay, "9", 6_000, "l1");
    limit(&mut ex, Side::Back, "12", 50, "b2");
    let hash = ex.state_hash();
    let view = ex.starting_prices(M).unwrap();
    assert_eq!(ex.state_hash(), hash);
    let restored = Exchange::restore(&ex.snapshot()).unwrap();
    assert_eq!(restored.state_hash(), hash);
    assert_eq!(restored.starting_prices(M).unwrap(), view);
    let mut restored = restored;
    ex.reconcile_starting_price(M).unwrap();
    restored.reconcile_starting_price(M).unwrap();
    assert_eq!(restored.state_hash(), ex.state_hash());
    assert_eq!(sp_of(&restored), sp_of(&ex));
}
