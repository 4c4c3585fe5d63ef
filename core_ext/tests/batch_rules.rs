//! The rules of the batch calls (`place_many`, `cancel_many`, `execute_many` in Python):
//! per-row results, never an error for the batch; sides 0/1; row references `-1 - j`;
//! accounts by table index; each row equal to the single call it stands for.

use pybet_core::exchange::batch::{self, Accounts, PlaceColumns, KIND_CANCEL, KIND_PLACE};
use pybet_core::exchange::{Exchange, PlaceRequest};
use pybet_core::ladder::parse_tick;
use pybet_core::types::{OrderType, Persistence, Side, TimeInForce};
use pybet_core::{ErrorCode, MarketSpec};

const M: &str = "1.1";
const REJECTED: u8 = 3;

fn exchange() -> Exchange {
    let mut ex = Exchange::new();
    let spec = MarketSpec {
        runners: vec![11, 12],
        places: 1,
        bet_delay_ms: 0,
        min_stake: 2,
    };
    ex.create_market(M, spec).unwrap();
    ex.open_market(M).unwrap();
    for account in ["a", "b"] {
        ex.deposit(account, 1_000_000).unwrap();
    }
    ex
}

fn one(name: &str) -> Accounts {
    Accounts {
        names: vec![name.to_owned()],
        rows: None,
    }
}

fn tick(price: &str) -> u16 {
    parse_tick(price).unwrap()
}

#[test]
fn each_row_is_placed_like_the_single_call() {
    let mut batched = exchange();
    let mut single = exchange();
    let runners = [11, 12, 11, 11];
    let sides = [0, 1, 1, 0];
    let ticks = [tick("2"), tick("3"), tick("2"), tick("2.02")];
    let sizes = [100, 200, 50, 30];
    let cols = PlaceColumns {
        runners: &runners,
        sides: &sides,
        ticks: &ticks,
        sizes: &sizes,
    };
    let accounts = Accounts {
        names: vec!["a".into(), "b".into()],
        rows: Some(vec![0, 1, 1, 0]),
    };
    let out = batch::place(&mut batched, M, &cols, &accounts);
    for i in 0..runners.len() {
        let req = PlaceRequest {
            market_id: M,
            runner: runners[i],
            side: if sides[i] == 0 { Side::Back } else { Side::Lay },
            tick: ticks[i],
            size: sizes[i],
            account: ["a", "b"][accounts.row(i)],
            client_order_id: None,
            time_in_force: TimeInForce::Gtc,
            min_fill_size: None,
            persistence: Persistence::Lapse,
        };
        let rep = single.place(&req).unwrap();
        assert_eq!(out.order_id[i], rep.order_id);
        assert_eq!(out.size_matched[i], rep.size_matched);
        assert_eq!(out.reject[i], 0);
        assert_eq!(out.status[i], batch::status_code(rep.status));
    }
    assert_eq!(
        out.size_matched[2], 50,
        "the lay at 2 matches the back at 2"
    );
    assert_eq!(batched.state_hash(), single.state_hash());
}

#[test]
fn bad_rows_are_reported_and_the_rest_go_on() {
    let mut ex = exchange();
    let runners = [11, 99, 11, 11, 11];
    let sides = [0, 0, 7, 0, 0];
    let ticks = [tick("2"), tick("2"), tick("2"), tick("2"), tick("2")];
    let sizes = [100, 100, 100, 1, 100];
    let cols = PlaceColumns {
        runners: &runners,
        sides: &sides,
        ticks: &ticks,
        sizes: &sizes,
    };
    let out = batch::place(&mut ex, M, &cols, &one("a"));
    let codes: Vec<u8> = out.reject.clone();
    assert_eq!(
        codes,
        vec![
            0,
            ErrorCode::UnknownRunner.as_u8(),
            ErrorCode::InvalidArgument.as_u8(), // side 7
            ErrorCode::BelowMinStake.as_u8(),
            0
        ]
    );
    assert_eq!(out.status[1], REJECTED);
    assert_eq!(out.order_id[1], 0);
    assert!(out.order_id[4] > out.order_id[0]);
}

#[test]
fn an_unknown_market_rejects_every_row() {
    let mut ex = exchange();
    let cols = PlaceColumns {
        runners: &[11, 12],
        sides: &[0, 1],
        ticks: &[tick("2"), tick("2")],
        sizes: &[100, 100],
    };
    let hash = ex.state_hash();
    let out = batch::place(&mut ex, "9.9", &cols, &one("a"));
    assert_eq!(out.reject, vec![ErrorCode::UnknownMarket.as_u8(); 2]);
    assert_eq!(ex.state_hash(), hash);
}

#[test]
fn a_cancel_row_may_name_an_earlier_row_of_the_same_batch() {
    let mut ex = exchange();
    let kinds = [KIND_PLACE, KIND_CANCEL, KIND_CANCEL, KIND_CANCEL, 9];
    // Row 1 reduces row 0 by 30; row 2 cancels the rest; row 3 names itself (not earlier).
    let targets = [0, -1, -1, -4, 0];
    let cols = PlaceColumns {
        runners: &[11, 0, 0, 0, 0],
        sides: &[0, 0, 0, 0, 0],
        ticks: &[tick("5"), 0, 0, 0, 0],
        sizes: &[100, 30, 0, 0, 0],
    };
    let out = batch::execute(&mut ex, M, &kinds, &cols, &targets, &one("a"));
    let placed = out.order_id[0];
    assert_eq!(out.order_id[1], placed);
    assert_eq!(out.size_cancelled[1], 30);
    assert_eq!(out.size_cancelled[2], 70);
    assert_eq!(out.reject[3], ErrorCode::InvalidArgument.as_u8());
    assert_eq!(
        out.reject[4],
        ErrorCode::InvalidArgument.as_u8(),
        "unknown kind"
    );
    assert_eq!(ex.order(placed).unwrap().remaining, 0);
}

