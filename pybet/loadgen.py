"""``pybet load``: drive a running gateway with N concurrent clients and report acknowledged
orders per second and acknowledgement latency percentiles.

Closed loop (``--rate 0``): each client keeps ``--pipeline`` orders in flight and sends the next
one when a reply arrives. Open loop (``--rate R``): orders are sent on a fixed schedule of R per
second in all, and latency is measured from each order's *scheduled* send time, so a stalled
server cannot hide its stall (no coordinated omission). The clients are lean protocol objects,
not :class:`pybet.client.Client`, so that the load generator is not the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import msgspec

from pybet import protocol as p
from pybet.cli import register

MARKET = "load.1"
RUNNERS = [1, 2, 3]
_FILL_TAG = b"\xa4Fill"  # after the array header: the tag of an array-encoded Fill
PRICES = ["1.95", "1.96", "1.97", "1.98", "1.99", "2", "2.02", "2.04", "2.06"]


@dataclass
class Stats:
    acked: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    fills: int = 0
    latencies: list[int] = field(default_factory=list)  # ns


class _LoadProto(asyncio.Protocol):
    """One load client: sends Place frames, matches replies to send times by request id."""

    def __init__(self, stats: Stats, rng: random.Random) -> None:
        self.stats = stats
        self.rng = rng
        self.reader = p.FrameReader(16 * 1024 * 1024)
        self.dec = msgspec.msgpack.Decoder(p.ServerMessage)
        self.enc = p.Encoder()
        self.transport: asyncio.Transport | None = None
        self.sent: dict[int, int] = {}
        self.req = 0
        self.waiter: asyncio.Future[Any] | None = None
        self.on_reply: Any = None  # closed loop: called once per order reply
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("lost"))

    async def call(self, msg: msgspec.Struct) -> Any:
        self.waiter = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(self.enc.frame(msg))
        return await asyncio.wait_for(self.waiter, 10.0)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter_ns()
        stats = self.stats
        done = 0
        for body in self.reader.feed(data):
            if body[1:6] == _FILL_TAG:  # counted, not decoded: fills outnumber acks
                stats.fills += 1
                continue
            msg = self.dec.decode(body)
            t = type(msg)
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(msg)
                continue
            t0 = self.sent.pop(getattr(msg, "req", 0), None)
            if t0 is None:
                if isinstance(msg, p.Error):
                    stats.errors[msg.code] += 1
                continue
            if t is p.Ack:
                stats.acked += 1
                stats.latencies.append(now - t0)
            elif isinstance(msg, p.Reject):
                stats.rejected[msg.code] += 1
            else:
                stats.errors[getattr(msg, "code", t.__name__)] += 1
            done += 1
        if done and self.on_reply is not None:
            self.on_reply(done)

    def order_frame(self) -> bytes:
        self.req += 1
        rng = self.rng
        msg = p.Place(
            self.req,
            MARKET,
            rng.choice(RUNNERS),
            "BACK" if rng.random() < 0.5 else "LAY",
            rng.choice(PRICES),
            rng.randrange(200, 2000),
        )
        return self.enc.frame(msg)


async def _connect(
    host: str, port: int, account: str, key: str, stats: Stats, seed: int
) -> _LoadProto:
    loop = asyncio.get_running_loop()
    _tr, proto = await loop.create_connection(
        lambda: _LoadProto(stats, random.Random(seed)), host, port
    )
    await proto.call(p.Hello(p.PROTOCOL_VERSION, "pybet.load"))
    reply = await proto.call(p.Login(1, account, api_key=key))
    if not isinstance(reply, p.LoggedIn):
        raise SystemExit(f"pybet load: login as {account} failed: {reply}")
    proto.waiter = None
    proto.req = 1
    return proto


async def _setup_market(args: argparse.Namespace, stats: Stats) -> None:
    admin = await _connect(args.host, args.port, args.admin, args.admin_key, stats, 0)
    r = await admin.call(p.CreateMarket(2, MARKET, RUNNERS))
    if isinstance(r, p.Reject) and r.code != "MARKET_EXISTS":
        raise SystemExit(f"pybet load: cannot create {MARKET}: {r.code} {r.message}")
    await admin.call(p.MarketAction(3, MARKET, "open"))
    assert admin.transport is not None
    admin.transport.close()


async def run_load(args: argparse.Namespace) -> Stats:
    stats = Stats()
    await _setup_market(args, stats)
    clients = [
        await _connect(
            args.host,
            args.port,
            f"{args.account_prefix}{i % args.accounts}",
            args.key,
            stats,
            args.seed + i,
        )
        for i in range(args.clients)
    ]
    loop = asyncio.get_running_loop()
    start = time.perf_counter_ns()
    end = start + int(args.duration * 1e9)
    progress = loop.create_task(_progress(stats, start, end))
    if args.rate <= 0:
        await _closed_loop(clients, args.pipeline, end)
    else:
        await _open_loop(clients, args.rate, start, end)
    # let in-flight replies land
    deadline = time.perf_counter_ns() + 2_000_000_000
    while any(c.sent for c in clients) and time.perf_counter_ns() < deadline:
        await asyncio.sleep(0.01)
    progress.cancel()
    elapsed = (time.perf_counter_ns() - start) / 1e9
    stats.elapsed = elapsed  # type: ignore[attr-defined]
    for c in clients:
        if c.transport is not None:
            c.transport.close()
    return stats


async def _closed_loop(clients: list[_LoadProto], pipeline: int, end: int) -> None:
    stop = asyncio.get_running_loop().create_future()

    def make_refill(c: _LoadProto) -> Any:
        def refill(n: int) -> None:
            now = time.perf_counter_ns()
            if now >= end:
                if not stop.done() and all(not x.sent for x in clients):
                    stop.set_result(None)
                return
            frames = []
            for _ in range(n):
                frames.append(c.order_frame())
                c.sent[c.req] = now
            assert c.transport is not None
            c.transport.writelines(frames)

        return refill

    for c in clients:
        c.on_reply = make_refill(c)
        c.on_reply(pipeline)
    remaining = (end - time.perf_counter_ns()) / 1e9
    await asyncio.sleep(max(0.0, remaining))
    for c in clients:
        c.on_reply = None


async def _open_loop(clients: list[_LoadProto], rate: float, start: int, end: int) -> None:
    """One schedule for all clients, round robin; each order's latency is counted from its
    scheduled time whatever happens. The event loop's timers have millisecond resolution and
    spinning would steal the CPU the server needs, so a ticker thread sleeps (nanosleep, a few
    tens of microseconds precision) and wakes the loop to send whatever is due."""
    loop = asyncio.get_running_loop()
    interval = 1e9 / rate
    n = len(clients)
    state = {"k": 0}
    done = loop.create_future()

    def send_due() -> None:
        now = time.perf_counter_ns()
        k = state["k"]
        pending: list[list[bytes]] = [[] for _ in clients]
        while start + int(k * interval) <= min(now, end):
            c = clients[k % n]
            pending[k % n].append(c.order_frame())
            c.sent[c.req] = start + int(k * interval)
            k += 1
        state["k"] = k
        for c, frames in zip(clients, pending, strict=True):
            if frames and c.transport is not None and not c.lost:
                c.transport.writelines(frames)
        if (now >= end or any(c.lost for c in clients)) and not done.done():
            done.set_result(None)

    def ticker() -> None:
        tick = 200_000  # ns between wake-ups: bounds the send-time error at ~0.2 ms
        while not done.done():
            time.sleep(tick / 1e9)
            loop.call_soon_threadsafe(send_due)
            if time.perf_counter_ns() >= end:
                loop.call_soon_threadsafe(send_due)
                return

    thread = threading.Thread(target=ticker, name="pybet-load-ticker", daemon=True)
    thread.start()
    await done
    thread.join()


async def _progress(stats: Stats, start: int, end: int) -> None:
    last = 0
    while True:
        await asyncio.sleep(1.0)
        t = (time.perf_counter_ns() - start) / 1e9
        print(
            f"  t={t:4.1f}s acked={stats.acked:>9,} ({stats.acked - last:>7,}/s) "
            f"rejected={sum(stats.rejected.values()):,}",
            file=sys.stderr,
            flush=True,
        )
        last = stats.acked


def summarize(stats: Stats, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    lat = np.asarray(stats.latencies, dtype=np.int64)
    elapsed = float(getattr(stats, "elapsed", args.duration))
    pct = {}
    for q in (50.0, 99.0, 99.9):
        pct[f"p{q:g}_us"] = float(np.percentile(lat, q) / 1e3) if lat.size else float("nan")
    return {
        "mode": "closed-loop" if args.rate <= 0 else f"open-loop {args.rate:g}/s",
        "clients": args.clients,
        "pipeline": args.pipeline if args.rate <= 0 else None,
        "acked": stats.acked,
        "rejected": dict(stats.rejected),
        "errors": dict(stats.errors),
        "fills": stats.fills,
        "seconds": round(elapsed, 3),
        "acked_per_s": round(stats.acked / elapsed) if elapsed else 0,
        "max_us": float(lat.max() / 1e3) if lat.size else float("nan"),
        **pct,
    }


_EPILOG = """\
examples:
  pybet load                               4 clients x 64 in flight for 5 s (closed loop)
  pybet load --rate 20000 --duration 10    open loop at 20,000 orders/s: latency from the
                                           scheduled send time (no coordinated omission)
  pybet load --port 9000 --json            machine-readable summary

