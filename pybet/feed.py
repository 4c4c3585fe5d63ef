"""The history feed (SPEC 8a): every engine event of every journaled batch, in order, for the
services downstream of the gateway (settlement reports, analytics, risk) that would otherwise ask
the engine for history it no longer keeps.

The gateway publishes one entry per journaled batch, after (redis: with) the journal write: the
batch's journal ``seq`` and a MessagePack array of its events, each a map with ``kind`` and the
fields of the matching ``pybet.Event`` (market and runner ids, account names, decimal prices).
Entries are contiguous: a batch without events has an empty entry, so a consumer can check that
it saw every batch. Where: a Redis Stream ``{shard}:events`` (entry id ``f"{seq}-0"``, field
``e``) on ``redis://``; segment files ``events-*.log`` in the store directory on ``file:``.

    async for ev in pybet.feed("file:./pybet-data", from_seq=1234):
        print(ev.seq, ev.index, ev.kind, ev.data)

``from_seq`` is the last batch already processed: reading resumes after it, so a consumer that
stores the ``seq`` of each batch it finished resumes without gaps or duplicates; a reader that
would have to skip batches (dropped by the retention before it read them) gets ``StoreError``
instead. On redis a consumer group (``group=``, ``consumer=``) may share the work; each batch is
acknowledged (``XACK``) when the consumer, having taken its events, asks the iterator for more,
and a restarted consumer first gets the batches it had not acknowledged (at least once: one
that stopped after a batch's last event, without asking for more, gets that batch again).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterable
from pathlib import Path
from typing import Any

import msgspec

from pybet.errors import InvalidArgument, StoreError

__all__ = ["FeedEvent", "batches", "decode_batch", "encode_batch", "feed"]


class FeedEvent(msgspec.Struct, frozen=True):
    """One engine event: ``seq`` of its batch in the journal, ``index`` within the batch."""

    seq: int
    index: int
    kind: str
    data: dict[str, Any]  # the event's fields, ``kind`` included

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "index": self.index, **self.data}


def encode_batch(parts: Iterable[tuple[int, bytes]]) -> bytes:
    """A batch's feed entry from its drains: (count, concatenated MessagePack maps) each."""
    parts = list(parts)
    n = sum(count for count, _ in parts)
    if n < 16:
        head = bytes([0x90 | n])
    elif n < 1 << 16:
        head = b"\xdc" + n.to_bytes(2, "big")
    else:
        head = b"\xdd" + n.to_bytes(4, "big")
    return head + b"".join(maps for _, maps in parts)


_batch_decoder = msgspec.msgpack.Decoder(list[dict[str, Any]])


def decode_batch(seq: int, entry: bytes) -> list[FeedEvent]:
    try:
        events = _batch_decoder.decode(entry)
    except msgspec.MsgspecError as exc:
        raise StoreError(f"feed entry {seq} does not decode: {exc}") from None
    return [FeedEvent(seq, i, str(ev.get("kind", "")), ev) for i, ev in enumerate(events)]


async def batches(
    url: str,
    from_seq: int = 0,
    *,
    follow: bool = True,
    poll_s: float = 0.2,
    group: str | None = None,
    consumer: str | None = None,
) -> AsyncGenerator[tuple[int, list[FeedEvent]], None]:
    """As :func:`feed`, a batch at a time: ``(seq, events)``, one per journaled batch (an empty
    list for a batch without events), seqs contiguous."""
    if from_seq < 0:
        raise InvalidArgument(f"from_seq {from_seq} must not be negative")
    if (group is None) != (consumer is None):
        raise InvalidArgument("a consumer group needs both group= and consumer=")
    if url.startswith("file:"):
        if group is not None:
            raise InvalidArgument("consumer groups are a redis:// feature")
        entries = _file_batches(url, from_seq, follow, poll_s)
    elif url.startswith("redis://"):
        entries = _redis_batches(url, from_seq, follow, poll_s, group, consumer)
    else:
        raise InvalidArgument(f"no history feed on {url!r} (file:PATH or redis://...)")
    expected = from_seq + 1  # without a group every batch comes, in order
    # ``aclose()`` of this generator closes the reader and its Redis connection before it
    # returns, not whenever the GC and the event loop finalize the inner generator
    async with contextlib.aclosing(entries):
        async for seq, entry, done in entries:
            if group is None:
                if seq > expected:
                    # a reader overtaken by the retention (or a start that raced a trim):
                    # the batches between are gone, and skipping them silently loses them
                    raise StoreError(
                        f"the feed at {url} lacks batches {expected}..{seq - 1}: dropped by "
                        "its retention before they were read"
                    )
                expected = seq + 1
            yield seq, decode_batch(seq, entry)
            await done()  # when the consumer asks for more: it has finished with this batch


async def feed(
    url: str,
    from_seq: int = 0,
    *,
    follow: bool = True,
    poll_s: float = 0.2,
    group: str | None = None,
    consumer: str | None = None,
) -> AsyncGenerator[FeedEvent, None]:
    """The events of the batches after ``from_seq`` in the store at ``url``, in order. With
    ``follow`` it waits for new batches (polling every ``poll_s`` on file:, blocking reads on
    redis); without, it ends at the current end. Raises ``StoreError`` when batches after
    ``from_seq`` were dropped by the feed's retention before they were read (at the start, or
    a follower that fell behind), or the store cannot be read."""
    reader = batches(url, from_seq, follow=follow, poll_s=poll_s, group=group, consumer=consumer)
    async with contextlib.aclosing(reader):
        async for _seq, events in reader:
            for ev in events:
                yield ev


