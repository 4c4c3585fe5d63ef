"""``redis://HOST:PORT/DB[?shard=NAME&...]`` — the journal as one Redis Stream per shard.

Keys of a shard share the hash tag ``{shard}`` so that a Redis Cluster keeps them in one slot:
``{shard}:journal`` (a stream; entry id ``f"{seq}-0"``, field ``r`` = the record) and
``{shard}:snapshot`` (a hash: ``seq``, ``hash``, ``state``, written by one ``HSET``). An explicit
stream id makes a re-append fail in Redis instead of duplicating the batch. After each write,
``WAITAOF 1 0 timeout`` when the server has it (Redis >= 7.2, AOF on) and its reply is checked;
otherwise durability rests on ``appendfsync always`` (docs/durability.md).

No call is ever cancelled by an asyncio timeout (redis-py could then pair a later reply with the
wrong request): the socket timeouts of the connection bound every call, and after any connection
error the client is dropped and a new one made on the next call.

Query options: ``shard`` (default ``pybet``), ``socket_timeout`` (seconds, default 2),
``connect_timeout`` (seconds, default = socket_timeout), ``waitaof_timeout_ms`` (default: half the
socket timeout), ``require_aof`` (default 1: refuse a server whose AOF is off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from pybet.errors import InvalidArgument, StoreError
from pybet.store.base import Recovered, SnapshotRecord, Store

log = logging.getLogger(__name__)

_SHARD_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_PAGE = 10_000  # stream entries per XRANGE call during load
_SNAPSHOT_TIMEOUT_S = (
    120.0  # socket timeout of a whole snapshot: its write (forked child), its read
)
_OPTIONS = {"shard", "socket_timeout", "connect_timeout", "waitaof_timeout_ms", "require_aof"}


@dataclass(frozen=True, slots=True)
class RedisTarget:
    host: str
    port: int
    db: int
    username: str | None
    password: str | None
    shard: str
    socket_timeout: float
    connect_timeout: float
    waitaof_timeout_ms: int
    require_aof: bool

    def connection(self, socket_timeout: float) -> dict[str, Any]:
        """The client arguments every connection to this target shares (the store's, a
        snapshot child's, a feed reader's); ``socket_timeout`` is each one's own."""
        return {
            "host": self.host,
            "port": self.port,
            "db": self.db,
            "username": self.username,
            "password": self.password,
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": self.connect_timeout,
        }


def parse_url(url: str) -> RedisTarget:
    u = urlparse(url)
    if u.scheme != "redis" or not u.hostname:
        raise InvalidArgument(f"not a redis store URL: {url!r} (redis://HOST:PORT/DB)")
    query = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
    unknown = set(query) - _OPTIONS
    if unknown:
        raise InvalidArgument(f"unknown redis store option(s) {sorted(unknown)} in {url!r}")
    try:
        db = int(u.path.strip("/") or 0)
        port = u.port or 6379
        timeout = float(query.get("socket_timeout", 2.0))
        connect = float(query.get("connect_timeout", timeout))
        waitaof = int(query.get("waitaof_timeout_ms", max(1, int(timeout * 500))))
        require_aof = query.get("require_aof", "1") not in ("0", "false", "no")
    except ValueError as exc:
        raise InvalidArgument(f"bad redis store URL {url!r}: {exc}") from None
    shard = query.get("shard", "pybet")
    if not _SHARD_NAME.fullmatch(shard):
        raise InvalidArgument(f"bad shard name {shard!r} (letters, digits, _.:-; no braces)")
    if timeout <= 0 or connect <= 0 or waitaof <= 0 or waitaof >= timeout * 1000:
        raise InvalidArgument("timeouts must be positive and waitaof_timeout_ms < socket_timeout")
    return RedisTarget(
        u.hostname, port, db, u.username, u.password, shard, timeout, connect, waitaof, require_aof
    )


def check_waitaof(reply: Any) -> None:
    """``WAITAOF 1 0 t`` replies ``[numlocal, numreplicas]``: the write is on the local AOF
    (fsynced) only if numlocal >= 1."""
    if not isinstance(reply, list | tuple) or len(reply) != 2 or int(reply[0]) < 1:
        raise StoreError(f"WAITAOF did not confirm the local AOF fsync (reply {reply!r})")


def seq_of(stream_id: bytes | str) -> int:
    text = stream_id.decode() if isinstance(stream_id, bytes) else stream_id
    return int(text.split("-", 1)[0])


async def _exec(client: aioredis.Redis, *args: Any) -> Any:
    return await client.execute_command(*args)  # type: ignore[no-untyped-call]


