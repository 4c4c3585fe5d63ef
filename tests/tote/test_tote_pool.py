"""Pool API: intake, errors that change nothing, odds, will-pays, snapshots."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import pybet


def test_errors_are_typed_coded_and_change_nothing() -> None:
    pool = pybet.Pool("trifecta", 6, 0.2)
    pool.bet((1, 2, 3), 100)
    pool.scratch(6)
    before = pool.state_hash()
    cases: list[tuple[object, int, type[pybet.PybetError], str]] = [
        ((1, 2), 100, pybet.InvalidSelection, "INVALID_SELECTION"),
        ((1, 2, 7), 100, pybet.InvalidSelection, "INVALID_SELECTION"),
        ((1, 2, 6), 100, pybet.InvalidSelection, "INVALID_SELECTION"),
        ((1, 1, 2), 100, pybet.InvalidSelection, "INVALID_SELECTION"),
        ((1, 2, 3), 0, pybet.InvalidSize, "INVALID_SIZE"),
        ((1, 2, 3), -5, pybet.InvalidSize, "INVALID_SIZE"),
    ]
    for sel, stake, exc, code in cases:
        with pytest.raises(exc) as info:
            pool.bet(sel, stake)  # type: ignore[arg-type]
        assert info.value.code == code
    with pytest.raises(pybet.InvalidSelection):
        pool.bet_many(np.array([[1, 2, 3], [1, 2, 6]]), np.array([10, 10]))
    assert pool.state_hash() == before
    pool.close()
    with pytest.raises(pybet.PoolClosed) as info2:
        pool.bet((1, 2, 3), 100)
    assert info2.value.code == "POOL_CLOSED"
    assert pool.state_hash() != before  # closing is a change of state
    assert len(pool) == 1


def test_bad_rules_raise_invalid_argument() -> None:
    for kwargs in [
        {"takeout": 1.0},
        {"takeout": 0.1234567},
        {"takeout": "abc"},
        {"takeout": 0.1, "split": "half"},
        {"takeout": 0.1, "breakage": 0},
        {"takeout": 0.1, "places": 2},
    ]:
        with pytest.raises(pybet.InvalidArgument):
            pybet.Pool("win", 5, **kwargs)  # type: ignore[arg-type]


def test_takeout_is_exact() -> None:
    for t in (0.1925, "0.1925", Decimal("0.1925")):
        assert pybet.Pool("win", 5, t).takeout_ppm == 192_500


def test_enums_and_strings_are_interchangeable() -> None:
    a = pybet.Pool(
        pybet.PoolKind.PLACE,
        5,
        0.15,
        split=pybet.Split.POOL,
        rounding=pybet.Rounding.NEAREST,
        no_winner=pybet.NoWinner.CARRYOVER,
    )
    b = pybet.Pool("PLACE", 5, 0.15, split="pool", rounding="nearest", no_winner="carryover")
    assert a.state_hash() == b.state_hash()
    assert a.kind == pybet.PoolKind.PLACE and int(a.split) == 1
    assert pybet.Pool("show", 5, 0).places == 3 and pybet.Pool("place", 5, 0).places == 2


def test_bet_many_returns_consecutive_ids_and_accepts_1d_for_single_pools() -> None:
    pool = pybet.Pool("win", 4, 0.1)
    assert pool.bet(2, 50) == 0
    ids = pool.bet_many(np.array([1, 2, 3], dtype=np.int32), [10, 20, 30])
    assert ids.tolist() == [1, 2, 3]
    assert pool.totals().tolist() == [10, 70, 30, 0]
    with pytest.raises(pybet.InvalidArgument):
        pool.bet_many(np.array([1.5]), np.array([10]))
    with pytest.raises(pybet.InvalidSelection):
        pool.bet_many(np.array([[1, 2]]), np.array([10]))


def test_odds_and_will_pays() -> None:
    win = pybet.Pool("win", 3, 0.2)
    win.bet_many(np.array([1, 2]), np.array([3000, 1000]))
    odds = win.odds()
    assert odds[0] == pytest.approx(3200 / 3000) and odds[1] == pytest.approx(3.2)
    assert np.isinf(odds[2])
    place = pybet.Pool("place", 4, 0.2)
    place.bet_many(np.array([1, 2, 3, 4]), np.array([1000, 2000, 3000, 4000]))
    rng = place.odds()
    assert rng.shape == (4, 2) and np.all(rng[:, 0] <= rng[:, 1])
    tri = pybet.Pool("trifecta", 5, 0.2)
    tri.bet((1, 2, 3), 400)
    tri.bet((3, 2, 1), 100)
    wp = tri.will_pays()
    assert wp.shape == (5, 5, 5)
    assert wp[0, 1, 2] == 1.0 and wp[2, 1, 0] == 4.0 and wp[0, 0, 1] == 0.0
    assert tri.totals()[0, 1, 2] == 400
    q = pybet.Pool("quinella", 4, 0)
    q.bet((3, 1), 100)
    assert q.will_pays()[0, 2] == q.will_pays()[2, 0] == 1.0


def test_snapshot_restore_and_hash() -> None:
    pool = pybet.Pool("exacta", 8, 0.18, carryover_to="next")
    rng = np.random.default_rng(7)
    sel = np.array([rng.choice(8, 2, replace=False) + 1 for _ in range(200)])
    pool.bet_many(sel, rng.integers(1, 1000, 200))
    pool.scratch(8)
    d = pool.dividends([[1], [2]])
    copy = pybet.Pool.restore(pool.snapshot())
    assert copy.state_hash() == pool.state_hash()
    assert copy.settlement == d
    assert copy.payouts().tolist() == pool.payouts().tolist()
    blob = bytearray(pool.snapshot())
    blob[30] ^= 0xFF
    with pytest.raises(pybet.SnapshotError):
        pybet.Pool.restore(bytes(blob))


def test_dividends_validate_the_result() -> None:
    pool = pybet.Pool("win", 4, 0.1)
    pool.bet(1, 100)
    pool.scratch(4)
    for bad in ([[5]], [[4]], [[1], [1]], [[]]):
        with pytest.raises(pybet.InvalidSelection):
            pool.dividends(bad)
    assert pool.is_open
    d = pool.dividends([1, 2])
    assert not pool.is_open and d.to_dict()["dividends"] == {(1,): 100}
    with pytest.raises(pybet.PoolClosed):
        pool.scratch(2)
