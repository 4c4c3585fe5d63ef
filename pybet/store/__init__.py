"""Stores behind one interface: ``open_store("memory:")``; ``file:PATH`` and
``redis://HOST:PORT/DB`` are provided by their modules when present."""

from __future__ import annotations

import importlib

from pybet.errors import InvalidArgument
from pybet.store.base import Recovered, SnapshotRecord, Store
from pybet.store.memory import MemoryStore

__all__ = ["MemoryStore", "Recovered", "SnapshotRecord", "Store", "open_store"]

# scheme -> (module, class); the durable stores live in their own modules.
_SCHEMES: dict[str, tuple[str, str]] = {
    "file": ("pybet.store.file", "FileStore"),
    "redis": ("pybet.store.redis", "RedisStore"),
}


def open_store(url: str) -> Store:
    """The store for ``url`` (not yet opened: ``await store.open()``)."""
    scheme = url.split(":", 1)[0]
    if scheme == "memory":
        return MemoryStore(url)
    if scheme in _SCHEMES:
        module_name, cls_name = _SCHEMES[scheme]
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise InvalidArgument(f"store {url!r}: {scheme} store not available ({exc})") from None
        store: Store = getattr(module, cls_name)(url)
        return store
    raise InvalidArgument(f"unknown store URL {url!r} (memory:, file:PATH, redis://HOST:PORT/DB)")
