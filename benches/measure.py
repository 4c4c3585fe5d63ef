"""Timing, latency percentiles and peak memory of one engine on one workload.

Peak memory is the process's resident high-water mark (``VmHWM``, reset through
``/proc/self/clear_refs`` before each run) above the resident size at the start of the run: it
counts Rust and Python allocations alike. Where the reset is not possible it is reported as
unknown rather than guessed.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import numpy as np

from benches.engines import Engine
from benches.workload import Workload

_STATUS = Path("/proc/self/status")
MIN_TOTAL_S = 0.5  # repeat a short run until about this much time is spent timing it...
MAX_RUNS = 10  # ...but at most this many times


def _status_kb(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PeakMemory:
    """``with PeakMemory() as m: ...`` then ``m.bytes`` (None when unknown)."""

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self.ok = reset_peak()
        self.base = _status_kb("VmRSS:")
        self.bytes: int | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        peak = _status_kb("VmHWM:")
        if self.ok and peak is not None and self.base is not None:
            self.bytes = max(peak - self.base, 0) * 1024


def percentiles(lat_ns: list[int] | np.ndarray) -> dict[str, float]:
    a = np.asarray(lat_ns, dtype=np.int64)
    if not len(a):
        return {"p50_ns": float("nan"), "p99_ns": float("nan"), "p999_ns": float("nan")}
    p50, p99, p999 = np.percentile(a, [50, 99, 99.9])
    return {"p50_ns": float(p50), "p99_ns": float(p99), "p999_ns": float(p999)}


def timer_overhead_ns() -> float:
    """The median cost of the ``perf_counter_ns`` pair around each op (included in latencies)."""
    t = time.perf_counter_ns
    lat = []
    for _ in range(20_000):
        t0 = t()
        lat.append(t() - t0)
    return float(np.median(lat))


def measure(
    engine: Engine, wl: Workload, warmup: Workload, repeat: int, latency: bool = True
) -> dict[str, Any]:
    """Best-of-``repeat`` throughput (more runs when a run is short), then a separate pass
    timing every op."""
    row: dict[str, Any] = {"engine": engine.name, "key": engine.key, "workload": wl.name}
    reason = engine.unavailable()
    if reason:
        return {**row, "status": reason}
    engine.setup(warmup)
    engine.run(warmup)
    best = float("inf")
    peak: int | None = None
    runs, done = max(repeat, 1), 0
    while done < runs:
        with PeakMemory() as mem:
            engine.setup(wl)
            t0 = time.perf_counter()
            engine.run(wl)
            dt = time.perf_counter() - t0
        best = min(best, dt)
        done += 1
        if done == 1:  # short runs are repeated more: a busy neighbour spoils a 20 ms run
            runs = max(runs, min(MAX_RUNS, int(MIN_TOTAL_S / max(dt, 1e-9))))
        if mem.bytes is not None:
            peak = mem.bytes if peak is None else max(peak, mem.bytes)
    row.update(status="ok", ops=wl.timed, seconds=best, ops_per_s=wl.timed / best)
    row["peak_mem_bytes"] = peak
    if latency:
        engine.setup(wl)
        lat: list[int] = []
        engine.run(wl, lat)
        row.update(percentiles(lat))
    engine.setup(warmup)  # drop the big state before the next engine
    gc.collect()
    return row
