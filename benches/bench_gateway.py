"""The gateway on loopback: starts `pybet serve` (memory: store, its own process), then runs
`pybet load` against it: closed-loop pipelining clients (throughput) and an open-loop fixed
rate (latency from the scheduled send time: no coordinated omission). Each run gets a fresh
server so that the book does not carry over. Prints one line per run and, with --json, the
raw summaries.

    python benches/bench_gateway.py [--duration 5] [--rate 20000] [--clients 4] [--json]

Targets (SPEC section 10): >= 100,000 acknowledged orders/s closed loop, p99 < 1 ms at
20,000/s. Client and server share the machine's cores, so on a small machine the figures are
indicative.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

PYBET = [sys.executable, "-m", "pybet"]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo ("unknown" elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def environment() -> dict[str, Any]:
    """What a gateway figure ran on: the CPU, the kernel, and the versions that move it (uvloop
    above all: `pip install -e '.[peers]'` installs nautilus_trader's pinned, older one)."""
    import platform
    import shutil
    from importlib.metadata import PackageNotFoundError, version

    env: dict[str, Any] = {"cpu": cpu_model(), "cores": os.cpu_count()}
    env["kernel"] = platform.release()
    env["python"] = platform.python_version()
    for name in ("pybet", "uvloop", "msgspec", "redis", "hiredis"):
        try:
            env[name] = version(name)
        except PackageNotFoundError:
            env[name] = "not installed"
    binary = shutil.which("redis-server")
    if binary is not None:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
        env["redis-server"] = next((w[2:] for w in out.split() if w.startswith("v=")), out.strip())
    return env


def describe(env: dict[str, Any]) -> str:
    """``environment()`` in one line."""
    return ", ".join(f"{k} {v}" for k, v in env.items())


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _serve(store: str) -> tuple[subprocess.Popen[bytes], int, int]:
    port, http_port = _free_ports(2)
    proc = subprocess.Popen(
        [
            *PYBET,
            "serve",
            "--port",
            str(port),
            "--http-port",
            str(http_port),
            "--store",
            store,
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=1)
            return proc, port, http_port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("bench_gateway: the server did not come up")


def _load(port: int, extra: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [*PYBET, "load", "--port", str(port), "--json", *extra],
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    result: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (Linux), to report server CPU per order: a figure that
    other load on a shared machine disturbs far less than wall-clock throughput."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _server_batch_latency(http_port: int) -> dict[str, float]:
    """p50/p99 upper bounds of the server's own batch latency histogram (arrival of a batch's
    oldest request to the release of its replies): the server's share of the ack latency."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read()
    buckets: list[tuple[float, int]] = []
    for line in text.decode().splitlines():
        if line.startswith("pybet_batch_latency_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float(le), int(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1] if buckets else 0
    out: dict[str, float] = {}
    for q in (0.5, 0.99):
        bound = next((b for b, n in buckets if total and n >= q * total), float("nan"))
        out[f"server_batch_p{q * 100:g}_us_le"] = bound * 1e6
    return out


def run(store: str, extra: list[str]) -> dict[str, Any]:
    proc, port, http_port = _serve(store)
    try:
        before = _cpu_seconds(proc.pid)
        result = _load(port, extra)
        after = _cpu_seconds(proc.pid)
        result.update(_server_batch_latency(http_port))
        if before is not None and after is not None and result["acked"]:
            # includes the load's setup and idle polling: an upper bound per order
            result["server_cpu_us_per_order"] = round((after - before) / result["acked"] * 1e6, 2)
        return result
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--pipeline", type=int, default=64)
    ap.add_argument("--rate", type=float, default=20_000.0, help="open-loop rate")
    ap.add_argument("--store", default="memory:")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    common = ["--duration", str(args.duration), "--clients", str(args.clients)]
    runs = [
        ("closed loop", [*common, "--pipeline", str(args.pipeline)]),
        (f"open loop {args.rate:g}/s", [*common, "--rate", str(args.rate)]),
    ]
    print(f"gateway on loopback, store {args.store}, {os.cpu_count()} cores (shared: indicative)")
    env = environment()
    print(f"  on {describe(env)}")
    results = []
    for name, extra in runs:
        r = run(args.store, extra)
        results.append(r)
        print(
            f"  {name:<22} {r['acked_per_s']:>9,} acked orders/s   p50 {r['p50_us']:>8.0f} us"
            f"   p99 {r['p99_us']:>8.0f} us   p99.9 {r['p99.9_us']:>8.0f} us"
            f"   server CPU {r.get('server_cpu_us_per_order', float('nan')):.1f} us/order"
            f"   server batch latency p50 <= {r['server_batch_p50_us_le']:.0f} us,"
            f" p99 <= {r['server_batch_p99_us_le']:.0f} us"
            f"   ({r['acked']:,} acked, rejected {r['rejected']})"
        )
    if args.json:
        print(json.dumps({"environment": env, "runs": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
