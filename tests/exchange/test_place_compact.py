"""``Exchange.place_compact`` (the gateway's place): the same engine as ``place``, and its tuple
says what ``place``'s report says."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import pybet

M = "1.1"
ACCOUNTS = ("a", "b", "c")


def fresh() -> pybet.Exchange:
    ex = pybet.Exchange()
    for account in ACCOUNTS:
        ex.deposit(account, 10_000_00)
    ex.create_market(M, runners=[1, 2])
    ex.open_market(M)
    return ex


# runner (7 unknown), side, price (1.234 is off the ladder), size (0 and -5 are refused; 10^9 is
# beyond the funds), account, client order id, time in force, min fill, persistence
places = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 7]),
        st.sampled_from(["BACK", "LAY"]),
        st.sampled_from(["1.95", "2", "2.02", "2.04", 1.234]),
        st.sampled_from([0, -5, 200, 1_000, 10**9]),
        st.sampled_from(ACCOUNTS),
        st.sampled_from([None, "x", "y"]),
        st.sampled_from(["GTC", "IOC", "FOK"]),
        st.sampled_from([None, 100]),
        st.sampled_from(["LAPSE", "PERSIST"]),
    ),
    max_size=50,
)


def as_tuple(rep: pybet.PlaceReport) -> tuple:
    status = None if rep.reject_code is not None else str(rep.status).rsplit(".", 1)[-1]
    fills = [(f.maker_order, f.maker_account, f.price, f.size) for f in rep.fills]
    return (
        rep.reject_code,
        rep.order_id,
        status,
        rep.price,
        rep.size_matched,
        rep.size_remaining,
        rep.size_cancelled,
        fills,
    )


def outcome(call: Any, *args: Any, **kwargs: Any) -> object:
    try:
        return call(*args, **kwargs)
    except pybet.PybetError as e:
        return type(e), e.code


@settings(max_examples=150, deadline=None)
@given(places)
def test_place_compact_equals_place(stream: list[tuple]) -> None:
    full, compact = fresh(), fresh()
    for runner, side, price, size, account, coid, tif, min_fill, persistence in stream:
        report = outcome(
            full.place,
            M,
            runner,
            side,
            price,
            size,
            account,
            client_order_id=coid,
            time_in_force=tif,
            persistence=persistence,
            min_fill_size=min_fill,
            now_ms=7,
            order_type="LIMIT",
        )
        expected = as_tuple(report) if isinstance(report, pybet.PlaceReport) else report
        terms = (M, runner, side, price, size, account, coid, tif, persistence, min_fill, 7)
        assert outcome(compact.place_compact, *terms, "LIMIT") == expected
    assert compact.events() == full.events()
    assert compact.state_hash() == full.state_hash()


def test_place_compact_reports_fills_and_a_starting_price_bet() -> None:
    ex = fresh()
    ex.place(M, 1, "LAY", "2", 500, "a")
    rep = ex.place_compact(M, 1, "BACK", "2", 800, "b", "c1", "GTC", "LAPSE", None, 0, "LIMIT")
    code, oid, status, price, matched, remaining, cancelled, fills = rep
    assert (code, status, price, matched, remaining, cancelled) == (
        None,
        "EXECUTABLE",
        2.0,
        500,
        300,
        0,
    )
    assert fills == [(1, "a", 2.0, 500)]
    assert ex.order(oid).client_order_id == "c1"
    sp = pybet.Exchange()
    sp.deposit("a", 10_000_00)
    sp.create_market("sp", runners=[1, 2], starting_price=True)
    sp.open_market("sp")
    bet = sp.place_compact(
        "sp", 1, "BACK", None, 500, "a", None, "GTC", "LAPSE", None, None, "MARKET_ON_CLOSE"
    )
    assert bet[0] is None and bet[2] == "EXECUTABLE" and bet[4:7] == (0, 500, 0)
