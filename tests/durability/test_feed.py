"""The history feed (SPEC 8a) end to end, on ``file:`` and on ``redis://``: an in-process
gateway trades and the feed read back with ``pybet.feed`` holds every journaled batch once, in
order, with a from-scratch replay's events; resuming after a seq yields exactly the tail;
recovery republishes a batch the journal has and the feed lacks (exactly once) and a torn final
feed record; a follower sees new batches; redis consumer groups redeliver only what was not
acknowledged and resume where the group is; retention drops old batches and says so, also to a
follower it overtakes; closing an iterator closes its connection; ``pybet events tail``; bad
arguments."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop
from harness import MARKET, check_feed, connect, load_store
from redis_server import RedisServer
from test_recovery import _config

import pybet
from pybet import protocol as p
from pybet.cli import main as cli_main
from pybet.errors import InvalidArgument, StoreError
from pybet.feed import FeedEvent, batches
from pybet.gateway import Gateway
from pybet.gateway.journal import encode_record
from pybet.store import open_store
from pybet.store.base import Recovered, Store
from pybet.store.file import FileStore
from pybet.store.filefeed import segments

#: no snapshot until the graceful stop, the whole journal kept: load() is the whole journal
NO_SNAPSHOTS: dict[str, Any] = {
    "snapshot_every": 0,
    "snapshot_interval_s": 0.0,
    "trim_journal": False,
}
STORES = ["file", "redis"]


def run(coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    """Run a test coroutine on uvloop, bounded in time."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return uvloop.run(bounded())


def store_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "file":
        return f"file:{tmp_path / 'data'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    return f"{server.url}?shard={tmp_path.name}&socket_timeout=5"


@contextlib.asynccontextmanager
async def serving(store: Store, **cfg: Any) -> AsyncIterator[Gateway]:
    """A started gateway on ``store`` (the test config, no snapshots unless asked), stopped
    afterwards even when the test fails."""
    gw = Gateway(_config(**{**NO_SNAPSHOTS, **cfg}), store=store)
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


async def read_all(url: str, from_seq: int = 0, **kw: Any) -> list[FeedEvent]:
    return [ev async for ev in pybet.feed(url, from_seq, follow=False, **kw)]


async def read_batches(url: str, from_seq: int = 0) -> list[tuple[int, list[FeedEvent]]]:
    return [(seq, events) async for seq, events in batches(url, from_seq, follow=False)]


async def whole_journal(url: str, tmp_path: Path) -> list[tuple[int, bytes]]:
    """Every journal record from seq 1, whatever the snapshots (read from a copy of a file
    store without them; on redis, the stream itself)."""
    if url.startswith("file:"):
        copy = tmp_path / "journal-copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(Path(url[len("file:") :]), copy)
        for snap in copy.glob("snapshot-*"):
            snap.unlink()
        rec = await load_store(f"file:{copy}")
    else:
        from pybet.store.redis import RedisStore, seq_of

        store = RedisStore(url)
        await store.open()
        try:
            entries = await store._call("XRANGE", store.journal_key, "-", "+")
        finally:
            await store.close()
        rec = Recovered(None, [(seq_of(i), bytes(f[b"r"])) for i, f in entries])
    assert rec.snapshot is None and [s for s, _ in rec.records][:1] == [1]
    return rec.records


async def trade_everything(gw: Gateway) -> None:
    """Place, fill, cancel (a reduction and a whole order), replace, a rejection, an in-play
    lapse, close and settle: one batch per request."""
    alice, bob, carol = [await connect(gw.port, a) for a in ("alice", "bob", "carol")]
    admin = await connect(gw.port, "admin")
    a1 = await alice.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="a1")
    assert isinstance(a1, p.Ack)
    assert isinstance(await bob.place(MARKET, 1, "LAY", "2.0", 40), p.Ack)  # a fill
    assert isinstance(await alice.cancel(a1.order_id, size_reduction=10), p.Cancelled)
    c1 = await carol.place(MARKET, 2, "BACK", "3.0", 70)
    assert isinstance(c1, p.Ack)
    assert isinstance(await carol.replace(c1.order_id, "3.5"), p.Ack)
    c2 = await carol.place(MARKET, 3, "LAY", "4.0", 25)
    assert isinstance(c2, p.Ack)
    assert isinstance(await carol.cancel(c2.order_id), p.Cancelled)
    big = await bob.place(MARKET, 2, "LAY", "3.0", 10**9)  # more than bob has
    assert isinstance(big, p.Reject) and big.code == "INSUFFICIENT_FUNDS"
    persist = await bob.place(MARKET, 3, "BACK", "5.0", 30, persistence="PERSIST")
    assert isinstance(persist, p.Ack)
    for action in ("in_play", "close"):
        assert isinstance(await admin.admin(p.MarketAction(0, MARKET, action)), p.Done)
    assert isinstance(await admin.admin(p.SettleMarket(0, MARKET, [1])), p.Done)
    for c in (alice, bob, carol, admin):
        await c.close()


