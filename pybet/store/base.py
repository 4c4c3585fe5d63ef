"""The store interface the gateway journals to (agreed in the durability design): one
``append`` per batch, atomic snapshots, recovery as the newest snapshot plus the records after
it. Implementations: ``memory:`` here, ``file:`` and ``redis://`` in their own modules."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from pybet.errors import InvalidArgument


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    seq: int  # the batch sequence number of the last journal record the state includes
    # opaque to the store: the gateway's serialised state (a loaded one may be a memoryview
    # into the bytes read, which saves copying a few hundred MB at a million orders)
    state: bytes | memoryview
    state_hash: int  # the gateway's combined state hash at `seq` (u64)


@dataclass(frozen=True, slots=True)
class Recovered:
    snapshot: SnapshotRecord | None  # the newest intact snapshot
    records: list[tuple[int, bytes]]  # journal records with seq > snapshot.seq, in order


class Store(abc.ABC):
    """A journal of batch records plus snapshots. Every method may raise ``StoreError``."""

    url: str

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect or create files."""

    @abc.abstractmethod
    async def load(self) -> Recovered:
        """The state to recover from on start."""

    @abc.abstractmethod
    async def append(self, seq: int, record: bytes, events: bytes | None = None) -> None:
        """Append one batch record; durable when it returns. ``seq`` is strictly increasing;
        re-appending a used ``seq`` is refused with ``StoreError``. ``events``: the batch's
        engine events for the history feed (pybet/feed.py), published with the record (on
        redis in the same transaction, on file right after the journal's fsync)."""

    #: batches the history feed keeps at least (redis: ``XADD MAXLEN ~``; file: whole segments)
    feed_retention: int = 20_000

    def configure_feed(self, retention: int) -> None:
        """Set the feed's retention (the gateway's ``feed_retention``), before ``open``."""
        if retention < 1:
            raise InvalidArgument(f"feed retention {retention} must be at least 1 batch")
        self.feed_retention = retention

    @abc.abstractmethod
    async def feed_last(self) -> int:
        """The seq of the last batch in the history feed (0: none)."""

    @abc.abstractmethod
    async def load_journal(self, after: int) -> list[tuple[int, bytes]]:
        """The journal records with seq > ``after`` that the store still holds, in order,
        whatever the snapshots (recovery uses it to rebuild a feed behind the snapshot).
        Raises ``StoreError`` when the records right after ``after`` were trimmed."""

    @abc.abstractmethod
    async def publish(self, seq: int, events: bytes) -> None:
        """Recovery: publish the events of a journaled batch that the feed lacks (a crash
        between the journal's write and the feed's); a seq already published is skipped."""

    @abc.abstractmethod
    async def write_snapshot(self, snap: SnapshotRecord) -> None:
        """Write a snapshot atomically."""

    #: ``write_snapshot_in_child`` works: the gateway may write snapshots from a forked child
    forkable_snapshots: bool = False

    def write_snapshot_in_child(self, snap: SnapshotRecord) -> None:
        """Write a snapshot from a forked child process (pybet/gateway/snapshotter.py):
        synchronously, through the child's own connections, changing nothing the parent's
        event loop owns. Raises ``StoreError``."""
        raise NotImplementedError(f"{type(self).__name__} cannot write from a forked child")

    async def snapshot_written(self, seq: int) -> None:
        """In the parent, after a child wrote the snapshot at ``seq``: the store's follow-up
        (the file store starts a new journal segment)."""
        return  # nothing to do for most stores

    @abc.abstractmethod
    async def trim(self, upto_seq: int) -> None:
        """Allow dropping journal records with ``seq <= upto_seq``."""

    @abc.abstractmethod
    async def ping(self) -> bool:
        """Is the store reachable (used by the fail-closed retry)?"""

    @abc.abstractmethod
    async def close(self) -> None: ...
