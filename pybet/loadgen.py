"""``pybet load``: drive a running gateway with N concurrent clients and report acknowledged
orders per second and acknowledgement latency percentiles.

Closed loop (``--rate 0``): each client keeps ``--pipeline`` orders in flight and sends the next
one when a reply arrives. Open loop (``--rate R``): orders are sent on a fixed schedule of R per
second in all, and latency is measured from each order's *scheduled* send time, so a stalled
server cannot hide its stall (no coordinated omission). The clients are lean protocol objects,
not :class:`pybet.client.Client`, so that the load generator is not the bottleneck.

``--rotate-markets`` trades a racing day instead of one market: an admin connection creates and
opens a market every few seconds, turns it in play (its LAPSE orders lapse), closes it and
settles it with a winner, while the clients spread their orders over the markets open at the
time. ``--report-every S`` prints one JSON line per interval (acks/s, latency percentiles,
rejects, markets): what ``benches/bench_soak.py`` samples.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import math
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

import msgspec
import numpy as np
import numpy.typing as npt

from pybet import protocol as p
from pybet.cli import register

MARKET = "load.1"
RUNNERS = [1, 2, 3]
ROTATION_RUNNERS = list(range(1, 9))  # a race field
_FILL_TAG = b"\xa4Fill"  # after the array header: the tag of an array-encoded Fill
PRICES = ["1.95", "1.96", "1.97", "1.98", "1.99", "2", "2.02", "2.04", "2.06"]
IN_PLAY_FRACTION = 0.2  # the last fifth of a rotated market's life is in play
PERSIST_SHARE = 0.1  # rotated orders that survive the off (the rest lapse at in-play)


class LatencyHistogram:
    """Latencies in log-linear buckets: 1 µs wide up to 1,024 µs, then 128 per power of two
    (within 0.8%). A long run's memory stays fixed: a 10-minute soak at 50,000 acks/s would
    otherwise keep 30 million Python ints (about 1 GB). The maximum is kept exactly."""

    LINEAR_US = 1024
    SUB = 128  # buckets per power of two above LINEAR_US
    _LOG_LINEAR = 10  # log2(LINEAR_US)

    __slots__ = ("counts", "max_ns")

    def __init__(self) -> None:
        self.counts = np.zeros(self.LINEAR_US + 40 * self.SUB, dtype=np.int64)
        self.max_ns = 0

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def add(self, ns: npt.NDArray[np.int64]) -> None:
        if not ns.size:
            return
        us = np.maximum(ns // 1000, 0)
        exp = np.frexp(np.maximum(us, 1).astype(np.float64))[1].astype(np.int64) - 1
        shift = np.maximum(exp - 7, 0)
        log_idx = self.LINEAR_US + (exp - self._LOG_LINEAR) * self.SUB + (us >> shift) - self.SUB
        idx = np.where(us < self.LINEAR_US, us, log_idx).clip(0, self.counts.size - 1)
        self.counts += np.bincount(idx, minlength=self.counts.size)
        self.max_ns = max(self.max_ns, int(ns.max()))

    def copy(self) -> LatencyHistogram:
        out = LatencyHistogram()
        out.counts = self.counts.copy()
        out.max_ns = self.max_ns
        return out

    def since(self, earlier: LatencyHistogram) -> LatencyHistogram:
        """What was added after ``earlier`` (a copy of this one); its max is this one's."""
        out = LatencyHistogram()
        out.counts = self.counts - earlier.counts
        out.max_ns = self.max_ns
        return out

    def _mid_us(self, idx: int) -> float:
        if idx < self.LINEAR_US:
            return idx + 0.5
        exp, sub = divmod(idx - self.LINEAR_US, self.SUB)
        width = 1 << (exp + self._LOG_LINEAR - 7)
        return float((self.SUB + sub) * width) + width / 2

    def percentile_us(self, q: float) -> float:
        """The nearest-rank ``q``-th percentile (bucket midpoint, at most the max); NaN if
        empty."""
        cum = np.cumsum(self.counts)
        total = int(cum[-1])
        if not total:
            return float("nan")
        rank = max(1, math.ceil(q / 100.0 * total))
        idx = int(np.searchsorted(cum, rank))
        return min(self._mid_us(idx), self.max_ns / 1e3)


