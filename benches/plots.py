"""PNG plots of a suite run (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHORT = {
    "rust": "pybet (Rust)",
    "pybet_batch": "pybet batch",
    "pybet_call": "pybet per call",
    "pure_python": "pure Python",
    "nautilus": "nautilus_trader",
    "flumine": "flumine",
}
COLOURS = {
    "rust": "#1b5e20",
    "pybet_batch": "#2e7d32",
    "pybet_call": "#66bb6a",
    "pure_python": "#757575",
    "nautilus": "#1565c0",
    "flumine": "#ef6c00",
}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def throughput(report: dict[str, Any], path: Path, dpi: int = 100) -> None:
    """Bars of ops/s per engine, one panel per workload, labelled with the ratio to pybet."""
    plt = _plt()
    workloads = list(dict.fromkeys(r["workload"] for r in report["results"]))
    fig, axes = plt.subplots(1, len(workloads), figsize=(6 * len(workloads), 3.6), squeeze=False)
    for ax, wl in zip(axes[0], workloads, strict=True):
        rows = [r for r in report["results"] if r["workload"] == wl and r["status"] == "ok"]
        call = next((r["ops_per_s"] for r in rows if r["key"] == "pybet_call"), None)
        names = [SHORT.get(r["key"], r["key"]) for r in rows]
        vals = [r["ops_per_s"] / 1e6 for r in rows]
        ax.barh(names, vals, color=[COLOURS.get(r["key"], "grey") for r in rows])
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("million operations per second (log)")
        ax.set_title(wl, fontsize=9)
        for y, (r, v) in enumerate(zip(rows, vals, strict=True)):
            label = f"  {v:.2f} M"
            if call and r["key"] != "pybet_call":
                label += f"  (pybet per call / this = {call / r['ops_per_s']:.1f}x)"
            ax.text(v, y, label, va="center", fontsize=7)
        ax.set_xlim(right=max(vals) * 12 if vals else 1)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def latency(report: dict[str, Any], path: Path) -> None:
    """p50 / p99 / p99.9 per operation on a log axis (first workload)."""
    plt = _plt()
    wl = report["results"][0]["workload"]
    rows = [r for r in report["results"] if r["workload"] == wl and r["status"] == "ok"]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.27
    for j, (q, label) in enumerate((("p50_ns", "p50"), ("p99_ns", "p99"), ("p999_ns", "p99.9"))):
        xs = [i + (j - 1) * width for i in range(len(rows))]
        ax.bar(xs, [r[q] / 1e3 for r in rows], width, label=label)
    ax.set_xticks(range(len(rows)), [SHORT.get(r["key"], r["key"]) for r in rows], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("µs per operation (log)")
    ax.set_title(f"latency per operation: {wl}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def scaling(report: dict[str, Any], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    keys = list(dict.fromkeys(r["key"] for r in report["scaling"]))
    for k in keys:
        pts = sorted(
            (r["resting"], r["ops_per_s"] / 1e6)
            for r in report["scaling"]
            if r["key"] == k and r["status"] == "ok"
        )
        if pts:
            ax.plot(
                *zip(*pts, strict=True), marker="o", label=SHORT.get(k, k), color=COLOURS.get(k)
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("resting orders in the book")
    ax.set_ylabel("M ops/s (log)")
    ax.set_title("standard mix as the book grows", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_all(report: dict[str, Any], out: Path) -> list[Path]:
    paths = [out / "throughput.png", out / "latency.png", out / "scaling.png"]
    throughput(report, paths[0])
    latency(report, paths[1])
    scaling(report, paths[2])
    return paths
