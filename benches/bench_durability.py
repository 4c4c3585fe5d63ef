"""The cost of durability and the time to recover.

1. The gateway (`pybet serve`, its own process) under `pybet load` with `memory:`, `file:` (a
   fresh temporary directory) and `redis://` (a private redis-server, `appendfsync always`) side
   by side: closed-loop throughput and open-loop p99 ack latency, and each as a ratio to
   `memory:`; and the ack latency with one order in flight (one batch = one journal write).
2. Recovery of a snapshot holding N resting orders (default 1,000,000): `Exchange.restore`
   and its hash alone, then what recovery does, `EngineCore.restore_and_hash` (exchange,
   idempotency table, bet delay scan, and the state hash that recovery checks), in a fresh
   process as after a restart (the building process's heap would make it look slower).

    python benches/bench_durability.py [--duration 3] [--rate 5000] [--orders 1000000]
        [--skip-gateway] [--skip-recovery] [--json]

The machine is shared: the figures are indicative.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import bench_gateway


def gateway_side_by_side(args: argparse.Namespace) -> list[dict[str, Any]]:
    from redis_server import RedisServer, redis_server_binary

    common = ["--duration", str(args.duration), "--clients", str(args.clients)]
    closed = [*common, "--pipeline", str(args.pipeline)]
    opened = [*common, "--rate", str(args.rate)]
    # one client, one order in flight: the latency of one batch = one journal write
    single = ["--duration", str(args.duration), "--clients", "1", "--pipeline", "1"]
    redis = RedisServer().start() if redis_server_binary() else None
    rows: list[dict[str, Any]] = []
    try:
        stores = ["memory:", "file:"] + (["redis://"] if redis else [])
        for name in stores:
            row: dict[str, Any] = {"store": name}
            for label, extra in (("closed", closed), ("open", opened), ("single", single)):
                tmp = tempfile.mkdtemp(prefix="pybet-bench-")
                if name == "file:":
                    url = f"file:{tmp}/data"
                elif name == "redis://":
                    assert redis is not None
                    url = f"{redis.url}?shard=bench{len(rows)}{label}"
                else:
                    url = "memory:"
                try:
                    row[label] = bench_gateway.run(url, extra)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            rows.append(row)
    finally:
        if redis is not None:
            redis.stop()
    base = rows[0]
    print(
        f"gateway on loopback, {args.clients} clients, {os.cpu_count()} cores (shared: indicative)"
    )
    for row in rows:
        c, o, one = row["closed"], row["open"], row["single"]
        thr_ratio = c["acked_per_s"] / max(1, base["closed"]["acked_per_s"])
        p99_ratio = o["p99_us"] / max(1.0, base["open"]["p99_us"])
        print(
            f"  {row['store']:<9} closed loop {c['acked_per_s']:>8,} orders/s (x{thr_ratio:.2f})"
            f"  p99 {c['p99_us']:>7.0f} us   open loop {args.rate:g}/s: p50 {o['p50_us']:>6.0f}"
            f" us  p99 {o['p99_us']:>7.0f} us (x{p99_ratio:.2f})"
            f"  server CPU {c.get('server_cpu_us_per_order', float('nan')):.1f} us/order"
            f"   one in flight: p50 {one['p50_us']:>6.0f} us  p99 {one['p99_us']:>7.0f} us"
        )
    return rows


_RECOVER_FROM_STORE = """
import asyncio, sys, time
from pybet.gateway.recovery import rebuild
from pybet.store import open_store

async def main():
    t = time.perf_counter()
    store = open_store(sys.argv[1])
    await store.open()
    rec = await store.load()
    loaded = time.perf_counter() - t
    rebuilt = rebuild(rec)  # restores and checks the recorded state hash
    total = time.perf_counter() - t
    await store.close()
    print(total, loaded, rebuilt.seq)

