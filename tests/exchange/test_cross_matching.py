"""Cross-matching from the Python API (spec section 2b): virtual offers made from the other
runners' books, matched through ``pybet.HOUSE_ACCOUNT``, which never loses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet

M = "x"


def exchange(runners: list[int], **kw: object) -> pybet.Exchange:
    ex = pybet.Exchange(commission_rate="0.05")
    ex.create_market(M, runners=runners, cross_matching=True, **kw)  # type: ignore[arg-type]
    ex.open_market(M)
    for a in ("a", "b", "c", "t"):
        ex.deposit(a, 10**9)
    return ex


def house_exposure(ex: pybet.Exchange) -> int:
    return ex.exposure(pybet.HOUSE_ACCOUNT, M)


def test_betfairs_figures_show_in_the_virtual_book() -> None:
    ex = exchange([1, 2])
    ex.place(M, 2, "BACK", "1.85", 1_000, "a")
    assert ex.book(M, 1).available_to_back == []  # the default view is direct only
    assert ex.book(M, 1, virtual=True).available_to_back[0][0] == 2.16
    ex = exchange([1, 2])
    ex.place(M, 2, "LAY", "2.16", 1_000, "a")
    assert ex.book(M, 1, virtual=True).available_to_lay[0][0] == 1.87


def test_a_back_is_matched_through_the_house_and_settles_with_it() -> None:
    ex = exchange([1, 2])
    resting = ex.place(M, 2, "BACK", "1.85", 1_000, "a")
    rep = ex.place(M, 1, "BACK", "2.1", 500, "t")
    assert rep.size_matched == 500
    assert [(f.maker_account, f.price) for f in rep.fills] == [(pybet.HOUSE_ACCOUNT, 2.16)]
    assert ex.order(resting.order_id).size_matched > 0  # the house's leg took it
    assert house_exposure(ex) == 0
    rep = ex.settle_market(M, winners=[1])
    house = [pnl for account, pnl, _ in rep.accounts if account == pybet.HOUSE_ACCOUNT]
    commission = [c for account, _, c in rep.accounts if account == pybet.HOUSE_ACCOUNT]
    assert house and house[0] >= 0 and commission == [0]
    assert sum(pnl for _, pnl, _ in rep.accounts) + rep.residue == 0


def test_direct_first_at_an_equal_price_and_a_lay_taker() -> None:
    ex = exchange([1, 2])
    ex.place(M, 2, "LAY", "2.16", 10_000, "a")  # something to lay on 1 at 1.87
    direct = ex.place(M, 1, "BACK", "1.87", 100, "b")  # a direct offer at the same price
    rep = ex.place(M, 1, "LAY", "1.9", 300, "t")
    assert rep.size_matched == 300
    assert rep.fills[0].maker_order == direct.order_id
    assert rep.fills[1].maker_account == pybet.HOUSE_ACCOUNT
    assert house_exposure(ex) == 0


def test_a_market_with_several_places_cannot_cross_match_and_the_house_cannot_deposit() -> None:
    ex = pybet.Exchange()
    with pytest.raises(pybet.InvalidArgument):
        ex.create_market("p", runners=[1, 2, 3], places=2, cross_matching=True)
    assert "p" not in ex.markets()
    with pytest.raises(pybet.InvalidArgument):
        ex.deposit(pybet.HOUSE_ACCOUNT, 100)


def test_a_snapshot_keeps_the_flag() -> None:
    ex = exchange([1, 2])
    ex.place(M, 2, "BACK", "1.85", 1_000, "a")
    restored = pybet.Exchange.restore(ex.snapshot())
    assert restored.book(M, 1, virtual=True) == ex.book(M, 1, virtual=True)
    assert restored.place(M, 1, "BACK", "2", 100, "t").size_matched == 100


CMD = st.tuples(
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["BACK", "LAY"]),
    st.sampled_from(["1.2", "1.5", "1.85", "2", "2.5", "3", "4", "6", "10"]),
    st.integers(min_value=1, max_value=3_000),
    st.sampled_from(["a", "b"]),
)


@settings(max_examples=120, deadline=None)
@given(cmds=st.lists(CMD, max_size=40), winner=st.sampled_from([1, 2, 3]))
def test_the_house_never_loses_and_volume_is_conserved(
    cmds: list[tuple[int, str, str, int, str]], winner: int
) -> None:
    ex = exchange([1, 2, 3])
    for runner, side, price, size, who in cmds:
        account = "c" if side == "LAY" else who  # no self-match between the sides
        ex.place(M, runner, side, price, size, account)
        assert house_exposure(ex) == 0
    for runner in (0, 1, 2):
        orders = [o for o in ex.orders() if o.runner == runner + 1]
        backs = sum(o.size_matched for o in orders if o.side == pybet.Side.BACK)
        lays = sum(o.size_matched for o in orders if o.side == pybet.Side.LAY)
        assert backs == lays
    rep = ex.settle_market(M, winners=[winner])
    assert sum(pnl for _, pnl, _ in rep.accounts) + rep.residue == 0
    assert all(pnl >= 0 for account, pnl, _ in rep.accounts if account == pybet.HOUSE_ACCOUNT)


def test_a_sweep_that_fills_a_resting_order_whole_takes_it_out_of_its_level_total() -> None:
    # Found by test_the_house_never_loses_and_volume_is_conserved: a sweep filled order 27
    # (runner 2, BACK 1.5) whole, its level kept the 4 it filled, and a later sweep laid
    # runner 2 at 1.5 for 4 against the 1 resting: the house was left exposed.
    ex = exchange([1, 2, 3])
    cmds = [(1, "BACK", "1.2", 1)] * 19 + [(1, "BACK", "1.85", 16)]
    cmds += [(1, "LAY", "1.2", z) for z in (1, 1, 1, 5, 11)]
    cmds += [(3, "BACK", "6", 5), (2, "BACK", "1.5", 13), (3, "BACK", "1.85", 8)]
    cmds += [(1, "BACK", "6", 3), (2, "BACK", "1.5", 1)]
    for runner, side, price, size in cmds:
        ex.place(M, runner, side, price, size, "c" if side == "LAY" else "a")
    assert house_exposure(ex) == 0
