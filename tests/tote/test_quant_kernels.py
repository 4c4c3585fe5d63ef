"""Quant kernels: hand-checked values, properties and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet
from pybet import quant

probs = st.lists(st.floats(0.01, 1.0), min_size=4, max_size=9).map(
    lambda xs: np.array(xs) / np.sum(xs)
)


@settings(max_examples=100)
@given(probs, st.integers(2, 4))
def test_harville_sums_to_one_and_marginals_are_p(p: np.ndarray, depth: int) -> None:
    t = quant.harville(p, depth)
    assert t.shape == (len(p),) * depth
    assert t.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(t.sum(axis=tuple(range(1, depth))), p, atol=1e-12)
    for i in range(len(p)):
        assert t[(i, i) + (0,) * (depth - 2)] == 0.0


def test_harville_formula_and_place_probabilities() -> None:
    p = np.array([0.5, 0.3, 0.2])
    t = quant.harville(p, 3)
    assert t[0, 1, 2] == pytest.approx(0.5 * 0.3 / 0.5 * 0.2 / 0.2)
    assert t[1, 0, 2] == pytest.approx(0.3 * 0.5 / 0.7)
    place = quant.place_probabilities(p, 2)
    assert place == pytest.approx(quant.harville(p, 2).sum(axis=0) + p)
    assert quant.place_probabilities(p, 1) == pytest.approx(p)


def test_discounted_harville_and_henery_are_distributions() -> None:
    p = np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04])
    d = quant.discounted_harville(p, 3, [0.81, 0.65])
    assert d.sum() == pytest.approx(1.0) and np.allclose(d.sum(axis=(1, 2)), p)
    assert np.allclose(quant.discounted_harville(p, 2, [1.0]), quant.harville(p, 2))
    h = quant.henery(p, 3)
    assert h.sum() == pytest.approx(1.0)
    assert np.allclose(h.sum(axis=(1, 2)), p, atol=1e-3)
    # Henery shrinks the favourite's chance of placing second relative to Harville.
    assert h.sum(axis=(0, 2))[0] < quant.harville(p, 3).sum(axis=(0, 2))[0]


def test_implied_probabilities_and_expected_value() -> None:
    assert quant.implied_probabilities([300, 100, 600]) == pytest.approx([0.3, 0.1, 0.6])
    pool = pybet.Pool("win", 3, 0.2, breakage=1)
    pool.bet_many(np.array([1, 2, 3]), np.array([3000, 1000, 6000]))
    assert quant.implied_probabilities(pool.odds(), 0.2, from_odds=True) == pytest.approx(
        [0.3, 0.1, 0.6]
    )
    ev = quant.expected_value(np.array([[0.0, 0.5], [0.25, 0.0]]), np.array([[0, 3.0], [2, 0]]))
    assert ev.tolist() == [[-1.0, 0.5], [-0.5, -1.0]]


def test_kelly_fixed_odds_classic_two_outcomes() -> None:
    # Kelly (1956): one favourable even-money bet at p = 0.6 -> f = 2p - 1 = 0.2.
    assert quant.kelly_fixed_odds([0.6, 0.4], [2.0, 1.5]) == pytest.approx([0.2, 0.0])


def expected_profit(x: np.ndarray, p: np.ndarray, s: np.ndarray, q: float) -> float:
    return float(q * (s.sum() + x.sum()) * np.sum(p * x / (s + x)) - x.sum())


def optimise(p: np.ndarray, s: np.ndarray, q: float) -> np.ndarray:
    """Projected gradient ascent on the expected profit (concave in x >= 0)."""
    x = np.zeros_like(p)
    step = 0.2 * s.min()
    for _ in range(20000):
        tot = s.sum() + x.sum()
        grad = q * np.sum(p * x / (s + x)) + q * tot * p * s / (s + x) ** 2 - 1
        x = np.maximum(x + step * grad, 0.0)
    return x


@pytest.mark.parametrize("seed", range(6))
def test_kelly_parimutuel_agrees_with_a_numerical_optimiser(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    p = rng.dirichlet(np.ones(n))
    s = rng.uniform(50, 500, n)
    q = 1 - 0.15
    x = quant.kelly_parimutuel(p, s, 0.15)
    y = optimise(p, s, q)
    assert expected_profit(x, p, s, q) >= expected_profit(y, p, s, q) - 1e-6
    assert np.allclose(x, y, atol=1e-2 * s.max())


def test_bad_input_raises_quant_error() -> None:
    bad_calls = [
        lambda: quant.harville([0.5, 0.4], 2),
        lambda: quant.harville([1.2, -0.2], 2),
        lambda: quant.harville([np.nan, 1.0], 2),
        lambda: quant.harville([0.5, 0.5], 5),
        lambda: quant.harville([0.5, 0.5], 1),
        lambda: quant.harville([[0.5, 0.5]], 2),
        lambda: quant.henery([0.5, 0.5], 3),
        lambda: quant.discounted_harville([0.5, 0.5], 2, [1.0, 1.0, 1.0]),
        lambda: quant.expected_value([0.5], [1.0, 2.0]),
        lambda: quant.kelly_parimutuel([0.5, 0.5], [1.0], 0.1),
        lambda: quant.kelly_parimutuel([0.5, 0.5], [1.0, 1.0], 1.5),
        lambda: quant.kelly_fixed_odds([0.5, 0.5], [1.0, 2.0]),
        lambda: quant.implied_probabilities(["x"]),
    ]
    for call in bad_calls:
        with pytest.raises(pybet.QuantError) as info:
            call()
        assert info.value.code == "INVALID_INPUT"


def test_harville_matches_brute_force_enumeration() -> None:
    p = np.array([0.35, 0.3, 0.2, 0.1, 0.05])
    t = quant.harville(p, 4)
    for perm in itertools.permutations(range(5), 4):
        want, left = 1.0, 1.0
        for r in perm:
            want *= p[r] / left
            left -= p[r]
        assert t[perm] == pytest.approx(want)
