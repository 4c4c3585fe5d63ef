"""Pari-mutuel and quant benchmarks against plain numpy implementations of the same work.

Run: ``python benches/bench_tote.py [--quick]``. ``run(quick)`` returns one dict per case
(``name``, ``pybet_s``, ``numpy_s``, ``ratio`` = numpy time / pybet time, plus extras) so a
benchmark suite can import and call it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import pybet
from pybet import quant


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Least wall time of ``repeat`` calls (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def numpy_harville(p: np.ndarray, depth: int) -> np.ndarray:
    """Harville with numpy broadcasting (the peer)."""
    n = len(p)
    eye = np.eye(n, dtype=bool)
    p2 = p[:, None] * p[None, :] / (1 - p)[:, None]
    p2[eye] = 0
    if depth == 2:
        return p2
    left = 1 - p[:, None] - p[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        p3 = p2[:, :, None] * p[None, None, :] / left[:, :, None]
    p3[:, :, np.arange(n)] *= ~(eye[:, None, :] | eye[None, :, :])
    p3[eye] = 0
    return np.nan_to_num(p3)


def numpy_will_pays(totals: np.ndarray, net: int, breakage: int, min_payout: int) -> np.ndarray:
    """Trifecta will-pays from dense totals (the peer): broken, floored, 0 where unbacked."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (net * 100 // np.where(totals > 0, totals * breakage, 1)) * breakage
    d = np.maximum(d, min_payout)
    return np.where(totals > 0, d / 100.0, 0.0)


def bench_bet_many(n_bets: int) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    sel = rng.integers(1, 15, n_bets)
    stakes = rng.integers(100, 10_000, n_bets)

    def ours() -> None:
        pybet.Pool("win", 14, 0.15).bet_many(sel, stakes)

    def peer() -> None:
        totals = np.bincount(sel - 1, weights=stakes, minlength=14)
        ids = np.arange(n_bets)
        _ = (totals, ids, sel.copy(), stakes.copy())

    a, b = best_of(ours, 5), best_of(peer, 5)
    return {
        "name": f"bet_many WIN x{n_bets}",
        "pybet_s": a,
        "numpy_s": b,
        "ratio": b / a,
        "bets_per_s": n_bets / a,
    }


def bench_will_pays() -> dict[str, Any]:
    n = 20
    rng = np.random.default_rng(2)
    pool = pybet.Pool("trifecta", n, 0.25)
    sel = np.array([rng.choice(n, 3, replace=False) + 1 for _ in range(200_000)])
    pool.bet_many(sel, rng.integers(100, 5000, len(sel)))
    dense = pool.totals()
    a = best_of(pool.will_pays, 20)
    b = best_of(lambda: numpy_will_pays(dense, pool.net_pool, 10, 100), 20)
    assert np.allclose(pool.will_pays(), numpy_will_pays(dense, pool.net_pool, 10, 100))
    return {"name": "will_pays trifecta n=20", "pybet_s": a, "numpy_s": b, "ratio": b / a}


def bench_harville(n: int, depth: int, repeat: int) -> dict[str, Any]:
    p = np.random.default_rng(n).dirichlet(np.ones(n))
    a = best_of(lambda: quant.harville(p, depth), repeat)
    b = best_of(lambda: numpy_harville(p, depth), repeat)
    assert np.allclose(quant.harville(p, depth), numpy_harville(p, depth))
    return {
        "name": f"harville n={n} depth={depth}",
        "pybet_s": a,
        "numpy_s": b,
        "ratio": b / a,
        "us": a * 1e6,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Runs every case; ``quick`` shrinks sizes for a smoke run."""
    rows = [bench_bet_many(200_000 if quick else 2_000_000), bench_will_pays()]
    sizes = [8, 20] if quick else [8, 12, 16, 20, 24]
    rows += [bench_harville(n, 3, 50 if quick else 300) for n in sizes]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    for r in run(ap.parse_args().quick):
        extra = ""
        if "bets_per_s" in r:
            extra = f"  {r['bets_per_s'] / 1e6:.1f} M bets/s"
        if "us" in r:
            extra = f"  {r['us']:.1f} us"
        print(
            f"{r['name']:<28} pybet {r['pybet_s'] * 1e3:9.3f} ms"
            f"  numpy {r['numpy_s'] * 1e3:9.3f} ms  ratio {r['ratio']:6.2f}x{extra}"
        )


if __name__ == "__main__":
    main()