def _exec_replies(replies: list[Any]) -> list[Any]:
    """The replies of ``MULTI, XADD, XADD, EXEC[, WAITAOF]`` as those of ``XADD[, WAITAOF]``:
    the journal's XADD result (an error reply inside EXEC is an exception object) and the
    WAITAOF reply. A refused EXEC (the transaction aborted) counts as the journal's error."""
    multi, _queued, _queued2, done, *rest = replies
    for reply in (multi, _queued, _queued2):
        if isinstance(reply, Exception) and not isinstance(reply, ResponseError):
            return [reply, *rest]
    if isinstance(done, Exception):
        return [done, *rest]
    if not isinstance(done, list | tuple) or len(done) != 2:
        return [StoreError(f"unexpected EXEC reply {done!r}"), *rest]
    if isinstance(done[1], Exception) and not isinstance(done[0], Exception):
        # the batch is durable; only its feed entry is refused (a stream from another life)
        log.warning("event=feed_append_refused error=%r", done[1])
    return [done[0], *rest]


def _exec_sync(client: Any, *args: Any) -> Any:
    return client.execute_command(*args)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _check_snapshot_order(snap: SnapshotRecord, current: Any, info: dict[bytes, Any]) -> None:
    """A snapshot is never ahead of the journal, nor older than the stored one."""
    top = seq_of(info.get(b"last-generated-id", b"0-0"))
    if snap.seq > top:
        raise StoreError(f"snapshot at seq {snap.seq} is ahead of the journal ({top})")
    if current is not None and snap.seq < int(current):
        raise StoreError(f"snapshot at seq {snap.seq} is older than the stored one")


def _snapshot_fields(snap: SnapshotRecord) -> tuple[Any, ...]:
    return ("seq", snap.seq, "hash", snap.state_hash, "state", snap.state)


