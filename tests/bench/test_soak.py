"""The soak machinery (benches/bench_soak.py) and what it drives: `pybet load --rotate-markets`
(markets created, traded, turned in play, closed and settled in turn), its per-interval reports,
and orders that reach a closed market counted as rejections by code."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvloop

from pybet import cli
from pybet import protocol as p
from pybet.gateway import Gateway, GatewayConfig
from pybet.gateway.config import DEV_DEPOSIT, dev_accounts
from pybet.loadgen import (
    RUNNERS,
    LatencyHistogram,
    MarketSet,
    Stats,
    _closed_loop,
    _connect,
    run_load,
)
from pybet.store import MemoryStore


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a test coroutine on uvloop (as the gateway runs), bounded in time."""
    return uvloop.run(asyncio.wait_for(coro, 60))


def _dev_gateway() -> Gateway:
    cfg = GatewayConfig(host="127.0.0.1", port=0, http_port=-1)
    cfg.accounts = dev_accounts()  # what `pybet load` logs in with by default
    return Gateway(cfg, store=MemoryStore())


def test_soak_on_file_samples_each_interval_and_settles_every_market(tmp_path: Path) -> None:
    from benches import bench_soak

    out, png, md = tmp_path / "soak.json", tmp_path / "soak.png", tmp_path / "soak.md"
    argv = ["--duration", "5", "--warmup", "2", "--stores", "file", "--sample-every", "1"]
    argv += ["--market-every", "0.4", "--market-life", "2", "--clients", "2", "--pipeline", "16"]
    argv += ["--out", str(out), "--png", str(png), "--table-out", str(md)]
    assert bench_soak.main(argv) == 0
    (soak,) = json.loads(out.read_text())["runs"]
    samples = soak["samples"]
    # one idle sample before the load, then one per interval of the load
    assert [s["t"] > 0 for s in samples] == [False] + [True] * 5
    assert all(s["rss_bytes"] > 0 and s["loop_lag_max_s"] >= 0 for s in samples)
    assert all(s["redis_used_memory"] is None for s in samples)  # file: has no Redis
    # the intervals hold every ack but those of the orders still in flight at the end
    assert 0 < sum(s["acked"] for s in samples[1:]) <= soak["load"]["acked"]
    markets = soak["load"]["markets"]
    assert markets["created"] >= 3 and markets["in_play"] >= 1
    assert markets["settled"] == markets["created"] and markets["live"] == 0
    assert soak["load"]["errors"] == {} and set(soak["load"]["rejected"]) <= {"MARKET_NOT_OPEN"}
    assert soak["gateway"]["exit_code"] == 0 and soak["gateway"]["log"]["warnings"] == []
    # the gateway's side, asked through the protocol: settled markets hold no orders, and
    # settlement moved money
    assert soak["audit"]["orders_left_in_rotated_markets"] == 0
    assert soak["audit"]["balance_moved_by_settlement"] > 0
    f = soak["figures"]
    assert f["rss_growth_pct"] is not None and f["loop_stall_after_warmup_ms"] is not None
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "| `file` |" in md.read_text()
    # a results file alone gives the same table again (its own settings, nothing run)
    again = tmp_path / "again.md"
    assert bench_soak.main(["--from-results", str(out), "--no-png", "--table-out", str(again)]) == 0
    assert again.read_text() == md.read_text()


def test_load_rotate_markets_settles_markets_with_real_pnl(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def main() -> tuple[Gateway, Stats, dict[str, Any]]:
        gw = _dev_gateway()
        await gw.start()
        argv = ["load", "--port", str(gw.port), "--rotate-markets", "--market-every", "0.3"]
        argv += ["--market-life", "1", "--duration", "3", "--clients", "2", "--pipeline", "8"]
        args = cli.build_parser().parse_args([*argv, "--report-every", "1"])
        rotation: dict[str, Any] = {}
        try:
            stats = await run_load(args, rotation)
        finally:
            await gw.stop()
        return gw, stats, rotation

    gw, stats, rotation = run(main())
    ex = gw.engine.exchange
    rotated = [m for m in ex.markets() if m.startswith("rot.")]
    assert len(rotated) == rotation["created"] >= 3 and rotation["settled"] == len(rotated)
    assert set(rotated) <= set(gw.engine.settled_markets)
    assert not [o for m in rotated for o in ex.orders(market_id=m, live_only=True)]
    # settlement moved money between the traders: zero-sum but for the rounding residue the
    # house keeps (under a minor unit per account and market; no commission configured)
    balances = [ex.balance(name) for name in dev_accounts() if name != "admin"]
    assert 0 <= DEV_DEPOSIT * len(balances) - sum(balances) <= len(rotated) * len(balances)
    assert any(b != DEV_DEPOSIT for b in balances)
    assert stats.acked > 0 and stats.fills > 0 and not stats.errors
    assert set(stats.rejected) <= {"MARKET_NOT_OPEN"}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["interval"] for row in lines] == [1, 2, 3]
    assert sum(row["acked"] for row in lines) <= stats.acked
    assert all("created" in row["markets"] for row in lines)


def test_orders_to_a_closed_market_count_as_rejections_by_code() -> None:
    async def main() -> Stats:
        gw = _dev_gateway()
        await gw.start()
        stats = Stats()
        markets = MarketSet(["gone.1"], RUNNERS)
        try:
            admin = await _connect("127.0.0.1", gw.port, "admin", "admin-key", stats, 0, markets)
            await admin.call(p.CreateMarket(2, "gone.1", RUNNERS))
            await admin.call(p.MarketAction(3, "gone.1", "open"))
            assert isinstance(await admin.call(p.MarketAction(4, "gone.1", "close")), p.Done)
            trader = await _connect("127.0.0.1", gw.port, "trader0", "dev-key", stats, 1, markets)
            await _closed_loop([trader], 4, time.perf_counter_ns() + 300_000_000)
            while trader.sent:
                await asyncio.sleep(0.01)
            for c in (admin, trader):  # before the gateway's shutdown notice reaches them
                assert c.transport is not None
                c.transport.close()
        finally:
            await gw.stop()
        return stats

    stats = run(main())
    assert stats.acked == 0 and not stats.errors
    assert list(stats.rejected) == ["MARKET_NOT_OPEN"] and stats.rejected["MARKET_NOT_OPEN"] > 0


def test_latency_histogram_is_exact_below_a_millisecond_and_within_one_percent_above() -> None:
    rng = np.random.default_rng(3)
    ns = rng.lognormal(np.log(400e3), 1.5, 100_000).astype(np.int64)
    hist = LatencyHistogram()
    hist.add(ns[:50_000])
    before = hist.copy()
    hist.add(ns[50_000:])
    for q in (50.0, 99.0, 99.9):
        want = float(np.percentile(ns, q, method="inverted_cdf")) / 1e3
        got = hist.percentile_us(q)
        assert abs(got - want) <= (0.6 if want < 1024 else want * 0.01), (q, got, want)
    assert hist.max_ns == int(ns.max()) and hist.total == ns.size
    assert hist.since(before).total == 50_000
    assert np.isnan(LatencyHistogram().percentile_us(99.0))