#[test]
fn a_cancel_by_another_account_is_refused_per_row() {
    let mut ex = exchange();
    let cols = PlaceColumns {
        runners: &[11],
        sides: &[0],
        ticks: &[tick("5")],
        sizes: &[100],
    };
    let placed = batch::place(&mut ex, M, &cols, &one("a")).order_id[0];
    let out = batch::cancel(&mut ex, &[placed, 12345], &one("b"));
    assert_eq!(out.reject[0], ErrorCode::NotOwner.as_u8());
    assert_eq!(out.reject[1], ErrorCode::UnknownOrder.as_u8());
    let out = batch::cancel(&mut ex, &[placed], &one("a"));
    assert_eq!((out.reject[0], out.size_cancelled[0]), (0, 100));
}

#[test]
fn an_account_first_seen_in_the_batch_is_resolved_once_it_exists() {
    let mut ex = exchange();
    let cols = PlaceColumns {
        runners: &[11, 11],
        sides: &[0, 0],
        ticks: &[tick("5"), tick("5")],
        sizes: &[100, 100],
    };
    // "new" never deposited: both rows fail the funds check, and nothing is interned.
    let out = batch::place(&mut ex, M, &cols, &one("new"));
    assert_eq!(out.reject, vec![ErrorCode::InsufficientFunds.as_u8(); 2]);
    assert_eq!(ex.account_idx("new"), None);
}

#[test]
fn typed_rows_place_sp_bets_that_wait_for_the_off() {
    let mut ex = exchange();
    ex.enable_starting_price(M, Some(10)).unwrap();
    let cols = PlaceColumns {
        runners: &[11, 11, 11, 11],
        sides: &[0, 1, 0, 0],
        ticks: &[0, 0, tick("3"), tick("3")],
        sizes: &[1_000, 6_000, 100, 100],
    };
    // MOC back, MOC lay (liability), LOC back, then an unknown type.
    let out = batch::place_typed(&mut ex, M, &cols, &[1, 1, 2, 7], &one("a"));
    assert_eq!(&out.reject[..3], &[0, 0, 0]);
    assert_eq!(out.reject[3], ErrorCode::InvalidArgument.as_u8());
    assert_eq!(out.size_matched[..3], [0, 0, 0]);
    let types: Vec<OrderType> = out.order_id[..3]
        .iter()
        .map(|&id| ex.order(id).unwrap().order_type)
        .collect();
    assert_eq!(
        types,
        [
            OrderType::MarketOnClose,
            OrderType::MarketOnClose,
            OrderType::LimitOnClose
        ]
    );
    ex.reconcile_starting_price(M).unwrap();
    // 1,100 backed (the LOC back at 3.0 is in: 1 + 6000/1100 = 6.45 >= 3.0) against 6,000.
    assert_eq!(ex.starting_prices(M).unwrap()[0].actual, Some(64_545));
}

#[test]
fn execute_rows_take_a_time_in_force_and_a_minimum_fill() {
    use pybet_core::exchange::batch::RowOptions;
    let mut ex = exchange();
    // A resting lay of 100 at 3.0; then an IOC back for 150 (fills 100, the rest expires),
    // a FOK back for 50 with nothing left (killed), and a GTC back for 20 that rests.
    let lay = batch::place(
        &mut ex,
        M,
        &PlaceColumns {
            runners: &[11],
            sides: &[1],
            ticks: &[tick("3")],
            sizes: &[100],
        },
        &one("b"),
    );
    assert_eq!(lay.reject, vec![0]);
    let opts = RowOptions {
        time_in_force: &[1, 2, 0],
        min_fill_sizes: &[0, 0, 0],
        ..RowOptions::default()
    };
    let cols = PlaceColumns {
        runners: &[11, 11, 11],
        sides: &[0, 0, 0],
        ticks: &[tick("3"), tick("3"), tick("3")],
        sizes: &[150, 50, 20],
    };
    let out = batch::execute_with(
        &mut ex,
        M,
        &[KIND_PLACE; 3],
        &cols,
        &[0, 0, 0],
        &opts,
        &one("a"),
    );
    assert_eq!(out.size_matched, vec![100, 0, 0]);
    assert_eq!(out.size_cancelled[..2], [50, 50]);
    assert_eq!(out.status[..2], [2, 2]); // complete: nothing rests
    assert_eq!(out.status[2], 1); // the GTC row rests
    let bad = RowOptions {
        time_in_force: &[9],
        ..RowOptions::default()
    };
    let out = batch::execute_with(&mut ex, M, &[KIND_PLACE], &cols, &[0], &bad, &one("a"));
    assert_eq!(out.reject, vec![ErrorCode::InvalidArgument.as_u8()]);
}
