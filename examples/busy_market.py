"""A busy pre-race market through the engine: many accounts placing, cancelling and sweeping
on three runners, then a summary (orders, fills, matched volume, throughput).

    python examples/busy_market.py [--ops 300000] [--seed 7]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import pybet

MARKET = "1.234567"
RUNNERS = [101, 102, 103]
FAIR_TICKS = {101: 90, 102: 130, 103: 160}  # ~1.91, ~3.4, ~6.0 on the ladder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--ops", type=int, default=300_000, help="operations to simulate")
    parser.add_argument("--seed", type=int, default=7, help="random seed (runs are reproducible)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    accounts = [f"acct{i:03d}" for i in range(200)]
    ex = pybet.Exchange(commission_rate=0.05)
    ex.create_market(MARKET, runners=RUNNERS, places=1, min_stake=200)
    ex.open_market(MARKET)
    for account in accounts:  # orders hold their exposure against the balance
        ex.deposit(account, 10**12)

    live: list[tuple[int, str]] = []
    placed = cancelled = rejected = fills = matched = 0
    chunk = 10_000
    start = time.perf_counter()
    for done in range(0, args.ops, chunk):
        n = min(chunk, args.ops - done)
        runner = rng.choice(RUNNERS, n)
        sides = rng.integers(0, 2, n).astype(np.uint8)
        fair = np.array([FAIR_TICKS[int(r)] for r in runner])
        sweep = rng.random(n) < 0.05
        offset = rng.integers(1, 6, n)
        ticks = np.where(sides == 0, fair + offset, fair - offset)
        ticks = np.where(sweep, np.where(sides == 0, fair - 8, fair + 8), ticks).astype(np.uint16)
        sizes = np.where(sweep, rng.integers(20_000, 60_000, n), rng.integers(200, 8_000, n))
        who = [accounts[i] for i in rng.integers(0, len(accounts), n)]
        out = ex.place_many(
            MARKET, runner.astype(np.int64), sides, ticks, sizes.astype(np.int64), who
        )
        placed += n
        rejected += int((out["reject_code"] != 0).sum())
        resting = out["size_matched"] < sizes
        live.extend(
            (int(o), a) for o, a, r in zip(out["order_id"], who, resting, strict=True) if r and o
        )
        # cancel a third as many as were placed, oldest-biased like real quote refreshes
        k = min(len(live), n // 3)
        if k:
            idx = sorted(set(rng.integers(0, len(live), k).tolist()), reverse=True)
            batch = [live[i] for i in idx]
            for i in idx:
                live[i] = live[-1]
                live.pop()
            res = ex.cancel_many(
                np.array([o for o, _ in batch], dtype=np.uint64), [a for _, a in batch]
            )
            cancelled += int((res["size_cancelled"] > 0).sum())
        events = ex.events_arrays()
        is_fill = events["kind"] == 3
        fills += int(is_fill.sum())
        matched += int(events["size"][is_fill].sum())
        print(f"\r[busy-market] {done + n:>9,}/{args.ops:,} ops", end="", flush=True)
    elapsed = time.perf_counter() - start
    print()
    ops = placed + cancelled
    print(f"market {MARKET}: {len(RUNNERS)} runners, {len(accounts)} accounts, seed {args.seed}")
    print(f"orders placed      {placed:>12,}   (rejected {rejected:,})")
    print(f"orders cancelled   {cancelled:>12,}")
    print(f"fills              {fills:>12,}")
    print(f"matched volume     {matched / 100:>15,.2f} (currency units)")
    print(
        f"elapsed            {elapsed:>15.3f} s   "
        f"{ops / elapsed / 1e6:.2f} M ops/s end to end, simulation included"
    )
    for r in RUNNERS:
        book = ex.book(MARKET, r, depth=1)
        back = book.available_to_back[0] if book.available_to_back else None
        lay = book.available_to_lay[0] if book.available_to_lay else None
        print(f"runner {r}: best to back {back}  best to lay {lay}")
    print(f"state hash {ex.state_hash():#018x}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
