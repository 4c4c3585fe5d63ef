"""Counters and gauges in Prometheus text format, and the side HTTP port that serves
``/metrics`` and ``/healthz`` (a tiny HTTP/1.0 responder: two GET routes need no framework)."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import logging
import os
import time
from collections import Counter
from collections.abc import Callable

log = logging.getLogger("pybet.gateway.http")


class Histogram:
    """A Prometheus histogram with fixed upper bounds (seconds or counts)."""

    __slots__ = ("bounds", "count", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def render(self, name: str) -> list[str]:
        lines = [f"# TYPE {name} histogram"]
        running = 0
        for bound, n in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += n
            le = "+Inf" if bound == float("inf") else repr(bound)
            lines.append(f'{name}_bucket{{le="{le}"}} {running}')
        lines.append(f"{name}_sum {self.sum}")
        lines.append(f"{name}_count {self.count}")
        return lines


class WindowMax:
    """The largest value observed over the last ``window_s`` seconds (up to one ``step`` more),
    kept in ``window_s / step`` + 1 slots of ``step`` seconds. A scraper that reads it every
    ``window_s`` sees every observation at least once (twice only if it falls in the ``step``
    the two windows share), and reading it changes nothing, so two scrapers do not steal each
    other's maxima as a reset-on-read gauge would."""

    __slots__ = ("_clock", "_maxes", "_slots", "_step", "_ticks")

    def __init__(
        self, window_s: float = 5.0, step: float = 0.25, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._step = step
        self._slots = round(window_s / step)
        self._maxes = [0.0] * (self._slots + 1)
        self._ticks = [-1] * (self._slots + 1)
        self._clock = clock

    def observe(self, value: float) -> None:
        tick = int(self._clock() / self._step)
        i = tick % len(self._maxes)
        if self._ticks[i] != tick:  # a slot's first value since it was last in the window
            self._ticks[i], self._maxes[i] = tick, value
        elif value > self._maxes[i]:
            self._maxes[i] = value

    def value(self) -> float:
        now = int(self._clock() / self._step)
        ticks = self._ticks
        return max(
            (m for m, t in zip(self._maxes, ticks, strict=True) if now - t <= self._slots),
            default=0.0,
        )


LATENCY_BOUNDS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    1.0,
)
SIZE_BOUNDS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)


