"""The standard mix (70% limit orders near the touch, 25% cancels, 5% sweeps) through pybet from
Python: the numpy batch calls, and one call per operation. Prints operations per second.

    python benches/bench_exchange.py [--ops 200000]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

import pybet

MID = 100  # tick of 2.02
# Several accounts: with one account every order would be skipped as a self-match.
ACCOUNTS = [f"acct{i}" for i in range(8)]


@dataclass(frozen=True)
class Mix:
    """A seeded standard-mix stream as arrays; cancels name the k-th order placed."""

    is_cancel: np.ndarray
    accounts: list[str]
    account_ids: np.ndarray
    sides: np.ndarray
    ticks: np.ndarray
    sizes: np.ndarray
    cancel_target: np.ndarray


def standard_mix(n: int, seed: int = 42) -> Mix:
    rng = np.random.default_rng(seed)
    roll = rng.integers(0, 100, n)
    sides = rng.integers(0, 2, n).astype(np.uint8)
    off = rng.integers(0, 5, n)
    near = np.where(sides == 0, MID + 1 + off, MID - 1 - off)
    sweep = np.where(sides == 0, MID - 6, MID + 6)
    is_cancel = (roll >= 70) & (roll < 95)
    is_sweep = roll >= 95
    ticks = np.where(is_sweep, sweep, near).astype(np.uint16)
    sizes = np.where(is_sweep, rng.integers(20_000, 40_000, n), rng.integers(200, 5_200, n))
    placed_before = np.cumsum(~is_cancel) - (~is_cancel)
    target = (rng.random(n) * np.maximum(placed_before, 1)).astype(np.int64)
    account_ids = rng.integers(0, len(ACCOUNTS), n).astype(np.uint32)
    accounts = [ACCOUNTS[a] for a in account_ids]
    return Mix(is_cancel, accounts, account_ids, sides, ticks, sizes.astype(np.int64), target)


def fresh() -> pybet.Exchange:
    ex = pybet.Exchange()
    ex.create_market("1.1", runners=[1])
    ex.open_market("1.1")
    for account in ACCOUNTS:  # exposure checks are on: fund far beyond the stream's needs
        ex.deposit(account, 10**15)
    return ex


def run_batch(mix: Mix, chunk: int = 4096) -> float:
    """Alternating place_many / cancel_many over runs of the stream, with the accounts as a
    table plus per-row indices (numpy only inside the loop); returns seconds."""
    ex = fresh()
    n = len(mix.sides)
    order_ids = np.zeros(n, dtype=np.uint64)
    owners = np.zeros(n, dtype=np.uint32)
    ones = np.ones(n, dtype=np.int64)
    placed = 0
    start = time.perf_counter()
    for i in range(0, n, chunk):
        j = min(i + chunk, n)
        sel = ~mix.is_cancel[i:j]
        k = int(sel.sum())
        if k:
            who = mix.account_ids[i:j][sel]
            out = ex.place_many(
                "1.1",
                ones[:k],
                mix.sides[i:j][sel],
                mix.ticks[i:j][sel],
                mix.sizes[i:j][sel],
                ACCOUNTS,
                account_ids=who,
            )
            order_ids[placed : placed + k] = out["order_id"]
            owners[placed : placed + k] = who
            placed += k
        cancels = mix.cancel_target[i:j][~sel]
        cancels = cancels[cancels < placed]
        if len(cancels):
            ex.cancel_many(order_ids[cancels], ACCOUNTS, account_ids=owners[cancels])
        ex.events_arrays()
    return time.perf_counter() - start


def run_per_call(mix: Mix) -> float:
    """One ``place_tick``/``cancel`` call per operation; returns seconds."""
    ex = fresh()
    ids: list[tuple[int, str]] = []
    accounts = mix.accounts
    place, cancel = ex.place_tick, ex.cancel
    sides, ticks, sizes = mix.sides.tolist(), mix.ticks.tolist(), mix.sizes.tolist()
    is_cancel, target = mix.is_cancel.tolist(), mix.cancel_target.tolist()
    start = time.perf_counter()
    for i in range(len(sides)):
        if is_cancel[i]:
            if ids:
                cancel(*ids[target[i] % len(ids)])
        else:
            ids.append((place("1.1", 1, sides[i], ticks[i], sizes[i], accounts[i]), accounts[i]))
        if i & 0xFFFF == 0:
            ex.events_arrays()
    return time.perf_counter() - start


def run_reports(mix: Mix) -> float:
    """One full ``place`` (PlaceReport objects, price as a string) per operation."""
    ex = fresh()
    prices = [str(pybet.ladder.tick_to_price(int(t))) for t in mix.ticks]
    ids: list[tuple[int, str]] = []
    accounts = mix.accounts
    sides = [pybet.Side.BACK if s == 0 else pybet.Side.LAY for s in mix.sides.tolist()]
    sizes, is_cancel, target = (
        mix.sizes.tolist(),
        mix.is_cancel.tolist(),
        mix.cancel_target.tolist(),
    )
    start = time.perf_counter()
    for i in range(len(sides)):
        if is_cancel[i]:
            if ids:
                ex.cancel(*ids[target[i] % len(ids)])
        else:
            rep = ex.place("1.1", 1, sides[i], prices[i], sizes[i], accounts[i])
            ids.append((rep.order_id, accounts[i]))
        if i & 0xFFFF == 0:
            ex.events_arrays()  # the report path is timed here, not event objects
    return time.perf_counter() - start


def run(ops: int = 200_000, repeat: int = 3) -> list[dict[str, float | str]]:
    mix = standard_mix(ops)
    results: list[dict[str, float | str]] = []
    for name, fn in (
        ("python batch (place_many/cancel_many)", run_batch),
        ("python per call (place_tick/cancel)", run_per_call),
        ("python per call (place -> PlaceReport)", run_reports),
    ):
        fn(standard_mix(2_000, seed=1))  # warm-up
        best = min(fn(mix) for _ in range(repeat))
        results.append({"engine": name, "ops": ops, "seconds": best, "ops_per_s": ops / best})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for r in run(args.ops, args.repeat):
        print(f"{r['engine']:<42} {r['ops_per_s'] / 1e6:8.2f} M ops/s")


if __name__ == "__main__":
    main()
