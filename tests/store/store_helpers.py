"""Open and reopen any of the three stores the same way, for the contract tests."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pybet.store import MemoryStore, Store, open_store

T = TypeVar("T")
_shards = itertools.count()


def run(coro: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro()

    return asyncio.run(main())


class Opener:
    """``await opener.open()`` gives a fresh client of the same store (a reopen); the memory
    store has no durability, so its "reopen" is the same object opened again."""

    def __init__(self, kind: str, tmp_path: Path, redis_url: str | None = None) -> None:
        self.kind = kind
        if kind == "memory":
            self.url = "memory:"
            self._memory = MemoryStore()
        elif kind == "file":
            self.url = f"file:{tmp_path / 'store'}"
        else:
            assert redis_url is not None
            self.url = f"{redis_url}?shard=t{next(_shards)}-{tmp_path.name}"

    async def open(self) -> Store:
        store: Store = self._memory if self.kind == "memory" else open_store(self.url)
        await store.open()
        return store