class RunQueueClock:
    """How long the calling thread has waited, runnable, for a CPU (Linux ``schedstat``, in
    seconds; always 0 where it cannot be read). On a machine whose cores the gateway shares
    (load generator, Redis), part of a loop stall is the kernel running someone else: the
    probe subtracts it to tell the loop's own stalls from the machine's."""

    __slots__ = ("_fd",)

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None

    def waited(self) -> float:
        if self._fd is None:
            return 0.0
        try:  # "<ns on cpu> <ns waiting on a run queue> <timeslices>"
            return int(os.pread(self._fd, 96, 0).split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class GcPauses:
    """Times the cyclic GC's collections (``gc.callbacks``): the longest is exported, and one
    over ``log_over_s`` is logged as ``event=gc_pause``, so that a loop stall can be told from
    a collection. About a microsecond per collection."""

    __slots__ = ("_log", "_log_over_s", "_started", "longest")

    def __init__(self, log: logging.Logger, log_over_s: float = 0.005) -> None:
        self._log, self._log_over_s = log, log_over_s
        self._started = 0.0
        self.longest = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = time.perf_counter() - self._started
        self.longest = max(self.longest, took)
        if took > self._log_over_s:
            self._log.warning(
                "event=gc_pause generation=%d ms=%.1f collected=%d",
                info.get("generation", -1),
                took * 1000,
                info.get("collected", 0),
            )

    def install(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def uninstall(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self)


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.gauges: dict[str, Callable[[], float]] = {}
        #: per batch: from the arrival of its oldest request to the release of its replies
        #: (the journal append included), i.e. the server's share of the worst ack latency
        self.batch_latency = Histogram(LATENCY_BOUNDS)
        self.batch_size = Histogram(SIZE_BOUNDS)
        #: how late the timers' 5 ms sleep wakes: what the loop's longest stall costs everyone
        self.loop_lag = Histogram(LATENCY_BOUNDS)
        self.loop_lag_max = 0.0
        #: the longest stall of the last 5 s: a soak sampling every 5 s sees each interval's
        #: stall, which the since-start max hides after the first big one
        self.loop_lag_recent = WindowMax(5.0)
        #: the same less the time the loop's thread waited for a CPU (see RunQueueClock)
        self.loop_stall_own_max = 0.0
        self.loop_stall_own_recent = WindowMax(5.0)
        #: the cyclic GC's collections, timed (installed by the gateway while it runs)
        self.gc_pauses = GcPauses(logging.getLogger("pybet.gateway"))
        #: a forked snapshot's fork (the page tables of everything resident, on the loop):
        #: the latest and the longest since start
        self.snapshot_fork_last = 0.0
        self.snapshot_fork_max = 0.0

    def inc(self, name: str, n: int = 1) -> None:
        self.counters[name] += n

    def observe_loop_lag(self, lag: float, own: float | None = None) -> None:
        lag = max(lag, 0.0)
        self.loop_lag.observe(lag)
        self.loop_lag_max = max(self.loop_lag_max, lag)
        self.loop_lag_recent.observe(lag)
        own = lag if own is None else min(max(own, 0.0), lag)
        self.loop_stall_own_max = max(self.loop_stall_own_max, own)
        self.loop_stall_own_recent.observe(own)

    def observe_fork(self, seconds: float) -> None:
        self.snapshot_fork_last = seconds
        self.snapshot_fork_max = max(self.snapshot_fork_max, seconds)

    def render(self) -> str:
        lines: list[str] = []
        typed: set[str] = set()
        for key in sorted(self.counters):
            name, _, labels = key.partition("|")
            lab = "{" + labels + "}" if labels else ""
            if name not in typed:
                typed.add(name)
                lines.append(f"# TYPE pybet_{name}_total counter")
            lines.append(f"pybet_{name}_total{lab} {self.counters[key]}")
        for name, fn in sorted(self.gauges.items()):
            lines.append(f"# TYPE pybet_{name} gauge")
            lines.append(f"pybet_{name} {fn()}")
        lines += self.batch_latency.render("pybet_batch_latency_seconds")
        lines += self.batch_size.render("pybet_batch_commands")
        lines += self.loop_lag.render("pybet_loop_lag_seconds")
        lines.append("# TYPE pybet_loop_lag_max_seconds gauge")
        lines.append(f"pybet_loop_lag_max_seconds {self.loop_lag_max}")
        lines.append("# TYPE pybet_loop_lag_max_recent_seconds gauge")
        lines.append(f"pybet_loop_lag_max_recent_seconds {self.loop_lag_recent.value()}")
        lines.append("# TYPE pybet_gc_pause_max_seconds gauge")
        lines.append(f"pybet_gc_pause_max_seconds {self.gc_pauses.longest}")
        lines.append("# TYPE pybet_loop_stall_own_max_seconds gauge")
        lines.append(f"pybet_loop_stall_own_max_seconds {self.loop_stall_own_max}")
        lines.append("# TYPE pybet_loop_stall_own_max_recent_seconds gauge")
        lines.append(
            f"pybet_loop_stall_own_max_recent_seconds {self.loop_stall_own_recent.value()}"
        )
        lines.append("# TYPE pybet_snapshot_fork_seconds gauge")
        lines.append(f"pybet_snapshot_fork_seconds {self.snapshot_fork_last}")
        lines.append("# TYPE pybet_snapshot_fork_max_seconds gauge")
        lines.append(f"pybet_snapshot_fork_max_seconds {self.snapshot_fork_max}")
        return "\n".join(lines) + "\n"


async def serve_http(
    host: str, port: int, metrics: Metrics, healthy: Callable[[], bool]
) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5.0)
            parts = line.decode("latin-1").split()
            path = parts[1] if len(parts) >= 2 else ""
            if path == "/metrics":
                status, body = "200 OK", metrics.render()
                ctype = "text/plain; version=0.0.4"
            elif path == "/healthz":
                ok = healthy()
                status, body = ("200 OK", "ok\n") if ok else ("503 Service Unavailable", "fail\n")
                ctype = "text/plain"
            else:
                status, body, ctype = "404 Not Found", "not found\n", "text/plain"
            data = body.encode()
            head = f"HTTP/1.0 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(data)}\r\n"
            writer.write(head.encode() + b"Connection: close\r\n\r\n" + data)
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeError) as exc:
            log.debug("event=http_error error=%r", exc)
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)
