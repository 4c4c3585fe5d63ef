"""What cross-matching costs: the standard mix replayed on runner 1 of a two-runner market,
with and without ``cross_matching``, the same run, per call and batched.

Runner 2 holds a deep static book (backs at 1.34, lays at 1.32) whose virtual offers sit just
outside runner 1's touch (something to back at 3.9 against the direct 3.95, to lay at 4.2
against 4.0), so that every taker on runner 1 prices virtual offers, the sweeps that reach past
the touch take them, and every command ends with the sweep of resting orders.

    python -m benches.bench_cross [--ops 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

import pybet
from benches.engines import PybetBatch, PybetPerCall
from benches.workload import MARKET, Workload, standard_mix


def market(wl: Workload, cross: bool) -> Any:
    ex = pybet.Exchange()
    for a in (*wl.accounts, "runner2"):
        ex.deposit(a, 10**15)
    ex.create_market(MARKET, runners=[1, 2], cross_matching=cross)
    ex.open_market(MARKET)
    ex.place(MARKET, 2, "BACK", "1.34", 10**11, "runner2")
    ex.place(MARKET, 2, "LAY", "1.32", 10**11, "runner2")
    return ex


def time_engine(engine_cls: type, wl: Workload, cross: bool) -> float:
    """Operations per second of one replay of the timed part of the stream."""
    import benches.engines as engines

    original = engines.new_exchange
    engines.new_exchange = lambda w: market(w, cross)  # type: ignore[assignment]
    try:
        engine = engine_cls()
        engine.setup(wl)
        t0 = time.perf_counter()
        engine.run(wl)
        elapsed = time.perf_counter() - t0
    finally:
        engines.new_exchange = original  # type: ignore[assignment]
    house = engine.ex.orders(account=pybet.HOUSE_ACCOUNT)
    assert engine.ex.exposure(pybet.HOUSE_ACCOUNT, MARKET) == 0 or not house
    time_engine.house_orders = len(house)  # type: ignore[attr-defined]
    return (len(wl) - wl.warm) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=100_000, help="timed operations (100,000)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    args = ap.parse_args()
    wl = standard_mix(args.ops, seed=11)
    rows = []
    for engine_cls in (PybetPerCall, PybetBatch):
        off, on = [], []
        for _ in range(args.rounds):
            off.append(time_engine(engine_cls, wl, cross=False))
            on.append(time_engine(engine_cls, wl, cross=True))
        house = time_engine.house_orders  # type: ignore[attr-defined]
        rows.append((engine_cls.name, statistics.median(off), statistics.median(on), house))
    print(f"standard mix, {args.ops:,} ops, median of {args.rounds} interleaved rounds")
    print(f"{'engine':52} {'off ops/s':>12} {'on ops/s':>12} {'on/off':>7} {'house orders':>13}")
    for name, off_v, on_v, house in rows:
        print(f"{name:52} {off_v:12,.0f} {on_v:12,.0f} {on_v / off_v:7.2f} {house:13,}")
    np.random.seed(0)


if __name__ == "__main__":
    main()
