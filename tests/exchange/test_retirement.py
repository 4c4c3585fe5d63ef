"""Spec section 8a from Python: a settled or voided market's orders leave the engine, so the
snapshot and the order listing follow what is live, not history."""

from __future__ import annotations

import numpy as np
import pytest

import pybet
from pybet import ladder


def _exchange() -> pybet.Exchange:
    ex = pybet.Exchange()
    for a in ("a", "b"):
        ex.deposit(a, 10**12)
    ex.create_market("live", runners=[1, 2])
    ex.open_market("live")
    ex.place("live", 1, "BACK", "5", 100, "a", client_order_id="keep")
    return ex


def _trade(ex: pybet.Exchange, market: str, n: int) -> None:
    """`n` orders, every one finished: a back and a lay that match, in pairs."""
    ex.create_market(market, runners=[1, 2])
    ex.open_market(market)
    sides = np.tile(np.array([0, 1], dtype=np.uint8), n // 2)
    ones = np.ones(n, dtype=np.int64)
    ticks = np.full(n, ladder.price_to_tick("2"), dtype=np.uint16)
    accounts = ["a", "b"] * (n // 2)
    ex.place_many(market, ones, sides, ticks, ones * 100, accounts)


@pytest.mark.parametrize("settle", [True, False])
def test_a_settled_or_voided_market_leaves_the_snapshot_and_the_listing(settle: bool) -> None:
    ex = _exchange()
    before = len(ex.snapshot())
    _trade(ex, "race", 20_000)
    assert len(ex.orders(market_id="race")) == 20_000
    assert len(ex.snapshot()) > before + 20_000 * 15  # every order in it (each over 15 bytes)
    if settle:
        ex.settle_market("race", winners=[1])
    else:
        ex.void_market("race")
    assert ex.orders(market_id="race") == []
    assert len(ex.snapshot()) < before + 2_048
    with pytest.raises(pybet.UnknownOrder):
        ex.order(2)
    assert ex.order(1).client_order_id == "keep"
    restored = pybet.Exchange.restore(ex.snapshot())
    assert restored.state_hash() == ex.state_hash()
    # Ids stay monotonic across the freed ones, and after a restore.
    assert restored.place("live", 1, "BACK", "5", 100, "a").order_id == 20_002


def test_a_settled_markets_result_and_its_client_order_ids() -> None:
    ex = _exchange()
    ex.create_market("race", runners=[1, 2])
    ex.open_market("race")
    ex.place("race", 1, "BACK", "2", 100, "a", client_order_id="x")
    ex.place("race", 1, "LAY", "2", 100, "b")
    rep = ex.settle_market("race", winners=[1])
    assert {acc: pnl for acc, pnl, _ in rep.accounts} == {"a": 100, "b": -100}
    assert ex.balance("a") == 10**12 + 100
    with pytest.raises(pybet.AlreadySettled):
        ex.settle_market("race", winners=[1])
    # The settled market's client order id is free again for a live market.
    assert ex.place("live", 1, "BACK", "5", 100, "a", client_order_id="x").size_remaining == 100
