"""Hypothesis properties of pools: the money invariant, minimum payouts, batch = single."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet

KINDS = ["win", "place", "show", "exacta", "quinella", "trifecta", "superfecta"]
ARITY = {
    "win": 1,
    "place": 1,
    "show": 1,
    "exacta": 2,
    "quinella": 2,
    "trifecta": 3,
    "superfecta": 4,
}


@st.composite
def pools(draw: st.DrawFn) -> tuple[pybet.Pool, list[list[int]], list[tuple[tuple[int, ...], int]]]:
    kind = draw(st.sampled_from(KINDS))
    n = draw(st.integers(4, 9))
    pool = pybet.Pool(
        kind,
        n,
        draw(st.integers(0, 300)) / 1000,
        split=draw(st.sampled_from(["profit", "pool"])),
        breakage=draw(st.sampled_from([1, 5, 10, 20])),
        rounding=draw(st.sampled_from(["down", "nearest"])),
        min_payout=draw(st.integers(0, 130)),
        no_winner=draw(st.sampled_from(["refund", "carryover"])),
    )
    bets = draw(
        st.lists(st.tuples(st.permutations(range(1, n + 1)), st.integers(1, 10**6)), max_size=60)
    )
    placed = [(tuple(p[: ARITY[kind]]), s) for p, s in bets]
    for sel, stake in placed:
        pool.bet(sel, stake)
    if draw(st.booleans()):
        pool.scratch(draw(st.integers(1, n)))
    order = [r for r in draw(st.permutations(range(1, n + 1))) if r not in pool.scratched]
    result: list[list[int]] = []
    while order:
        k = draw(st.integers(1, 3))
        result.append(order[:k])
        order = order[k:]
    return pool, result, placed


@settings(max_examples=300)
@given(pools())
def test_money_invariant_and_min_payout(
    case: tuple[pybet.Pool, list[list[int]], list[tuple[tuple[int, ...], int]]],
) -> None:
    pool, result, _ = case
    d = pool.dividends(result)
    payouts = pool.payouts()
    assert int(payouts.sum()) + d.takeout + d.breakage - d.minus_pool + d.carryover == d.gross_pool
    assert d.minus_pool >= 0 and np.all(payouts >= 0)
    if pool.rounding == pybet.Rounding.DOWN:
        assert d.breakage >= 0
    assert all(v >= pool.min_payout for v in d.dividends.values())


@settings(max_examples=100)
@given(pools())
def test_bet_many_equals_repeated_bet(
    case: tuple[pybet.Pool, list[list[int]], list[tuple[tuple[int, ...], int]]],
) -> None:
    pool, _, placed = case
    kind, n, arity = pool.kind, pool.runners, ARITY[KINDS[int(pool.kind)]]
    one = pybet.Pool(kind, n, 0.15)
    many = pybet.Pool(kind, n, 0.15)
    for sel, stake in placed:
        one.bet(sel, stake)
    sels = np.array([s for s, _ in placed], dtype=np.int64).reshape(-1, arity)
    ids = many.bet_many(sels, np.array([s for _, s in placed], dtype=np.int64))
    assert ids.tolist() == list(range(len(placed)))
    assert one.state_hash() == many.state_hash()
    assert np.array_equal(one.totals(), many.totals())
