"""The matching rules of spec section 2, one test per rule, through the Python API."""

from __future__ import annotations

import pytest

import pybet
from pybet import OrderStatus, Persistence, Side, TimeInForce

M = "1.1"


# Orders hold their exposure against a balance: every account these tests use is funded.
ACCOUNTS = ("a", "alice", "b", "b1", "b2", "bob", "carol", "l", "l1", "l2", "l3", "t", "taker")


def funded() -> pybet.Exchange:
    ex = pybet.Exchange()
    for account in ACCOUNTS:
        ex.deposit(account, 10**12)
    return ex


@pytest.fixture
def ex() -> pybet.Exchange:
    ex = funded()
    ex.create_market(M, runners=[1, 2, 3], places=1)
    ex.open_market(M)
    return ex


def back(
    ex: pybet.Exchange, price: str, size: int, account: str = "a", **kw: object
) -> pybet.PlaceReport:
    return ex.place(M, 1, Side.BACK, price, size, account, **kw)  # type: ignore[arg-type]


def lay(
    ex: pybet.Exchange, price: str, size: int, account: str = "b", **kw: object
) -> pybet.PlaceReport:
    return ex.place(M, 1, Side.LAY, price, size, account, **kw)  # type: ignore[arg-type]


def test_resting_orders_show_on_the_right_side_of_the_book(ex: pybet.Exchange) -> None:
    back(ex, "3.0", 500)
    lay(ex, "2.5", 700)
    book = ex.book(M, 1)
    assert book.available_to_back == [(2.5, 700)]  # resting lays are what a backer can take
    assert book.available_to_lay == [(3.0, 500)]


def test_back_matches_lays_at_or_above_its_price_best_first_at_the_makers_price(
    ex: pybet.Exchange,
) -> None:
    lay(ex, "2.0", 100, "l1")
    lay(ex, "2.2", 100, "l2")
    lay(ex, "2.1", 100, "l3")
    rep = back(ex, "2.1", 250, "taker")
    assert [(f.price, f.size) for f in rep.fills] == [(2.2, 100), (2.1, 100)]
    assert rep.size_matched == 200
    assert rep.size_remaining == 50
    assert rep.status == OrderStatus.EXECUTABLE
    book = ex.book(M, 1)
    assert book.available_to_back == [(2.0, 100)]
    assert book.available_to_lay == [(2.1, 50)]


def test_lay_matches_backs_at_or_below_its_price_lowest_first(ex: pybet.Exchange) -> None:
    back(ex, "3.0", 100, "b1")
    back(ex, "2.8", 100, "b2")
    rep = lay(ex, "3.0", 300, "taker")
    assert [(f.price, f.size) for f in rep.fills] == [(2.8, 100), (3.0, 100)]
    assert ex.book(M, 1).available_to_back == [(3.0, 100)]


def test_time_priority_within_a_price(ex: pybet.Exchange) -> None:
    first = lay(ex, "2.0", 100, "l1").order_id
    second = lay(ex, "2.0", 100, "l2").order_id
    rep = back(ex, "2.0", 150, "taker")
    assert [(f.maker_order, f.size) for f in rep.fills] == [(first, 100), (second, 50)]


def test_partial_fill_of_the_maker(ex: pybet.Exchange) -> None:
    maker = lay(ex, "2.0", 1000).order_id
    back(ex, "2.0", 300)
    order = ex.order(maker)
    assert (order.size_matched, order.size_remaining, order.status) == (
        300,
        700,
        OrderStatus.EXECUTABLE,
    )


def test_ioc_cancels_the_unfilled_rest(ex: pybet.Exchange) -> None:
    lay(ex, "2.0", 100)
    rep = back(ex, "2.0", 300, time_in_force=TimeInForce.IOC)
    assert (rep.size_matched, rep.size_remaining, rep.size_cancelled) == (100, 0, 200)
    assert ex.book(M, 1).available_to_lay == []