asyncio.run(main())
"""


def _recover_through_stores(blob: bytes, want_hash: int) -> dict[str, float]:
    """What ``pybet serve`` does on start with a store holding ``blob`` as its snapshot:
    ``open``, ``load``, ``rebuild`` (restore, hash check), each store in a fresh process."""
    import asyncio

    from redis_server import RedisServer, redis_server_binary

    from pybet.gateway.journal import encode_record
    from pybet.store import open_store
    from pybet.store.base import SnapshotRecord

    async def write(url: str) -> None:
        store = open_store(url)
        await store.open()
        # a store takes no snapshot ahead of its journal: one (empty) batch that it covers
        await store.append(1, encode_record(0, []))
        await store.write_snapshot(SnapshotRecord(1, blob, want_hash))
        await store.close()

    out: dict[str, float] = {}
    tmp = tempfile.mkdtemp(prefix="pybet-bench-")
    redis = RedisServer().start() if redis_server_binary() else None
    try:
        urls = {"file": f"file:{tmp}/data"}
        if redis is not None:
            urls["redis"] = f"{redis.url}?shard=recovery"
        for name, url in urls.items():
            asyncio.run(write(url))
            total, loaded, seq = _run_in_a_fresh_process(_RECOVER_FROM_STORE, url)
            assert int(seq) == 1
            out[f"recovery_{name}_store_s"] = round(float(total), 3)
            out[f"of_which_{name}_load_s"] = round(float(loaded), 3)
    finally:
        if redis is not None:
            redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


_RESTORE = """
import sys, time
from pybet.gateway.engine import EngineCore
blob = open(sys.argv[1], "rb").read()
t = time.perf_counter()
core, h = EngineCore.restore_and_hash(blob)
print(time.perf_counter() - t, h)
"""


def _run_in_a_fresh_process(script: str, *args: str) -> list[str]:
    """The words that ``script`` prints, run in a new interpreter (nothing warm or cached)."""
    import subprocess

    run = subprocess.run(
        [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
    )
    return run.stdout.split()


def _recover_in_a_fresh_process(blob: bytes, want_hash: int) -> float:
    """Seconds of what recovery does with a snapshot, ``EngineCore.restore_and_hash`` (the
    state and its hash, checked here), in a new interpreter."""
    with tempfile.NamedTemporaryFile(suffix=".snap") as f:
        f.write(blob)
        f.flush()
        out = _run_in_a_fresh_process(_RESTORE, f.name)
    assert int(out[1]) == want_hash, "the restored state has another hash"
    return float(out[0])


def recovery(n: int, idem: bool) -> dict[str, Any]:
    import gc

    import msgspec

    import pybet
    import pybet.ladder
    from pybet import protocol as p
    from pybet.gateway.engine import EngineCore, _State

    core = EngineCore()
    ex = core.exchange
    runners = list(range(1, 11))
    ex.create_market("bench.1", runners)
    ex.open_market("bench.1")
    accounts = [f"acct{i}" for i in range(100)]
    for a in accounts:
        ex.deposit(a, 10**15)
    rng = np.random.default_rng(7)
    # backs only, so nothing crosses: every order rests
    lo = pybet.ladder.price_to_tick("2.0")
    per = n // 10
    for chunk in range(10):
        ids = ex.place_many(
            "bench.1",
            rng.integers(1, 11, per).astype(np.int64),
            np.zeros(per, dtype=np.uint8),
            rng.integers(lo, lo + 200, per).astype(np.uint16),
            np.full(per, 200, dtype=np.int64),
            [accounts[(chunk * per + i) % 100] for i in range(per)],
        )["order_id"]
        # every order a client placed through the gateway has a client order id: the
        # idempotency table holds one reply per order
        for i, oid in enumerate(ids.tolist() if idem else []):
            acct = accounts[(chunk * per + i) % 100]
            ack = p.Ack(0, oid, "bench.1", 1, "BACK", 2.0, 200, "EXECUTABLE", 0, 200, 0, f"c{oid}")
            core._remember(acct, f"c{oid}", ack, "bench.1")
    live = len(ex.orders(live_only=True))
    t = time.perf_counter()
    ex_blob = ex.snapshot()
    t_ex_snap = time.perf_counter() - t
    t = time.perf_counter()
    blob = core.snapshot()
    t_snap = time.perf_counter() - t
    t = time.perf_counter()
    ex2 = pybet.Exchange.restore(ex_blob)
    t_ex_restore = time.perf_counter() - t
    t = time.perf_counter()
    ex2.state_hash()
    t_ex_hash = time.perf_counter() - t
    # where the gateway restore's time goes: decode, idempotency table, bet-delay scan
    t = time.perf_counter()
    msgspec.msgpack.decode(blob, type=_State)  # as recovery does: the big fields in place
    t_decode = time.perf_counter() - t
    t = time.perf_counter()
    for market_id in ex2.markets():
        ex2.pending_orders(market_id)
    t_scan = time.perf_counter() - t
    # As after a restart: the old process's memory is gone before the new one restores (on a
    # VM, pages first touched by the new process cost far more than reused ones).
    want, entries = core.state_hash(), len(core.idem)
    del core, ex, ex2
    gc.collect()
    t_recovery = _recover_in_a_fresh_process(blob, want)
    through_stores = _recover_through_stores(blob, want)
    out = {
        "resting_orders": live,
        "idempotency_entries": entries,
        "exchange_snapshot_bytes": len(ex_blob),
        "gateway_snapshot_bytes": len(blob),
        "exchange_snapshot_s": round(t_ex_snap, 3),
        "gateway_snapshot_s": round(t_snap, 3),
        "exchange_restore_s": round(t_ex_restore, 3),
        "exchange_state_hash_s": round(t_ex_hash, 3),
        "recovery_total_s": round(t_recovery, 3),
        "of_which_msgpack_decode_s": round(t_decode, 3),
        "of_which_bet_delay_scan_s": round(t_scan, 3),
        **through_stores,
    }
    print(f"recovery of a snapshot with {live:,} resting orders (indicative):")
    for key, value in out.items():
        print(f"  {key:<30} {value:>14,}" if isinstance(value, int) else f"  {key:<30} {value:>14}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=3.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--pipeline", type=int, default=64)
    ap.add_argument("--rate", type=float, default=5_000.0, help="open-loop rate")
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument(
        "--no-idem", action="store_true", help="orders without client order ids (no idem table)"
    )
    ap.add_argument("--skip-gateway", action="store_true")
    ap.add_argument("--skip-recovery", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result: dict[str, Any] = {"environment": bench_gateway.environment()}
    print(f"on {bench_gateway.describe(result['environment'])}")
    if not args.skip_gateway:
        result["gateway"] = gateway_side_by_side(args)
    if not args.skip_recovery:
        result["recovery"] = recovery(args.orders, not args.no_idem)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
