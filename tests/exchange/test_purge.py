"""``Exchange.purge_market`` (SPEC 8a): a settled market's result stays until purged; purging
an unsettled market is refused and changes nothing; a purged market is unknown."""

from __future__ import annotations

import pytest

import pybet


def _settled() -> pybet.Exchange:
    ex = pybet.Exchange()
    ex.create_market("1.1", [1, 2])
    ex.open_market("1.1")
    for a in ("a", "b"):
        ex.deposit(a, 10_000)
    ex.place("1.1", 1, pybet.Side.BACK, "2.0", 100, "a")
    ex.place("1.1", 1, pybet.Side.LAY, "2.0", 100, "b")
    return ex


def test_purging_an_unsettled_market_is_refused_and_changes_nothing() -> None:
    ex = _settled()
    before = ex.state_hash()
    with pytest.raises(pybet.InvalidMarketState) as err:
        ex.purge_market("1.1")
    assert err.value.code == "INVALID_STATE"
    assert ex.state_hash() == before
    with pytest.raises(pybet.UnknownMarket):
        ex.purge_market("9.9")


def test_a_purged_market_is_unknown_and_survives_a_restore() -> None:
    ex = _settled()
    ex.close_market("1.1")
    ex.settle_market("1.1", [1])
    balances = (ex.balance("a"), ex.balance("b"))
    ex.purge_market("1.1")
    assert ex.markets() == [] and (ex.balance("a"), ex.balance("b")) == balances
    with pytest.raises(pybet.UnknownMarket):
        ex.market_status("1.1")
    again = pybet.Exchange.restore(ex.snapshot())
    assert again.state_hash() == ex.state_hash() and again.markets() == []