@dataclass
class Stats:
    acked: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    fills: int = 0
    latencies: list[int] = field(default_factory=list)  # ns, not yet folded into `hist`
    hist: LatencyHistogram = field(default_factory=LatencyHistogram)
    peak_ns: int = 0  # the longest latency folded since the last take_peak()
    elapsed: float = 0.0

    def fold(self) -> None:
        """Move the raw latencies into the histogram (bounded memory, whatever the run)."""
        if self.latencies:
            lat = np.asarray(self.latencies, dtype=np.int64)
            self.latencies = []
            self.hist.add(lat)
            self.peak_ns = max(self.peak_ns, int(lat.max()))

    def take_peak(self) -> int:
        peak, self.peak_ns = self.peak_ns, 0
        return peak


class MarketSet:
    """The markets the clients send orders to, shared by every client; the rotation adds and
    removes markets. When none is open, orders go to the last one (and are rejected)."""

    __slots__ = ("last", "live", "persist_share", "runners")

    def __init__(self, markets: list[str], runners: list[int], persist_share: float = 0.0) -> None:
        self.live = markets
        self.last = markets[-1] if markets else MARKET
        self.runners = runners
        #: the share of orders sent PERSIST (they survive the off); the rest LAPSE
        self.persist_share = persist_share

    def add(self, market: str) -> None:
        self.live.append(market)
        self.last = market

    def remove(self, market: str) -> None:
        if market in self.live:
            self.live.remove(market)

    def pick(self, rng: random.Random) -> str:
        live = self.live
        if len(live) == 1:  # no draw: one market's order stream is the same as ever
            return live[0]
        return live[int(rng.random() * len(live))] if live else self.last


class _LoadProto(asyncio.Protocol):
    """One load client: sends Place frames, matches replies to send times by request id."""

    def __init__(self, stats: Stats, rng: random.Random, markets: MarketSet) -> None:
        self.stats = stats
        self.rng = rng
        self.markets = markets
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
        try:
            return await asyncio.wait_for(self.waiter, 10.0)
        finally:
            self.waiter = None

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
        markets = self.markets
        msg = p.Place(
            self.req,
            markets.pick(rng),
            rng.choice(markets.runners),
            "BACK" if rng.random() < 0.5 else "LAY",
            rng.choice(PRICES),
            rng.randrange(200, 2000),
        )
        if markets.persist_share and rng.random() < markets.persist_share:
            msg.persistence = "PERSIST"  # LAPSE, the default, is not even encoded
        return self.enc.frame(msg)


async def _connect(
    host: str, port: int, account: str, key: str, stats: Stats, seed: int, markets: MarketSet
) -> _LoadProto:
    loop = asyncio.get_running_loop()
    _tr, proto = await loop.create_connection(
        lambda: _LoadProto(stats, random.Random(seed), markets), host, port
    )
    await proto.call(p.Hello(p.PROTOCOL_VERSION, "pybet.load"))
    reply = await proto.call(p.Login(1, account, api_key=key))
    if not isinstance(reply, p.LoggedIn):
        raise SystemExit(f"pybet load: login as {account} failed: {reply}")
    proto.req = 1
    return proto


async def _setup_market(args: argparse.Namespace, stats: Stats, markets: MarketSet) -> None:
    admin = await _connect(args.host, args.port, args.admin, args.admin_key, stats, 0, markets)
    r = await admin.call(p.CreateMarket(2, MARKET, RUNNERS))
    if isinstance(r, p.Reject) and r.code != "MARKET_EXISTS":
        raise SystemExit(f"pybet load: cannot create {MARKET}: {r.code} {r.message}")
    await admin.call(p.MarketAction(3, MARKET, "open"))
    assert admin.transport is not None
    admin.transport.close()


