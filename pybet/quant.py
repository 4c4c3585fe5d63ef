"""Quant kernels for pari-mutuel modelling (compiled in Rust, GIL released, numpy in and out).

Every function takes array-likes, converts them to contiguous ``float64`` arrays and raises
:class:`pybet.QuantError` on bad input: probabilities that are negative, not finite or do not sum
to 1 within 1e-6, a depth outside 2..4, shapes that do not match.

Finishing-order models return a dense array of shape ``(n,) * depth`` whose entry
``[i, j, k]`` is the probability that runners ``i + 1, j + 1, k + 1`` (0-based indices) finish
first, second and third; entries with a repeated index are 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pybet import _core
from pybet.errors import QuantError

__all__ = [
    "discounted_harville",
    "expected_value",
    "harville",
    "henery",
    "implied_probabilities",
    "kelly_fixed_odds",
    "kelly_parimutuel",
    "place_probabilities",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def _f64(x: ArrayLike, name: str) -> FloatArray:
    try:
        a = np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise QuantError(f"{name} must be an array of numbers: {e}") from None
    return a


def _int(x: int, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int | np.integer):
        raise QuantError(f"{name} must be an int, got {x!r}")
    if x < 0:
        raise QuantError(f"{name} must be non-negative, got {x}")
    return int(x)


def implied_probabilities(
    totals: ArrayLike, takeout: float = 0.0, *, from_odds: bool = False
) -> FloatArray:
    """Win probabilities implied by pool totals (each runner's share of the pool), or with
    ``from_odds=True`` by decimal odds: ``(1 - takeout) / odds`` normalised to sum to 1."""
    return _core.quant_implied_probabilities(
        _f64(totals, "totals"), float(takeout), bool(from_odds)
    )


def harville(p: ArrayLike, depth: int) -> FloatArray:
    """Harville probabilities of every ordered finish of ``depth`` (2..4) runners:
    ``P(i, j, k) = p_i p_j p_k / ((1 - p_i)(1 - p_i - p_j))``."""
    return _core.quant_harville(_f64(p, "p"), _int(depth, "depth"))


def place_probabilities(p: ArrayLike, k: int) -> FloatArray:
    """Probability (Harville) that each runner finishes in the first ``k`` (1..4) places."""
    return _core.quant_place_probabilities(_f64(p, "p"), _int(k, "k"))


def discounted_harville(
    p: ArrayLike, depth: int, lambdas: Sequence[float] | ArrayLike
) -> FloatArray:
    """Lo and Bacon-Shone's discounted Harville: place j uses ``p ** lambda_j`` renormalised.
    ``lambdas`` gives places 2..depth (the winner uses ``p``), or places 1..depth."""
    return _core.quant_discounted_harville(
        _f64(p, "p"), _int(depth, "depth"), _f64(lambdas, "lambdas")
    )


def henery(p: ArrayLike, depth: int) -> FloatArray:
    """Henery's model: running times N(mu_i, 1) with the means solved to reproduce ``p`` (diagonal
    Newton), ordered-finish probabilities by nested integration on a 601-point grid, normalised
    to sum to 1 (accuracy about 1e-4 per entry)."""
    return _core.quant_henery(_f64(p, "p"), _int(depth, "depth"))


def expected_value(probs: ArrayLike, will_pays: ArrayLike) -> FloatArray:
    """Expected profit per unit staked on each combination: ``probs * will_pays - 1`` (same
    shapes; ``will_pays`` as decimal dividends, e.g. from ``Pool.will_pays()``)."""
    return _core.quant_expected_value(_f64(probs, "probs"), _f64(will_pays, "will_pays"))


def kelly_parimutuel(p: ArrayLike, others: ArrayLike, takeout: float) -> FloatArray:
    """Isaacs (1953) stakes maximising expected profit in a pool where ``others`` is already
    bet on each runner, accounting for the stakes' own effect on the odds:
    ``x_k = sqrt(Q p_k S_k S_out / (1 - Q P_s)) - S_k`` on the chosen set, ``Q = 1 - takeout``."""
    return _core.quant_kelly_parimutuel(_f64(p, "p"), _f64(others, "others"), float(takeout))


def kelly_fixed_odds(p: ArrayLike, odds: ArrayLike) -> FloatArray:
    """Kelly fractions of the bankroll for mutually exclusive outcomes at fixed decimal odds
    (many-horse Kelly: ``f_k = p_k - R / o_k`` on the optimal set)."""
    return _core.quant_kelly_fixed_odds(_f64(p, "p"), _f64(odds, "odds"))
