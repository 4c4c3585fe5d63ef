"""On-disk formats of the ``file:`` store: journal segments and snapshot files.

A journal segment is ``MAGIC`` followed by records ``<u32 length><u32 crc><u64 seq><payload>``
(little endian); the CRC-32 covers length, seq and payload. A snapshot file is ``SNAP_MAGIC``,
``<u64 seq><u64 state_hash><u64 length>``, the state bytes and a trailing ``<u32 crc>`` over all
that precedes it. Only the journal's final segment may end in a torn record (the one write that
was in flight when the process died); anything else that does not check out is corruption.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from pybet.errors import StoreError
from pybet.store.base import SnapshotRecord

MAGIC = b"PYBETJ01"
FEED_MAGIC = b"PYBETE01"  # a history-feed segment: the same records, events as the payload
SNAP_MAGIC = b"PYBETS01"
RECORD_HEADER = struct.Struct("<IIQ")
_LEN_SEQ = struct.Struct("<IQ")
_SNAP_HEADER = struct.Struct("<QQQ")
_CRC = struct.Struct("<I")
MAX_RECORD = (1 << 32) - 1


def record_crc(seq: int, payload: bytes | memoryview) -> int:
    return zlib.crc32(payload, zlib.crc32(_LEN_SEQ.pack(len(payload), seq)))


def encode_record(seq: int, payload: bytes) -> bytes:
    """One journal record, header and payload, ready for a single write."""
    if not 0 < seq < 1 << 64:
        raise StoreError(f"seq {seq} is not a positive u64")
    if len(payload) > MAX_RECORD:
        raise StoreError(f"journal record of {len(payload)} bytes is too large")
    return RECORD_HEADER.pack(len(payload), record_crc(seq, payload), seq) + payload


@dataclass(slots=True)
class Segment:
    """What a scan of one segment found."""

    records: list[tuple[int, bytes]]  # the records with seq > the scan's `after`, in order
    last: tuple[int, bytes] | None  # the last intact record
    end: int  # offset just past the last intact record (where a torn tail starts)
    torn: bool  # the segment ends in a torn record (bytes from `end` on are to be dropped)


def _valid_at(data: memoryview, off: int) -> bool:
    if len(data) - off < RECORD_HEADER.size:
        return False
    length, crc, seq = RECORD_HEADER.unpack_from(data, off)
    start = off + RECORD_HEADER.size
    if length > len(data) - start:
        return False
    return bool(record_crc(seq, data[start : start + length]) == crc)


def _intact_record_after(data: memoryview, off: int) -> bool:
    """Is there any intact record starting after `off`? A torn write only damages the tail, so
    one would mean the damage is in the middle of the journal (a searched, rare error path)."""
    return any(_valid_at(data, o) for o in range(off + 1, len(data) - RECORD_HEADER.size + 1))


def scan_segment(
    name: str, raw: bytes, *, after: int, prev: int, final: bool, magic: bytes = MAGIC
) -> Segment:
    """Parse one segment. ``prev`` is the seq of the record before this segment (seqs must
    increase strictly); records with seq <= ``after`` are checked but not kept. A torn tail is
    accepted only in the ``final`` segment; any other damage raises ``StoreError``."""
    data = memoryview(raw)
    if len(data) < len(magic):
        if final and magic.startswith(bytes(data)):
            return Segment([], None, 0, torn=True)  # died while creating the segment
        raise StoreError(f"segment {name} is truncated")
    if data[: len(magic)] != magic:
        raise StoreError(f"segment {name} has a bad header")
    records: list[tuple[int, bytes]] = []
    last: tuple[int, bytes] | None = None
    off = len(magic)
    while off < len(data):
        if not _valid_at(data, off):
            tail = data[off:]
            if final and (
                tail.tobytes().count(0) == len(tail) or not _intact_record_after(data, off)
            ):
                return Segment(records, last, off, torn=True)
            raise StoreError(f"journal segment {name} is corrupt at offset {off}")
        length, _crc, seq = RECORD_HEADER.unpack_from(data, off)
        if seq <= prev:
            raise StoreError(f"journal segment {name}: seq {seq} after {prev} at offset {off}")
        start = off + RECORD_HEADER.size
        last = (seq, bytes(data[start : start + length]))
        if seq > after:
            records.append(last)
        prev = seq
        off = start + length
    return Segment(records, last, off, torn=False)


def open_for_append(path: Path, *, prev: int, magic: bytes = MAGIC) -> tuple[int, int, Segment]:
    """Open the final segment at ``path`` for appending: scan it, cut a torn tail away
    (fsynced), and return a write descriptor, the offset of its end and what the scan found.
    Raises ``OSError`` (the descriptor is then closed) or ``StoreError`` from the scan."""
    seg = scan_segment(
        path.name, path.read_bytes(), after=1 << 64, prev=prev, final=True, magic=magic
    )
    fd = os.open(path, os.O_WRONLY)
    try:
        if seg.torn:
            if seg.end == 0:
                os.write(fd, magic)
            else:
                os.ftruncate(fd, seg.end)
            os.fsync(fd)
        end = os.lseek(fd, 0, os.SEEK_END)
    except OSError:
        os.close(fd)
        raise
    return fd, end, seg


def fsync_dir(directory: Path) -> None:
    """Make a directory's entries (a created, renamed or deleted file) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_snapshot(snap: SnapshotRecord) -> bytes:
    if not (0 <= snap.seq < 1 << 64 and 0 <= snap.state_hash < 1 << 64):
        raise StoreError(f"snapshot seq {snap.seq} / state_hash {snap.state_hash} not a u64")
    body = SNAP_MAGIC + _SNAP_HEADER.pack(snap.seq, snap.state_hash, len(snap.state)) + snap.state
    return body + _CRC.pack(zlib.crc32(body))


def decode_snapshot(raw: bytes) -> SnapshotRecord | None:
    """The snapshot in ``raw``, or None if it is damaged (the caller falls back to an older one)."""
    head = len(SNAP_MAGIC) + _SNAP_HEADER.size
    if len(raw) < head + _CRC.size or raw[: len(SNAP_MAGIC)] != SNAP_MAGIC:
        return None
    seq, state_hash, length = _SNAP_HEADER.unpack_from(raw, len(SNAP_MAGIC))
    if len(raw) != head + length + _CRC.size:
        return None
    (crc,) = _CRC.unpack_from(raw, head + length)
    if zlib.crc32(memoryview(raw)[: head + length]) != crc:
        return None
    state = memoryview(raw)[head : head + length]  # no copy of the state
    return SnapshotRecord(seq=seq, state=state, state_hash=state_hash)
