"""The gateway SIGKILLed under load from several clients, on ``file:`` and on ``redis://``,
then restarted: every acknowledged order is there exactly once (placing it again returns the
original), nothing unacknowledged is half-applied, balances reconcile, and the state recovered
from the newest snapshot + journal equals a from-scratch replay of the whole journal."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
import uvloop
from harness import (
    TRADERS,
    Ledger,
    Server,
    check_feed,
    check_ledger,
    free_port,
    load_store,
    load_until_killed,
    replace_everything,
    trade,
    write_config,
)
from redis_server import RedisServer, redis_server_binary

from pybet.gateway.recovery import rebuild
from pybet.store.base import Recovered

KILLS = 10  # per store


def _store_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "file":
        return f"file:{tmp_path / 'data'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    # generous: with appendfsync always on a shared, busy disk an fsync can take a second
    return f"{server.url}?shard={tmp_path.name}&socket_timeout=5"


async def _drop_snapshots(kind: str, url: str, tmp_path: Path) -> None:
    """Forget the snapshots, so that load() returns the whole (untrimmed) journal."""
    if kind == "file":
        for snap in (tmp_path / "data").glob("snapshot-*"):
            snap.unlink()
    else:
        import redis.asyncio as aioredis

        r = aioredis.Redis.from_url(url.split("?")[0])
        await r.delete(f"{{{tmp_path.name}}}:snapshot")
        await r.aclose()


async def _verify(kind: str, url: str, tmp_path: Path, ledger: Ledger, server: Server) -> None:
    server.start()
    replies = await replace_everything(server.port, ledger)
    server.kill()  # once more: the checks read what a recovery would read
    rec = await load_store(url)
    assert rec.snapshot is not None  # the periodic snapshots ran between the crashes
    state = rebuild(rec)
    recovered_hash = state.core.state_hash()
    check_ledger(ledger, replies, state)  # settles the market at the end: hash taken before
    await _drop_snapshots(kind, url, tmp_path)
    full = await load_store(url)
    assert full.snapshot is None and full.records[0][0] == 1
    scratch = rebuild(Recovered(None, full.records))
    assert scratch.seq == state.seq
    assert scratch.core.state_hash() == recovered_hash
    # the history feed across the crashes: every batch's events exactly once, in order
    assert await check_feed(url, full.records) > 0


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_sigkill_under_load_loses_nothing_acknowledged(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _store_url(kind, tmp_path, request)
    config = write_config(
        tmp_path / "gw.toml", url, snapshot_every=150, snapshot_interval_s=0.2, trim_journal=False
    )
    server = Server(config, free_port(), tmp_path)
    rng = random.Random(f"crash-{kind}")
    ledger = Ledger()

    async def main() -> None:
        for run in range(KILLS):
            server.start()
            # a random moment: during the first batches, mid-load, or around a snapshot
            await load_until_killed(server, ledger, rng, run, rng.uniform(0.02, 0.5))
        assert ledger.acked  # the clients did get acknowledgements between the kills
        # and some commands were in flight (sent, never answered) when the server died
        assert len(ledger.sent) > len(ledger.acked)
        print(f"{kind}: sent={len(ledger.sent)} acked={len(ledger.acked)}")
        await _verify(kind, url, tmp_path, ledger, server)

    try:
        uvloop.run(main())
    finally:
        server.kill()


def test_redis_stopped_during_load_fails_closed_and_resumes(tmp_path: Path) -> None:
    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed")
    redis = RedisServer(directory=tmp_path / "redis").start()
    url = f"{redis.url}?shard=outage&socket_timeout=2"
    config = write_config(tmp_path / "gw.toml", url, snapshot_every=50, trim_journal=False)
    server = Server(config, free_port(), tmp_path)
    ledger = Ledger()
    rng = random.Random("outage")

    async def main() -> None:
        server.start()
        until = asyncio.Event()
        tasks = [
            asyncio.create_task(trade(server.port, a, ledger, rng, 0, window=4, until=until))
            for a in TRADERS
        ]
        await _wait_for(lambda: len(ledger.acked) > 50)
        redis.kill()
        await _wait_for(lambda: ledger.unavailable > 20)  # refused, not acknowledged
        acked_during_outage = len(ledger.acked)
        await asyncio.sleep(0.3)
        assert len(ledger.acked) == acked_during_outage  # fail closed: no acks without Redis
        redis.start()  # same port, same directory: the AOF comes back
        # service resumes by itself: the gateway pings, rebuilds from Redis, serves again
        await _wait_for(lambda: len(ledger.acked) > acked_during_outage + 50)
        until.set()
        await asyncio.gather(*tasks)
        server.kill()
        await _verify("redis", url, tmp_path / "outage", ledger, server)

    try:
        uvloop.run(main())
    finally:
        server.kill()
        redis.stop()
    log = server.log.read_text()
    assert "event=fail_closed " in log and "event=fail_closed_recovered" in log


async def _wait_for(cond: object, timeout: float = 30.0) -> None:
    assert callable(cond)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)
