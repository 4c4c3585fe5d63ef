"""The soak: the real gateway (`pybet serve`, its own process) at full load for a long run, with
markets created, opened, traded, turned in play, closed and settled in rotation as on a racing
day (`pybet load --rotate-markets`), on `file:` (a fresh temporary directory) and on `redis://`
(a private redis-server, AOF with `appendfsync always`). What it checks is SPEC section 8a:
state bounded by what is live, so that memory stays flat and the loop never stalls.

Every --sample-every seconds (5), as the load clients report their interval, it samples the
gateway's resident memory (VmRSS), Redis `used_memory` (INFO memory), the longest loop stall of
the interval (`pybet_loop_lag_max_recent_seconds` on /metrics) and the clients' acks/s and ack
latency p50/p99/p99.9/max of that interval; one progress line per sample on stderr.

    python benches/bench_soak.py                       # 600 s on file: and on redis://
    python benches/bench_soak.py --duration 60 --stores file --png /tmp/soak.png

Writes the results (--out, JSON: every sample, the load's summary, the figures), a PNG of RSS,
Redis used_memory, loop stall and ack p99 over time (--png, default docs/img/soak.png) and a
markdown table (printed; also to --table-out). Targets (SPEC section 10): RSS growth after the
warm-up < 10%, >= 50,000 acks/s, no loop stall over 20 ms. Client, server and Redis share the
machine's cores: on a small machine the figures are indicative.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import bench_gateway
import plots

PYBET = [sys.executable, "-m", "pybet"]
ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"rss_growth_pct": 10.0, "acked_per_s": 50_000, "loop_stall_ms": 20.0}
MACHINE_PAUSE_MS = 10.0  # an idle process's sleep this late: the machine paused, not the gateway
STORE_COLOURS = {"file": plots.COLOURS["rust"], "redis": plots.COLOURS["flumine"]}
# the /metrics lines a sample keeps (counters and gauges; the histograms stay on the server)
KEPT_METRICS = (
    "pybet_loop_lag_max_recent_seconds",
    "pybet_loop_lag_max_seconds",
    "pybet_loop_stall_own_max_recent_seconds",
    "pybet_loop_stall_own_max_seconds",
    "pybet_gc_pause_max_seconds",
    "pybet_snapshot_fork_seconds",
    "pybet_snapshot_fork_max_seconds",
    "pybet_snapshots_total",
    "pybet_snapshot_failures_total",
    "pybet_journal_failures_total",
    "pybet_journal_seq",
    "pybet_commands_total",
    "pybet_connections",
)


# -- the processes ----------------------------------------------------------------------------
# An idle process beside the gateway: how late its own 5 ms sleeps wake. A stall it sees too is
# the machine's (this VM pauses every process for 20-40 ms now and then, seen here every two
# minutes at :20), not the gateway's. It prints "<unix time> <lag ms>" for each lag over 5 ms.
_IDLE_PROBE = """
import sys, time
while True:
    t = time.monotonic()
    time.sleep(0.005)
    lag = time.monotonic() - t - 0.005
    if lag > 0.005:
        print(f"{time.time():.3f} {lag * 1e3:.1f}", flush=True)
"""


class IdleProbe:
    """Runs ``_IDLE_PROBE`` and keeps its reports (a reader thread)."""

    def __init__(self) -> None:
        import threading

        self.lags: list[tuple[float, float]] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _IDLE_PROBE], stdout=subprocess.PIPE, text=True
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                when, lag = line.split()
                self.lags.append((float(when), float(lag)))

    def longest(self, since: float, until: float) -> float:
        """The idle process's longest lag (ms) between two unix times."""
        return max((lag for when, lag in self.lags if since <= when <= until), default=0.0)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self._reader.join(5)  # it ends at the pipe's end
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    http_port: int
    log: Path


def start_gateway(store: str, workdir: Path) -> Server:
    port, http_port = bench_gateway._free_ports(2)
    log = workdir / "gateway.log"
    with open(log, "wb") as fh:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [*PYBET, "serve", "--port", str(port), "--http-port", str(http_port), "--store", store],
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=1):
                return Server(proc, port, http_port, log)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"bench_soak: the gateway did not come up:\n{_tail(log)}")


def stop_gateway(server: Server) -> dict[str, Any]:
    """SIGTERM: a graceful stop (what was received is answered, a snapshot written)."""
    t = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(120)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        code = server.proc.wait()
    return {"exit_code": code, "stop_s": round(time.monotonic() - t, 3)}