class Rotation:
    """A racing day over one admin connection: a market created and opened every
    ``every_s`` seconds on average, in play for the last fifth of its life (``life_s`` on
    average; both drawn from 0.5x-1.5x), then closed and settled with a random winner. A
    market leaves the clients' set before its close is sent: orders already in flight to it
    are rejected (MARKET_NOT_OPEN), counted by code. ``stop`` settles what is still live."""

    HEARTBEAT_S = 5.0  # the admin pings when idle this long: well inside the idle timeout (30 s)

    def __init__(self, markets: MarketSet, every_s: float, life_s: float, seed: int) -> None:
        self.markets = markets
        self.every_s = every_s
        self.life_s = life_s
        self.rng = random.Random(seed)
        self.prefix = f"rot.{time.time_ns() // 1_000_000}."
        self.counts: Counter[str] = Counter()  # created, in_play, closed, settled
        self.rejects: Counter[str] = Counter()  # admin commands refused, by code
        self.error: str | None = None  # why the rotation stopped early
        self._admin: _LoadProto | None = None
        self._due: list[tuple[float, int, str, str]] = []  # (when, n, action, market)
        self._n = 0
        self._req = 1
        self._next_market = 0.0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def live(self) -> int:
        return self.counts["created"] - self.counts["settled"]

    async def start(self, admin: _LoadProto) -> None:
        """Create the first market (the clients need one), then rotate in the background."""
        self._admin = admin
        await self._new_market(time.monotonic())
        if not self.markets.live:
            raise SystemExit(f"pybet load: cannot create a market to rotate: {dict(self.rejects)}")
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop creating markets; close and settle every market still live."""
        self._stop.set()
        if self._task is not None:
            await self._task
        for _when, _n, action, market in sorted(self._due):
            if action == "close" and self.error is None:
                await self._finish(market)
        self._due.clear()
        if self._admin is not None and self._admin.transport is not None:
            self._admin.transport.close()

    async def _run(self) -> None:
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now >= self._next_market:
                    await self._new_market(now)
                elif self._due and self._due[0][0] <= now:
                    _when, _n, action, market = heapq.heappop(self._due)
                    await (self._in_play(market) if action == "in_play" else self._finish(market))
                else:
                    await self._idle(now)
        except (ConnectionError, TimeoutError) as exc:
            self.error = f"admin connection: {exc!r}"
            print(f"pybet load: rotation stopped: {self.error}", file=sys.stderr, flush=True)

    async def _idle(self, now: float) -> None:
        """Sleep until the next event, or ping the gateway if that is a heartbeat away."""
        wake = min(self._next_market, self._due[0][0]) if self._due else self._next_market
        wait = wake - now
        if wait > self.HEARTBEAT_S:
            await self._call(p.Ping(self._next_req()))
            wait = self.HEARTBEAT_S
        with contextlib.suppress(TimeoutError):  # the usual wake-up: the next event is due
            await asyncio.wait_for(self._stop.wait(), max(wait, 0.0))

    def _next_req(self) -> int:
        self._req += 1
        return self._req

    def _jitter(self, mean: float) -> float:
        return mean * (0.5 + self.rng.random())

    async def _call(self, msg: msgspec.Struct) -> bool:
        """Send an admin command; a refusal is counted by code, not raised."""
        assert self._admin is not None
        reply = await self._admin.call(msg)
        if isinstance(reply, p.Reject | p.Error):
            self.rejects[reply.code] += 1
            return False
        return True

    async def _new_market(self, now: float) -> None:
        self._n += 1
        market = f"{self.prefix}{self._n}"
        self._next_market = now + self._jitter(self.every_s)
        if not await self._call(p.CreateMarket(self._next_req(), market, ROTATION_RUNNERS)):
            return
        self.counts["created"] += 1
        if not await self._call(p.MarketAction(self._next_req(), market, "open")):
            return
        self.markets.add(market)
        life = self._jitter(self.life_s)
        heapq.heappush(self._due, (now + life * (1 - IN_PLAY_FRACTION), self._n, "in_play", market))
        heapq.heappush(self._due, (now + life, self._n, "close", market))

    async def _in_play(self, market: str) -> None:
        if await self._call(p.MarketAction(self._next_req(), market, "in_play")):
            self.counts["in_play"] += 1

    async def _finish(self, market: str) -> None:
        self.markets.remove(market)  # first: no new orders to a market being closed
        if await self._call(p.MarketAction(self._next_req(), market, "close")):
            self.counts["closed"] += 1
        winner = self.rng.choice(ROTATION_RUNNERS)
        if await self._call(p.SettleMarket(self._next_req(), market, [winner])):
            self.counts["settled"] += 1

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: self.counts[k] for k in _ROTATION_KEYS}
        out["live"] = self.live
        out["admin_rejects"] = dict(self.rejects)
        if self.error is not None:
            out["error"] = self.error
        return out


_ROTATION_KEYS = ("created", "in_play", "closed", "settled")


class IntervalReporter:
    """Every ``every_s`` seconds of the run, one JSON line on ``out``: that interval's acks
    and acks/s, latency percentiles (from the histogram's difference, within 0.8%) and max
    (exact), rejects and errors by code, fills, and the rotation's market counts."""

    def __init__(
        self, stats: Stats, rotation: Rotation | None, every_s: float, out: TextIO
    ) -> None:
        self.stats = stats
        self.rotation = rotation
        self.every_s = every_s
        self.out = out
        self.k = 0
        self._hist = stats.hist.copy()
        self._acked = stats.acked
        self._rejected = stats.rejected.copy()
        self._errors = stats.errors.copy()
        self._fills = stats.fills
        self._at = 0

    async def run(self, start: int, end: int) -> None:
        """Report at start + k * every_s for every boundary up to ``end`` (ns)."""
        step = int(self.every_s * 1e9)
        while start + (self.k + 1) * step <= end + 1_000_000:  # a boundary at the end counts
            due = start + (self.k + 1) * step
            await asyncio.sleep(max(0.0, (due - time.perf_counter_ns()) / 1e9))
            self.emit(start)

    def emit(self, start: int) -> None:
        print(json.dumps(self.take(start)), file=self.out, flush=True)

    def take(self, start: int) -> dict[str, Any]:
        stats = self.stats
        stats.fold()
        now = time.perf_counter_ns()
        self.k += 1
        seconds = (now - start - self._at) / 1e9
        self._at = now - start
        window = stats.hist.since(self._hist)
        acked = stats.acked - self._acked
        peak = stats.take_peak()
        row: dict[str, Any] = {
            "interval": self.k,
            "t": round(self._at / 1e9, 3),
            "seconds": round(seconds, 3),
            "acked": acked,
            "acked_per_s": round(acked / seconds) if seconds > 0 else 0,
            **_percentiles(window),
            "max_us": peak / 1e3 if acked else None,
            "rejected": dict(stats.rejected - self._rejected),
            "errors": dict(stats.errors - self._errors),
            "fills": stats.fills - self._fills,
        }
        if self.rotation is not None:
            row["markets"] = self.rotation.summary()
        self._hist = stats.hist.copy()
        self._acked, self._fills = stats.acked, stats.fills
        self._rejected, self._errors = stats.rejected.copy(), stats.errors.copy()
        return row


def _percentiles(hist: LatencyHistogram) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for q in (50.0, 99.0, 99.9):
        value = hist.percentile_us(q)
        out[f"p{q:g}_us"] = None if math.isnan(value) else value
    return out


async def run_load(args: argparse.Namespace, rotation_out: dict[str, Any] | None = None) -> Stats:
    """Run the load; with ``--rotate-markets``, ``rotation_out`` receives the rotation's
    counts (markets created, in play, closed, settled; admin rejects)."""
    stats = Stats()
    rotating = bool(getattr(args, "rotate_markets", False))
    if rotating:
        markets = MarketSet([], ROTATION_RUNNERS, PERSIST_SHARE)
    else:
        markets = MarketSet([MARKET], RUNNERS)
    rotation: Rotation | None = None
    if rotating:
        rotation = Rotation(markets, args.market_every, args.market_life, args.seed)
        admin = await _connect(args.host, args.port, args.admin, args.admin_key, stats, 0, markets)
        await rotation.start(admin)
    else:
        await _setup_market(args, stats, markets)
    clients = [
        await _connect(
            args.host,
            args.port,
            f"{args.account_prefix}{i % args.accounts}",
            args.key,
            stats,
            args.seed + i,
            markets,
        )
        for i in range(args.clients)
    ]
    loop = asyncio.get_running_loop()
    start = time.perf_counter_ns()
    end = start + int(args.duration * 1e9)
    progress = loop.create_task(_progress(stats, start, rotation))
    reporter = None
    every = getattr(args, "report_every", None)
    if every:
        reporter = loop.create_task(
            IntervalReporter(stats, rotation, every, sys.stdout).run(start, end)
        )
    if args.rate <= 0:
        await _closed_loop(clients, args.pipeline, end)
    else:
        await _open_loop(clients, args.rate, start, end)
    if reporter is not None:
        await reporter
    # let in-flight replies land
    deadline = time.perf_counter_ns() + 2_000_000_000
    while any(c.sent for c in clients) and time.perf_counter_ns() < deadline:
        await asyncio.sleep(0.01)
    progress.cancel()
    stats.elapsed = (time.perf_counter_ns() - start) / 1e9
    for c in clients:
        if c.transport is not None:
            c.transport.close()
    if rotation is not None:
        await rotation.stop()
        if rotation_out is not None:
            rotation_out.update(rotation.summary())
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


async def _progress(stats: Stats, start: int, rotation: Rotation | None) -> None:
    last = 0
    while True:
        await asyncio.sleep(1.0)
        stats.fold()  # also bounds the raw latencies to about a second's worth
        t = (time.perf_counter_ns() - start) / 1e9
        markets = ""
        if rotation is not None:
            c = rotation.counts
            markets = f" markets live={rotation.live} settled={c['settled']}"
        print(
            f"  t={t:4.1f}s acked={stats.acked:>9,} ({stats.acked - last:>7,}/s) "
            f"rejected={sum(stats.rejected.values()):,}{markets}",
            file=sys.stderr,
            flush=True,
        )
        last = stats.acked


def summarize(stats: Stats, args: argparse.Namespace) -> dict[str, Any]:
    stats.fold()
    hist = stats.hist
    elapsed = stats.elapsed or float(args.duration)
    pct = {f"p{q:g}_us": hist.percentile_us(q) for q in (50.0, 99.0, 99.9)}
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
        "max_us": hist.max_ns / 1e3 if hist.total else float("nan"),
        **pct,
    }


