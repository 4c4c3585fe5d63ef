"""``pybet._core.IdempotencyTable`` against a plain-Python model of the window's rules: an entry
past the window is forgotten when it has no market or its market has settled, else when that
market settles; a purged market is no longer settled. Long random streams exercise the slot
compaction, the expiry cursor and the markets' reference counts; every step compares the
entries (in the order made), the waiting count, and a restore from the encoded bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybet._core import IdempotencyTable
from pybet.errors import SnapshotError

MARKETS = ["", "m1", "m2", "m3"]


@dataclass
class Model:
    # key -> (reply, made_ms, market, past the window), in the order made
    entries: dict[tuple[str, str], tuple[bytes, int, str, bool]] = field(default_factory=dict)
    settled: set[str] = field(default_factory=set)

    def remember(self, key: tuple[str, str], reply: bytes, made: int, market: str) -> None:
        self.entries.pop(key, None)
        self.entries[key] = (reply, made, market, False)

    def expire(self, horizon: int) -> None:
        for key, (reply, made, market, aged) in list(self.entries.items()):
            if aged or made > horizon:
                continue
            if not market or market in self.settled:
                del self.entries[key]
            else:
                self.entries[key] = (reply, made, market, True)

    def settle(self, market: str) -> None:
        self.settled.add(market)
        for key, (_, _, m, aged) in list(self.entries.items()):
            if aged and m == market:
                del self.entries[key]

    def waiting(self) -> int:
        return sum(1 for *_, aged in self.entries.values() if aged)


_op = st.one_of(
    st.tuples(
        st.just("remember"),
        st.sampled_from(["a", "b", "c"]),
        st.integers(0, 400),  # few ids: re-used keys after they are forgotten
        st.sampled_from(MARKETS),
        st.integers(0, 3),  # how far time moves on
    ),
    st.tuples(st.just("expire"), st.integers(0, 60)),  # the window, in ms
    st.tuples(st.just("settle"), st.sampled_from(MARKETS[1:])),
    st.tuples(st.just("purge"), st.sampled_from(MARKETS[1:])),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_op, min_size=100, max_size=3_000))
def test_the_table_follows_the_model(ops: list[tuple]) -> None:  # type: ignore[type-arg]
    table, model, now = IdempotencyTable(), Model(), 0
    for i, op in enumerate(ops):
        if op[0] == "remember":
            _, account, n, market, step = op
            now += step
            coid, reply = f"id{n}", msgspec.msgpack.encode([i, n])
            if (account, coid) in model.entries:  # the gateway never re-remembers a held id
                assert table.get(account, coid) == model.entries[(account, coid)][0]
                continue
            table.remember(account, coid, reply, now, market)
            model.remember((account, coid), reply, now, market)
        elif op[0] == "expire":
            table.expire(now - op[1])
            model.expire(now - op[1])
        elif op[0] == "settle":
            table.market_settled(op[1])
            model.settle(op[1])
        else:
            table.market_purged(op[1])
            model.settled.discard(op[1])
        assert len(table) == len(model.entries)
        assert table.waiting == model.waiting()
    assert table.items() == [(k, v[0]) for k, v in model.entries.items()]
    assert sorted(table.accounts()) == sorted({a for a, _ in model.entries})
    # a restore gives back the same bytes, and expires the same from then on
    replies, meta = table.encode_replies(), table.encode_meta()
    back = IdempotencyTable.restore(replies, meta, 0, sorted(model.settled))
    assert (back.encode_replies(), back.encode_meta()) == (replies, meta)
    for t in (table, back):
        t.expire(now)
    model.expire(now)
    assert back.items() == table.items() == [(k, v[0]) for k, v in model.entries.items()]


def test_the_encoding_is_what_msgspec_writes_for_the_same_table() -> None:
    """The gateway's state hash covers these bytes: they must stay what msgspec wrote for the
    Python dict the table replaced (snapshots taken before still restore and check)."""
    table, replies = IdempotencyTable(), {}
    for i in range(40):  # past fixmap and fixstr sizes
        key = (f"acct{i % 3}", "c" * (i * 9))
        reply = msgspec.msgpack.encode({"order_id": i, "status": "EXECUTABLE"})
        table.remember(*key, reply, i * 1_000, "1.1" if i % 2 else "")
        replies[key] = msgspec.Raw(reply)
    assert table.encode_replies() == msgspec.msgpack.encode(replies)
    meta = msgspec.msgpack.decode(table.encode_meta())
    assert meta == [[i * 1_000, "1.1" if i % 2 else ""] for i in range(40)]


def test_bad_bytes_are_a_snapshot_error_and_writable_buffers_are_refused() -> None:
    table = IdempotencyTable()
    table.remember("a", "x", b"\xc0", 1, "")
    replies = table.encode_replies()
    with pytest.raises(SnapshotError):
        IdempotencyTable.restore(replies[:-1], b"\x90", 0, [])
    with pytest.raises(SnapshotError):
        IdempotencyTable.restore(replies, b"\x92\x92\x01\xa0\x92\x01\xa0", 0, [])
    with pytest.raises(TypeError):
        IdempotencyTable.restore(bytearray(replies), b"\x90", 0, [])
    old = IdempotencyTable.restore(memoryview(replies), b"\x90", 7, [])
    assert msgspec.msgpack.decode(old.encode_meta()) == [[7, ""]]


def test_a_long_stream_through_many_compactions() -> None:
    """50,000 ids, a market per 1,000 that settles some time after, a 2,000 ms window: the
    table compacts its slots many times over (holes >= 1,024 and half) and stays the model."""
    import random

    rng = random.Random(12)
    table, model = IdempotencyTable(), Model()
    for i in range(50_000):
        market = f"m{i // 1_000}" if rng.random() < 0.9 else ""
        reply = msgspec.msgpack.encode(i)
        table.remember("a" if i % 2 else "b", f"c{i}", reply, i, market)
        model.remember(("a" if i % 2 else "b", f"c{i}"), reply, i, market)
        if i % 100 == 99:
            table.expire(i - 2_000)
            model.expire(i - 2_000)
        if i % 1_000 == 500 and i > 3_000:
            settled = f"m{i // 1_000 - 3 + rng.randrange(2)}"
            table.market_settled(settled)
            model.settle(settled)
        if i % 5_000 == 4_999:
            assert table.items() == [(k, v[0]) for k, v in model.entries.items()]
            assert table.waiting == model.waiting()
    # what is left: the window's last 2,000 and the ids of the markets that never settled
    assert len(table) == len(model.entries) < 15_000
