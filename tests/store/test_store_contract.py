"""The Store contract, run against memory:, file: and redis:// alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import Opener, run

from pybet.errors import StoreError
from pybet.store import Recovered, SnapshotRecord, Store

PAYLOADS = [b"", b"\x00\xff" * 3, b"x" * 1000, bytes(range(256))]


@pytest.fixture(params=["memory", "file", "redis"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    url = request.getfixturevalue("redis_server").url if request.param == "redis" else None
    return Opener(request.param, tmp_path, url)


async def fill(store: Store, seqs: range) -> list[tuple[int, bytes]]:
    records = [(s, PAYLOADS[s % len(PAYLOADS)] + s.to_bytes(8, "little")) for s in seqs]
    for seq, rec in records:
        await store.append(seq, rec)
    return records


def test_empty_store_loads_nothing(opener: Opener) -> None:
    async def body() -> None:
        store = await opener.open()
        assert await store.load() == Recovered(None, [])
        assert await store.ping()
        await store.close()

    run(body)


def test_append_load_round_trip(opener: Opener) -> None:
    async def body() -> None:
        store = await opener.open()
        records = await fill(store, range(1, 9))
        assert await store.load() == Recovered(None, records)
        await store.close()

    run(body)


def test_seq_must_increase_strictly(opener: Opener) -> None:
    async def body() -> None:
        store = await opener.open()
        await store.append(1, b"a")
        await store.append(2, b"b")
        for seq, rec in [(2, b"other"), (1, b"a"), (1, b"x")]:
            with pytest.raises(StoreError):
                await store.append(seq, rec)
        await store.append(5, b"e")  # gaps are the gateway's business; order is the store's
        assert (await store.load()).records == [(1, b"a"), (2, b"b"), (5, b"e")]
        await store.close()

    run(body)


def test_identical_retry_of_the_last_append_is_not_duplicated(opener: Opener) -> None:
    async def body() -> None:
        store = await opener.open()
        await store.append(1, b"a")
        await store.append(1, b"a")  # the retry after an append whose outcome was unknown
        with pytest.raises(StoreError):
            await store.append(1, b"b")
        assert (await store.load()).records == [(1, b"a")]
        await store.close()

    run(body)


def test_snapshot_and_records_after_it(opener: Opener) -> None:
    async def body() -> None:
        store = await opener.open()
        records = await fill(store, range(1, 6))
        snap = SnapshotRecord(seq=3, state=b"state@3" * 100, state_hash=2**64 - 1)
        await store.write_snapshot(snap)
        records += await fill(store, range(6, 8))
        assert await store.load() == Recovered(snap, records[3:])
        newer = SnapshotRecord(seq=7, state=b"state@7", state_hash=7)
        await store.write_snapshot(newer)
        assert await store.load() == Recovered(newer, [])
        await store.close()

    run(body)


def test_trim_drops_only_what_the_snapshot_covers(opener: Opener) -> None:
    async def body() -> None:
        store = await opener.open()
        records = await fill(store, range(1, 6))
        snap = SnapshotRecord(seq=3, state=b"s3", state_hash=33)
        await store.write_snapshot(snap)
        records += await fill(store, range(6, 7))
        await store.trim(3)
        assert await store.load() == Recovered(snap, records[3:])
        with pytest.raises(StoreError):
            await store.append(3, b"reuse")  # trimming never makes a seq usable again
        await store.append(7, b"g")
        assert (await store.load()).records[-1] == (7, b"g")
        await store.close()

    run(body)


def test_close_and_reopen_keeps_everything(opener: Opener) -> None:
    async def body() -> None:
        store = await opener.open()
        records = await fill(store, range(1, 4))
        snap = SnapshotRecord(seq=2, state=b"s2", state_hash=22)
        await store.write_snapshot(snap)
        records += await fill(store, range(4, 6))
        await store.close()
        assert not await store.ping()
        store = await opener.open()
        assert await store.load() == Recovered(snap, records[2:])
        with pytest.raises(StoreError):
            await store.append(5, b"reuse")
        await store.append(6, b"f")
        await store.close()
        store = await opener.open()
        assert (await store.load()).records == [*records[2:], (6, b"f")]
        await store.close()

    run(body)