class RedisStore(Store):
    forkable_snapshots = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.target = parse_url(url)
        tag = "{" + self.target.shard + "}"
        self.journal_key = f"{tag}:journal"
        self.snapshot_key = f"{tag}:snapshot"
        self.events_key = f"{tag}:events"  # the history feed: entry f"{seq}-0", field e
        self._client: aioredis.Redis | None = None
        self._opened = False
        #: how a write is made durable on this server: "waitaof", "appendfsync always", ...
        self.durability = "unknown"
        self._waitaof = False

    async def _connect(self) -> aioredis.Redis:
        if self._client is not None:
            return self._client
        t = self.target
        client = aioredis.Redis(
            **t.connection(t.socket_timeout),
            # No retries inside redis-py: a retry is the gateway's fail-closed loop's decision.
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        try:
            await self._probe(client)
        except BaseException:
            await self._drop(client)
            raise
        self._client = client
        return client

    async def _probe(self, client: aioredis.Redis) -> None:
        """Learn how this server makes a write durable."""
        persistence = await _exec(client, "INFO", "persistence")
        server = await _exec(client, "INFO", "server")
        aof = int(persistence.get("aof_enabled", 0)) == 1
        has_waitaof = _version(str(server.get("redis_version", "0"))) >= (7, 2)
        fsync = "unknown"
        with contextlib.suppress(ResponseError):  # CONFIG may be disabled on managed servers
            reply = await _exec(client, "CONFIG", "GET", "appendfsync")
            value = reply.get(b"appendfsync", b"unknown") if isinstance(reply, dict) else b"?"
            fsync = value.decode() if isinstance(value, bytes) else str(value)
        if not aof:
            if self.target.require_aof:
                raise StoreError(
                    f"redis at {self.target.host}:{self.target.port} has appendonly off: appends "
                    "would not be durable (set appendonly yes, or require_aof=0 for tests)"
                )
            self.durability, self._waitaof = "none (appendonly off)", False
        elif has_waitaof:
            self.durability, self._waitaof = "waitaof", True
        else:
            self.durability, self._waitaof = f"appendfsync {fsync}", False
            if fsync != "always":
                log.warning(
                    "redis store %s: no WAITAOF and appendfsync=%s: an acknowledged batch can be "
                    "lost if the Redis host crashes",
                    self.url,
                    fsync,
                )

    async def _drop(self, client: aioredis.Redis | None = None) -> None:
        client = client or self._client
        if client is self._client:
            self._client = None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _call(self, *args: Any) -> Any:
        client = await self._checked_client()
        try:
            return await _exec(client, *args)
        except BaseException as exc:
            await self._handle_failure(exc)
            raise

    async def _checked_client(self) -> aioredis.Redis:
        if not self._opened:
            raise StoreError(f"store {self.url} is not open")
        try:
            return await self._connect()
        except (RedisError, OSError) as exc:
            raise StoreError(f"redis at {self.target.host}:{self.target.port}: {exc}") from exc

    async def _handle_failure(self, exc: BaseException) -> None:
        """Drop the client after anything but a plain error reply: its connection may hold an
        unread reply (a timeout, a cancellation) that would be paired with the next request."""
        if not isinstance(exc, ResponseError):
            await self._drop()
        if isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError):
            raise StoreError(f"redis at {self.target.host}:{self.target.port}: {exc}") from exc

    async def _waitaof_call(self) -> None:
        if self._waitaof:
            reply = await self._call("WAITAOF", 1, 0, self.target.waitaof_timeout_ms)
            check_waitaof(reply)

    async def open(self) -> None:
        self._opened = True
        try:
            await self._checked_client()
        except BaseException:
            self._opened = False
            raise

    async def load(self) -> Recovered:
        try:
            return await self._load()
        except ResponseError as exc:
            raise StoreError(f"redis load failed: {exc}") from exc

    async def _load(self) -> Recovered:
        fields = await self._read_snapshot()
        snapshot = None
        if fields:
            if not {b"seq", b"hash", b"state"} <= fields.keys():
                raise StoreError(f"snapshot {self.snapshot_key} is incomplete: {sorted(fields)}")
            snapshot = SnapshotRecord(
                seq=int(fields[b"seq"]),
                state=bytes(fields[b"state"]),
                state_hash=int(fields[b"hash"]),
            )
        after = snapshot.seq if snapshot else 0
        info = await self._stream_info()
        # XTRIM does not move max-deleted-entry-id (XDEL does); entries-added - length counts
        # what trimming removed, all of it below the first entry. Seqs are contiguous (one per
        # batch), so a first entry beyond after + 1 then means records are gone.
        deleted = seq_of(info.get(b"max-deleted-entry-id", b"0-0"))
        removed = int(info.get(b"entries-added", 0)) > int(info.get(b"length", 0))
        first = seq_of(info.get(b"recorded-first-entry-id", b"0-0"))
        if deleted > after or (removed and first > after + 1):
            deleted = max(deleted, first - 1)
            raise StoreError(
                f"journal {self.journal_key} was trimmed to seq {deleted}, past the snapshot "
                f"(seq {after}): records are missing"
            )
        return Recovered(snapshot, await self._records_after(after))

    async def _read_snapshot(self) -> dict[bytes, Any]:
        """The snapshot hash, read on a blocking connection in a worker thread: for the 184 MB
        snapshot of 1M orders with their client order ids, the store's asyncio client read it
        in 0.40-0.42 s and this one reads it in 0.35-0.39 s (a default asyncio client: 0.6-0.85
        s). Recovery has 1 s in all (SPEC 8a)."""
        await self._checked_client()  # open and reachable, as every other call checks
        return await asyncio.to_thread(self._read_snapshot_sync)

    def _read_snapshot_sync(self) -> dict[bytes, Any]:
        t = self.target
        try:
            with self._snapshot_client() as client:
                fields: dict[bytes, Any] = _exec_sync(client, "HGETALL", self.snapshot_key)
                return fields
        except ResponseError:
            raise
        except (RedisError, OSError) as exc:
            raise StoreError(f"redis at {t.host}:{t.port}: snapshot read failed: {exc}") from exc

    @contextlib.contextmanager
    def _snapshot_client(self) -> Iterator[Any]:
        """A blocking connection of its own for a whole snapshot (a forked child's write, the
        recovery's read): hundreds of MB may take longer than the socket timeout that bounds
        a journal append, so this one waits longer."""
        import redis

        t = self.target
        client = redis.Redis(**t.connection(max(t.socket_timeout, _SNAPSHOT_TIMEOUT_S)))
        try:
            yield client
        finally:
            client.close()

    async def load_journal(self, after: int) -> list[tuple[int, bytes]]:
        try:
            records = await self._records_after(after)
        except ResponseError as exc:
            raise StoreError(f"redis load failed: {exc}") from exc
        if records and records[0][0] != after + 1:
            raise StoreError(f"journal {self.journal_key}: records after seq {after} were trimmed")
        return records

    async def _records_after(self, after: int) -> list[tuple[int, bytes]]:
        records: list[tuple[int, bytes]] = []
        start = after + 1
        while True:
            page = await self._call("XRANGE", self.journal_key, f"{start}-0", "+", "COUNT", _PAGE)
            for stream_id, entry in page:
                records.append((seq_of(stream_id), bytes(entry[b"r"])))
            if len(page) < _PAGE:
                return records
            start = records[-1][0] + 1

    async def _stream_info(self) -> dict[bytes, Any]:
        try:
            info: dict[bytes, Any] = await self._call("XINFO", "STREAM", self.journal_key)
        except ResponseError as exc:
            if "no such key" in str(exc).lower():
                return {}
            raise
        return info

    def _feed_xadd(self, seq: int, events: bytes) -> tuple[Any, ...]:
        maxlen = ("MAXLEN", "~", self.feed_retention)
        return ("XADD", self.events_key, *maxlen, f"{seq}-0", "e", events)

    async def append(self, seq: int, record: bytes, events: bytes | None = None) -> None:
        if seq < 1:
            raise StoreError(f"seq {seq} must be positive")
        client = await self._checked_client()
        try:
            async with client.pipeline(transaction=False) as pipe:
                if events is not None:  # journal and feed in one transaction: both or neither
                    pipe.execute_command("MULTI")
                pipe.execute_command("XADD", self.journal_key, f"{seq}-0", "r", record)
                if events is not None:
                    pipe.execute_command(*self._feed_xadd(seq, events))
                    pipe.execute_command("EXEC")
                if self._waitaof:
                    pipe.execute_command("WAITAOF", 1, 0, self.target.waitaof_timeout_ms)
                replies = await pipe.execute(raise_on_error=False)
        except BaseException as exc:
            await self._handle_failure(exc)
            if not isinstance(exc, Exception):
                raise  # a cancellation stays a cancellation (the client was dropped above)
            raise StoreError(f"journal append failed: {exc}") from exc
        if events is not None:
            replies = _exec_replies(replies)
        added = replies[0]
        if isinstance(added, ResponseError):
            await self._already_appended(seq, record, added)
        elif isinstance(added, Exception):
            raise StoreError(f"journal append failed: {added}") from added
        if self._waitaof:
            if isinstance(replies[1], Exception):
                raise StoreError(f"WAITAOF failed: {replies[1]}") from replies[1]
            check_waitaof(replies[1])

    async def feed_last(self) -> int:
        last = await self._call("XREVRANGE", self.events_key, "+", "-", "COUNT", 1)
        return seq_of(last[0][0]) if last else 0

    async def publish(self, seq: int, events: bytes) -> None:
        try:
            await self._call(*self._feed_xadd(seq, events))
            await self._waitaof_call()
        except ResponseError as exc:
            if "equal or smaller" not in str(exc):
                raise StoreError(f"history feed append failed: {exc}") from exc

    async def _already_appended(self, seq: int, record: bytes, error: ResponseError) -> None:
        """XADD refused the id: fine only if it is the retry of the last append that landed."""
        try:
            last = await self._call("XREVRANGE", self.journal_key, "+", "-", "COUNT", 1)
        except ResponseError as exc:
            raise StoreError(f"journal append failed: {error}; then {exc}") from exc
        if last and seq_of(last[0][0]) == seq and bytes(last[0][1].get(b"r", b"")) == record:
            return
        raise StoreError(f"seq {seq} already used in {self.journal_key} ({error})")

    async def write_snapshot(self, snap: SnapshotRecord) -> None:
        try:
            current = await self._call("HGET", self.snapshot_key, "seq")
            _check_snapshot_order(snap, current, await self._stream_info())
            # One HSET replaces all three fields at once: a reader never sees half a snapshot.
            await self._call("HSET", self.snapshot_key, *_snapshot_fields(snap))
            await self._waitaof_call()
        except ResponseError as exc:
            raise StoreError(f"snapshot write failed: {exc}") from exc

    def write_snapshot_in_child(self, snap: SnapshotRecord) -> None:
        """The same writes on a connection of the child's own (the parent's client is bound to
        its event loop)."""
        t = self.target
        try:
            with self._snapshot_client() as client:
                current = _exec_sync(client, "HGET", self.snapshot_key, "seq")
                try:
                    info = _exec_sync(client, "XINFO", "STREAM", self.journal_key)
                except ResponseError:
                    info = {}
                _check_snapshot_order(snap, current, info)
                _exec_sync(client, "HSET", self.snapshot_key, *_snapshot_fields(snap))
                if self._waitaof:
                    check_waitaof(_exec_sync(client, "WAITAOF", 1, 0, t.waitaof_timeout_ms))
        except RedisError as exc:
            raise StoreError(f"snapshot write failed: {exc}") from exc

    async def trim(self, upto_seq: int) -> None:
        try:
            current = await self._call("HGET", self.snapshot_key, "seq")
            if current is None:
                return  # nothing could rebuild the state without the journal
            upto = min(upto_seq, int(current))
            await self._call("XTRIM", self.journal_key, "MINID", f"{upto + 1}-0")
        except ResponseError as exc:
            raise StoreError(f"journal trim failed: {exc}") from exc

    async def ping(self) -> bool:
        if not self._opened:
            return False
        try:
            return bool(await self._call("PING"))
        except (StoreError, RedisError, OSError):
            return False

    async def close(self) -> None:
        self._opened = False
        await self._drop()


__all__ = ["RedisStore", "RedisTarget", "check_waitaof", "parse_url", "seq_of"]
