"""Journal appends through each store, one awaited ``append`` per batch as the gateway does it:
appends per second and p50/p99 append latency, side by side. ``redis://`` uses a private
redis-server (AOF on, ``appendfsync always``) unless ``--redis URL`` is given; ``file:`` writes
to a temporary directory (``--dir`` to pick the disk).

    python benches/bench_store.py [--appends 2000] [--record-bytes 1024] [--dir PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from redis_server import RedisServer, redis_server_binary

from pybet.store import SnapshotRecord, open_store


async def bench(url: str, appends: int, record: bytes) -> dict[str, float]:
    store = open_store(url)
    await store.open()
    start_seq = 1
    recovered = await store.load()
    if recovered.records:
        start_seq = recovered.records[-1][0] + 1
    elif recovered.snapshot:
        start_seq = recovered.snapshot.seq + 1
    for seq in range(start_seq, start_seq + 20):  # warm up: connections, page cache, segment
        await store.append(seq, record)
    start_seq += 20
    lat: list[int] = []
    t0 = time.perf_counter()
    for seq in range(start_seq, start_seq + appends):
        a = time.perf_counter_ns()
        await store.append(seq, record)
        lat.append(time.perf_counter_ns() - a)
    elapsed = time.perf_counter() - t0
    last = start_seq + appends - 1
    snap = SnapshotRecord(seq=last, state=os.urandom(1 << 20), state_hash=1)
    s0 = time.perf_counter()
    await store.write_snapshot(snap)
    snap_ms = (time.perf_counter() - s0) * 1e3
    l0 = time.perf_counter()
    await store.load()
    load_ms = (time.perf_counter() - l0) * 1e3
    await store.close()
    q = statistics.quantiles(lat, n=100)
    return {
        "appends_s": appends / elapsed,
        "p50_us": q[49] / 1e3,
        "p99_us": q[98] / 1e3,
        "snapshot_1mb_ms": snap_ms,
        "load_ms": load_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--record-bytes", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="where the file: store writes")
    parser.add_argument("--redis", default=None, help="an existing redis://... to use instead")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop, as pybet serve")
    args = parser.parse_args()
    record = os.urandom(args.record_bytes)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=args.dir)))
        urls = {"memory:": "memory:", "file:": f"file:{tmp / 'store'}"}
        if args.redis:
            urls["redis://"] = args.redis
        elif redis_server_binary():
            server = stack.enter_context(RedisServer(tmp / "redis"))
            urls["redis://"] = f"{server.url}?shard=bench"
        else:
            print("redis-server not installed: skipping redis://", file=sys.stderr)
        if args.uvloop:
            import uvloop

            uvloop.install()
        print(
            f"{args.appends} appends of {args.record_bytes} B, one awaited append per batch "
            f"({'uvloop' if args.uvloop else 'asyncio'}; indicative: shared machine)"
        )
        print(
            f"{'store':10} {'appends/s':>11} {'p50 us':>9} {'p99 us':>9} "
            f"{'snap 1MB ms':>12} {'load ms':>8}"
        )
        for name, url in urls.items():
            r = asyncio.run(bench(url, args.appends, record))
            print(
                f"{name:10} {r['appends_s']:11,.0f} {r['p50_us']:9.1f} {r['p99_us']:9.1f} "
                f"{r['snapshot_1mb_ms']:12.1f} {r['load_ms']:8.1f}"
            )


if __name__ == "__main__":
    main()
