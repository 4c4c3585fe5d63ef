"""Amounts at the edge of the engine: what is not an integer number of minor units is refused
as ``InvalidSize``, what is beyond the engine's bound as ``AmountOverflow``, and neither
changes anything; extreme values never panic or wrap (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet

M = "1.1"
I64_MAX = 2**63 - 1

NOT_INTEGERS = ["100", Decimal(5), Fraction(5), 5.0, True, None, b"5", np.float64(5)]
BEYOND_BOUND = [pybet.MAX_BALANCE + 1, 2**62, 10**19, 2**64, 2**70, np.uint64(2**63)]


def exchange() -> pybet.Exchange:
    ex = pybet.Exchange()
    ex.create_market(M, runners=[1, 2])
    ex.open_market(M)
    ex.deposit("a", 10_000)
    return ex


@pytest.mark.parametrize("amount", NOT_INTEGERS, ids=repr)
@pytest.mark.parametrize("call", ["deposit", "withdraw"])
def test_a_non_integer_amount_is_invalid_size(call: str, amount: object) -> None:
    ex = exchange()
    before = ex.state_hash()
    with pytest.raises(pybet.InvalidSize) as info:
        getattr(ex, call)("a", amount)
    assert info.value.code == "INVALID_SIZE"
    assert "int number of minor units" in str(info.value)
    assert ex.balance("a") == 10_000
    assert ex.state_hash() == before


@pytest.mark.parametrize("amount", BEYOND_BOUND, ids=repr)
@pytest.mark.parametrize("call", ["deposit", "withdraw"])
def test_an_amount_beyond_the_bound_is_amount_overflow(call: str, amount: object) -> None:
    ex = exchange()
    before = ex.state_hash()
    with pytest.raises(pybet.AmountOverflow) as info:
        getattr(ex, call)("a", amount)
    assert info.value.code == "AMOUNT_OVERFLOW"
    assert isinstance(info.value, pybet.InvalidSize)
    assert ex.balance("a") == 10_000
    assert ex.state_hash() == before


def test_a_negative_amount_beyond_64_bits_is_invalid_size() -> None:
    ex = exchange()
    with pytest.raises(pybet.InvalidSize) as info:
        ex.deposit("a", -(2**70))
    assert info.value.code == "INVALID_SIZE"


@pytest.mark.parametrize(
    "amount", [np.int8(5), np.int32(5), np.int64(5), np.uint16(5), np.uint64(5)], ids=repr
)
def test_numpy_integers_are_amounts(amount: object) -> None:
    ex = exchange()
    assert ex.deposit("a", amount) == 10_005  # type: ignore[arg-type]
    assert ex.withdraw("a", amount) == 10_000  # type: ignore[arg-type]
    rep = ex.place(M, 1, "BACK", "2", amount, "a")  # type: ignore[arg-type]
    assert rep.reject_code is None and rep.size == 5


def test_a_balance_beyond_max_balance_is_refused_whole() -> None:
    ex = pybet.Exchange()
    ex.deposit("rich", pybet.MAX_BALANCE - 10)
    ex.deposit("rich", 10)
    with pytest.raises(pybet.AmountOverflow):
        ex.deposit("rich", 1)
    assert ex.balance("rich") == pybet.MAX_BALANCE


@pytest.mark.parametrize(
    "call",
    [
        lambda ex: ex.place(M, 1, "BACK", "2", "500", "a"),
        lambda ex: ex.place(M, 1, "BACK", "2", 2.5, "a"),
        lambda ex: ex.place(M, 1, "BACK", "2", 500, "a", time_in_force="FOK", min_fill_size="5"),
        lambda ex: ex.cancel(1, "a", size_reduction=Decimal(1)),
        lambda ex: ex.cancel_size(1, "a", size_reduction=1.0),
    ],
)
def test_order_amounts_are_checked_like_cash(call: Callable[[pybet.Exchange], object]) -> None:
    ex = exchange()
    ex.place(M, 2, "BACK", "3", 100, "a")
    before = ex.state_hash()
    with pytest.raises(pybet.InvalidSize):
        call(ex)
    assert ex.state_hash() == before


def test_an_order_beyond_64_bits_raises_and_one_beyond_the_bound_is_reported() -> None:
    ex = exchange()
    before = ex.state_hash()
    with pytest.raises(pybet.AmountOverflow):
        ex.place(M, 1, "BACK", "2", 2**70, "a")
    rep = ex.place(M, 1, "BACK", "2", pybet.MAX_AMOUNT + 1, "a")
    assert rep.reject_code == "AMOUNT_OVERFLOW"
    assert ex.state_hash() == before
    order = ex.place(M, 1, "BACK", "2", 100, "a").order_id
    with pytest.raises(pybet.AmountOverflow):
        ex.cancel(order, "a", size_reduction=pybet.MAX_AMOUNT + 1)


def test_pool_stakes_are_checked_like_cash() -> None:
    pool = pybet.Pool("WIN", runners=3, takeout="0.15")
    with pytest.raises(pybet.InvalidSize) as info:
        pool.bet(1, "100")  # type: ignore[arg-type]
    assert info.value.code == "INVALID_SIZE"
    with pytest.raises(pybet.AmountOverflow):
        pool.bet(1, 2**70)
    with pytest.raises(pybet.AmountOverflow):
        pool.bet(1, 2**60)
    assert pool.bet(1, np.int64(200)) == 0  # type: ignore[arg-type]
    assert len(pool) == 1


# -- hypothesis: extreme values through deposit, withdraw, place and settle ----------------
EXTREME = st.one_of(
    st.sampled_from(
        [0, 1, -1, pybet.MAX_AMOUNT, pybet.MAX_AMOUNT + 1, pybet.MAX_BALANCE, I64_MAX, 2**64, 2**70]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=1, max_value=pybet.MAX_AMOUNT),
)
PRICES = st.sampled_from(["1.01", "2", "500", "1000"])
COMMAND = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from("ab"), EXTREME),
    st.tuples(st.just("withdraw"), st.sampled_from("ab"), EXTREME),
    st.tuples(
        st.just("place"),
        st.sampled_from("ab"),
        EXTREME,
        st.sampled_from(["BACK", "LAY"]),
        PRICES,
        st.sampled_from([1, 2]),
    ),
)


@settings(max_examples=150, deadline=None)
@given(commands=st.lists(COMMAND, max_size=25), winner=st.sampled_from([1, 2]))
def test_extreme_amounts_never_panic_or_wrap(commands: list[tuple], winner: int) -> None:
    ex = pybet.Exchange()
    ex.create_market(M, runners=[1, 2], commission_rate="0.05")
    ex.open_market(M)
    deposited = 0
    for cmd in commands:
        kind, account, amount = cmd[0], cmd[1], cmd[2]
        before = ex.state_hash()
        try:
            if kind == "deposit":
                ex.deposit(account, amount)
                deposited += amount
            elif kind == "withdraw":
                ex.withdraw(account, amount)
                deposited -= amount
            else:
                ex.place(M, cmd[5], cmd[3], cmd[4], amount, account)
        except pybet.PybetError:
            assert ex.state_hash() == before
        for a in "ab":
            assert 0 <= ex.balance(a) <= I64_MAX
            assert ex.available(a) >= 0
    total_before = ex.balance("a") + ex.balance("b")
    assert total_before == deposited
    rep = ex.settle_market(M, winners=[winner])
    total_after = ex.balance("a") + ex.balance("b")
    assert total_after == total_before - rep.commission - rep.residue
    for a in "ab":
        assert 0 <= ex.balance(a) <= I64_MAX


# -- the error tree matches the engine's codes ----------------------------------------------
def core_codes() -> list[str]:
    return [code for _, code in pybet._core.reject_codes()] + pybet._core.tote_error_codes()


@pytest.mark.parametrize("code", core_codes())
def test_every_core_code_has_its_own_class_with_the_same_code(code: str) -> None:
    cls = pybet.errors.error_class(code)
    assert cls is not pybet.PybetError, f"{code} has no class in pybet.errors"
    assert cls.code == code
    with pytest.raises(pybet.PybetError) as info:
        pybet._core._raise_core_error(code)
    assert type(info.value) is cls
    assert info.value.code == code


def test_codes_name_one_class_each() -> None:
    classes = [
        obj
        for obj in vars(pybet.errors).values()
        if isinstance(obj, type) and issubclass(obj, pybet.PybetError)
    ]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)), "two classes share a code"
    assert set(pybet.RejectCode) <= set(codes)