def test_fok_fills_nothing_when_the_minimum_is_not_available(ex: pybet.Exchange) -> None:
    lay(ex, "2.0", 100)
    rep = back(ex, "2.0", 300, time_in_force=TimeInForce.FOK)
    assert (rep.size_matched, rep.size_cancelled) == (0, 300)
    assert ex.book(M, 1).available_to_back == [(2.0, 100)]
    reasons = [e.reason for e in ex.events() if e.kind == "OrderCancelled"]
    assert reasons == ["KILLED"]


def test_fok_with_min_fill_size_fills_what_it_can(ex: pybet.Exchange) -> None:
    lay(ex, "2.0", 100)
    rep = back(ex, "2.0", 300, time_in_force="FOK", min_fill_size=100)
    assert (rep.size_matched, rep.size_cancelled) == (100, 200)


def test_self_match_is_skipped_and_the_resting_order_keeps_its_place(
    ex: pybet.Exchange,
) -> None:
    own = lay(ex, "2.0", 100, "alice").order_id
    other = lay(ex, "2.0", 100, "bob").order_id
    rep = back(ex, "2.0", 150, "alice")
    assert [f.maker_order for f in rep.fills] == [other]
    assert ex.order(own).size_remaining == 100
    # alice's back rests at 2.0 beside her own lay: the book shows both, not crossed by others.
    rep2 = back(ex, "2.0", 100, "carol")
    assert [f.maker_order for f in rep2.fills] == [own]


def test_cancel_whole_and_reduction_keeps_queue_position(ex: pybet.Exchange) -> None:
    first = lay(ex, "2.0", 500, "l1").order_id
    second = lay(ex, "2.0", 500, "l2").order_id
    rep = ex.cancel(first, "l1", size_reduction=200)
    assert (rep.size_cancelled, rep.size_remaining, rep.reject_code) == (200, 300, None)
    fills = back(ex, "2.0", 300, "t").fills
    assert [f.maker_order for f in fills] == [first]
    rep2 = ex.cancel(second, "l2")
    assert (rep2.size_cancelled, rep2.size_remaining) == (500, 0)
    assert ex.book(M, 1).available_to_back == []


def test_replace_moves_the_order_and_loses_queue_position(ex: pybet.Exchange) -> None:
    first = lay(ex, "2.0", 100, "l1").order_id
    lay(ex, "2.0", 100, "l2")
    new = ex.replace(first, "2.0", "l1")
    assert new.order_id != first
    assert ex.order(first).size_cancelled == 100
    fills = back(ex, "2.0", 100, "t").fills
    assert fills[0].maker_order != new.order_id


def test_replace_that_would_be_rejected_leaves_the_old_order(ex: pybet.Exchange) -> None:
    order = lay(ex, "2.0", 100, "l1").order_id
    ex.suspend_market(M)
    rep = ex.replace(order, "2.2", "l1")
    assert rep.reject_code == "MARKET_NOT_OPEN"
    assert ex.order(order).size_remaining == 100


def test_turn_in_play_lapses_lapse_orders_and_keeps_persist(ex: pybet.Exchange) -> None:
    lapse = back(ex, "3.0", 100).order_id
    persist = back(ex, "3.0", 100, persistence=Persistence.PERSIST).order_id
    ex.turn_in_play(M)
    assert ex.order(lapse).size_cancelled == 100
    assert ex.order(persist).size_remaining == 100
    assert ex.in_play(M)
    lapsed = [e for e in ex.events() if e.kind == "OrderCancelled"]
    assert [(e.order_id, e.reason) for e in lapsed] == [(lapse, "LAPSED")]


def test_bet_delay_holds_orders_until_advance_time() -> None:
    ex = funded()
    ex.create_market(M, runners=[1, 2], bet_delay_ms=5000)
    ex.open_market(M)
    ex.turn_in_play(M)
    ex.advance_time(1_000)
    resting = ex.place(M, 1, "LAY", "2.0", 100, "l")
    assert resting.status == OrderStatus.PENDING
    ex.advance_time(5_999)
    assert ex.order(resting.order_id).status == OrderStatus.PENDING
    released = ex.advance_time(6_000)
    assert [r.order_id for r in released] == [resting.order_id]
    assert ex.book(M, 1).available_to_back == [(2.0, 100)]