_EPILOG = """\
examples:
  pybet load                               4 clients x 64 in flight for 5 s (closed loop)
  pybet load --rate 20000 --duration 10    open loop at 20,000 orders/s: latency from the
                                           scheduled send time (no coordinated omission)
  pybet load --port 9000 --json            machine-readable summary
  pybet load --rotate-markets --duration 600 --report-every 5 --json
                                           a racing day: a market every ~3 s, each live
                                           ~20 s, in play for its last fifth, then closed
                                           and settled; a JSON line every 5 s

It logs in as --admin to create and open market load.1 (if needed), then as PREFIX0.. with
--key. With --rotate-markets the admin creates markets rot.<ms>.1, .2, ... instead (runners
1-8; 10% of orders PERSIST through the off, the rest lapse at in-play) and, when the load
ends, closes and settles those still live. Orders that reach a market just closed are
rejected (MARKET_NOT_OPEN) and counted by code. Latency percentiles come from a log-linear
histogram (exact to 1 us below 1 ms, within 0.8% above). Progress goes to stderr once a
second; the interval lines and the summary to stdout.
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
    ap.add_argument("--admin", default="admin", help="admin account that creates the markets")
    ap.add_argument("--admin-key", default="admin-key")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument(
        "--report-every",
        type=_positive,
        metavar="S",
        help="print a JSON line every S seconds: that interval's acks/s, p50/p99/p99.9/max "
        "ack latency, rejects by code, fills (and markets with --rotate-markets)",
    )
    rot = ap.add_argument_group("market rotation (a racing day)")
    rot.add_argument(
        "--rotate-markets",
        action="store_true",
        help="create, open, trade, turn in play, close and settle markets in turn",
    )
    rot.add_argument(
        "--market-every",
        type=_positive,
        default=3.0,
        metavar="S",
        help="a new market every S seconds on average (0.5x-1.5x; default 3)",
    )
    rot.add_argument(
        "--market-life",
        type=_positive,
        default=20.0,
        metavar="S",
        help="each market live S seconds on average, in play for the last fifth "
        "(0.5x-1.5x; default 20: about life/every markets open at once)",
    )


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _run(args: argparse.Namespace) -> int:
    from pybet.gateway.cli import _run as run_loop

    result: dict[str, Any] = {}
    rotation: dict[str, Any] = {}

    async def main() -> None:
        stats = await run_load(args, rotation)
        result.update(summarize(stats, args))

    run_loop(main())
    if rotation:
        result["markets"] = rotation
    if args.json:
        print(json.dumps(result))
    else:
        _print_summary(result)
    return 1 if rotation.get("error") else 0


def _print_summary(result: dict[str, Any]) -> None:
    print(f"pybet load: {result['mode']}, {result['clients']} clients, {result['seconds']} s")
    print(
        f"  acknowledged {result['acked']:,} orders = {result['acked_per_s']:,} orders/s; "
        f"fills {result['fills']:,}; rejected {result['rejected']}; errors {result['errors']}"
    )
    print(
        f"  ack latency p50 {result['p50_us']:.0f} us  p99 {result['p99_us']:.0f} us  "
        f"p99.9 {result['p99.9_us']:.0f} us  max {result['max_us']:.0f} us"
    )
    markets = result.get("markets")
    if markets:
        print(
            f"  markets created {markets['created']:,}, in play {markets['in_play']:,}, "
            f"closed {markets['closed']:,}, settled {markets['settled']:,}; "
            f"admin rejects {markets['admin_rejects']}"
        )


register(
    "load", "drive a running gateway with N clients; print throughput and latency", _args, _run
)
