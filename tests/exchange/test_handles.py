"""The per-call fast path by handles: the same engine as the calls by name, and handles that
cannot name the wrong market or account."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet

M = "1.1"
ACCOUNTS = ("a", "b", "c")


def fresh() -> pybet.Exchange:
    ex = pybet.Exchange()
    for account in ACCOUNTS:
        ex.deposit(account, 10**12)
    ex.create_market(M, runners=[1, 2])
    ex.open_market(M)
    return ex


ops = st.lists(
    st.one_of(
        # place: runner (7 unknown), side, tick, size (0 is rejected), account, time in force
        st.tuples(
            st.just("place"),
            st.sampled_from([1, 2, 7]),
            st.integers(0, 1),
            st.integers(95, 110),
            st.sampled_from([0, 1, 250, 1_000]),
            st.sampled_from(ACCOUNTS),
            st.integers(0, 2),
        ),
        # cancel: which earlier place, reduction (0: all), account
        st.tuples(
            st.just("cancel"),
            st.integers(0, 40),
            st.sampled_from([0, 100]),
            st.sampled_from(ACCOUNTS),
        ),
    ),
    max_size=60,
)


def by_name(ex: pybet.Exchange, op: tuple, ids: list[int]) -> object:
    try:
        if op[0] == "place":
            _, runner, side, tick, size, account, tif = op
            return ex.place_tick(M, runner, side, tick, size, account, time_in_force=tif)
        _, k, reduction, account = op
        return ex.cancel_size(ids[k % len(ids)] if ids else 999, account, reduction or None)
    except pybet.PybetError as e:
        return type(e)


def by_handle(ex: pybet.Exchange, op: tuple, ids: list[int]) -> object:
    market = ex.market_handle(M)
    try:
        if op[0] == "place":
            _, runner, side, tick, size, account, tif = op
            return ex.place_by_handle(
                market, runner, side, tick, size, ex.account_handle(account), tif
            )
        _, k, reduction, account = op
        oid = ids[k % len(ids)] if ids else 999
        return ex.cancel_by_handle(oid, ex.account_handle(account), reduction)
    except pybet.PybetError as e:
        return type(e)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_calls_by_handle_equal_calls_by_name(stream: list[tuple]) -> None:
    named, handled = fresh(), fresh()
    ids_n: list[int] = []
    ids_h: list[int] = []
    for op in stream:
        a, b = by_name(named, op, ids_n), by_handle(handled, op, ids_h)
        assert a == b, op
        if op[0] == "place" and isinstance(a, int) and a:
            ids_n.append(a)
            ids_h.append(b)  # type: ignore[arg-type]
    assert [e.to_dict() for e in named.events()] == [e.to_dict() for e in handled.events()]
    assert named.state_hash() == handled.state_hash()


def test_time_in_force_by_handle() -> None:
    ex = fresh()
    m, a, b = ex.market_handle(M), ex.account_handle("a"), ex.account_handle("b")
    resting = ex.place_by_handle(m, 1, 1, 100, 300, b)  # a lay of 300
    ioc = ex.place_by_handle(m, 1, 0, 100, 500, a, 1)
    assert ex.order(ioc).size_matched == 300 and ex.order(ioc).size_cancelled == 200
    assert ex.order(resting).size_remaining == 0
    fok = ex.place_by_handle(m, 1, 0, 100, 500, a, 2)  # nothing to take: killed
    assert ex.order(fok).size_cancelled == 500 and ex.order(fok).size_matched == 0


def test_a_rejection_returns_0_and_names_the_account() -> None:
    ex = fresh()
    ex.events()
    assert ex.place_by_handle(ex.market_handle(M), 1, 0, 100, 0, ex.account_handle("b")) == 0
    (event,) = ex.events()
    assert event.kind == "OrderRejected"
    assert event.to_dict()["account"] == "b"
    assert event.to_dict()["code"] == "INVALID_SIZE"


def test_handles_of_another_exchange_or_bare_indices_are_refused() -> None:
    ex, other = fresh(), fresh()
    m, a = ex.market_handle(M), ex.account_handle("a")
    assert ex.place_by_handle(m, 1, 0, 100, 10, a) > 0
    for market, account in (
        (other.market_handle(M), a),
        (m, other.account_handle("a")),
        (0, a),
        (m, 0),
    ):
        with pytest.raises(pybet.InvalidArgument):
            ex.place_by_handle(market, 1, 0, 100, 10, account)
    with pytest.raises(pybet.InvalidArgument):
        ex.cancel_by_handle(1, other.account_handle("a"))


def test_a_restored_exchange_issues_its_own_handles() -> None:
    ex = fresh()
    m, a = ex.market_handle(M), ex.account_handle("a")
    oid = ex.place_by_handle(m, 1, 0, 100, 10, a)
    twin = pybet.Exchange.restore(ex.snapshot())
    with pytest.raises(pybet.InvalidArgument):
        twin.cancel_by_handle(oid, a)
    assert twin.cancel_by_handle(oid, twin.account_handle("a")) == 10


def test_bad_arguments_are_typed_errors_and_change_nothing() -> None:
    ex = fresh()
    m, a = ex.market_handle(M), ex.account_handle("a")
    oid = ex.place_by_handle(m, 1, 0, 100, 10, a)
    before = ex.state_hash()
    with pytest.raises(pybet.UnknownMarket):
        ex.market_handle("nope")
    with pytest.raises(pybet.InvalidArgument):
        ex.account_handle("nobody")  # never deposited, never ordered
    with pytest.raises(pybet.UnknownRunner):
        ex.place_by_handle(m, 9, 0, 100, 10, a)
    with pytest.raises(pybet.InvalidPrice):
        ex.place_by_handle(m, 1, 0, 350, 10, a)
    with pytest.raises(pybet.InvalidArgument):
        ex.place_by_handle(m, 1, 2, 100, 10, a)  # side 2
    with pytest.raises(pybet.InvalidArgument):
        ex.place_by_handle(m, 1, 0, 100, 10, a, 3)  # time in force 3
    with pytest.raises(pybet.UnknownOrder):
        ex.cancel_by_handle(12345, a)
    with pytest.raises(pybet.InvalidSize):
        ex.cancel_by_handle(oid, a, -5)
    assert ex.state_hash() == before
