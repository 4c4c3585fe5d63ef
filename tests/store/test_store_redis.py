"""The Redis store's own guarantees: explicit stream ids refuse a re-append, every key under the
shard's hash tag, WAITAOF checked, and a killed redis-server fails appends fast and loses
nothing that was acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis
from redis_server import RedisServer, redis_server_binary
from store_helpers import run

from pybet.errors import InvalidArgument, StoreError
from pybet.store import SnapshotRecord, open_store
from pybet.store.redis import RedisStore, check_waitaof, parse_url


@pytest.fixture
def own_server() -> Iterator[RedisServer]:
    """A server this test may kill and restart."""
    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed")
    with RedisServer() as server:
        yield server


async def _raw(url: str, *args: object) -> object:
    client = aioredis.Redis.from_url(url)
    try:
        return await client.execute_command(*args)  # type: ignore[no-untyped-call]
    finally:
        await client.aclose()


def test_url_options() -> None:
    t = parse_url("redis://127.0.0.1:7001/3?shard=s1&socket_timeout=0.5")
    assert (t.host, t.port, t.db, t.shard, t.socket_timeout) == ("127.0.0.1", 7001, 3, "s1", 0.5)
    assert t.waitaof_timeout_ms == 250 and t.require_aof
    assert parse_url("redis://localhost").shard == "pybet"
    for bad in (
        "redis://h:1/0?shard={x}",
        "redis://h:1/0?shard=",
        "redis://h:1/0?colour=red",
        "redis://h:1/zero",
        "redis://h:1/0?socket_timeout=1&waitaof_timeout_ms=1000",
        "rediss://h:1/0",
    ):
        with pytest.raises(InvalidArgument):
            parse_url(bad)


def test_waitaof_reply_is_checked() -> None:
    check_waitaof([1, 0])
    check_waitaof([1, 2])
    for bad in ([0, 0], [0, 1], None, b"OK", [1]):
        with pytest.raises(StoreError, match="WAITAOF"):
            check_waitaof(bad)


def test_keys_live_under_the_shard_hash_tag(redis_server: RedisServer) -> None:
    url = f"{redis_server.url}?shard=tagged"

    async def body() -> None:
        store = open_store(url)
        await store.open()
        await store.append(1, b"a")
        await store.write_snapshot(SnapshotRecord(seq=1, state=b"s", state_hash=5))
        await store.close()
        keys = await _raw(redis_server.url, "KEYS", "*tagged*")
        assert sorted(keys) == [b"{tagged}:journal", b"{tagged}:snapshot"]  # type: ignore[arg-type]
        entries = await _raw(redis_server.url, "XRANGE", "{tagged}:journal", "-", "+")
        assert entries == [(b"1-0", {b"r": b"a"})]

    run(body)


def test_a_re_append_is_refused_by_redis_not_duplicated(redis_server: RedisServer) -> None:
    url = f"{redis_server.url}?shard=reappend"

    async def body() -> None:
        store = open_store(url)
        await store.open()
        await store.append(1, b"one")
        await store.append(2, b"two")
        other = open_store(url)  # a second client knows nothing locally: Redis refuses
        await other.open()
        with pytest.raises(StoreError, match="already used"):
            await other.append(2, b"not two")
        with pytest.raises(StoreError, match="already used"):
            await other.append(1, b"one")  # identical, but not the last: refused
        await other.append(2, b"two")  # identical retry of the last: already there
        assert await _raw(redis_server.url, "XLEN", "{reappend}:journal") == 2
        await other.close()
        await store.close()

    run(body)


def test_trim_uses_xtrim_minid(redis_server: RedisServer) -> None:
    url = f"{redis_server.url}?shard=trim"

    async def body() -> None:
        store = open_store(url)
        await store.open()
        for seq in range(1, 11):
            await store.append(seq, b"r")
        await store.trim(8)  # no snapshot yet: nothing could rebuild without the journal
        assert await _raw(redis_server.url, "XLEN", "{trim}:journal") == 10
        await store.write_snapshot(SnapshotRecord(seq=6, state=b"s", state_hash=6))
        await store.trim(8)  # bounded by the snapshot
        assert await _raw(redis_server.url, "XLEN", "{trim}:journal") == 4
        with pytest.raises(StoreError, match="ahead"):
            await store.write_snapshot(SnapshotRecord(seq=11, state=b"s", state_hash=0))
        with pytest.raises(StoreError, match="older"):
            await store.write_snapshot(SnapshotRecord(seq=5, state=b"s", state_hash=0))
        await store.close()

    run(body)


def test_a_journal_trimmed_past_the_snapshot_is_an_error(redis_server: RedisServer) -> None:
    url = f"{redis_server.url}?shard=gap"

    async def body() -> None:
        store = open_store(url)
        await store.open()
        for seq in range(1, 5):
            await store.append(seq, b"r")
        await _raw(redis_server.url, "XTRIM", "{gap}:journal", "MINID", "3-0")
        with pytest.raises(StoreError, match="missing"):
            await store.load()
        await store.close()

    run(body)


def test_appendonly_off_is_refused_unless_allowed(own_server: RedisServer) -> None:
    async def body() -> None:
        await _raw(own_server.url, "CONFIG", "SET", "appendonly", "no")
        with pytest.raises(StoreError, match="appendonly"):
            await open_store(own_server.url).open()
        store = open_store(f"{own_server.url}?require_aof=0")
        await store.open()
        assert isinstance(store, RedisStore) and store.durability.startswith("none")
        await store.close()

    run(body)


def test_durability_mode_matches_the_server(redis_server: RedisServer) -> None:
    async def body() -> None:
        store = RedisStore(f"{redis_server.url}?shard=mode")
        await store.open()
        info = await _raw(redis_server.url, "INFO", "server")
        version = tuple(int(p) for p in str(info["redis_version"]).split(".")[:2])  # type: ignore[index]
        if version >= (7, 2):
            assert store.durability == "waitaof"
            await store.append(1, b"a")  # WAITAOF confirmed the local fsync
        else:
            assert store.durability == "appendfsync always"
            # Pretend the server had WAITAOF: its refusal must fail the append, never pass it.
            store._waitaof = True
            with pytest.raises(StoreError, match="WAITAOF"):
                await store.append(1, b"a")
            store._waitaof = False
            await store.append(1, b"a")  # the retry: XADD had landed, the record is identical
        assert (await store.load()).records == [(1, b"a")]
        await store.close()

    run(body)


def test_a_killed_server_fails_appends_then_recovers_with_nothing_lost(
    own_server: RedisServer,
) -> None:
    url = f"{own_server.url}?shard=crash&socket_timeout=1"

    async def body() -> None:
        store = open_store(url)
        await store.open()
        acked: list[int] = []

        async def writer() -> StoreError:
            seq = 0
            while True:
                seq += 1
                try:
                    await store.append(seq, b"batch %d" % seq)
                except StoreError as exc:
                    return exc
                acked.append(seq)
                if seq == 20:
                    killing.set()

        killing = asyncio.Event()
        task = asyncio.create_task(writer())
        await killing.wait()
        await asyncio.to_thread(own_server.kill)  # while appends are in flight
        error = await task  # bounded: the socket timeouts end every call
        assert "redis" in str(error) or "append" in str(error)
        assert not await store.ping()
        with pytest.raises(StoreError):
            await store.append(acked[-1] + 1, b"while down")

        await asyncio.to_thread(own_server.start)  # same port, same dir: the AOF is reloaded
        assert await store.ping()
        rec = await store.load()
        seqs = [s for s, _ in rec.records]
        assert seqs[: len(acked)] == acked  # every acknowledged append survived the crash
        assert len(seqs) <= len(acked) + 1  # at most the one in flight also landed
        nxt = seqs[-1] + 1
        await store.append(nxt, b"after")
        assert (await store.load()).records[-1] == (nxt, b"after")
        await store.close()

    run(body)


def test_a_frozen_server_times_out_instead_of_hanging(own_server: RedisServer) -> None:
    import os
    import signal

    url = f"{own_server.url}?shard=frozen&socket_timeout=0.5"
    assert own_server.proc is not None
    pid = own_server.proc.pid

    async def body() -> None:
        store = open_store(url)
        await store.open()
        await store.append(1, b"one")
        os.kill(pid, signal.SIGSTOP)  # a silent network: the kernel still accepts our bytes
        try:
            with pytest.raises(StoreError):
                await store.append(2, b"two")  # bounded by the socket timeout
            assert not await store.ping()
        finally:
            os.kill(pid, signal.SIGCONT)
        assert await store.ping()
        # The frozen server may still have executed the XADD it had received: the retry of
        # the same batch is then "already appended", never a duplicate.
        await store.append(2, b"two")
        assert (await store.load()).records == [(1, b"one"), (2, b"two")]
        await store.close()

    run(body)
