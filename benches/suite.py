"""The benchmark suite behind ``pybet bench``: every engine on the same streams, one process.

Steps: build the workloads (the seeded standard mix, saved to ``.npz`` and loaded back, and the
order flow of a recorded Betfair market); check the engines that match agree on fills; check
the Betfair replay reproduces the recorded ladders; time every engine (warm-up, best of a few
runs, then every op timed); the scaling curve over the number of resting orders; the
pari-mutuel cases of ``bench_tote.py``. Writes ``results.json``, ``results.md`` and PNG plots.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benches import bench_tote
from benches.engines import Engine, PurePython, PybetBatch, PybetPerCall
from benches.measure import measure, timer_overhead_ns
from benches.peers import Flumine, Nautilus
from benches.rust_engine import RustReplay
from benches.workload import Workload, from_flow, standard_mix

ROOT = Path(__file__).resolve().parent.parent
BETFAIR_FILES = ("1.197931750.stream", "1.197931751.stream", "1.200806927.stream.gz")
REAL_MARKET = "1.200806927.stream.gz"  # the largest: an in-play tennis match
CHECK_MARKET = "1.197931750.stream"  # six runners, reductions: the fills agreement stream


def betfair_dirs() -> list[Path]:
    """Where recordings are looked up, in order: ``$PYBET_BETFAIR_DATA``, the copies shipped in
    ``tests/data/betfair`` (gzipped; the tennis match cut to its first 2,500 messages and its
    close), then ``../shared/data/betfair`` beside the repository when it is there."""
    dirs = [ROOT / "tests" / "data" / "betfair", (ROOT / ".." / "shared" / "data" / "betfair")]
    env = os.environ.get("PYBET_BETFAIR_DATA")
    return ([Path(env)] if env else []) + [d.resolve() for d in dirs]


def betfair_path(name: str) -> Path:
    """The first recording called ``name`` (or ``name.gz``) in :func:`betfair_dirs`."""
    dirs = betfair_dirs()
    for d in dirs:
        for candidate in (d / name, d / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(
        f"Betfair recording {name} not found in {[str(d) for d in dirs]}; "
        "set PYBET_BETFAIR_DATA to its directory"
    )


@dataclass(frozen=True)
class Config:
    quick: bool
    mix_ops: int
    repeat: int
    scaling: tuple[int, ...]
    scaling_ops: int
    flumine_scaling_max: int
    nautilus_scaling_max: int = 10_000
    scaling_budget_s: float = 60.0

    @staticmethod
    def make(quick: bool) -> Config:
        if quick:
            return Config(True, 50_000, 2, (1_000, 10_000, 100_000), 20_000, 10_000)
        return Config(False, 200_000, 3, (1_000, 10_000, 100_000, 1_000_000), 50_000, 100_000)


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.start = time.perf_counter()

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 28
        fill = width * self.done // max(self.total, 1)
        elapsed = time.perf_counter() - self.start
        sys.stderr.write(
            f"\r[{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} "
            f"{elapsed:5.0f}s {label[:60]:<60}"
        )
        sys.stderr.flush()
        if self.done >= self.total:
            sys.stderr.write("\n")


def engines() -> list[Engine]:
    return [RustReplay(), PybetBatch(), PybetPerCall(), PurePython(), Nautilus(), Flumine()]


def machine() -> dict[str, Any]:
    import numpy

    import pybet
    from benches.bench_gateway import cpu_model

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pybet": pybet.__version__,
        "numpy": numpy.__version__,
        "peers": _peer_versions(),
        "timer_overhead_ns": timer_overhead_ns(),
    }


def _peer_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("nautilus_trader", "flumine"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def load_betfair(name: str) -> tuple[Any, Any]:
    from pybet.io import betfair

    path = betfair_path(name)
    messages = betfair.load_stream(path)
    return messages, betfair.derive_order_flow(messages)


def agreement(wls: list[Workload], reference: Engine, others: list[Engine]) -> list[dict[str, Any]]:
    """Fills of every matching engine against pybet's, on small streams, before any timing."""
    rows = []
    for wl in wls:
        reference.setup(wl, record=True)
        reference.run(wl)
        want = sorted(reference.fills())
        for e in others:
            reason = e.unavailable()
            if reason:
                rows.append({"workload": wl.name, "engine": e.name, "result": reason})
                continue
            e.setup(wl, record=True)
            e.run(wl)
            got = sorted(e.fills())
            if got == want:
                result = f"agree ({len(want)} fills)"
            else:
                extra = len(set(got) - set(want))
                missing = len(set(want) - set(got))
                result = f"DIFFER: {missing} of pybet's {len(want)} fills missing, {extra} extra"
            rows.append({"workload": wl.name, "engine": e.name, "result": result})
    return rows


def ladder_checks() -> list[dict[str, Any]]:
    from pybet.io import betfair

    rows = []
    for name in BETFAIR_FILES:
        messages, flow = load_betfair(name)
        mismatches = betfair.replay_flow(flow, messages)
        rows.append(
            {
                "file": name,
                "messages": len(messages),
                "ops": len(flow),
                "mismatches": len(mismatches),
                "first": [asdict(m) for m in mismatches[:5]],
                **asdict(flow.stats),
            }
        )
    return rows


