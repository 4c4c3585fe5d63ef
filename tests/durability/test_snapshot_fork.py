"""Snapshots written by a forked child (pybet/gateway/snapshotter.py): the snapshot is the state
at the seq of the fork even while later batches are applied, recovery uses it, a child that
fails or dies fails nothing and is retried, and the child holds none of the parent's
descriptors (a restarted gateway takes the store's lock at once)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import uvloop
from harness import MARKET, connect
from redis_server import RedisServer
from test_recovery import _config

from pybet import protocol as p
from pybet.errors import StoreError
from pybet.gateway import Gateway
from pybet.gateway.recovery import rebuild
from pybet.gateway.snapshotter import can_fork, fork_snapshot, wait_child
from pybet.store import MemoryStore, SnapshotRecord
from pybet.store.base import Recovered
from pybet.store.file import FileStore


async def _until(cond: Any, what: str) -> None:
    for _ in range(1000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _check_snapshot_hash(rec: Recovered) -> None:
    """The snapshot restores to the state its hash names."""
    assert rec.snapshot is not None
    assert rebuild(Recovered(rec.snapshot, [])).core.state_hash() == rec.snapshot.state_hash


async def _trade_and_recover(store_factory: Any) -> None:
    store = store_factory()
    gw = Gateway(_config(snapshot_every=20, trim_journal=False), store=store)
    await gw.start()
    c = await connect(gw.port, "alice")
    for i in range(120):
        reply = await c.place(MARKET, 1 + i % 3, "BACK", "2.0", 100 + i, client_order_id=f"f{i}")
        assert isinstance(reply, p.Ack)
    await _until(lambda: gw.metrics.counters["snapshots"] >= 2, "forked snapshots")
    await _until(lambda: gw._snapshot_task is None, "the last child")
    assert gw.metrics.counters["snapshot_failures"] == 0
    # each fork is timed: the latest and the longest are exported
    assert 0.0 < gw.metrics.snapshot_fork_last <= gw.metrics.snapshot_fork_max
    text = gw.metrics.render()
    assert f"pybet_snapshot_fork_max_seconds {gw.metrics.snapshot_fork_max}\n" in text
    await c.close()
    live_hash, live_seq = gw.engine.state_hash(), gw.seq
    await gw.stop()
    # a restart recovers the same state from the snapshot plus the journal after it
    again = Gateway(_config(), store=store_factory())
    await again.start()
    assert (again.seq, again.engine.state_hash()) == (live_seq, live_hash)
    await again.stop()


def test_forked_snapshots_on_the_file_store_recover_the_same_state(tmp_path: Path) -> None:
    assert can_fork(FileStore(f"file:{tmp_path}")) and not can_fork(MemoryStore())
    uvloop.run(_trade_and_recover(lambda: FileStore(f"file:{tmp_path / 'data'}")))


def test_forked_snapshots_on_redis_recover_the_same_state(redis_server: RedisServer) -> None:
    from pybet.store.redis import RedisStore

    url = f"{redis_server.url}?shard=forked"
    uvloop.run(_trade_and_recover(lambda: RedisStore(url)))


def test_the_child_writes_the_state_of_the_fork_not_of_later_batches(tmp_path: Path) -> None:
    async def main() -> None:
        store = FileStore(f"file:{tmp_path / 'data'}")
        gw = Gateway(_config(snapshot_every=0, snapshot_interval_s=0), store=store)
        await gw.start()
        c = await connect(gw.port, "alice")
        for i in range(10):
            await c.place(MARKET, 1, "BACK", "2.0", 100 + i)
        seq, want = gw.seq, gw.engine.state_hash()
        child = fork_snapshot(gw.engine, store, seq)
        for i in range(10):  # applied while the child encodes: not in its snapshot
            await c.place(MARKET, 2, "LAY", "3.0", 100 + i)
        written = await asyncio.get_running_loop().run_in_executor(None, wait_child, child)
        assert (written.seq, written.state_hash) == (seq, want) and gw.seq > seq
        await c.close()
        await gw.stop()
        rec = await _load(tmp_path / "data")
        assert rec.snapshot is not None and rec.snapshot.seq >= seq

    uvloop.run(main())


async def _load(path: Path) -> Recovered:
    store = FileStore(f"file:{path}")
    await store.open()
    try:
        return await store.load()
    finally:
        await store.close()


class _ChildFails(FileStore):
    failing = True

    def write_snapshot_in_child(self, snap: SnapshotRecord) -> None:
        if self.failing:
            raise StoreError("disk full (injected in the child)")
        super().write_snapshot_in_child(snap)


def test_a_failing_child_fails_no_batch_and_is_retried(tmp_path: Path) -> None:
    async def main() -> None:
        store = _ChildFails(f"file:{tmp_path / 'data'}")
        gw = Gateway(_config(snapshot_every=1), store=store)
        await gw.start()
        c = await connect(gw.port, "alice")
        for i in range(5):
            assert isinstance(await c.place(MARKET, 1, "BACK", "2.0", 100 + i), p.Ack)
        await _until(lambda: gw.metrics.counters["snapshot_failures"] >= 1, "a failure")
        assert not gw.fail_closed and gw.metrics.counters["snapshots"] == 0
        assert not list((tmp_path / "data").glob("snapshot-*"))
        store.failing = False  # the next fork sees the mended store: the retry succeeds
        await _until(lambda: gw.metrics.counters["snapshots"] >= 1, "the retried snapshot")
        await c.close()
        await gw.stop()
        rec = await _load(tmp_path / "data")
        assert rec.snapshot is not None
        _check_snapshot_hash(rec)

    uvloop.run(main())


def test_a_killed_child_is_a_failed_snapshot_not_a_failed_gateway(tmp_path: Path) -> None:
    async def main() -> None:
        store = FileStore(f"file:{tmp_path / 'data'}")
        gw = Gateway(_config(snapshot_every=0, snapshot_interval_s=0), store=store)
        await gw.start()
        c = await connect(gw.port, "alice")
        await c.place(MARKET, 1, "BACK", "2.0", 100)
        child = fork_snapshot(gw.engine, store, gw.seq)
        os.kill(child.pid, signal.SIGKILL)
        with pytest.raises(StoreError, match="child"):
            await asyncio.get_running_loop().run_in_executor(None, wait_child, child)
        assert isinstance(await c.place(MARKET, 1, "BACK", "2.0", 101), p.Ack)
        await c.close()
        await gw.stop()

    uvloop.run(main())


def test_the_child_holds_no_descriptor_of_the_parent(tmp_path: Path) -> None:
    """While a child is still writing, a second store on the same directory is refused only
    because the parent holds the lock, and the child's descriptors are only its pipe."""

    async def main() -> None:
        store = FileStore(f"file:{tmp_path / 'data'}")
        await store.open()
        await store.append(1, b"x")
        parent_fds = set(os.listdir("/proc/self/fd"))
        child = fork_snapshot(_SlowEngine(), store, 1)  # type: ignore[arg-type]
        await asyncio.sleep(0.2)  # the child is in its slow encode now
        child_fds = set(os.listdir(f"/proc/{child.pid}/fd"))
        assert child_fds <= {"0", "1", "2", str(_write_end(child_fds, parent_fds))}
        await store.close()  # the parent's lock goes: the directory is free at once
        other = FileStore(f"file:{tmp_path / 'data'}")
        await other.open()
        await other.close()
        os.kill(child.pid, signal.SIGKILL)
        with pytest.raises(StoreError):
            await asyncio.get_running_loop().run_in_executor(None, wait_child, child)

    uvloop.run(main())


def _write_end(child_fds: set[str], parent_fds: set[str]) -> str:
    extra = child_fds - {"0", "1", "2"}
    assert len(extra) <= 1, f"the child kept {sorted(extra)} (parent had {sorted(parent_fds)})"
    return next(iter(extra), "")


class _SlowEngine:
    def snapshot_and_hash(self) -> tuple[bytes, int]:
        import time

        time.sleep(30)  # killed by the test long before
        return b"", 0