async def place_some(gw: Gateway, n: int, account: str = "alice", tag: str = "o") -> None:
    """``n`` batches: one resting place each."""
    c = await connect(gw.port, account)
    for i in range(n):
        reply = await c.place(MARKET, 1 + i % 3, "BACK", "2.0", 100, client_order_id=f"{tag}{i}")
        assert isinstance(reply, p.Ack)
    await c.close()


async def matched_pairs(gw: Gateway, n: int) -> None:
    """``n`` batches of at least two events each: bob's lay fills a resting back of alice."""
    alice, bob = await connect(gw.port, "alice"), await connect(gw.port, "bob")
    for i in range(n):
        assert isinstance(await alice.place(MARKET, 1 + i % 3, "BACK", "2.0", 50), p.Ack)
        assert isinstance(await bob.place(MARKET, 1 + i % 3, "LAY", "2.0", 50), p.Ack)
    await alice.close()
    await bob.close()


# -- 2. a trading run's feed -------------------------------------------------------------------


@pytest.mark.parametrize("kind", STORES)
def test_the_feed_of_a_trading_run(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Every batch 1..seq exactly once, contiguous, with the kinds of the trading; ``feed`` is
    ``batches`` flattened; resuming after any k yields exactly the tail after k; each batch's
    events are those of a from-scratch replay of the journal."""
    url = store_url(kind, tmp_path, request)

    async def main() -> None:
        async with serving(open_store(url)) as gw:
            await trade_everything(gw)
            seq = gw.seq
        events = await read_all(url)
        kinds = {ev.kind for ev in events}
        assert kinds >= {
            "MarketStatusChanged",
            "OrderAccepted",
            "OrderRejected",
            "Fill",
            "OrderCancelled",
            "MarketSettled",
            "Settled",
        }
        reasons = {ev.data["reason"] for ev in events if ev.kind == "OrderCancelled"}
        assert reasons == {"CANCELLED", "LAPSED", "MARKET_CLOSED"}
        assert any(ev.data.get("in_play") for ev in events if ev.kind == "MarketStatusChanged")
        got = await read_batches(url)
        assert [s for s, _ in got] == list(range(1, seq + 1))
        assert [ev for _, evs in got for ev in evs] == events
        for s, evs in got:
            assert [(ev.seq, ev.index) for ev in evs] == [(s, i) for i in range(len(evs))]
            assert all(ev.kind == ev.data["kind"] and "seq" not in ev.data for ev in evs)
        for k in sorted({0, 1, 2, seq // 2, seq - 1, seq, seq + 5}):
            assert await read_all(url, k) == [ev for ev in events if ev.seq > k], k
            assert [s for s, _ in await read_batches(url, k)] == list(range(k + 1, seq + 1))
        assert await check_feed(url, await whole_journal(url, tmp_path)) == len(events)

    run(main())


# -- 3. recovery republishes -------------------------------------------------------------------


def _direct_place(coid: str) -> bytes:
    """A journal record as the gateway writes it: bob lays runner 1 (fills alice's back)."""
    body = p.encode(p.Place(0, MARKET, 1, "LAY", "2.0", 30, coid))
    return encode_record(int(time.time() * 1000), [("bob", body)])


@pytest.mark.parametrize("kind", STORES)
def test_recovery_publishes_a_journaled_batch_the_feed_lacks_exactly_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A record journaled without its feed entry (the crash between the journal's fsync and
    the feed's write; on redis a feed that was off) after the shutdown snapshot is published
    by the next start, with the replay's events, once; a further start publishes nothing
    again."""
    url = store_url(kind, tmp_path, request)

    async def main() -> None:
        async with serving(open_store(url)) as gw:
            await place_some(gw, 3)
            seq = gw.seq
        store = open_store(url)
        await store.open()
        try:
            assert (await store.load()).snapshot is not None  # the record goes after it
            await store.append(seq + 1, _direct_place("direct"))  # no events: not in the feed
        finally:
            await store.close()
        assert [s for s, _ in await read_batches(url)] == list(range(1, seq + 1))
        for _ in range(2):  # the second start must not publish it again
            async with serving(open_store(url)) as again:
                assert again.seq == seq + 1
            got = await read_batches(url)
            assert [s for s, _ in got] == list(range(1, seq + 2))
            assert [ev.kind for ev in got[-1][1]] == ["OrderAccepted", "Fill"]
            assert got[-1][1][0].data["account"] == "bob"
            await check_feed(url, await whole_journal(url, tmp_path))

    run(main())


@pytest.mark.parametrize("kind", STORES)
def test_publishing_a_published_batch_again_changes_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``Store.publish`` of a seq the feed has (any, not only the last) is skipped: the feed
    keeps one entry per batch, the first."""
    url = store_url(kind, tmp_path, request)

    async def main() -> None:
        async with serving(open_store(url)) as gw:
            await place_some(gw, 3)
        before = await read_batches(url)
        store = open_store(url)
        await store.open()
        try:
            last = await store.feed_last()
            assert last == gw.seq
            for seq in (last, last - 1, 1):
                await store.publish(seq, b"\x90")  # an empty batch, were it taken
            assert await store.feed_last() == last
        finally:
            await store.close()
        assert await read_batches(url) == before

    run(main())


def tear_last_feed_record(data: Path) -> None:
    """The last feed record loses its last 3 bytes, as a write the machine died in."""
    last = segments(data)[-1][1]
    with last.open("r+b") as fh:
        fh.truncate(last.stat().st_size - 3)


def test_a_torn_final_feed_record_is_cut_away_and_republished(tmp_path: Path) -> None:
    """The last feed record torn (the machine died before the page cache reached the disk;
    the journal, fsynced, has the batch; no snapshot covers it): the store cuts the torn
    record on open, recovery publishes the batch again from the journal, new batches follow
    it, and the feed equals the replay."""
    data = tmp_path / "data"
    url = f"file:{data}"

    async def main() -> None:
        async with serving(FileStore(url)) as gw:
            await place_some(gw, 4)
            seq = gw.seq
        for snap in data.glob("snapshot-*"):
            snap.unlink()  # as after a crash before the shutdown snapshot
        before = await read_batches(url)
        tear_last_feed_record(data)
        torn = await read_batches(url)
        assert [s for s, _ in torn] == list(range(1, seq))  # a reader stops before the tear
        async with serving(FileStore(url)) as gw:
            assert gw.seq == seq
            await place_some(gw, 2, tag="after")
        got = await read_batches(url)
        assert [s for s, _ in got] == list(range(1, seq + 3))
        assert got[:seq] == before
        await check_feed(url, await whole_journal(url, tmp_path))

    run(main())


def test_a_torn_final_feed_record_behind_the_shutdown_snapshot_is_republished(
    tmp_path: Path,
) -> None:
    """After a graceful stop (a snapshot at the last seq), the last feed record torn: the
    journal still has that batch, so the next start can publish it again."""
    data = tmp_path / "data"
    url = f"file:{data}"

    async def main() -> None:
        async with serving(FileStore(url)) as gw:
            await place_some(gw, 4)
            seq = gw.seq
        assert any(data.glob(f"snapshot-*{seq}.snap"))
        tear_last_feed_record(data)
        async with serving(FileStore(url)) as gw:
            await place_some(gw, 2, tag="after")
        got = await read_batches(url)  # StoreError: batch `seq` is missing
        assert [s for s, _ in got] == list(range(1, seq + 3))

    run(main())


# -- 4. follow ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", STORES)
def test_a_follower_sees_new_batches_in_order(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``follow=True`` from the current end: the batches journaled afterwards, in order, each
    with its place's event (then the consumer stops by itself)."""
    url = store_url(kind, tmp_path, request)

    async def main() -> None:
        async with serving(open_store(url)) as gw:
            start, n = gw.seq, 6
            seen: list[tuple[int, list[FeedEvent]]] = []
            events: list[FeedEvent] = []

            async def follow_batches() -> None:
                async for seq, evs in batches(url, start, follow=True, poll_s=0.02):
                    seen.append((seq, evs))
                    if seq == start + n:
                        return

            async def follow_events() -> None:
                async for ev in pybet.feed(url, start, poll_s=0.02):
                    events.append(ev)
                    if ev.seq == start + n:
                        return

            tasks = [asyncio.create_task(f()) for f in (follow_batches, follow_events)]
            try:
                await asyncio.sleep(0.05)  # usually waiting by now; either way it sees them all
                await place_some(gw, n, tag="followed")
                await asyncio.wait_for(asyncio.gather(*tasks), 10)
            finally:
                for task in tasks:
                    task.cancel()
        assert [s for s, _ in seen] == list(range(start + 1, start + n + 1))
        firsts = [evs[0].data for _, evs in seen]
        assert [d["kind"] for d in firsts] == ["OrderAccepted"] * n
        assert [d["runner"] for d in firsts] == [1 + i % 3 for i in range(n)]
        assert events == [ev for _, evs in seen for ev in evs]

    run(main())


# -- 5. redis consumer groups ------------------------------------------------------------------


def test_a_consumer_group_redelivers_only_the_unacknowledged_batch(
    redis_server: RedisServer,
) -> None:
    """A consumer that stops in the middle of a batch gets that batch again first (from its
    first event), then the rest; the batches it finished do not come again; one that took a
    batch's last event but never asked for more gets that batch again too (acknowledged once
    the consumer moves past it: at least once); a fully read group has nothing left."""
    url = f"{redis_server.url}?shard=groups"

    async def main() -> None:
        async with serving(open_store(url)) as gw:
            await matched_pairs(gw, 6)
            seq = gw.seq
        everything = await read_all(url)
        # batches of two events (place + fill), with batches after them
        middle, later = sorted({ev.seq for ev in everything if ev.kind == "Fill"})[-3:-1]
        assert [ev.kind for ev in everything if ev.seq == middle] == ["OrderAccepted", "Fill"]
        assert middle + 1 < later < seq
        group: dict[str, Any] = {"group": "g", "consumer": "c"}

        first: list[FeedEvent] = []
        it = pybet.feed(url, 0, follow=False, **group)
        async for ev in it:
            first.append(ev)
            if (ev.seq, ev.index) == (middle, 0):
                break  # in the middle of batch `middle`: not acknowledged
        await it.aclose()
        assert first == [ev for ev in everything if ev.seq < middle] + [first[-1]]

        second: list[FeedEvent] = []
        it = pybet.feed(url, 0, follow=False, **group)
        async for ev in it:
            second.append(ev)
            if (ev.seq, ev.index) == (later, 1):
                break  # batch `later` taken whole, but the iterator never asked for more
        await it.aclose()
        assert second == [ev for ev in everything if middle <= ev.seq <= later]

        third = await read_all(url, **group)
        assert third == [ev for ev in everything if ev.seq >= later]
        assert await read_all(url, **group) == []  # all acknowledged

        # another group starts where it is told, independently of the first
        assert await read_all(url, seq - 2, group="h", consumer="x") == [
            ev for ev in everything if ev.seq > seq - 2
        ]

    run(main())


def test_closing_a_feed_iterator_closes_its_redis_connection_at_once(
    redis_server: RedisServer,
) -> None:
    """``aclose()`` of a ``pybet.feed`` iterator stopped part way closes the reader's Redis
    connection before it returns (not when the GC and the event loop get round to the inner
    generators): checked with the event loop blocked, so that nothing else can close it."""
    import redis

    url = f"{redis_server.url}?shard=closing"
    sync = redis.Redis(port=redis_server.port)

    def connections() -> int:
        return len(sync.client_list())

    def settles_at(n: int) -> bool:
        for _ in range(200):  # blocks the loop: only what aclose() did can count
            if connections() == n:
                return True
            time.sleep(0.01)
        return False

    async def main() -> None:
        async with serving(open_store(url)) as gw:
            await matched_pairs(gw, 2)
        before = connections()
        for it in (
            pybet.feed(url, 0, poll_s=0.05),
            pybet.feed(url, 0, follow=False, group="g", consumer="c"),
        ):
            await anext(it)
            assert connections() == before + 1
            await it.aclose()
            assert settles_at(before)

    try:
        run(main())
    finally:
        sync.close()


# -- 6. retention ------------------------------------------------------------------------------


def test_file_retention_drops_whole_old_segments(tmp_path: Path) -> None:
    """Tiny segments and a retention of 4 batches: old segments are deleted, at least the
    retention is kept, reading from 0 raises ``StoreError`` naming the retention, reading
    from a retained seq yields the contiguous tail."""
    data = tmp_path / "data"
    url = f"file:{data}"
    retention = 4

    async def main() -> None:
        store = FileStore(url)
        store._feed.segment_bytes = 200  # a new segment every batch or two
        async with serving(store, feed_retention=retention) as gw:
            await place_some(gw, 30)
            seq = gw.seq
        found = segments(data)
        assert 1 < len(found) < seq // 2
        assert found[0][0] > 1 and found[0][0] <= seq - retention + 1
        with pytest.raises(StoreError, match="retention"):
            await read_all(url)
        with pytest.raises(StoreError, match="retention"):
            await read_all(url, found[0][0] - 2)
        tail = await read_batches(url, seq - retention)
        assert [s for s, _ in tail] == list(range(seq - retention + 1, seq + 1))
        oldest = await read_batches(url, found[0][0] - 1)
        assert [s for s, _ in oldest] == list(range(found[0][0], seq + 1))

    run(main())


def test_a_file_follower_overtaken_by_retention_gets_a_store_error(tmp_path: Path) -> None:
    """A follower that falls behind while its batches are deleted is told so (StoreError),
    never silently handed the batches after a gap."""
    data = tmp_path / "data"
    url = f"file:{data}"

    async def main() -> None:
        store = FileStore(url)
        store._feed.segment_bytes = 200
        async with serving(store, feed_retention=2) as gw:
            start = gw.seq
            await place_some(gw, 2, tag="early")
            reader = batches(url, start, poll_s=0.02)
            try:
                assert (await anext(reader))[0] == start + 1
                await place_some(gw, 20, tag="late")  # the reader's next batches go
                assert segments(data)[0][0] > start + 2
                with pytest.raises(StoreError, match="retention"):
                    while True:
                        seq, _ = await asyncio.wait_for(anext(reader), 5)
                        assert seq <= start + 2  # what it still had; never past a gap
            finally:
                await reader.aclose()

    run(main())


def test_redis_retention_trims_the_stream(redis_server: RedisServer) -> None:
    """``feed_retention`` 5 and a few hundred batches: the stream is trimmed (``MAXLEN ~``:
    whole stream nodes), reading from 0 raises ``StoreError`` naming the retention, reading
    from a seq it keeps works."""
    url = f"{redis_server.url}?shard=retention"

    async def main() -> None:
        import redis.asyncio as aioredis

        async with serving(open_store(url), feed_retention=5) as gw:
            await place_some(gw, 260)
            seq = gw.seq
        r = aioredis.Redis.from_url(redis_server.url)
        length = await r.xlen("{retention}:events")
        first: Any = await r.xrange("{retention}:events", count=1)
        await r.aclose()
        assert 5 <= length < seq
        oldest = int(first[0][0].split(b"-")[0])
        assert oldest > 1
        with pytest.raises(StoreError, match="retention"):
            await read_all(url)
        tail = await read_batches(url, seq - 5)
        assert [s for s, _ in tail] == list(range(seq - 4, seq + 1))
        assert [s for s, _ in await read_batches(url, oldest - 1)] == list(range(oldest, seq + 1))

    run(main(), timeout=60)


def test_redis_consumer_groups_under_retention(redis_server: RedisServer) -> None:
    """A group that keeps up reopens with the default ``from_seq`` 0 after the stream was
    trimmed past 0 (it resumes where the group is); a group that fell behind the retention
    gets ``StoreError`` naming it; a batch left pending and then trimmed is reported once
    (``StoreError``), then the consumer goes on."""
    url = f"{redis_server.url}?shard=grouptrim"
    keep: dict[str, Any] = {"group": "keep", "consumer": "k1"}
    late: dict[str, Any] = {"group": "late", "consumer": "l1"}

    async def main() -> None:
        async with serving(open_store(url), feed_retention=5) as gw:
            assert await read_all(url, **keep) and await read_all(url, **late)  # batch 1
            await place_some(gw, 1, tag="held")
            it = pybet.feed(url, 0, follow=False, group="keep", consumer="k2")
            held = await anext(it)  # k2 takes it and stops: pending, never acknowledged
            await it.aclose()
            for i in range(130):  # k1 reads every other batch: never behind the retention
                await place_some(gw, 2, tag=f"r{i}-")
                got = await read_all(url, **keep)
                assert [ev.seq for ev in got] == [gw.seq - 1, gw.seq]
            seq = gw.seq
        with pytest.raises(StoreError, match="retention"):
            await read_all(url)  # the stream no longer starts at 1
        assert await read_all(url, **keep) == []  # caught up: from_seq 0 is no obstacle
        with pytest.raises(StoreError, match="consumer group late is at batch 1"):
            await read_all(url, **late)
        with pytest.raises(StoreError, match=f"batch {held.seq} .* before consumer k2"):
            await read_all(url, group="keep", consumer="k2")
        assert await read_all(url, group="keep", consumer="k2") == []  # reported once
        assert seq > 200

    run(main(), timeout=60)


# -- 7. pybet events tail ----------------------------------------------------------------------


def test_events_tail_prints_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One JSON object per event with its batch's ``seq``, its ``index`` and ``kind`` (and the
    fields); ``--from`` resumes after a seq; a store without a feed or an unreachable one is
    a one-line error and exit code 1, not a traceback."""
    url = f"file:{tmp_path / 'data'}"

    async def main() -> tuple[int, list[FeedEvent]]:
        async with serving(FileStore(url)) as gw:
            await place_some(gw, 3)
        return gw.seq, await read_all(url)

    seq, events = run(main())
    assert cli_main(["events", "tail", "--store", url, "--no-follow"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [ev.to_dict() for ev in events]
    assert all({"seq", "index", "kind"} <= set(line) for line in lines)
    assert cli_main(["events", "tail", "--store", url, "--no-follow", "--from", str(seq - 1)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["seq"] for line in lines] == [seq] and lines[0]["kind"] == "OrderAccepted"

    for bad, message in [
        ("memory:", "no history feed"),
        ("redis://127.0.0.1:1/0", "127.0.0.1:1"),
    ]:
        assert cli_main(["events", "tail", "--store", bad, "--no-follow"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("pybet events: ") and message in err, err
        assert "Traceback" not in err and len(err.splitlines()) == 1
    assert cli_main(["events", "tail", "--store", url, "--from", "-1"]) == 1
    assert "must not be negative" in capsys.readouterr().err


def test_events_tail_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``pybet events tail ... | head``: the reader going away ends the tail with exit code
    0 and nothing on stderr, not a BrokenPipeError traceback."""
    url = f"file:{tmp_path / 'data'}"

    async def main() -> None:
        async with serving(FileStore(url)) as gw:
            await place_some(gw, 2)

    run(main())
    args = [sys.executable, "-m", "pybet", "events", "tail", "--store", url, "--no-follow"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # before it writes anything: its first write meets EPIPE
        err = proc.stderr.read().decode()
        assert proc.wait(30) == 0, err
    assert err == ""


# -- 8. bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kw", "message"),
    [
        ("file:{tmp}", {"from_seq": -1}, "negative"),
        ("file:{tmp}", {"group": "g"}, "both group= and consumer="),
        ("file:{tmp}", {"consumer": "c"}, "both group= and consumer="),
        ("file:{tmp}", {"group": "g", "consumer": "c"}, "redis"),
        ("memory:", {}, "no history feed"),
        ("redis://127.0.0.1:1/0", {"from_seq": -3}, "negative"),
        ("redis://127.0.0.1:1/0", {"group": "g"}, "both group= and consumer="),
    ],
)
def test_bad_arguments_raise_invalid_argument(
    url: str, kw: dict[str, Any], message: str, tmp_path: Path
) -> None:
    """Refused before touching the store, from ``feed`` and ``batches`` alike."""
    url = url.format(tmp=tmp_path)
    readers: list[Callable[[], AsyncIterator[Any]]] = [
        lambda: pybet.feed(url, **kw),
        lambda: batches(url, **kw),
    ]

    async def main() -> None:
        for reader in readers:
            with pytest.raises(InvalidArgument, match=message):
                await anext(reader())

    run(main())
