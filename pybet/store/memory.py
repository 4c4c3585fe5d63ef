"""``memory:`` — records and snapshots kept in lists: no durability, for tests and benchmarks
(tests also read ``records`` to check what was journaled)."""

from __future__ import annotations

from collections import deque

from pybet.errors import StoreError
from pybet.store.base import Recovered, SnapshotRecord, Store


class MemoryStore(Store):
    def __init__(self, url: str = "memory:") -> None:
        self.url = url
        self.records: list[tuple[int, bytes]] = []
        self.snapshots: list[SnapshotRecord] = []
        self.closed = False
        self._last = 0  # the highest seq ever appended: trimming must not make a seq reusable
        #: the history feed: (seq, events), the newest ``feed_retention`` batches
        self.events: deque[tuple[int, bytes]] = deque(maxlen=self.feed_retention)
        #: set by tests to make the next appends fail (fail-closed behaviour)
        self.fail_appends = False

    async def open(self) -> None:
        self.closed = False

    async def load(self) -> Recovered:
        snap = self.snapshots[-1] if self.snapshots else None
        after = snap.seq if snap else 0
        return Recovered(snap, [(s, r) for s, r in self.records if s > after])

    async def append(self, seq: int, record: bytes, events: bytes | None = None) -> None:
        if self.closed:
            raise StoreError("store is closed")
        if self.fail_appends:
            raise StoreError("append failed (injected)")
        if seq <= self._last:
            if seq == self._last and self.records and self.records[-1] == (seq, bytes(record)):
                return  # the retry of an append that landed: already durable
            raise StoreError(f"seq {seq} already used (last {self._last})")
        self.records.append((seq, bytes(record)))
        self._last = seq
        if events is not None:
            await self.publish(seq, events)

    def configure_feed(self, retention: int) -> None:
        super().configure_feed(retention)
        self.events = deque(self.events, maxlen=retention)

    async def load_journal(self, after: int) -> list[tuple[int, bytes]]:
        records = [(s, r) for s, r in self.records if s > after]
        if records and records[0][0] != after + 1:
            raise StoreError(f"journal records after seq {after} were trimmed")
        return records

    async def feed_last(self) -> int:
        return self.events[-1][0] if self.events else 0

    async def publish(self, seq: int, events: bytes) -> None:
        if seq > await self.feed_last():
            self.events.append((seq, bytes(events)))

    async def write_snapshot(self, snap: SnapshotRecord) -> None:
        self.snapshots.append(snap)

    async def trim(self, upto_seq: int) -> None:
        self.records = [(s, r) for s, r in self.records if s > upto_seq]

    async def ping(self) -> bool:
        return not self.closed and not self.fail_appends

    async def close(self) -> None:
        self.closed = True
