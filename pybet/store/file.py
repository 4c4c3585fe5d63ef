"""``file:PATH`` — the embedded store: a directory of journal segments and snapshot files.

Every ``append`` is one ``write`` and one ``fsync`` (the gateway's group commit: one record per
batch), run on a single worker thread so the event loop never blocks and writes stay in order.
A snapshot is written to a temporary file, fsynced, renamed into place and the directory fsynced;
the journal is then rotated to a new segment, so ``trim`` deletes whole segment files behind the
oldest kept snapshot (the newest two are kept). See docs/durability.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from pybet.errors import InvalidArgument, StoreError
from pybet.store.base import Recovered, SnapshotRecord, Store
from pybet.store.filefeed import FeedWriter, sync_newest
from pybet.store.fileformat import (
    MAGIC,
    decode_snapshot,
    encode_record,
    encode_snapshot,
    fsync_dir,
    open_for_append,
    scan_segment,
)

KEEP_SNAPSHOTS = 2
_T = TypeVar("_T")


def _segment_name(first_seq: int) -> str:
    return f"journal-{first_seq:020d}.log"


def _snapshot_name(seq: int) -> str:
    return f"snapshot-{seq:020d}.snap"


def _numbered(directory: Path, prefix: str, suffix: str) -> list[tuple[int, Path]]:
    """The files ``prefix<number>suffix`` in ``directory``, by number."""
    found = []
    for p in directory.iterdir():
        n = p.name
        if n.startswith(prefix) and n.endswith(suffix) and n[len(prefix) : -len(suffix)].isdigit():
            found.append((int(n[len(prefix) : -len(suffix)]), p))
    return sorted(found)


def path_from_url(url: str) -> Path:
    if not url.startswith("file:"):
        raise InvalidArgument(f"not a file store URL: {url!r}")
    path = urlparse(url).path if url.startswith("file://") else url[len("file:") :]
    if not path:
        raise InvalidArgument(f"file store URL without a path: {url!r}")
    return Path(path)


class FileStore(Store):
    forkable_snapshots = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = path_from_url(url)
        self._executor: ThreadPoolExecutor | None = None
        self._lock_fd: int | None = None
        self._fd: int | None = None  # the final (current) segment, open for appending
        self._segment_first = 1  # first seq of the current segment
        self._last: tuple[int, bytes] | None = None  # the last record appended
        self._last_seq = 0  # highest seq in the journal (or covered by a snapshot)
        self._broken: str | None = None  # why appends are refused until ping() recovers
        self._feed = FeedWriter(self.path, self.feed_retention)  # events-*.log: the history feed

    def configure_feed(self, retention: int) -> None:
        super().configure_feed(retention)
        self._feed.retention = retention

    async def _run(self, fn: Callable[[], _T]) -> _T:
        if self._executor is None:
            raise StoreError(f"store {self.url} is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def open(self) -> None:
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pybet-file-store")
        try:
            await self._run(self._open_sync)
        except BaseException:
            self._executor.shutdown(wait=True)
            self._executor = None
            self._release_lock()
            raise

    def _open_sync(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.path / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot open store directory {self.path}: {exc}") from exc
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StoreError(f"store {self.path} is in use by another process") from None
        for tmp in self.path.glob("*.tmp"):
            tmp.unlink()  # a snapshot that was never renamed into place
        self._recover_tail()

    def _recover_tail(self) -> None:
        """Find the ends of the journal and the feed, cut a torn final record away, open them
        for appending."""
        try:
            self._feed.open()
        except OSError as exc:
            raise StoreError(f"cannot open the history feed in {self.path}: {exc}") from exc
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        segments = _numbered(self.path, "journal-", ".log")
        snaps = _numbered(self.path, "snapshot-", ".snap")
        floor = snaps[-1][0] if snaps else 0
        try:
            if not segments:
                self._new_segment(floor + 1)
                self._last, self._last_seq = None, floor
                return
            first, path = segments[-1]
            fd, _end, seg = open_for_append(path, prev=first - 1)
            self._fd, self._segment_first, self._last = fd, first, seg.last
            self._last_seq = max(seg.last[0] if seg.last else first - 1, floor)
        except OSError as exc:
            raise StoreError(f"cannot open the journal in {self.path}: {exc}") from exc

    def _new_segment(self, first_seq: int) -> None:
        fd = os.open(
            self.path / _segment_name(first_seq), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644
        )
        os.write(fd, MAGIC)
        os.fsync(fd)
        fsync_dir(self.path)
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._segment_first = fd, first_seq

    async def load(self) -> Recovered:
        return await self._run(self._load_sync)

    def _load_sync(self) -> Recovered:
        snapshot = None
        for _seq, path in reversed(_numbered(self.path, "snapshot-", ".snap")):
            snapshot = decode_snapshot(path.read_bytes())
            if snapshot is not None:
                break  # the newest intact one; a damaged newer one falls back to its predecessor
        after = snapshot.seq if snapshot else 0
        return Recovered(snapshot, self._records_after(after, snapshot))

    async def load_journal(self, after: int) -> list[tuple[int, bytes]]:
        return await self._run(lambda: self._records_after(after, None))

    def _records_after(
        self, after: int, snapshot: SnapshotRecord | None
    ) -> list[tuple[int, bytes]]:
        segments = _numbered(self.path, "journal-", ".log")
        if segments and segments[0][0] > after + 1:
            what = "the newest intact snapshot" if snapshot is not None else "the requested one"
            raise StoreError(
                f"journal in {self.path} starts at seq {segments[0][0]}, after {what} "
                f"(seq {after}): records are missing"
            )
        records: list[tuple[int, bytes]] = []
        prev = 0
        for i, (first, path) in enumerate(segments):
            final = i == len(segments) - 1
            if not final and segments[i + 1][0] <= after + 1:
                prev = segments[i + 1][0] - 1
                continue  # wholly covered by the snapshot
            seg = scan_segment(
                path.name, path.read_bytes(), after=after, prev=max(prev, first - 1), final=final
            )
            records.extend(seg.records)
            prev = seg.last[0] if seg.last else max(prev, first - 1)
        return records

    async def append(self, seq: int, record: bytes, events: bytes | None = None) -> None:
        await self._run(lambda: self._append_sync(seq, bytes(record), events))

    def _append_sync(self, seq: int, record: bytes, events: bytes | None = None) -> None:
        if seq < 1:
            raise StoreError(f"seq {seq} must be positive")
        if self._broken is not None:
            raise StoreError(f"store {self.url} failed ({self._broken}); not appending")
        if seq <= self._last_seq:
            if self._last == (seq, record):
                return  # the retry of an append that landed: already durable
            raise StoreError(f"seq {seq} already used (last {self._last_seq})")
        data = encode_record(seq, record)
        assert self._fd is not None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as exc:
            # After a failed write or fsync the file's state is unknown: refuse appends until
            # ping() has re-read the tail (a partial record is then cut away as torn).
            self._broken = str(exc)
            raise StoreError(f"journal append failed: {exc}") from exc
        self._last, self._last_seq = (seq, record), seq
        if events is not None:
            self._publish_sync(seq, events)

    async def feed_last(self) -> int:
        return await self._run(lambda: self._feed.last)

    async def publish(self, seq: int, events: bytes) -> None:
        await self._run(lambda: self._publish_sync(seq, events))

    def _publish_sync(self, seq: int, events: bytes) -> None:
        try:
            self._feed.append(seq, events)
        except OSError as exc:
            # the batch is durable in the journal; recovery publishes it again after ping()
            self._broken = f"history feed: {exc}"
            raise StoreError(f"history feed append failed: {exc}") from exc

    async def write_snapshot(self, snap: SnapshotRecord) -> None:
        await self._run(lambda: self._snapshot_sync(snap))

    def _snapshot_sync(self, snap: SnapshotRecord) -> None:
        self._write_snapshot_file(snap)
        self._rotate_sync()

    def write_snapshot_in_child(self, snap: SnapshotRecord) -> None:
        # The snapshot file only: the journal's rotation changes the parent's open segment, so
        # the parent does it in snapshot_written.
        self._write_snapshot_file(snap)

    async def snapshot_written(self, seq: int) -> None:
        await self._run(self._rotate_sync)

    def _write_snapshot_file(self, snap: SnapshotRecord) -> None:
        snaps = _numbered(self.path, "snapshot-", ".snap")
        if snap.seq > self._last_seq:
            raise StoreError(
                f"snapshot at seq {snap.seq} is ahead of the journal ({self._last_seq})"
            )
        if snaps and snap.seq < snaps[-1][0]:
            raise StoreError(
                f"snapshot at seq {snap.seq} is older than the newest ({snaps[-1][0]})"
            )
        final = self.path / _snapshot_name(snap.seq)
        tmp = final.with_name(final.name + ".tmp")
        try:
            # the feed up to the snapshot is durable before it: recovery can only republish
            # batches that the journal still has after the snapshot
            sync_newest(self.path)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(encode_snapshot(snap))
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(tmp, final)
            fsync_dir(self.path)
            for _seq, old in _numbered(self.path, "snapshot-", ".snap")[:-KEEP_SNAPSHOTS]:
                old.unlink()
            fsync_dir(self.path)
        except OSError as exc:
            raise StoreError(f"snapshot write failed: {exc}") from exc

    def _rotate_sync(self) -> None:
        """Start a new journal segment, so that trim can drop whole files behind a snapshot."""
        try:
            if self._broken is None and self._last_seq + 1 > self._segment_first:
                self._new_segment(self._last_seq + 1)
        except OSError as exc:
            raise StoreError(f"journal rotation failed: {exc}") from exc

    async def trim(self, upto_seq: int) -> None:
        await self._run(lambda: self._trim_sync(upto_seq))

    def _trim_sync(self, upto_seq: int) -> None:
        snaps = _numbered(self.path, "snapshot-", ".snap")
        if not snaps:
            return  # nothing could rebuild the state without the journal
        # Keep what the oldest kept snapshot needs, in case the newest one turns out damaged.
        upto = min(upto_seq, snaps[0][0])
        segments = _numbered(self.path, "journal-", ".log")
        removed = False
        for (_first, path), (next_first, _p) in itertools.pairwise(segments):
            if next_first > upto + 1:
                break
            path.unlink()
            removed = True
        if removed:
            fsync_dir(self.path)

    async def ping(self) -> bool:
        if self._executor is None:
            return False
        try:
            await self._run(self._ping_sync)
        except (StoreError, OSError):
            return False
        return True

    def _ping_sync(self) -> None:
        if self._broken is not None:
            self._recover_tail()
            self._broken = None
        if not self.path.is_dir():
            raise StoreError(f"store directory {self.path} is gone")

    async def close(self) -> None:
        if self._executor is None:
            return
        with contextlib.suppress(StoreError):
            await self._run(self._close_sync)
        self._executor.shutdown(wait=True)
        self._executor = None

    def _close_sync(self) -> None:
        self._feed.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None