def test_suspension_lapses_orders_waiting_in_the_delay() -> None:
    ex = funded()
    ex.create_market(M, runners=[1, 2], bet_delay_ms=1000)
    ex.open_market(M)
    ex.turn_in_play(M)
    rep = ex.place(M, 1, "BACK", "2.0", 100, "a")
    ex.suspend_market(M)
    order = ex.order(rep.order_id)
    assert (order.size_cancelled, order.status) == (100, OrderStatus.EXECUTION_COMPLETE)
    assert ex.advance_time(10_000) == []


def test_suspended_market_keeps_resting_orders_and_refuses_new_ones(ex: pybet.Exchange) -> None:
    resting = back(ex, "3.0", 100).order_id
    ex.suspend_market(M)
    assert back(ex, "3.0", 100).reject_code == "MARKET_NOT_OPEN"
    assert ex.order(resting).size_remaining == 100
    ex.resume_market(M)
    assert back(ex, "3.0", 100).reject_code is None


def test_close_cancels_unmatched_orders(ex: pybet.Exchange) -> None:
    order = back(ex, "3.0", 100).order_id
    ex.close_market(M)
    assert ex.order(order).size_cancelled == 100
    assert ex.market_status(M) == pybet.MarketStatus.CLOSED


def test_events_have_strictly_increasing_sequence_numbers(ex: pybet.Exchange) -> None:
    lay(ex, "2.0", 100)
    back(ex, "2.0", 50)
    back(ex, "2.0", 0)
    seqs = [e.seq for e in ex.events()]
    assert seqs == sorted(set(seqs))
    assert ex.events() == []


def test_events_arrays_mirror_event_objects(ex: pybet.Exchange) -> None:
    ex.events()
    lay(ex, "2.0", 100)
    back(ex, "2.0", 50)
    arrays = ex.events_arrays()
    assert list(arrays["kind"]) == [1, 1, 3]
    assert arrays["size"][2] == 50
    assert list(arrays["seq"]) == sorted(arrays["seq"])


def test_snapshot_restore_gives_same_hash_and_same_future(ex: pybet.Exchange) -> None:
    lay(ex, "2.0", 100, "l1")
    back(ex, "3.0", 100, "b1", client_order_id="x")
    blob = ex.snapshot()
    twin = pybet.Exchange.restore(blob)
    assert twin.state_hash() == ex.state_hash()
    for e in (ex, twin):
        e.events()
        e.place(M, 1, "BACK", "2.0", 60, "t")
    assert [x.to_dict() for x in ex.events()] == [x.to_dict() for x in twin.events()]
    assert twin.state_hash() == ex.state_hash()


def test_reports_and_orders_convert_to_dicts(ex: pybet.Exchange) -> None:
    rep = back(ex, "2.5", 100, client_order_id="c-1")
    assert rep.to_dict()["client_order_id"] == "c-1"
    assert ex.order(rep.order_id).to_dict()["price"] == 2.5
    assert "PlaceReport(" in repr(rep)
    assert ex.orders(account="a", market_id=M) == [ex.order(rep.order_id)]


def test_cancel_size_is_cancel_without_a_report() -> None:
    ex = pybet.Exchange()
    ex.create_market("1.9", runners=[1])
    ex.open_market("1.9")
    ex.deposit("a", 10_000_00)
    oid = ex.place_tick("1.9", 1, pybet.Side.BACK, 100, 500, "a")
    assert ex.cancel_size(oid, "a", 200) == 200
    assert ex.order(oid).size_remaining == 300
    assert ex.cancel_size(oid, "a") == 300
    assert ex.cancel_size(oid, "a") == 0  # nothing left: cancel() reports ORDER_NOT_ACTIVE
    with pytest.raises(pybet.NotOwner):
        ex.cancel_size(oid, "b")
    with pytest.raises(pybet.UnknownOrder):
        ex.cancel_size(999, "a")
