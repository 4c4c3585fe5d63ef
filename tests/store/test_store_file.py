"""The file store's own guarantees: torn tails ignored, corruption refused, segments rotated
and trimmed, one process per directory, and the kill -9 crash test."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import run

from pybet.errors import InvalidArgument, StoreError
from pybet.store import SnapshotRecord, open_store
from pybet.store.file import FileStore, path_from_url
from pybet.store.fileformat import MAGIC, RECORD_HEADER

RECORDS = [(1, b"first batch"), (2, b"second batch" * 3), (3, b"third")]
LAST = (4, b"the last batch, torn at every byte")


async def _write(path: Path, records: list[tuple[int, bytes]]) -> None:
    store = FileStore(f"file:{path}")
    await store.open()
    for seq, rec in records:
        await store.append(seq, rec)
    await store.close()


async def _load(path: Path) -> list[tuple[int, bytes]]:
    store = FileStore(f"file:{path}")
    await store.open()
    try:
        return (await store.load()).records
    finally:
        await store.close()


def _segments(path: Path) -> list[str]:
    return sorted(p.name for p in path.glob("journal-*.log"))


def test_url_forms(tmp_path: Path) -> None:
    assert path_from_url("file:data/j") == Path("data/j")
    assert path_from_url("file:///var/lib/pybet") == Path("/var/lib/pybet")
    for bad in ("file:", "memory:", "file://"):
        with pytest.raises(InvalidArgument):
            path_from_url(bad)


def test_a_torn_final_record_is_ignored_at_every_cut(tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    run(lambda: _write(whole, [*RECORDS, LAST]))
    (segment,) = whole.glob("journal-*.log")
    data = segment.read_bytes()
    start = len(data) - RECORD_HEADER.size - len(LAST[1])
    for cut in range(start, len(data)):
        case = tmp_path / f"cut{cut}"
        shutil.copytree(whole, case)
        (case / segment.name).write_bytes(data[:cut])

        async def check(case: Path = case) -> None:
            assert await _load(case) == RECORDS
            await _write(case, [(4, b"rewritten")])  # the torn bytes were cut away first
            assert await _load(case) == [*RECORDS, (4, b"rewritten")]

        run(check)
        shutil.rmtree(case)


def test_a_zero_filled_tail_is_a_torn_write(tmp_path: Path) -> None:
    run(lambda: _write(tmp_path, RECORDS))
    (segment,) = tmp_path.glob("journal-*.log")
    with segment.open("ab") as f:
        f.write(bytes(4096))
    assert run(lambda: _load(tmp_path)) == RECORDS


def test_a_segment_torn_in_its_header_is_recreated(tmp_path: Path) -> None:
    run(lambda: _write(tmp_path, RECORDS))
    (tmp_path / "journal-00000000000000000004.log").write_bytes(MAGIC[:3])
    run(lambda: _write(tmp_path, [LAST]))
    assert run(lambda: _load(tmp_path)) == [*RECORDS, LAST]


@pytest.mark.parametrize("where", ["payload", "length", "seq", "crc"])
def test_corruption_in_the_middle_is_an_error(tmp_path: Path, where: str) -> None:
    run(lambda: _write(tmp_path, [*RECORDS, LAST]))
    (segment,) = tmp_path.glob("journal-*.log")
    data = bytearray(segment.read_bytes())
    second = len(MAGIC) + RECORD_HEADER.size + len(RECORDS[0][1])
    offset = {"length": 0, "crc": 4, "seq": 8, "payload": RECORD_HEADER.size + 2}[where]
    data[second + offset] ^= 0x40
    segment.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt"):
        run(lambda: _load(tmp_path))


def test_corruption_in_an_older_segment_is_an_error(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        for seq, rec in RECORDS:
            await store.append(seq, rec)
        await store.write_snapshot(SnapshotRecord(seq=3, state=b"s", state_hash=1))
        await store.append(*LAST)
        await store.close()

    run(body)
    first = tmp_path / _segments(tmp_path)[0]
    data = bytearray(first.read_bytes())
    data[-1] ^= 1  # the tail of a segment that is no longer the final one
    first.write_bytes(bytes(data))
    (snap,) = tmp_path.glob("snapshot-*.snap")
    snap.unlink()  # force a replay through the damaged segment
    with pytest.raises(StoreError):
        run(lambda: _load(tmp_path))


def test_snapshots_rotate_the_journal_and_trim_deletes_whole_segments(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        seq = 0
        for round_ in range(4):
            for _ in range(3):
                seq += 1
                await store.append(seq, f"r{seq}".encode())
            await store.write_snapshot(
                SnapshotRecord(seq=seq, state=b"s%d" % round_, state_hash=seq)
            )
        assert _segments(tmp_path) == [f"journal-{n:020d}.log" for n in (1, 4, 7, 10, 13)]
        snaps = sorted(p.name for p in tmp_path.glob("snapshot-*.snap"))
        assert snaps == [f"snapshot-{n:020d}.snap" for n in (9, 12)]  # the newest two
        await store.trim(12)  # bounded by the oldest kept snapshot (9)
        assert _segments(tmp_path) == [f"journal-{n:020d}.log" for n in (10, 13)]
        await store.append(13, b"r13")
        rec = await store.load()
        assert rec.snapshot == SnapshotRecord(seq=12, state=b"s3", state_hash=12)
        assert rec.records == [(13, b"r13")]
        await store.close()

    run(body)


def test_a_damaged_newest_snapshot_falls_back_to_the_older_one(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        for seq in range(1, 7):
            await store.append(seq, b"r%d" % seq)
            if seq in (2, 4):
                await store.write_snapshot(
                    SnapshotRecord(seq=seq, state=b"s%d" % seq, state_hash=seq)
                )
        await store.trim(4)
        await store.close()

    run(body)
    newest = tmp_path / f"snapshot-{4:020d}.snap"
    newest.write_bytes(newest.read_bytes()[:-1] + b"\x00")

    async def check() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        rec = await store.load()
        assert rec.snapshot == SnapshotRecord(seq=2, state=b"s2", state_hash=2)
        assert rec.records == [(s, b"r%d" % s) for s in range(3, 7)]
        await store.close()

    run(check)


def test_snapshot_order_is_checked(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        await store.append(1, b"a")
        await store.append(2, b"b")
        with pytest.raises(StoreError, match="ahead"):
            await store.write_snapshot(SnapshotRecord(seq=3, state=b"", state_hash=0))
        await store.write_snapshot(SnapshotRecord(seq=2, state=b"", state_hash=0))
        with pytest.raises(StoreError, match="older"):
            await store.write_snapshot(SnapshotRecord(seq=1, state=b"", state_hash=0))
        await store.close()

    run(body)


def test_a_journal_trimmed_past_every_snapshot_is_an_error(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        for seq in range(1, 5):
            await store.append(seq, b"r")
            if seq == 2:
                await store.write_snapshot(SnapshotRecord(seq=2, state=b"", state_hash=0))
        await store.trim(2)
        await store.close()

    run(body)
    for snap in tmp_path.glob("snapshot-*.snap"):
        snap.unlink()
    with pytest.raises(StoreError, match="missing"):
        run(lambda: _load(tmp_path))


def test_one_process_per_directory(tmp_path: Path) -> None:
    async def body() -> None:
        first = open_store(f"file:{tmp_path}")
        await first.open()
        second = open_store(f"file:{tmp_path}")
        with pytest.raises(StoreError, match="in use"):
            await second.open()
        await first.close()
        await second.open()  # the lock went with the first
        await second.close()

    run(body)


def test_a_failed_write_fails_closed_until_ping_recovers(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        await store.append(1, b"a")
        assert store._fd is not None
        os.close(store._fd)  # the next write fails with EBADF, as a dying disk would fail it
        store._fd = os.open(os.devnull, os.O_RDONLY)
        with pytest.raises(StoreError, match="append failed"):
            await store.append(2, b"b")
        with pytest.raises(StoreError, match="not appending"):
            await store.append(2, b"b")
        assert await store.ping()  # re-reads the tail and reopens the segment
        await store.append(2, b"b")
        assert (await store.load()).records == [(1, b"a"), (2, b"b")]
        await store.close()

    run(body)


def test_not_open_is_an_error(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        assert not await store.ping()
        with pytest.raises(StoreError, match="not open"):
            await store.append(1, b"a")

    run(body)


_WRITER = """
import asyncio, hashlib, sys
from pybet.store import SnapshotRecord
from pybet.store.file import FileStore