def _time(
    engine: Engine,
    wl: Workload,
    warmup: Workload,
    repeat: int,
    latency: bool,
    stream: Path | None = None,
) -> dict[str, Any]:
    if isinstance(engine, RustReplay):
        # a few milliseconds per run: more repeats to get past the neighbours' noise
        return engine.measure(wl, repeat * 5)
    row = measure(engine, wl, warmup, repeat, latency=latency)
    if stream is not None and row["status"] == "ok":
        row["peak_mem_bytes"] = peak_memory(engine.key, stream)
    return row


def _scaling_skip(
    e: Engine, resting: int, cfg: Config, last: dict[str, float]
) -> dict[str, Any] | None:
    """A row saying why a slow peer is not run at this size (never a made-up number)."""
    row = {"engine": e.name, "key": e.key}
    if e.key == "flumine" and resting > cfg.flumine_scaling_max:
        return {
            **row,
            "status": f"skipped: prefilling {resting:,} orders through flumine "
            "at ~30k ops/s takes minutes",
        }
    if e.key == "nautilus" and resting > cfg.nautilus_scaling_max:
        return {
            **row,
            "status": f"skipped: the driver walks OrderBook.bids()/asks(), which lists every "
            f"level on each step; at {resting:,} resting orders one run takes many minutes",
        }
    prev = last.get(e.key)
    # a tenfold bigger book at worst makes each op ten times slower
    if prev is not None and cfg.scaling_ops / prev * 10 > cfg.scaling_budget_s:
        return {
            **row,
            "status": f"skipped: {prev:,.0f} ops/s at a tenth of this book; "
            f"would take over {cfg.scaling_budget_s:.0f} s a run",
        }
    return None


def peak_memory(key: str, stream: Path) -> int | None:
    """The engine's peak memory on ``stream``, measured in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-m", "benches.memprobe", key, str(stream)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    last = out.stdout.strip().splitlines()[-1:] if out.returncode == 0 else []
    return int(last[0]) if last and last[0].isdigit() else None


def run(
    quick: bool = False,
    out_dir: str | Path = "bench-results",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    cfg = Config.make(quick)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = log or (lambda s: None)
    started = time.perf_counter()
    eng = engines()
    timed_steps = 2 * len(eng) + len(cfg.scaling) * (len(eng)) + 3
    bar = Progress(timed_steps + 4, progress)

    mix = standard_mix(cfg.mix_ops, seed=42)
    mix.save(out / "standard_mix.npz")
    mix = Workload.load(out / "standard_mix.npz")  # every engine replays the stream as loaded
    warmup = standard_mix(2_000, seed=1)
    bar.step("workloads: standard mix")
    _, real_flow = load_betfair(REAL_MARKET)
    real = from_flow(real_flow, f"Betfair {real_flow.market_id} (recorded tennis match)")
    real.save(out / "betfair_flow.npz")
    real = Workload.load(out / "betfair_flow.npz")
    _, check_flow = load_betfair(CHECK_MARKET)
    check = from_flow(check_flow, f"Betfair {check_flow.market_id} (recorded greyhound race)")
    bar.step("workloads: Betfair order flow")

    agree = agreement(
        [standard_mix(5_000, seed=7), check],
        PybetPerCall(),
        [e for e in eng if e.key != "pybet_call" and e.matches],
    )
    bar.step("fills agreement")
    ladders = ladder_checks()
    bar.step("Betfair ladder replay check")

    results: list[dict[str, Any]] = []
    for wl, stream in ((mix, out / "standard_mix.npz"), (real, out / "betfair_flow.npz")):
        for e in eng:
            bar.step(f"{e.key} on {wl.name}")
            results.append(_time(e, wl, warmup, cfg.repeat, latency=True, stream=stream))

    scaling: list[dict[str, Any]] = []
    last: dict[str, float] = {}
    for resting in cfg.scaling:
        wl = standard_mix(cfg.scaling_ops, seed=11, resting=resting)
        for e in eng:
            bar.step(f"scaling {resting:,}: {e.key}")
            row = _scaling_skip(e, resting, cfg, last)
            if row is None:
                row = _time(e, wl, warmup, max(cfg.repeat - 1, 1), latency=False)
                if row["status"] == "ok":
                    last[e.key] = row["ops_per_s"]
            scaling.append({**row, "resting": resting})
    tote = bench_tote.run(quick)
    bar.step("pari-mutuel and quant")

    report = {
        "quick": quick,
        "machine": machine(),
        "mix": mix.mix(),
        "workloads": {
            "standard_mix": {"ops": mix.timed, "warm": mix.warm, **mix.meta},
            "betfair": {"ops": real.timed, **real.meta},
        },
        "engines": [{"key": e.key, "name": e.name, "note": e.note} for e in eng],
        "agreement": agree,
        "ladders": ladders,
        "results": results,
        "scaling": scaling,
        "tote": tote,
        "seconds": time.perf_counter() - started,
    }
    (out / "results.json").write_text(json.dumps(report, indent=2, default=str))
    from benches import plots
    from benches import report as md

    plots.write_all(report, out)
    (out / "results.md").write_text(md.markdown(report))
    say(f"wrote {out / 'results.md'} and plots in {report['seconds']:.0f}s")
    return report
