"""Accounts, exposure, settlement and non-runners (spec section 3) through the Python API.

Money is in cents: a stake of 1_000 is 10.00. The arithmetic is in the comments."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import pybet
from pybet import Side

M = "1.1"


def exchange(
    runners: list[int], places: int = 1, *, funds: int = 100_000, **kw: object
) -> pybet.Exchange:
    ex = pybet.Exchange(**kw)  # type: ignore[arg-type]
    ex.create_market(M, runners=runners, places=places)
    ex.open_market(M)
    for account in ("a", "b", "c"):
        ex.deposit(account, funds)
    return ex


def matched(
    ex: pybet.Exchange, runner: int, price: str, size: int, backer: str, layer: str
) -> None:
    """The layer rests, the backer takes it: one matched bet at `price`."""
    assert ex.place(M, runner, Side.LAY, price, size, layer).reject_code is None
    assert ex.place(M, runner, Side.BACK, price, size, backer).size_matched == size


def test_deposit_withdraw_balance_available() -> None:
    ex = pybet.Exchange()
    assert (ex.balance("new"), ex.available("new")) == (0, 0)
    assert ex.deposit("alice", 10_000) == 10_000
    ex.create_market(M, runners=[1, 2])
    ex.open_market(M)
    # An unmatched back of 40.00 holds 40.00.
    ex.place(M, 1, Side.BACK, "3.0", 4_000, "alice")
    assert ex.exposure("alice", M) == 4_000
    assert ex.available("alice") == 6_000
    with pytest.raises(pybet.InsufficientFunds) as err:
        ex.withdraw("alice", 6_001)
    assert err.value.code == "INSUFFICIENT_FUNDS"
    assert ex.withdraw("alice", 6_000) == 4_000
    for bad in (0, -5):
        with pytest.raises(pybet.InvalidSize):
            ex.deposit("alice", bad)
        with pytest.raises(pybet.InvalidSize):
            ex.withdraw("alice", bad)
    with pytest.raises(pybet.InvalidSize):
        ex.deposit("alice", 1.5)  # type: ignore[arg-type]
    with pytest.raises(pybet.UnknownMarket):
        ex.exposure("alice", "nope")


def test_win_market_exposure_settlement_and_commission() -> None:
    ex = exchange([1, 2, 3], commission_rate=0.05)
    assert ex.commission_rate == 0.05
    # a backs runner 1 at 3.0 for 10.00 against b: a risks 10.00, b 10 * (3 - 1) = 20.00.
    matched(ex, 1, "3.0", 1_000, "a", "b")
    # c lays runner 2 at 4.0 for 5.00, unmatched: 5 * 3 = 15.00.
    ex.place(M, 2, Side.LAY, "4.0", 500, "c")
    assert (ex.exposure("a", M), ex.exposure("b", M), ex.exposure("c", M)) == (1_000, 2_000, 1_500)
    ex.events()
    rep = ex.settle_market(M, winners=[1])
    # b -20.00; a +20.00 less 5% commission (1.00); c's lay is cancelled: 0.
    assert rep.accounts == [("b", -2_000, 0), ("a", 2_000, 100), ("c", 0, 0)]
    assert (rep.residue, rep.commission, rep.void) == (0, 100, False)
    assert ex.balance("a") == 101_900
    assert ex.balance("b") == 98_000
    assert ex.market_status(M) == pybet.MarketStatus.CLOSED
    assert all(ex.exposure(x, M) == 0 for x in "abc")
    events = ex.events()
    settled = [(e.account, e.pnl, e.commission) for e in events if e.kind == "Settled"]
    assert settled == rep.accounts
    (ms,) = [e for e in events if e.kind == "MarketSettled"]
    assert (ms.winners, ms.void) == ([1], False)
    assert rep.to_dict()["commission"] == 100
    with pytest.raises(pybet.AlreadySettled) as err:
        ex.settle_market(M, winners=[1])
    assert err.value.code == "ALREADY_SETTLED"
    with pytest.raises(pybet.AlreadySettled):
        ex.void_market(M)


def test_insufficient_funds_is_reported_and_a_hedge_passes_at_zero_available() -> None:
    ex = exchange([1, 2, 3], funds=1_000)
    before = ex.state_hash()
    rep = ex.place(M, 1, Side.BACK, "2.0", 100, "never-deposited")
    assert rep.reject_code == "INSUFFICIENT_FUNDS"
    assert ex.state_hash() == before
    (rejected,) = [e for e in ex.events() if e.kind == "OrderRejected"]
    assert rejected.code == "INSUFFICIENT_FUNDS"
    # a backs 10.00 at 2.0 against b: a risks all of her 10.00.
    matched(ex, 1, "2.0", 1_000, "a", "b")
    assert ex.available("a") == 0
    assert ex.place(M, 2, Side.BACK, "2.0", 1, "a").reject_code == "INSUFFICIENT_FUNDS"
    # Laying runner 1 at 1.5 for 10.00: +10 - 5 = +5 if it wins, -10 if not: no worse.
    assert ex.place(M, 1, Side.LAY, "1.5", 1_000, "a").reject_code is None
    # c backs into it: a's lay matches, both results are now >= 0 for a.
    ex.place(M, 1, Side.BACK, "1.5", 1_000, "c")
    assert ex.exposure("a", M) == 0
    assert ex.available("a") == 1_000
    # A place_many row is refused with the numeric code of INSUFFICIENT_FUNDS.
    out = ex.place_many(
        M,
        np.array([2], dtype=np.int64),
        np.array([0], dtype=np.uint8),
        np.array([pybet.ladder.price_to_tick("2.0")], dtype=np.uint16),
        np.array([10**6], dtype=np.int64),
        "a",
    )
    assert pybet.REJECT_CODES[int(out["reject_code"][0])] == pybet.RejectCode.INSUFFICIENT_FUNDS


def test_replace_to_a_dearer_lay_beyond_funds_keeps_the_old_order() -> None:
    ex = exchange([1, 2], funds=1_000)
    oid = ex.place(M, 1, Side.LAY, "2.0", 1_000, "b").order_id
    rep = ex.replace(oid, "3.0", "b")  # liability would be 20.00 > 10.00
    assert rep.reject_code == "INSUFFICIENT_FUNDS"
    assert ex.order(oid).size_remaining == 1_000
    assert ex.replace(oid, "1.5", "b").reject_code is None
    assert ex.exposure("b", M) == 500


def test_four_runner_two_place_market() -> None:
    ex = exchange([1, 2, 3, 4], places=2)
    # a backs 1 and 2 at 2.0 (10.00 each) and lays 3 at 3.0 (10.00):
    # win = (10, 10, -20, 0), lose = (-10, -10, 10, 0); sum(lose) = -10,
    # two smallest of d = (20, 20, -30, 0) are -30 and 0: worst -40 (3 and 4 placed).
    matched(ex, 1, "2.0", 1_000, "a", "b")
    matched(ex, 2, "2.0", 1_000, "a", "b")
    matched(ex, 3, "3.0", 1_000, "c", "a")
    assert ex.exposure("a", M) == 4_000
    rep = ex.settle_market(M, winners=[3, 4])
    assert dict((x, p) for x, p, _ in rep.accounts) == {"a": -4_000, "b": 2_000, "c": 2_000}
    with pytest.raises(pybet.InvalidArgument):
        ex2 = exchange([1, 2, 3, 4], places=2)
        ex2.settle_market(M, winners=[1, 2, 3])  # three winners for two places, no dead heat


@pytest.mark.parametrize("half", [0.5, "0.5", "1/2", Decimal("0.5"), Fraction(1, 2)])
def test_dead_heat_fractions(half: object) -> None:
    ex = exchange([1, 2, 3])
    # a backs runner 1 at 5.0 for 10.00; 1 and 2 dead-heat for the place (1/2 each):
    # 10 * 1/2 * 4 - 10 * 1/2 = +15.00.
    matched(ex, 1, "5.0", 1_000, "a", "b")
    rep = ex.settle_market(M, winners=[1, 2], dead_heat={1: half, 2: half})  # type: ignore[dict-item]
    assert rep.accounts == [("b", -1_500, 0), ("a", 1_500, 0)]


def test_dead_heat_thirds_round_towards_the_house() -> None:
    ex = exchange([1, 2, 3])
    # 3 cents backed at 1.01, a triple dead heat: 3 * 1/3 * 0.01 - 3 * 2/3 = -1.99 cents for
    # the backer (a loss rounds up to 2), +1.99 for the layer (a gain rounds down to 1).
    matched(ex, 1, "1.01", 3, "a", "b")
    third = Fraction(1, 3)
    rep = ex.settle_market(M, winners=[1, 2, 3], dead_heat={1: third, 2: "1/3", 3: third})
    assert rep.accounts == [("b", 1, 0), ("a", -2, 0)]
    assert rep.residue == 1
    assert ex.balance("a") + ex.balance("b") == 200_000 - 1


def test_bad_dead_heats_and_winners_raise_and_change_nothing() -> None:
    ex = exchange([1, 2, 3])
    before = ex.state_hash()
    cases: list[tuple[list[int], dict[int, object] | None, type[pybet.PybetError]]] = [
        ([], None, pybet.InvalidArgument),
        ([1, 1], None, pybet.InvalidArgument),
        ([1, 2], None, pybet.InvalidArgument),
        ([9], None, pybet.UnknownRunner),
        ([1], {2: "1/2"}, pybet.InvalidArgument),
        ([1], {1: "3/2"}, pybet.InvalidArgument),
        ([1], {1: 0}, pybet.InvalidArgument),
        ([1, 2], {1: 1 / 3, 2: 1 / 3}, pybet.InvalidArgument),  # not exact: pass "1/3"
        ([1], {1: "half"}, pybet.InvalidArgument),
        ([1], {1: True}, pybet.InvalidArgument),
    ]
    for winners, dead_heat, exc in cases:
        with pytest.raises(exc):
            ex.settle_market(M, winners=winners, dead_heat=dead_heat)  # type: ignore[arg-type]
    with pytest.raises(pybet.UnknownMarket):
        ex.settle_market("nope", winners=[1])
    assert ex.state_hash() == before


@pytest.mark.parametrize("rf", [25, "25", 25.0, Decimal("25.00")])
def test_removal_with_a_25_percent_factor(rf: object) -> None:
    ex = exchange([1, 2, 3])
    # a backs runner 1 at 4.0 for 10.00 against b; b's liability is 30.00.
    matched(ex, 1, "4.0", 1_000, "a", "b")
    # a backs runner 2 at 3.0 for 5.00: void when runner 2 is removed.
    matched(ex, 2, "3.0", 500, "a", "b")
    resting = ex.place(M, 3, Side.BACK, "6.0", 700, "c").order_id
    ex.events()
    ex.remove_runner(M, 2, rf)  # type: ignore[arg-type]
    # 4.0 * (1 - 25/100) = 3.0: b's liability is now 10 * 2 = 20.00.
    assert ex.exposure("b", M) == 2_000
    assert ex.exposure("c", M) == 0
    assert ex.order(resting).size_remaining == 0
    events = ex.events()
    assert [e.reason for e in events if e.kind == "OrderCancelled"] == ["MARKET_CLOSED"]
    (removed,) = [e for e in events if e.kind == "RunnerRemoved"]
    assert (removed.runner, removed.reduction_factor) == (2, 25.0)
    assert ex.place(M, 2, Side.BACK, "2.0", 100, "a").reject_code == "RUNNER_REMOVED"
    with pytest.raises(pybet.RunnerRemoved) as err:
        ex.remove_runner(M, 2, 0)
    assert err.value.code == "RUNNER_REMOVED"
    with pytest.raises(pybet.RunnerRemoved):
        ex.settle_market(M, winners=[2])
    rep = ex.settle_market(M, winners=[1])
    # a: 10 * (3.0 - 1) = +20.00.
    assert rep.accounts == [("b", -2_000, 0), ("a", 2_000, 0), ("c", 0, 0)]


def test_removal_factor_with_decimals_is_exact() -> None:
    ex = exchange([1, 2, 3])
    # 2.5 * (1 - 23.5/100) = 1.9125 exactly: a wins 10 * 0.9125 = 9.125 -> 9.12 (down).
    matched(ex, 1, "2.5", 1_000, "a", "b")
    ex.remove_runner(M, 3, Decimal("23.5"))
    rep = ex.settle_market(M, winners=[1])
    assert rep.accounts == [("b", -913, 0), ("a", 912, 0)]
    assert rep.residue == 1


@pytest.mark.parametrize("rf", [-1, 100.5, "23.505", "abc", True, float("nan"), 0.1 + 0.2])
def test_unrepresentable_reduction_factors_raise(rf: object) -> None:
    ex = exchange([1, 2, 3])
    before = ex.state_hash()
    with pytest.raises(pybet.InvalidArgument):
        ex.remove_runner(M, 1, rf)  # type: ignore[arg-type]
    with pytest.raises(pybet.UnknownRunner):
        ex.remove_runner(M, 9, 0)
    with pytest.raises(pybet.UnknownMarket):
        ex.remove_runner("nope", 1, 0)
    assert ex.state_hash() == before


@pytest.mark.parametrize("rate", [1.5, -0.1, "0.0000001", 0.1 + 0.2, "x"])
def test_bad_commission_rates_raise(rate: object) -> None:
    with pytest.raises(pybet.InvalidArgument):
        pybet.Exchange(commission_rate=rate)  # type: ignore[arg-type]
    ex = pybet.Exchange()
    with pytest.raises(pybet.InvalidArgument):
        ex.create_market(M, runners=[1], commission_rate=rate)  # type: ignore[arg-type]
    assert ex.markets() == []


def test_commission_on_net_winnings_with_a_market_override() -> None:
    ex = pybet.Exchange(commission_rate="0.05")
    ex.create_market(M, runners=[1, 2, 3], commission_rate=Decimal("0.1"))
    ex.open_market(M)
    for account in "ab":
        ex.deposit(account, 100_000)
    # a: +20.00 on runner 1 at 3.0 and -3.33 on runner 2: net +16.67, 10% = 1.667 -> 1.67.
    matched(ex, 1, "3.0", 1_000, "a", "b")
    matched(ex, 2, "2.0", 333, "a", "b")
    rep = ex.settle_market(M, winners=[1])
    assert rep.accounts == [("b", -1_667, 0), ("a", 1_667, 167)]
    assert ex.balance("a") + ex.balance("b") == 200_000 - 167


def test_void_returns_every_stake() -> None:
    ex = exchange([1, 2], funds=10_000)
    matched(ex, 1, "5.0", 1_000, "a", "b")
    assert ex.available("b") == 6_000
    rep = ex.void_market(M)
    assert rep.void
    assert rep.accounts == [("b", 0, 0), ("a", 0, 0)]
    assert (ex.balance("a"), ex.balance("b")) == (10_000, 10_000)
    assert ex.available("b") == 10_000
    (ms,) = [e for e in ex.events() if e.kind == "MarketSettled"]
    assert ms.void


def test_snapshot_restore_carries_balances_positions_and_settlement() -> None:
    ex = exchange([1, 2, 3], commission_rate=0.02)
    matched(ex, 1, "5.0", 600, "a", "b")
    ex.place(M, 2, Side.LAY, "3.0", 400, "c")
    ex.remove_runner(M, 3, 10)
    copy = pybet.Exchange.restore(ex.snapshot())
    assert copy.state_hash() == ex.state_hash()
    assert copy.commission_rate == 0.02
    for x in "abc":
        assert copy.available(x) == ex.available(x)
        assert copy.exposure(x, M) == ex.exposure(x, M)
    assert copy.settle_market(M, winners=[1]) == ex.settle_market(M, winners=[1])
    assert copy.state_hash() == ex.state_hash()
    with pytest.raises(pybet.AlreadySettled):
        pybet.Exchange.restore(ex.snapshot()).settle_market(M, winners=[1])