def payload(seq):
    return hashlib.sha256(b"%d" % seq).digest() * (1 + seq % 40)

async def main():
    store = FileStore(sys.argv[1])
    await store.open()
    rec = await store.load()
    seq = rec.records[-1][0] if rec.records else 0
    print("ready", flush=True)
    while True:
        seq += 1
        await store.append(seq, payload(seq))
        print(seq, flush=True)
        if seq % 50 == 0:
            await store.write_snapshot(SnapshotRecord(seq=seq, state=b"s", state_hash=seq))
            await store.trim(seq)

asyncio.run(main())
"""


def test_kill_9_loses_no_acknowledged_append(tmp_path: Path) -> None:
    rng = random.Random(6)
    url = f"file:{tmp_path}"
    acked = 0
    for _round in range(5):
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, url], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.25))
        child.kill()
        out, _ = child.communicate()
        lines = [int(x) for x in out.split()]
        acked = max([acked, *lines])
        print(f"round {_round}: killed after seq {acked}")

        async def check(acked: int = acked) -> None:
            store = FileStore(url)
            await store.open()
            rec = await store.load()
            await store.close()
            after = rec.snapshot.seq if rec.snapshot else 0
            seqs = [s for s, _ in rec.records]
            assert seqs == list(range(after + 1, after + 1 + len(seqs)))
            assert (seqs[-1] if seqs else after) >= acked
            for seq, data in rec.records:
                assert data == hashlib.sha256(b"%d" % seq).digest() * (1 + seq % 40)

        run(check)
    assert acked > 0


def test_values_that_do_not_fit_the_format_are_refused(tmp_path: Path) -> None:
    async def body() -> None:
        store = FileStore(f"file:{tmp_path}")
        await store.open()
        for seq in (0, -1, 1 << 64):
            with pytest.raises(StoreError):
                await store.append(seq, b"x")
        await store.append(1, b"x")
        with pytest.raises(StoreError, match="u64"):
            await store.write_snapshot(SnapshotRecord(seq=1, state=b"", state_hash=-1))
        await store.close()

    run(body)
