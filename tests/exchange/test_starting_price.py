"""Betfair Starting Price from the Python API (spec section 2a): SP bets, projections, the
reconciliation at the off, and what it leaves (orders, events, settlement, snapshots)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet
from pybet import OrderType, Persistence, Side

M = "1.1"


@pytest.fixture
def ex() -> pybet.Exchange:
    ex = pybet.Exchange()
    ex.create_market(M, runners=[1, 2], min_stake=2, starting_price=True, min_sp_liability=10)
    ex.open_market(M)
    for a in ("b1", "b2", "l1", "l2"):
        ex.deposit(a, 1_000_000)
    return ex


def moc(ex: pybet.Exchange, side: str, size: int, account: str) -> pybet.PlaceReport:
    return ex.place(M, 1, side, None, size, account, order_type=OrderType.MARKET_ON_CLOSE)


def sp(ex: pybet.Exchange) -> float | None:
    return ex.starting_prices(M)[1].actual_sp


def test_betfairs_far_price_example_and_the_reconciliation(ex: pybet.Exchange) -> None:
    back = moc(ex, "BACK", 1_000, "b1")
    lay = moc(ex, "LAY", 6_000, "l1")
    assert back.status == pybet.OrderStatus.EXECUTABLE and back.size_matched == 0
    before = ex.starting_prices(M)
    assert (before[1].far_price, before[1].near_price, before[1].actual_sp) == (7.0, 7.0, None)
    assert before[1]["far_price"] == 7.0
    assert before[2].far_price is None  # no SP bets on runner 2
    assert ex.exposure("b1", M) == 1_000 and ex.exposure("l1", M) == 6_000
    ex.events()
    ex.turn_in_play(M)
    assert sp(ex) == 7.0
    kinds = [e.kind for e in ex.events()]
    assert kinds[:3] == ["StartingPriceReconciled", "StartingPriceFill", "StartingPriceReconciled"]
    b, lay_order = ex.order(back.order_id), ex.order(lay.order_id)
    assert b.order_type == OrderType.MARKET_ON_CLOSE
    assert (b.size_matched, b.avg_price_matched) == (1_000, 7.0)
    assert lay_order.size_matched == 1_000  # the lay's stake: 6000 / (7 - 1)
    ex.settle_market(M, winners=[1])
    assert ex.balance("b1") == 1_006_000 and ex.balance("l1") == 994_000


def test_the_other_betfair_example_lapses_the_excess(ex: pybet.Exchange) -> None:
    back = moc(ex, "BACK", 6_000, "b1")
    moc(ex, "LAY", 1_000, "l1")
    assert ex.starting_prices(M)[1].far_price == 1.1667
    ex.reconcile_starting_price(M)
    assert sp(ex) == 1.1667
    b = ex.order(back.order_id)
    assert (b.size_matched, b.size_cancelled) == (5_998, 2)  # 1000 / 0.1667 = 5998.8


def test_limit_on_close_bets_respect_their_limits(ex: pybet.Exchange) -> None:
    moc(ex, "BACK", 1_000, "b1")
    out = ex.place(M, 1, "BACK", "8", 1_000, "b2", order_type="LIMIT_ON_CLOSE")
    moc(ex, "LAY", 6_000, "l1")
    ex.reconcile_starting_price(M)
    assert sp(ex) == 7.0
    assert ex.order(out.order_id).size_matched == 0  # its limit 8.0 is above the SP


def test_exchange_orders_take_part_and_a_market_on_close_order_converts(
    ex: pybet.Exchange,
) -> None:
    lay = ex.place(M, 1, "LAY", "3", 50, "l1")
    conv = ex.place(M, 1, "LAY", "2.5", 80, "l2", persistence=Persistence.MARKET_ON_CLOSE)
    back = moc(ex, "BACK", 100, "b1")
    assert ex.starting_prices(M)[1].near_price == 2.5
    ex.turn_in_play(M)
    # The lay at 2.5 became an SP lay of liability 80 * 1.5 = 120 at the off. Against 100
    # backed: at 3.0 there is 120 / 2 + 50 = 110 to lay, just above it 60, so the SP is 3.0;
    # the SP lay (inframarginal) fills its 60 and the exchange lay at 3.0, marginal, the
    # other 40; the rest of that LAPSE order lapses at the off.
    assert ex.order(conv.order_id).size_cancelled == 80
    converted = [o for o in ex.orders() if o.order_type == OrderType.MARKET_ON_CLOSE]
    assert {o.side for o in converted} == {Side.BACK, Side.LAY}
    assert sp(ex) == 3.0
    assert ex.order(back.order_id).size_matched == 100
    assert ex.order(lay.order_id).size_matched == 40
    sp_lay = next(o for o in converted if o.side == Side.LAY)
    assert (sp_lay.size, sp_lay.size_matched) == (120, 60)


def test_sp_bets_where_they_do_not_belong_are_rejected_and_change_nothing(
    ex: pybet.Exchange,
) -> None:
    before = ex.state_hash()
    assert moc(ex, "LAY", 9, "l1").reject_code == "BELOW_MIN_STAKE"  # liability under 10
    assert moc(ex, "BACK", 1, "b1").reject_code == "BELOW_MIN_STAKE"
    assert ex.state_hash() == before
    ex.create_market("1.2", runners=[1])
    ex.open_market("1.2")
    rep = ex.place("1.2", 1, "BACK", None, 100, "b1", order_type="MARKET_ON_CLOSE")
    assert rep.reject_code == "INVALID_ARGUMENT"
    rep = ex.place("1.2", 1, "BACK", "2", 100, "b1", persistence="MARKET_ON_CLOSE")
    assert rep.reject_code == "INVALID_ARGUMENT"
    with pytest.raises(pybet.InvalidPrice):
        ex.place(M, 1, "BACK", None, 100, "b1")  # a limit order needs a price
    with pytest.raises(pybet.InvalidArgument):
        ex.place(M, 1, "BACK", "2", 100, "b1", order_type="SOMETIMES")
    with pytest.raises(pybet.InvalidArgument):
        ex.create_market("1.3", runners=[1], min_sp_liability=5)  # no SP in that market
    assert "1.3" not in ex.markets()
    with pytest.raises(pybet.InvalidArgument):
        ex.reconcile_starting_price("1.2")
    ex.reconcile_starting_price(M)
    with pytest.raises(pybet.InvalidMarketState):
        ex.reconcile_starting_price(M)
    assert moc(ex, "BACK", 100, "b1").reject_code == "MARKET_NOT_OPEN"


def test_an_sp_bet_can_be_cancelled_and_reduced(ex: pybet.Exchange) -> None:
    lay = moc(ex, "LAY", 600, "l1")
    assert ex.cancel(lay.order_id, "l1", size_reduction=100).size_cancelled == 100
    assert ex.exposure("l1", M) == 500
    assert ex.replace(lay.order_id, "3", "l1").reject_code == "INVALID_ARGUMENT"
    ex.cancel(lay.order_id, "l1")
    assert ex.exposure("l1", M) == 0


def test_a_snapshot_keeps_the_sp_book_and_replays_the_off(ex: pybet.Exchange) -> None:
    moc(ex, "BACK", 700, "b1")
    ex.place(M, 1, "LAY", "5", 6_000, "l1", order_type="LIMIT_ON_CLOSE")
    ex.place(M, 1, "BACK", "12", 50, "b2")
    restored = pybet.Exchange.restore(ex.snapshot())
    assert restored.state_hash() == ex.state_hash()
    assert restored.starting_prices(M) == ex.starting_prices(M)
    ex.turn_in_play(M)
    restored.turn_in_play(M)
    assert restored.state_hash() == ex.state_hash()
    assert sp(restored) == sp(ex)


BET = st.tuples(
    st.sampled_from(["MARKET_ON_CLOSE", "LIMIT_ON_CLOSE", "LIMIT"]),
    st.sampled_from(["BACK", "LAY"]),
    st.sampled_from(["1.5", "2", "3", "4.5", "7", "12", "30"]),
    st.integers(min_value=10, max_value=3_000),
    st.sampled_from(["b1", "b2", "l1", "l2"]),
)


@settings(max_examples=150, deadline=None)
@given(bets=st.lists(BET, max_size=25), winner=st.sampled_from([1, 2]))
def test_the_off_balances_backs_and_lays_and_settles_to_zero(
    bets: list[tuple[str, str, str, int, str]], winner: int
) -> None:
    ex = pybet.Exchange()
    ex.create_market(M, runners=[1, 2], starting_price=True, min_sp_liability=10)
    ex.open_market(M)
    for a in ("b1", "b2", "l1", "l2"):
        ex.deposit(a, 10**9)
    for order_type, side, price, size, account in bets:
        ex.place(M, 1, side, price, size, account, order_type=order_type)
    matched_before = {o.order_id: o.size_matched for o in ex.orders()}
    ex.events()
    ex.turn_in_play(M)
    fills = [e for e in ex.events() if e.kind == "StartingPriceFill"]
    gained = {o.order_id: o.size_matched - matched_before.get(o.order_id, 0) for o in ex.orders()}
    backs = sum(v for o in ex.orders() if o.side == Side.BACK for v in [gained[o.order_id]])
    lays = sum(v for o in ex.orders() if o.side == Side.LAY for v in [gained[o.order_id]])
    assert backs == lays == sum(f.size for f in fills)
    assert all(o.size_remaining == 0 for o in ex.orders() if o.order_type != OrderType.LIMIT)
    rep = ex.settle_market(M, winners=[winner])
    assert sum(pnl for _, pnl, _ in rep.accounts) + rep.residue == 0


def test_place_many_takes_an_order_type_per_row(ex: pybet.Exchange) -> None:
    import numpy as np

    out = ex.place_many(
        M,
        np.array([1, 1, 1], np.int64),
        np.array([0, 1, 0], np.uint8),
        np.array([0, 0, pybet.ladder.price_to_tick("3")], np.uint16),
        np.array([1_000, 6_000, 100], np.int64),
        ["b1", "l1", "b2"],
        order_types=np.array(
            [int(OrderType.MARKET_ON_CLOSE), int(OrderType.MARKET_ON_CLOSE), int(OrderType.LIMIT)],
            np.uint8,
        ),
    )
    assert out["reject_code"].tolist() == [0, 0, 0]
    kinds = [ex.order(int(i)).order_type for i in out["order_id"]]
    assert kinds == [OrderType.MARKET_ON_CLOSE, OrderType.MARKET_ON_CLOSE, OrderType.LIMIT]
    with pytest.raises(pybet.InvalidArgument):
        ex.place_many(
            M,
            np.array([1], np.int64),
            np.array([0], np.uint8),
            np.array([0], np.uint16),
            np.array([100], np.int64),
            "b1",
            order_types=np.array([1, 1], np.uint8),
        )


def test_the_spec_sketch_of_the_api_runs_as_written() -> None:
    ex = pybet.Exchange()
    ex.create_market(
        "1.2", runners=[1, 2, 3], starting_price=True, cross_matching=True, min_sp_liability=10_00
    )
    ex.open_market("1.2")
    for a in ("alice", "bob"):
        ex.deposit(a, 1_000_00)
    back = ex.place(
        "1.2", runner=1, side="BACK", size=5_00, account="alice",
        order_type=pybet.OrderType.MARKET_ON_CLOSE,
    )  # fmt: skip
    lay = ex.place(
        "1.2", runner=1, side="LAY", size=30_00, price="4.0", account="bob",
        order_type=pybet.OrderType.LIMIT_ON_CLOSE,
    )  # fmt: skip
    assert back.reject_code is None and lay.reject_code is None
    sps = ex.starting_prices("1.2")
    assert set(sps) == {1, 2, 3}
    # 1 + 3000/500 = 7.0 would break the lay's limit; at 4.0 it offers 3000/3 = 1000 of
    # stake, just above 4.0 nothing: the curves cross in that jump, at 4.0.
    assert sps[1].far_price == 4.0
    ex.reconcile_starting_price("1.2")
    assert ex.starting_prices("1.2")[1].actual_sp == 4.0
    assert ex.order(back.order_id).size_matched == 5_00
    bob = ex.order(lay.order_id)
    assert (bob.size_matched, bob.size_cancelled) == (5_00, 15_00)  # 500 x 3 used, 1500 back
    assert ex.book("1.2", runner=2, depth=3, virtual=True).available_to_back == []
    with pytest.raises(TypeError):
        ex.place("1.2", runner=1, side="BACK", account="alice")  # no size
