"""open_store dispatch and the ``pybet replay`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import run

from pybet.cli import main
from pybet.errors import InvalidArgument
from pybet.store import MemoryStore, SnapshotRecord, open_store
from pybet.store.file import FileStore
from pybet.store.redis import RedisStore


def test_open_store_dispatches_on_the_scheme(tmp_path: Path) -> None:
    assert isinstance(open_store("memory:"), MemoryStore)
    assert isinstance(open_store(f"file:{tmp_path}"), FileStore)
    store = open_store("redis://127.0.0.1:6390/2?shard=s1")
    assert isinstance(store, RedisStore)
    assert (store.journal_key, store.snapshot_key) == ("{s1}:journal", "{s1}:snapshot")
    for bad in ("", "postgres://x", "mem", "file:"):
        with pytest.raises(InvalidArgument):
            open_store(bad)


def _fill(url: str) -> None:
    async def body() -> None:
        store = open_store(url)
        await store.open()
        for seq in range(1, 8):
            await store.append(seq, b"batch %d" % seq)
        await store.write_snapshot(SnapshotRecord(seq=4, state=b"state" * 10, state_hash=0xABC))
        await store.close()

    run(body)


def test_replay_reports_the_snapshot_and_the_journal_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"file:{tmp_path}"
    _fill(url)
    assert main(["replay", url, "--json", "--no-rebuild"]) == 0  # the records are not batches
    summary = json.loads(capsys.readouterr().out)
    assert summary == {
        "store": url,
        "snapshot_seq": 4,
        "snapshot_state_hash": f"{0xABC:016x}",
        "snapshot_bytes": 50,
        "records": 3,
        "record_bytes": 21,
        "first_seq": 5,
        "last_seq": 7,
        "contiguous": True,
        "rebuilt_state_hash": None,
    }
    assert main(["replay", url, "--no-rebuild"]) == 0
    assert "snapshot_seq         4" in capsys.readouterr().out


def test_replay_does_not_create_a_missing_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", f"file:{tmp_path / 'absent'}"]) == 1
    assert "no store" in capsys.readouterr().err
    assert not (tmp_path / "absent").exists()


def test_replay_of_a_broken_store_fails_with_its_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"file:{tmp_path}"
    _fill(url)
    (segment,) = [p for p in tmp_path.glob("journal-*.log") if p.stat().st_size > 8]
    data = bytearray(segment.read_bytes())
    data[20] ^= 0xFF
    segment.write_bytes(bytes(data))
    for snap in tmp_path.glob("snapshot-*"):
        snap.unlink()
    assert main(["replay", url]) == 1
    assert "STORE_ERROR" in capsys.readouterr().err


@settings(max_examples=40)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("append"), st.integers(0, 3), st.binary(max_size=64)),
            st.tuples(st.just("snapshot"), st.integers(0, 3), st.binary(max_size=16)),
            st.tuples(st.just("trim"), st.integers(0, 3), st.just(b"")),
            st.tuples(st.just("reopen"), st.just(0), st.just(b"")),
        ),
        max_size=25,
    )
)
def test_file_store_agrees_with_the_memory_store(ops: list[tuple[str, int, bytes]]) -> None:
    """Any sequence of operations: the file store (reopened at random points) loads exactly
    what the memory store holds, and refuses exactly what it refuses."""
    import tempfile

    async def body(path: str) -> None:
        model = MemoryStore()
        store = FileStore(f"file:{path}")
        await store.open()
        last = 0
        for op, n, data in ops:
            if op == "append":
                seq = last + 1 + n if n else last  # n == 0: a re-append of the last seq
                results = []
                for s in (model, store):
                    try:
                        await s.append(seq, data)
                        results.append("ok")
                    except Exception as exc:
                        results.append(type(exc).__name__)
                assert results[0] == results[1]
                last = max(last, seq if results[0] == "ok" else last)
            elif op == "snapshot":
                snap = SnapshotRecord(seq=max(0, last - n), state=data, state_hash=n)
                current = (await model.load()).snapshot
                if current is None or snap.seq >= current.seq:
                    await model.write_snapshot(snap)
                    await store.write_snapshot(snap)
            elif op == "trim":
                current = (await model.load()).snapshot
                if current is not None:
                    # the file store keeps what its oldest kept snapshot needs: compare loads
                    await store.trim(max(0, current.seq - n))
            else:
                await store.close()
                store = FileStore(f"file:{path}")
                await store.open()
            assert await store.load() == await model.load()
        await store.close()

    with tempfile.TemporaryDirectory() as path:
        run(lambda: body(path))
