"""The event loop's longest stall while snapshots of a big state are taken (SPEC 8a: < 20 ms at
1 million live orders).

A journal of N resting orders with client order ids (so the idempotency window holds N entries)
is written straight into a fresh `file:` store; `pybet serve` (its own process) recovers it, and
takes its first snapshot at once (N commands are due); then `pybet load` runs open loop while
snapshots follow every `--interval` seconds. The gateway's own loop-lag probe
(`pybet_loop_lag_max_seconds` on /metrics: how late a 5 ms timer wakes) gives the longest stall;
its log gives each snapshot's fork time and write time. Run once with `snapshot_fork = true` (the
default) and once with `false` (encoded and written from the loop) for the before/after.

    python benches/bench_snapshot_stall.py [--orders 1000000] [--duration 20] [--rate 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gateway import PYBET, _free_ports

MARKET = "stall.1"
TRADERS = [f"trader{i}" for i in range(16)]  # the development accounts of `pybet serve`
BATCH = 1_000


def write_journal(path: Path, orders: int) -> None:
    """Batch 1: the market and the deposits; then batches of BATCH backs that never cross."""
    from pybet import ladder
    from pybet import protocol as p
    from pybet.gateway.config import DEV_DEPOSIT
    from pybet.gateway.journal import encode_record
    from pybet.store.file import FileStore

    prices = [float(ladder.tick_to_price(t)) for t in range(100, 300)]

    # journal time as a live run has it: older entries would all leave the idempotency window
    # in the first live batch, a stall of its own (docs/decisions.md)
    now_ms = int(time.time() * 1000)

    async def main() -> None:
        store = FileStore(f"file:{path}")
        await store.open()
        setup: list[Any] = [p.CreateMarket(0, MARKET, list(range(1, 11)))]
        setup.append(p.MarketAction(0, MARKET, "open"))
        setup += [p.Deposit(0, t, DEV_DEPOSIT) for t in TRADERS]
        await store.append(1, encode_record(now_ms, [("", p.encode(c)) for c in setup]))
        for b in range(orders // BATCH):
            cmds = []
            for i in range(b * BATCH, (b + 1) * BATCH):
                place = p.Place(i, MARKET, 1 + i % 10, "BACK", prices[i % 200], 200, f"s{i}")
                cmds.append((TRADERS[i % 16], p.encode(place)))
            await store.append(b + 2, encode_record(now_ms, cmds))
        await store.close()

    asyncio.run(main())


def _metric(http_port: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=10).read()
    for line in text.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def run(args: argparse.Namespace, fork: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="pybet-stall-"))
    try:
        write_journal(tmp / "data", args.orders)
        port, http_port = _free_ports(2)
        config = tmp / "gw.toml"
        config.write_text(
            "[server]\n"
            f"snapshot_interval_s = {args.interval}\nsnapshot_every = 0\n"
            f"snapshot_fork = {'true' if fork else 'false'}\n"
        )
        log = tmp / "serve.log"
        serve = ["serve", "--config", str(config), "--store", f"file:{tmp / 'data'}"]
        serve += ["--port", str(port), "--http-port", str(http_port)]
        with log.open("wb") as err:
            proc = subprocess.Popen(
                [*PYBET, *serve],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        try:
            started = time.monotonic()
            while True:  # recovery of N orders, then the first (big) snapshot
                time.sleep(0.2)
                if proc.poll() is not None:
                    raise SystemExit(f"the gateway exited: {log.read_text()[-2000:]}")
                try:
                    if _metric(http_port, "pybet_snapshots_total") >= 1:
                        break
                except OSError:
                    pass
                if time.monotonic() - started > 600:
                    raise SystemExit("no snapshot within 10 minutes")
            load_args = ["load", "--port", str(port), "--json", "--rate", str(args.rate)]
            load_args += ["--duration", str(args.duration), "--clients", "2"]
            load = subprocess.run(
                [*PYBET, *load_args],
                check=True,
                capture_output=True,
                text=True,
            )
            loaded = json.loads(load.stdout.strip().splitlines()[-1])
            stall = _metric(http_port, "pybet_loop_lag_max_seconds")
            # the same less the time the loop's thread waited, runnable, for a CPU
            own = _metric(http_port, "pybet_loop_stall_own_max_seconds")
            rss = _rss_mb(proc.pid)
            snapshots = _metric(http_port, "pybet_snapshots_total")
            size = _metric(http_port, "pybet_snapshot_bytes")
        finally:
            proc.terminate()
            proc.wait(120)
        kept = Path(tempfile.gettempdir()) / f"pybet-stall-{'fork' if fork else 'inline'}.log"
        shutil.copy(log, kept)  # the gateway's log: each snapshot's and each stall's line
        print(f"[stall] the gateway's log: {kept}", file=sys.stderr)
        stalls = [float(m) for m in re.findall(r"event=loop_stall ms=([\d.]+)", log.read_text())]
        forks = [float(m) for m in re.findall(r"fork_ms=([\d.]+)", log.read_text())]
        writes = [float(m) for m in re.findall(r"write_s=([\d.]+)", log.read_text())]
        return {
            "snapshot_fork": fork,
            "live_orders": args.orders,
            "rss_mb": rss,
            "snapshots": int(snapshots),
            "snapshot_mb": round(size / 1e6, 1),
            "loop_stall_max_ms": round(stall * 1000, 1),
            "loop_own_stall_max_ms": round(own * 1000, 1),
            "stalls_over_20ms": stalls,
            "fork_ms_max": max(forks, default=float("nan")),
            "write_s_max": max(writes, default=float("nan")),
            "ack_p99_us": loaded.get("p99_us"),
            "ack_max_us": loaded.get("max_us"),
            "acked_per_s": loaded.get("acked_per_s"),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        kb = int(fh.read().split("VmRSS:")[1].split()[0])
    return kb // 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--orders", type=int, default=1_000_000, help="live orders (default 1M)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    ap.add_argument("--rate", type=float, default=5_000.0, help="open-loop orders/s")
    ap.add_argument("--interval", type=float, default=4.0, help="seconds between snapshots")
    ap.add_argument("--modes", default="fork,inline", help="fork, inline or both")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for mode in args.modes.split(","):
        print(f"[stall] {mode}: writing a journal of {args.orders:,} orders", file=sys.stderr)
        rows.append(run(args, fork=mode == "fork"))
        print(f"[stall] {rows[-1]}", file=sys.stderr)
    for r in rows:
        print(
            f"  {'fork' if r['snapshot_fork'] else 'inline':<6} {r['live_orders']:,} live orders,"
            f" RSS {r['rss_mb']} MB, {r['snapshots']} snapshots of {r['snapshot_mb']} MB:"
            f" longest loop stall {r['loop_stall_max_ms']} ms (the loop's own"
            f" {r['loop_own_stall_max_ms']} ms; fork {r['fork_ms_max']} ms,"
            f" write {r['write_s_max']} s), ack p99 {r['ack_p99_us']} us max {r['ack_max_us']} us"
        )
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