async def _nothing() -> None:
    return None


async def _file_batches(
    url: str, after: int, follow: bool, poll_s: float
) -> AsyncGenerator[tuple[int, bytes, Any], None]:
    from pybet.store.file import path_from_url
    from pybet.store.filefeed import FeedFileReader

    directory = path_from_url(url)
    reader = FeedFileReader(Path(directory), after)
    try:
        oldest = reader.oldest() if directory.is_dir() else None
    except OSError as exc:
        raise StoreError(f"cannot read the feed in {directory}: {exc}") from exc
    if oldest is not None and oldest > after + 1:
        raise StoreError(
            f"the feed in {directory} starts at batch {oldest}: batches after {after} were "
            "dropped by its retention"
        )
    while True:
        try:
            batches = await asyncio.to_thread(reader.read) if directory.is_dir() else []
        except OSError as exc:
            raise StoreError(f"cannot read the feed in {directory}: {exc}") from exc
        for seq, entry in batches:
            yield seq, entry, _nothing
        if not batches:
            if not follow:
                return
            await asyncio.sleep(poll_s)


async def _redis_batches(
    url: str,
    after: int,
    follow: bool,
    poll_s: float,
    group: str | None,
    consumer: str | None,
) -> AsyncGenerator[tuple[int, bytes, Any], None]:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError, ResponseError

    from pybet.store.redis import RedisStore, seq_of

    store = RedisStore(url)
    t = store.target
    key = store.events_key
    block_ms = max(1, int(poll_s * 1000))
    # the URL's timeouts, so that a server gone silent is an error, not a reader hung for
    # ever; a blocking read may take its BLOCK time on top
    client: Any = aioredis.Redis(
        **t.connection(t.socket_timeout + (block_ms / 1000 if follow else 0.0))
    )
    block = ["BLOCK", block_ms] if follow else []

    def failed(exc: Exception) -> StoreError:
        return StoreError(f"history feed {key} at {t.host}:{t.port}: {exc}")

    try:
        position = None if group is None else await _group_position(client, key, group)
        if position is None:
            await _check_retained(client, key, after)
        else:  # an existing group resumes where it is, whatever from_seq says
            await _check_retained(client, key, position, group)
        if group is not None and position is None:
            with contextlib.suppress(ResponseError):  # BUSYGROUP: created meanwhile
                await client.execute_command(
                    "XGROUP", "CREATE", key, group, f"{after}-0", "MKSTREAM"
                )
        pending = group is not None  # first the batches delivered but never acknowledged
        while True:
            if group is not None:
                head = ["XREADGROUP", "GROUP", group, consumer, "COUNT", 100]
                wait = [] if pending else block
                start = "0" if pending else ">"
                reply = await client.execute_command(*head, *wait, "STREAMS", key, start)
            else:
                reply = await client.execute_command(
                    "XREAD", "COUNT", 100, *block, "STREAMS", key, f"{after}-0"
                )
            entries = _stream_entries(reply, key)
            if pending and not entries:
                pending = False
                continue
            for stream_id, fields in entries:
                seq = seq_of(stream_id)
                after = seq

                async def ack(stream_id: Any = stream_id) -> None:
                    if group is not None:
                        try:
                            await client.execute_command("XACK", key, group, stream_id)
                        except (RedisError, OSError) as exc:
                            raise failed(exc) from exc

                if not fields:  # pending, but trimmed from the stream meanwhile
                    await ack()  # reported once: the next read goes on after it
                    raise StoreError(
                        f"batch {seq} of the feed {key} was dropped by its retention before "
                        f"consumer {consumer} of group {group} acknowledged it"
                    )
                yield seq, bytes(fields[b"e"]), ack
            if not entries and not follow:
                return
    except (RedisError, OSError) as exc:
        raise failed(exc) from exc
    finally:
        await client.aclose()


def _stream_entries(reply: Any, key: str) -> list[Any]:
    """The entries of an XREAD/XREADGROUP reply for ``key`` (redis-py returns a dict under
    RESP3, a list of [name, entries] pairs under RESP2)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        entries = reply.get(key.encode()) or reply.get(key) or []
        return list(entries[0] if entries and isinstance(entries[0], list) else entries)
    return list(reply[0][1])


async def _check_retained(client: Any, key: str, after: int, group: str | None = None) -> None:
    """Refuse to start behind the retention: entries are contiguous, so the first one kept
    names the oldest batch still readable."""
    first = await client.execute_command("XRANGE", key, "-", "+", "COUNT", 1)
    if first:
        from pybet.store.redis import seq_of

        oldest = seq_of(first[0][0])
        if oldest > after + 1:
            who = f"consumer group {group} is at batch {after}; " if group is not None else ""
            raise StoreError(
                f"{who}the feed {key} starts at batch {oldest}: batches after {after} were "
                "dropped by its retention"
            )


async def _group_position(client: Any, key: str, group: str) -> int | None:
    """The seq of the last batch delivered to ``group`` (None: no such group yet)."""
    from redis.exceptions import ResponseError

    from pybet.store.redis import seq_of

    try:
        groups = await client.execute_command("XINFO", "GROUPS", key)
    except ResponseError as exc:
        if "no such key" in str(exc).lower():
            return None
        raise
    for info in groups:
        fields = {_text(k): v for k, v in info.items()}
        if _text(fields.get("name", b"")) == group:
            return seq_of(fields["last-delivered-id"])
    return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
