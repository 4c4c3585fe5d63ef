"""The memory: store behind the Store interface (the contract the durable stores share)."""

from __future__ import annotations

import pytest
from gwtest import run

from pybet.errors import InvalidArgument, StoreError
from pybet.store import MemoryStore, SnapshotRecord, Store, open_store


def test_open_store_knows_memory_and_refuses_unknown_schemes() -> None:
    store = open_store("memory:")
    assert isinstance(store, MemoryStore) and isinstance(store, Store)
    assert store.url == "memory:"
    with pytest.raises(InvalidArgument):
        open_store("ftp://x")


def test_append_load_snapshot_trim() -> None:
    async def main() -> None:
        store = MemoryStore()
        await store.open()
        assert (await store.load()).snapshot is None
        await store.append(1, b"a")
        await store.append(2, b"b")
        with pytest.raises(StoreError):
            await store.append(2, b"again")  # a used seq is refused, not duplicated
        with pytest.raises(StoreError):
            await store.append(1, b"older")
        await store.write_snapshot(SnapshotRecord(1, b"state", 42))
        await store.append(3, b"c")
        rec = await store.load()
        assert rec.snapshot == SnapshotRecord(1, b"state", 42)
        assert rec.records == [(2, b"b"), (3, b"c")]
        await store.trim(2)
        assert store.records == [(3, b"c")]
        assert await store.ping()
        await store.close()
        assert not await store.ping()
        with pytest.raises(StoreError):
            await store.append(4, b"d")

    run(main())
