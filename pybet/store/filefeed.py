"""The history feed of the ``file:`` store: rotating segment files ``events-<first seq>.log`` in
the store's directory, in the journal's record format (pybet/store/fileformat.py) under their
own magic, one record per journaled batch: ``(seq, MessagePack array of the batch's events)``.

The writer runs on the store's worker thread right after the journal's fsync and does not fsync
itself: a process crash loses nothing written (the page cache survives it), and the feed is
fsynced before every snapshot, so a machine crash can lose only batches the journal still has
after the snapshot, which recovery publishes again (``Gateway.recover``). Whole segments older
than the retention (in batches) are deleted. The reader (``pybet.feed``) needs no lock: it
reads complete records and stops at a partial one, which is still being written.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

from pybet.store.fileformat import (
    FEED_MAGIC,
    RECORD_HEADER,
    encode_record,
    fsync_dir,
    open_for_append,
    record_crc,
)

SEGMENT_BYTES = 64 * 1024 * 1024  # a new segment once the current one is this large
PREFIX, SUFFIX = "events-", ".log"


def segment_name(first_seq: int) -> str:
    return f"{PREFIX}{first_seq:020d}{SUFFIX}"


def segments(directory: Path) -> list[tuple[int, Path]]:
    """The feed's segment files, by first seq."""
    found = []
    for p in directory.glob(f"{PREFIX}*{SUFFIX}"):
        digits = p.name[len(PREFIX) : -len(SUFFIX)]
        if digits.isdigit():
            found.append((int(digits), p))
    return sorted(found)


class FeedWriter:
    """Appends batches' events; owned by one thread (the file store's worker)."""

    def __init__(self, directory: Path, retention: int, segment_bytes: int = SEGMENT_BYTES):
        self.directory = directory
        self.retention = retention  # batches kept at least; whole older segments are deleted
        self.segment_bytes = segment_bytes
        self.last = 0  # seq of the last batch in the feed (0: empty)
        self._fd: int | None = None
        self._size = 0
        self._dirty = False  # written since the last fsync

    def open(self) -> None:
        """Find the end of the feed; cut a torn final record away."""
        self.close()
        found = segments(self.directory)
        if not found:
            self.last = 0
            return
        first, path = found[-1]
        self._fd, self._size, seg = open_for_append(path, prev=0, magic=FEED_MAGIC)
        self.last = seg.last[0] if seg.last else first - 1

    def append(self, seq: int, events: bytes) -> None:
        if seq <= self.last:
            return  # published already (a retried append, or recovery's republication)
        if self._fd is None or self._size >= self.segment_bytes:
            self._rotate(seq)
        assert self._fd is not None
        data = memoryview(encode_record(seq, events))
        while data:
            n = os.write(self._fd, data)
            data = data[n:]
            self._size += n
        self.last = seq
        self._dirty = True

    def sync(self) -> None:
        """Make what was written durable (before a snapshot that covers it)."""
        if self._fd is not None and self._dirty:
            os.fsync(self._fd)
            self._dirty = False

    def _rotate(self, first_seq: int) -> None:
        self.sync()
        fd = os.open(
            self.directory / segment_name(first_seq), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644
        )
        os.write(fd, FEED_MAGIC)
        os.fsync(fd)
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._size = fd, len(FEED_MAGIC)
        self._retire(first_seq)
        fsync_dir(self.directory)

    def _retire(self, newest_first: int) -> None:
        """Delete segments whose every batch is older than the retention."""
        keep_from = newest_first - self.retention
        found = segments(self.directory)
        for (_first, path), (next_first, _next) in itertools.pairwise(found):
            if next_first > keep_from:
                break
            path.unlink()

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                self.sync()
            os.close(self._fd)
            self._fd = None


def sync_newest(directory: Path) -> None:
    """fsync the newest segment by path (a forked snapshot child has no descriptor of it)."""
    found = segments(directory)
    if found:
        fd = os.open(found[-1][1], os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class FeedFileReader:
    """Reads the batches after a seq from the segment files, incrementally: it remembers the
    segment and offset it reached, and a record still being written is read on a later call."""

    def __init__(self, directory: Path, after: int) -> None:
        self.directory = directory
        self.after = after
        self._path: Path | None = None
        self._offset = 0

    def oldest(self) -> int | None:
        """The first seq the feed may still hold (None: no feed yet)."""
        found = segments(self.directory)
        return found[0][0] if found else None

    def read(self) -> list[tuple[int, bytes]]:
        found = segments(self.directory)
        if self._path is None or not self._path.exists():
            # the segment that holds after + 1: the last one starting at or before it
            start = [p for first, p in found if first <= self.after + 1]
            self._path = start[-1] if start else (found[0][1] if found else None)
            self._offset = len(FEED_MAGIC)
        out: list[tuple[int, bytes]] = []
        while self._path is not None:
            out += self._read_from(self._path)
            later = [p for _first, p in found if p.name > self._path.name]
            if not later or not self._at_end(self._path):
                break
            self._path, self._offset = later[0], len(FEED_MAGIC)
        return out

    def _read_from(self, path: Path) -> list[tuple[int, bytes]]:
        try:
            with path.open("rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return []  # retired under us: read() picks the next segment
        out = []
        off = 0
        while len(data) - off >= RECORD_HEADER.size:
            length, crc, seq = RECORD_HEADER.unpack_from(data, off)
            end = off + RECORD_HEADER.size + length
            payload = data[off + RECORD_HEADER.size : end]
            if end > len(data) or record_crc(seq, payload) != crc:
                break  # still being written (a torn tail is cut away when the writer reopens)
            if seq > self.after:
                out.append((seq, payload))
                self.after = seq
            off = end
        self._offset += off
        return out

    def _at_end(self, path: Path) -> bool:
        """A later segment exists, so this one is complete once read to its end."""
        try:
            return path.stat().st_size <= self._offset
        except FileNotFoundError:
            return True
