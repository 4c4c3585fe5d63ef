"""The Markdown report of a suite run (``results.md``)."""

from __future__ import annotations

import math
from typing import Any


def _f(x: Any, scale: float = 1.0, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x / scale:,.{digits}f}"


def _ok(rows: list[dict[str, Any]], workload: str) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in rows if r.get("workload") == workload and r["status"] == "ok"}


def throughput_table(rows: list[dict[str, Any]], workload: str) -> list[str]:
    ok = _ok(rows, workload)
    call = ok.get("pybet_call", {}).get("ops_per_s")
    batch = ok.get("pybet_batch", {}).get("ops_per_s")
    out = [
        "| engine | M ops/s | p50 µs | p99 µs | p99.9 µs | peak MB | "
        "pybet per call ÷ this | pybet batch ÷ this |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.get("workload") != workload:
            continue
        if r["status"] != "ok":
            out.append(f"| {r['engine']} | {r['status']} | | | | | | |")
            continue
        ops = r["ops_per_s"]
        out.append(
            f"| {r['engine']} | {_f(ops, 1e6)} | {_f(r.get('p50_ns'), 1e3, 3)} | "
            f"{_f(r.get('p99_ns'), 1e3, 3)} | {_f(r.get('p999_ns'), 1e3, 3)} | "
            f"{_f(r.get('peak_mem_bytes'), 2**20, 1)} | "
            f"{_f(call / ops if call else None)}x | {_f(batch / ops if batch else None)}x |"
        )
    return out


def markdown(rep: dict[str, Any]) -> str:
    m = rep["machine"]
    mix = rep["mix"]
    w = rep["workloads"]
    lines = [
        "# pybet benchmarks",
        "",
        f"{'Quick run' if rep['quick'] else 'Full run'} in {rep['seconds']:.0f} s on {m['cpu']} "
        f"({m['cores']} cores, shared), Python {m['python']}, pybet {m['pybet']}, numpy "
        f"{m['numpy']}, " + ", ".join(f"{k} {v}" for k, v in m["peers"].items()) + ".",
        "Every engine replays the same stream in one process after a warm-up; throughput is the "
        "best of a few runs, latencies come from a separate pass that times every operation "
        f"(Python timer overhead ~{m['timer_overhead_ns']:.0f} ns included; a batch call's time "
        "is shared by its rows, so the batch rows are per operation too), peak memory is the "
        "rise of the resident high-water mark during a run. Indicative numbers: the machine "
        "is shared.",
        "",
        f"## Exchange: standard mix ({w['standard_mix']['ops']:,} ops on a book of "
        f"{w['standard_mix']['resting']:,} resting orders: {mix['place']:.1%} new limit orders "
        f"near the touch, {mix['cancel']:.1%} cancels, {mix['sweep']:.1%} sweeps)",
        "",
        *throughput_table(rep["results"], _name(rep["results"], 0)),
        "",
        "What each engine does:",
        "",
        *[f"- {e['name']}: {e['note']}" for e in rep.get("engines", [])],
        "",
        f"## Exchange: recorded Betfair market ({w['betfair']['ops']:,} ops derived from "
        f"{w['betfair']['market_id']})",
        "",
        *throughput_table(rep["results"], _name(rep["results"], 1)),
        "",
        "## Fills agreement (checked before timing)",
        "",
        "| stream | engine | result |",
        "|---|---|---|",
        *[f"| {a['workload']} | {a['engine']} | {a['result']} |" for a in rep["agreement"]],
        "",
        "## Betfair replay: pybet's book against the recorded ladders after every message",
        "",
        "| file | messages | derived ops | aggressive orders | traded volume attributed | "
        "unattributed trades | ladder differences |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rep["ladders"]:
        share = r["attributed_volume"] / r["traded_volume"] if r["traded_volume"] else 0.0
        lines.append(
            f"| {r['file']} | {r['messages']:,} | {r['ops']:,} | {r['aggressive']:,} | "
            f"{share:.0%} | {r['unattributed_trades']:,} | {r['mismatches']} |"
        )
    lines += [
        "",
        "Traded volume is sometimes counted on both sides in these recordings, so about half of "
        "it cannot be an order against the book; such volume is reported, never invented.",
        "",
        "## Scaling: M ops/s as the resting book grows",
        "",
    ]
    lines += scaling_table(rep["scaling"])
    skipped = {r["engine"]: r["status"] for r in rep["scaling"] if r["status"] != "ok"}
    lines += ["", *[f"- {e}: {why}" for e, why in skipped.items()]] if skipped else []
    lines += [
        "",
        "## Pari-mutuel and quant kernels against plain numpy",
        "",
        "| case | pybet ms | numpy ms | numpy ÷ pybet | extra |",
        "|---|---:|---:|---:|---|",
    ]
    for t in rep["tote"]:
        extra = ""
        if "bets_per_s" in t:
            extra = f"{t['bets_per_s'] / 1e6:.1f} M bets/s"
        if "us" in t:
            extra = f"{t['us']:.1f} µs"
        lines.append(
            f"| {t['name']} | {t['pybet_s'] * 1e3:.3f} | {t['numpy_s'] * 1e3:.3f} | "
            f"{t['ratio']:.2f}x | {extra} |"
        )
    return "\n".join(lines) + "\n"


def _name(rows: list[dict[str, Any]], index: int) -> str:
    names = list(dict.fromkeys(r["workload"] for r in rows))
    return names[index] if index < len(names) else ""


def scaling_table(rows: list[dict[str, Any]]) -> list[str]:
    engines = list(dict.fromkeys(r["engine"] for r in rows))
    sizes = sorted({r["resting"] for r in rows})
    out = [
        "| resting orders | " + " | ".join(engines) + " |",
        "|---:" + "|---:" * len(engines) + "|",
    ]
    for n in sizes:
        cells = []
        for e in engines:
            r = next((x for x in rows if x["engine"] == e and x["resting"] == n), None)
            ok = r is not None and r["status"] == "ok"
            cells.append(f"{r['ops_per_s'] / 1e6:.3g}" if r and ok else "skipped")
        out.append(f"| {n:,} | " + " | ".join(cells) + " |")
    return out