It logs in as --admin to create and open market load.1 (if needed), then as PREFIX0.. with
--key. Progress goes to stderr once a second; the summary to stdout.
"""


def _args(ap: argparse.ArgumentParser) -> None:
    ap.formatter_class = argparse.RawDescriptionHelpFormatter
    ap.epilog = _EPILOG
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7878)
    ap.add_argument("--clients", type=int, default=4, help="concurrent connections (default 4)")
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: orders per second in all; 0 = closed loop (default)",
    )
    ap.add_argument(
        "--pipeline",
        type=int,
        default=64,
        help="closed loop: orders in flight per client (default 64)",
    )
    ap.add_argument("--duration", type=float, default=5.0, help="seconds of load (default 5)")
    ap.add_argument(
        "--account-prefix", default="trader", help="accounts PREFIX0.. (default trader)"
    )
    ap.add_argument("--accounts", type=int, default=16, help="number of accounts (default 16)")
    ap.add_argument("--key", default="dev-key", help="API key of the load accounts")
    ap.add_argument("--admin", default="admin", help="admin account that creates the market")
    ap.add_argument("--admin-key", default="admin-key")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")


def _run(args: argparse.Namespace) -> int:
    import json

    from pybet.gateway.cli import _run as run_loop

    result: dict[str, Any] = {}

    async def main() -> None:
        stats = await run_load(args)
        result.update(summarize(stats, args))

    run_loop(main())
    if args.json:
        print(json.dumps(result))
    else:
        print(f"pybet load: {result['mode']}, {result['clients']} clients, {result['seconds']} s")
        print(
            f"  acknowledged {result['acked']:,} orders = {result['acked_per_s']:,} orders/s; "
            f"fills {result['fills']:,}; rejected {result['rejected']}; errors {result['errors']}"
        )
        print(
            f"  ack latency p50 {result['p50_us']:.0f} us  p99 {result['p99_us']:.0f} us  "
            f"p99.9 {result['p99.9_us']:.0f} us  max {result['max_us']:.0f} us"
        )
    return 0


register(
    "load", "drive a running gateway with N clients; print throughput and latency", _args, _run
)
