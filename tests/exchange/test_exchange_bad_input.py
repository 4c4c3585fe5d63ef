"""Every bad input gets its code and changes nothing (the state hash is unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

import pybet

M = "1.1"


# Orders hold their exposure against a balance: every account these tests use is funded.
ACCOUNTS = ("owner", "x", "y")


def funded() -> pybet.Exchange:
    ex = pybet.Exchange()
    for account in ACCOUNTS:
        ex.deposit(account, 10**12)
    return ex


@pytest.fixture
def ex() -> pybet.Exchange:
    ex = funded()
    ex.create_market(M, runners=[1, 2, 3], min_stake=200)
    ex.open_market(M)
    ex.place(M, 1, "LAY", "2.0", 1_000, "owner")
    ex.events()
    return ex


@pytest.mark.parametrize(
    ("size", "code"),
    [
        (0, "INVALID_SIZE"),
        (-100, "INVALID_SIZE"),
        (pybet.MAX_AMOUNT + 1, "AMOUNT_OVERFLOW"),
        (2**62, "AMOUNT_OVERFLOW"),
        (199, "BELOW_MIN_STAKE"),
    ],
)
def test_bad_sizes_are_reported_with_their_code(ex: pybet.Exchange, size: int, code: str) -> None:
    before = ex.state_hash()
    rep = ex.place(M, 1, "BACK", "2.0", size, "x")
    assert rep.reject_code == code
    assert rep.status == pybet.OrderStatus.REJECTED
    assert ex.state_hash() == before
    assert [(e.kind, e.code) for e in ex.events()] == [("OrderRejected", code)]


@pytest.mark.parametrize("price", ["2.01", 2.51, Decimal("3.02"), "0", "1001", "abc", 1.005, None])
def test_off_ladder_prices_raise_invalid_price(ex: pybet.Exchange, price: object) -> None:
    before = ex.state_hash()
    with pytest.raises(pybet.InvalidPrice) as info:
        ex.place(M, 1, "BACK", price, 500, "x")  # type: ignore[arg-type]
    assert info.value.code == "INVALID_PRICE"
    assert ex.state_hash() == before


def test_prices_accept_str_float_and_decimal(ex: pybet.Exchange) -> None:
    for price in ("2.5", 2.5, Decimal("2.50"), 3):
        assert ex.place(M, 1, "BACK", price, 500, "x").reject_code is None


@pytest.mark.parametrize(
    ("call", "exc", "code"),
    [
        (
            lambda ex: ex.place("9.9", 1, "BACK", "2", 500, "x"),
            pybet.UnknownMarket,
            "UNKNOWN_MARKET",
        ),
        (lambda ex: ex.place(M, 99, "BACK", "2", 500, "x"), pybet.UnknownRunner, "UNKNOWN_RUNNER"),
        (lambda ex: ex.cancel(999, "owner"), pybet.UnknownOrder, "UNKNOWN_ORDER"),
        (lambda ex: ex.order(999), pybet.UnknownOrder, "UNKNOWN_ORDER"),
        (lambda ex: ex.cancel(1, "thief"), pybet.NotOwner, "NOT_OWNER"),
        (lambda ex: ex.replace(1, "2.2", "thief"), pybet.NotOwner, "NOT_OWNER"),
        (lambda ex: ex.book("9.9", 1), pybet.UnknownMarket, "UNKNOWN_MARKET"),
        (lambda ex: ex.open_market(M), pybet.InvalidMarketState, "INVALID_STATE"),
        (lambda ex: ex.create_market(M, runners=[1]), pybet.MarketExists, "MARKET_EXISTS"),
        (lambda ex: ex.create_market("2", runners=[]), pybet.InvalidArgument, "INVALID_ARGUMENT"),
        (
            lambda ex: ex.create_market("2", runners=[1, 1]),
            pybet.InvalidArgument,
            "INVALID_ARGUMENT",
        ),
        (
            lambda ex: ex.place(M, 1, "SIDEWAYS", "2", 500, "x"),
            pybet.InvalidArgument,
            "INVALID_ARGUMENT",
        ),
    ],
)
def test_programming_errors_raise_with_their_code_and_change_nothing(
    ex: pybet.Exchange,
    call: Callable[[pybet.Exchange], object],
    exc: type[pybet.PybetError],
    code: str,
) -> None:
    before = ex.state_hash()
    with pytest.raises(exc) as info:
        call(ex)
    assert isinstance(info.value, pybet.PybetError)
    assert info.value.code == code
    assert ex.state_hash() == before
    assert ex.events() == []


def test_order_in_a_market_that_is_not_open_is_rejected(ex: pybet.Exchange) -> None:
    ex.create_market("2", runners=[1, 2])
    before = ex.state_hash()
    assert ex.place("2", 1, "BACK", "2", 500, "x").reject_code == "MARKET_NOT_OPEN"
    ex.suspend_market(M)
    hash_suspended = ex.state_hash()
    assert ex.place(M, 1, "BACK", "2", 500, "x").reject_code == "MARKET_NOT_OPEN"
    assert ex.cancel(1, "owner").reject_code == "MARKET_NOT_OPEN"
    assert ex.state_hash() == hash_suspended != before


def test_cancel_of_a_finished_order_is_reported(ex: pybet.Exchange) -> None:
    ex.cancel(1, "owner")
    before = ex.state_hash()
    assert ex.cancel(1, "owner").reject_code == "ORDER_NOT_ACTIVE"
    assert ex.state_hash() == before


def test_duplicate_and_oversized_client_order_ids(ex: pybet.Exchange) -> None:
    assert ex.place(M, 2, "BACK", "2", 500, "x", client_order_id="c1").reject_code is None
    before = ex.state_hash()
    dup = ex.place(M, 2, "BACK", "2", 500, "x", client_order_id="c1")
    assert dup.reject_code == "DUPLICATE_CLIENT_ORDER_ID"
    long = ex.place(M, 2, "BACK", "2", 500, "x", client_order_id="c" * 33)
    assert long.reject_code == "INVALID_ARGUMENT"
    assert ex.state_hash() == before
    # another account may use the same client order id
    assert ex.place(M, 2, "BACK", "2", 500, "y", client_order_id="c1").reject_code is None


def test_bad_fok_min_fill_and_bad_reduction(ex: pybet.Exchange) -> None:
    before = ex.state_hash()
    rep = ex.place(M, 1, "BACK", "2", 500, "x", time_in_force="FOK", min_fill_size=600)
    assert rep.reject_code == "INVALID_SIZE"
    with pytest.raises(pybet.InvalidSize):
        ex.cancel(1, "owner", size_reduction=0)
    assert ex.state_hash() == before


def test_snapshot_garbage_raises_snapshot_error() -> None:
    ex = pybet.Exchange()
    blob = ex.snapshot()
    for bad in (b"", b"garbage", blob[:-1], blob[:-1] + bytes([blob[-1] ^ 1])):
        with pytest.raises(pybet.SnapshotError):
            pybet.Exchange.restore(bad)