@contextlib.contextmanager
def store_url(store: str, workdir: Path) -> Iterator[tuple[str, Any]]:
    """(the gateway's store URL, a redis client or None) for ``file`` or ``redis``."""
    if store == "file":
        yield f"file:{workdir / 'data'}", None
        return
    import redis
    from redis_server import RedisServer, redis_server_binary

    if redis_server_binary() is None:
        raise SystemExit("bench_soak: redis-server is not installed (--stores file runs without)")
    server = RedisServer(workdir / "redis").start()
    client = redis.Redis(port=server.port)
    try:
        yield server.url, client
    finally:
        client.close()
        server.stop()


def load_command(args: argparse.Namespace, port: int) -> list[str]:
    return [
        *PYBET,
        "load",
        "--port",
        str(port),
        "--rotate-markets",
        "--market-every",
        str(args.market_every),
        "--market-life",
        str(args.market_life),
        "--duration",
        str(args.duration),
        "--clients",
        str(args.clients),
        "--pipeline",
        str(args.pipeline),
        "--rate",
        str(args.rate),
        "--report-every",
        str(args.sample_every),
        "--json",
    ]


# -- sampling ---------------------------------------------------------------------------------
def rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def scrape(http_port: int) -> dict[str, float]:
    """The kept counters and gauges of /metrics (an empty dict if the gateway is gone)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in KEPT_METRICS:
            out[name] = float(value)
    return out


def take_sample(
    server: Server, redis_client: Any, row: dict[str, Any], probe: IdleProbe | None = None
) -> dict[str, Any]:
    """One sample: the gateway's side now, the clients' side of the interval just ended, and
    the idle probe's longest lag over the gateway's stall window (the last 5 s, and a little)."""
    metrics = scrape(server.http_port)
    now = time.time()
    sample: dict[str, Any] = {
        "t": row.get("t", 0.0),
        "wall": now,
        "machine_lag_max_ms": probe.longest(now - 5.5, now) if probe is not None else None,
        "rss_bytes": rss_bytes(server.proc.pid),
        "redis_used_memory": None,
        "loop_lag_max_s": metrics.get("pybet_loop_lag_max_recent_seconds"),
        # the same less the time the loop's thread waited for a CPU held by others
        "loop_own_max_s": metrics.get("pybet_loop_stall_own_max_recent_seconds"),
        "gateway_cpu_s": bench_gateway._cpu_seconds(server.proc.pid),
        "metrics": metrics,
    }
    if redis_client is not None:
        with contextlib.suppress(Exception):  # a sample without it beats a lost run
            sample["redis_used_memory"] = int(redis_client.info("memory")["used_memory"])
    for key in ("seconds", "acked", "acked_per_s", "p50_us", "p99_us", "p99.9_us", "max_us"):
        sample[key] = row.get(key)
    for key in ("rejected", "errors", "markets"):
        sample[key] = row.get(key, {})
    return sample


def progress(store: str, s: dict[str, Any]) -> None:
    def mb(v: int | None) -> str:
        return f"{v / 2**20:7.1f} MB" if v is not None else "      -   "

    def ms(v: float | None, scale: float) -> str:
        return f"{v * scale:6.1f} ms" if v is not None else "     -   "

    markets = s["markets"]
    print(
        f"[{store}] t={s['t']:6.1f}s  acks/s {s['acked_per_s'] or 0:>8,}  p99"
        f" {ms(s['p99_us'], 1e-3)}  RSS {mb(s['rss_bytes'])}  redis {mb(s['redis_used_memory'])}"
        f"  loop max {ms(s['loop_lag_max_s'], 1e3)} (own {ms(s.get('loop_own_max_s'), 1e3)},"
        f" idle process {ms(s.get('machine_lag_max_ms'), 1.0)})"
        f"  markets {markets.get('created', 0)}"
        f" created / {markets.get('settled', 0)} settled  rejected {s['rejected'] or '{}'}",
        file=sys.stderr,
        flush=True,
    )


# -- one store --------------------------------------------------------------------------------
def run_store(store: str, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"pybet-soak-{store}-"))
    try:
        with store_url(store, workdir) as (url, redis_client):
            server = start_gateway(url, workdir)
            probe = IdleProbe()
            try:
                samples = [take_sample(server, redis_client, {}, probe)]  # before the load
                progress(store, samples[0])
                summary = _drive(store, args, server, redis_client, samples, workdir, probe)
                end_metrics = scrape(server.http_port)
                audit = asyncio.run(settlement_audit(server.port, args.clients))
            finally:
                probe.stop()
                stopped = stop_gateway(server)
                logged = gateway_log_summary(server.log)
        if stopped["exit_code"] != 0:
            print(f"bench_soak: the gateway exited {stopped['exit_code']}:\n{_tail(server.log)}")
        run = {"store": store, "url": url, "samples": samples, "load": summary}
        run["gateway"] = {**stopped, "metrics_end": end_metrics, "log": logged}
        run["audit"] = audit
        run["figures"] = figures(run, args.warmup)
        return run
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _drive(
    store: str,
    args: argparse.Namespace,
    server: Server,
    redis_client: Any,
    samples: list[dict[str, Any]],
    workdir: Path,
    probe: IdleProbe,
) -> dict[str, Any]:
    """Run `pybet load` and sample at each of its interval lines; returns its summary."""
    log = workdir / "load.log"
    summary: dict[str, Any] = {}
    cmd = load_command(args, server.port)
    with (
        open(log, "wb") as err,
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True) as load,
    ):
        assert load.stdout is not None
        for row in _json_lines(load.stdout):
            if "interval" in row:
                samples.append(take_sample(server, redis_client, row, probe))
                progress(store, samples[-1])
            else:
                summary = row
        code = load.wait(60)
    if code != 0 or not summary:
        raise SystemExit(f"bench_soak: pybet load failed ({code}):\n{_tail(log)}")
    return summary


def gateway_log_summary(path: Path) -> dict[str, Any]:
    """What the gateway logged at WARNING and above: its own count of loop stalls over 20 ms
    (``event=loop_stall ms=...``) and the other warnings and errors (the last 20)."""
    stalls: list[float] = []
    stall_lines: list[str] = []
    other: list[str] = []
    forks: list[float] = []  # each forked snapshot's fork (event=snapshot ... fork_ms=)
    for line in _tail(path, 10**8).splitlines():
        if "event=snapshot " in line and " fork_ms=" in line:
            with contextlib.suppress(ValueError, IndexError):
                forks.append(float(line.split(" fork_ms=")[1].split()[0]))
        elif "event=loop_stall" in line:
            stall_lines.append(line)
            with contextlib.suppress(ValueError, IndexError):
                stalls.append(float(line.split(" ms=")[1].split()[0]))
        elif ("level=WARNING" in line or "level=ERROR" in line) and "dev_accounts" not in line:
            other.append(line)  # (the development accounts are the soak's on purpose)
    forks.sort()
    return {
        "loop_stalls_logged": len(stalls),
        "worst_logged_stall_ms": max(stalls, default=None),
        "snapshot_forks": len(forks),
        "snapshot_fork_p50_ms": forks[len(forks) // 2] if forks else None,
        "snapshot_fork_max_ms": forks[-1] if forks else None,
        # with their run-queue wait, and what the log said just before (snapshots, markets)
        "stalls": stall_lines[-20:],
        "warnings": other[-20:],
    }


def _json_lines(stream: IO[str]) -> Iterator[dict[str, Any]]:
    for line in stream:
        line = line.strip()
        if line.startswith("{"):
            yield json.loads(line)


def _tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


async def settlement_audit(port: int, clients: int) -> dict[str, Any]:
    """After the load, through the protocol as the traders: the orders they still have in
    rotated markets (none once every market is settled: a settled market frees them) and how
    far settlement moved their balances from the deposits of a fresh store (real P&L)."""
    from pybet.client import Client
    from pybet.gateway.config import DEV_DEPOSIT, DEV_TRADER_KEY, DEV_TRADERS

    left = moved = 0
    for i in range(min(clients, DEV_TRADERS)):  # `pybet load` logs client i in as trader{i}
        async with Client(
            "127.0.0.1", port, account=f"trader{i}", api_key=DEV_TRADER_KEY, reconnect=False
        ) as c:
            orders = await c.orders()
            left += sum(o.market_id.startswith("rot.") for o in orders.orders)
            moved += abs((await c.balance()).balance - DEV_DEPOSIT)
    return {"orders_left_in_rotated_markets": left, "balance_moved_by_settlement": moved}


# -- figures, table, plot ---------------------------------------------------------------------
def _growth(before: float | None, after: float | None) -> float | None:
    if not before or after is None:
        return None
    return round((after - before) / before * 100.0, 2)


def figures(run: dict[str, Any], warmup: float) -> dict[str, Any]:
    """The done-when figures: growth from the first sample at or after the warm-up to the end,
    the longest stall after the warm-up (and over the whole run), the load's throughput and
    whole-run latency percentiles."""
    samples = [s for s in run["samples"] if s["acked"] is not None]
    after = [s for s in samples if s["t"] >= warmup] or samples[-1:]
    at_warm, last = after[0], samples[-1]
    logged = run["gateway"].get("log", {})  # what the gateway's log said (gateway_log_summary)
    stalls = [s["loop_lag_max_s"] for s in after if s["loop_lag_max_s"] is not None]
    own = [s["loop_own_max_s"] for s in after if s.get("loop_own_max_s") is not None]
    # intervals where the idle process beside the gateway stalled too (> 10 ms): the machine's
    paused = [s for s in after if (s.get("machine_lag_max_ms") or 0.0) > MACHINE_PAUSE_MS]
    clear = [
        s["loop_lag_max_s"] for s in after if s not in paused and s["loop_lag_max_s"] is not None
    ]
    load = run["load"]
    markets = load.get("markets", {})
    out: dict[str, Any] = {
        "acked_per_s": load["acked_per_s"],
        "warmup_sample_t": at_warm["t"],
        "rss_at_warmup": at_warm["rss_bytes"],
        "rss_end": last["rss_bytes"],
        "rss_peak_after_warmup": max(s["rss_bytes"] or 0 for s in after),
        "rss_growth_pct": _growth(at_warm["rss_bytes"], last["rss_bytes"]),
        "redis_at_warmup": at_warm["redis_used_memory"],
        "redis_end": last["redis_used_memory"],
        "redis_growth_pct": _growth(at_warm["redis_used_memory"], last["redis_used_memory"]),
        "redis_peak_after_warmup": max(
            (s["redis_used_memory"] for s in after if s["redis_used_memory"] is not None),
            default=None,
        ),
        "loop_stall_after_warmup_ms": max(stalls) * 1e3 if stalls else None,
        "loop_stall_whole_run_ms": run["gateway"]["metrics_end"].get("pybet_loop_lag_max_seconds"),
        "loop_own_stall_after_warmup_ms": max(own) * 1e3 if own else None,
        "gc_pause_max_ms": (run["gateway"]["metrics_end"].get("pybet_gc_pause_max_seconds") or 0)
        * 1e3,
        "stall_intervals_over_20ms": sum(1 for v in stalls if v > 0.02),
        "machine_pause_intervals": len(paused),
        "machine_pause_max_ms": max((s["machine_lag_max_ms"] for s in paused), default=None),
        "loop_stall_outside_machine_pauses_ms": max(clear) * 1e3 if clear else None,
        "own_stall_intervals_over_20ms": sum(1 for v in own if v > 0.02),
        "worst_interval_p99_us": max((s["p99_us"] or 0 for s in after), default=None),
        "p50_us": load["p50_us"],
        "p99_us": load["p99_us"],
        "p99.9_us": load["p99.9_us"],
        "max_us": load["max_us"],
        "markets_created": markets.get("created", 0),
        "markets_settled": markets.get("settled", 0),
        "rejected": load["rejected"],
        "errors": load["errors"],
        "loop_stalls_logged": logged.get("loop_stalls_logged"),
        "snapshot_forks": logged.get("snapshot_forks"),
        "snapshot_fork_p50_ms": logged.get("snapshot_fork_p50_ms"),
        "snapshot_fork_max_ms": logged.get("snapshot_fork_max_ms"),
    }
    if out["loop_stall_whole_run_ms"] is not None:
        out["loop_stall_whole_run_ms"] *= 1e3
    return out


def verdicts(f: dict[str, Any]) -> list[str]:
    def mark(ok: bool | None) -> str:
        return "n/a" if ok is None else ("met" if ok else "MISSED")

    growth, stall = f["rss_growth_pct"], f["loop_stall_after_warmup_ms"]
    return [
        f"RSS growth after warm-up {growth}% (target < {TARGETS['rss_growth_pct']:g}%): "
        + mark(None if growth is None else growth < TARGETS["rss_growth_pct"]),
        f"{f['acked_per_s']:,} acks/s (target >= {TARGETS['acked_per_s']:,}): "
        + mark(f["acked_per_s"] >= TARGETS["acked_per_s"]),
        f"longest loop stall after warm-up {_ms(stall)} (whole run"
        f" {_ms(f['loop_stall_whole_run_ms'])}; target < {TARGETS['loop_stall_ms']:g} ms): "
        + mark(None if stall is None else stall < TARGETS["loop_stall_ms"]),
        f"the loop's own longest stall after warm-up (less its thread's run-queue wait)"
        f" {_ms(f.get('loop_own_stall_after_warmup_ms'))}",
        f"longest loop stall outside the machine's pauses"
        f" {_ms(f.get('loop_stall_outside_machine_pauses_ms'))} (target < "
        f"{TARGETS['loop_stall_ms']:g} ms): "
        + mark(
            None
            if f.get("loop_stall_outside_machine_pauses_ms") is None
            else f["loop_stall_outside_machine_pauses_ms"] < TARGETS["loop_stall_ms"]
        )
        + f" ({f.get('machine_pause_intervals')} intervals where an idle process beside it"
        f" stalled too, up to {_ms(f.get('machine_pause_max_ms'))})",
        f"stalls over 20 ms that the gateway logged (event=loop_stall): {f['loop_stalls_logged']}",
        f"the longest cyclic GC collection: {_ms(f.get('gc_pause_max_ms'))}",
        f"snapshot forks (each a loop stall of its own): {f.get('snapshot_forks')}, p50"
        f" {_ms(f.get('snapshot_fork_p50_ms'))}, longest {_ms(f.get('snapshot_fork_max_ms'))}",
    ]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f} MB"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def table(runs: list[dict[str, Any]], args: argparse.Namespace) -> str:
    w = f"{args.warmup:g} s"
    head = (
        f"| store | acks/s | RSS at {w} → end (growth) | Redis used_memory at {w} → end"
        " (growth) | longest loop stall after warm-up (whole run) | of it the loop's own"
        " | longest outside the machine's pauses | ack p50 / p99 / p99.9"
        " | markets created / settled |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        f = run["figures"]
        redis = "-"
        if f["redis_end"] is not None:
            redis = f"{_mb(f['redis_at_warmup'])} → {_mb(f['redis_end'])}"
            redis += f" ({_pct(f['redis_growth_pct'])}; peak {_mb(f['redis_peak_after_warmup'])})"
        lines.append(
            f"| `{run['store']}` | {f['acked_per_s']:,} "
            f"| {_mb(f['rss_at_warmup'])} → {_mb(f['rss_end'])} ({_pct(f['rss_growth_pct'])}) "
            f"| {redis} "
            f"| {_ms(f['loop_stall_after_warmup_ms'])} ({_ms(f['loop_stall_whole_run_ms'])}) "
            f"| {_ms(f.get('loop_own_stall_after_warmup_ms'))} "
            f"| {_ms(f.get('loop_stall_outside_machine_pauses_ms'))}"
            f" ({f.get('machine_pause_intervals', '-')} paused intervals) "
            f"| {f['p50_us'] / 1e3:.2f} / {f['p99_us'] / 1e3:.2f} / {f['p99.9_us'] / 1e3:.2f} ms "
            f"| {f['markets_created']:,} / {f['markets_settled']:,} |"
        )
    mode = "closed loop" if args.rate <= 0 else f"open loop {args.rate:g}/s"
    lines.append("")
    lines.append(
        f"({args.duration:g} s per store, {args.clients} clients, {mode}"
        + (f", {args.pipeline} in flight each" if args.rate <= 0 else "")
        + f"; a market every ~{args.market_every:g} s, live ~{args.market_life:g} s;"
        f" {os.cpu_count()} cores shared by load, gateway and Redis; the whole-run stall is"
        " the gateway's since-start max, the settlements after the load included; the loop's"
        " own stall leaves out the time its thread waited, runnable, for a CPU; a paused interval"
        f" is one where an idle process beside the gateway woke over {MACHINE_PAUSE_MS:g} ms"
        " late too (the machine stalled everyone):"
        f" `{' '.join(['python benches/bench_soak.py', *args.argv])}`)"
    )
    return "\n".join(lines) + "\n"


def plot(runs: list[dict[str, Any]], path: Path, args: argparse.Namespace) -> None:
    plt = plots._plt()
    panels = (
        ("gateway resident memory (MB)", "rss_bytes", 1 / 2**20, None),
        ("Redis used_memory (MB)", "redis_used_memory", 1 / 2**20, None),
        ("longest loop stall per interval (ms)", "loop_lag_max_s", 1e3, TARGETS["loop_stall_ms"]),
        ("of it the loop's own (ms)", "loop_own_max_s", 1e3, TARGETS["loop_stall_ms"]),
        ("ack latency p99 per interval (ms)", "p99_us", 1e-3, None),
        ("an idle process beside it: its longest lag (ms)", "machine_lag_max_ms", 1.0, None),
    )
    fig, axes = plt.subplots(2, 3, figsize=(14, 6), sharex=True)
    for ax, (title, key, scale, target) in zip(axes.flat, panels, strict=True):
        for run in runs:
            pts = [(s["t"], s[key] * scale) for s in run["samples"] if s.get(key) is not None]
            if pts:
                ax.plot(
                    *zip(*pts, strict=True),
                    label=run["store"],
                    color=STORE_COLOURS.get(run["store"]),
                    linewidth=1.2,
                )
        if target is not None:
            ax.axhline(target, color="#c62828", linestyle="--", linewidth=0.8, label="target")
        ax.axvline(args.warmup, color="grey", linestyle=":", linewidth=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    for ax in axes[1]:
        ax.set_xlabel("seconds of load (dotted: end of warm-up)", fontsize=8)
    fig.suptitle(
        f"soak: {args.duration:g} s per store, a market every ~{args.market_every:g} s created,"
        f" traded, in play and settled after ~{args.market_life:g} s",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- main -------------------------------------------------------------------------------------
def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=600.0, help="seconds of load per store (600)")
    ap.add_argument(
        "--warmup", type=float, default=60.0, help="seconds before growth is measured (60)"
    )
    ap.add_argument(
        "--stores", default="file,redis", help="comma-separated: file, redis (default both)"
    )
    ap.add_argument("--clients", type=int, default=4, help="load connections (4)")
    ap.add_argument("--pipeline", type=int, default=64, help="orders in flight per client (64)")
    ap.add_argument("--rate", type=float, default=0.0, help="open loop orders/s; 0 = closed (0)")
    ap.add_argument(
        "--market-every", type=float, default=3.0, help="a new market every ~S seconds (3)"
    )
    ap.add_argument(
        "--market-life", type=float, default=20.0, help="each market live ~S seconds (20)"
    )
    ap.add_argument(
        "--sample-every",
        type=float,
        default=5.0,
        help="seconds per sample (5; the gateway's stall gauge covers the last 5 s)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench-results" / "soak.json",
        help="results JSON (bench-results/soak.json)",
    )
    ap.add_argument(
        "--png", type=Path, default=ROOT / "docs" / "img" / "soak.png", help="docs/img/soak.png"
    )
    ap.add_argument("--no-png", action="store_true", help="do not plot")
    ap.add_argument("--table-out", type=Path, help="also write the markdown table here")
    ap.add_argument(
        "--from-results",
        type=Path,
        metavar="JSON",
        help="run nothing: redo the figures, table and plot of a results file (its settings)",
    )
    args = ap.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    bad = [s for s in stores if s not in ("file", "redis")]
    if bad or not stores:
        ap.error(f"--stores takes file and/or redis, not {args.stores!r}")
    args.store_list = stores
    return args


# the settings a results file keeps (and --from-results takes back)
SETTINGS = (
    "duration",
    "warmup",
    "stores",
    "clients",
    "pipeline",
    "rate",
    "market_every",
    "market_life",
    "sample_every",
    "argv",
)


def replay(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The runs of --from-results, their figures recomputed, with its settings in ``args``."""
    saved = json.loads(args.from_results.read_text())
    for key in SETTINGS:
        if key in saved["config"]:
            setattr(args, key, saved["config"][key])
    runs: list[dict[str, Any]] = saved["runs"]
    for run in runs:
        run["figures"] = figures(run, args.warmup)
    return runs


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.from_results is not None:
        runs = replay(args)
    else:
        env = bench_gateway.environment()
        print(f"[soak] on {bench_gateway.describe(env)}", flush=True)
        runs = [run_store(store, args) for store in args.store_list]
        result = {
            "config": {k: getattr(args, k) for k in SETTINGS},
            "environment": env,
            "cores": os.cpu_count(),
            "targets": TARGETS,
            "runs": runs,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, default=str))
    if not args.no_png:
        plot(runs, args.png, args)
    text = table(runs, args)
    print(text)
    if args.table_out is not None:
        args.table_out.write_text(text)
    for run in runs:
        print(f"{run['store']}:")
        for line in verdicts(run["figures"]):
            print(f"  {line}")
    out = args.from_results or args.out
    print(f"results: {out}" + ("" if args.no_png else f"; plot: {args.png}"))
    failed = [r["store"] for r in runs if r["gateway"]["exit_code"] != 0 or r["load"]["errors"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
