"""An asyncio client of ``pybet serve``: request/response correlation by request id, market
data as async iterators, unsolicited fills and cancels on ``notices``, and reconnect with
idempotent resubmission.

    async with Client("127.0.0.1", 7878, account="trader0", api_key="dev-key") as c:
        ack = await c.place("1.1", 1, "BACK", "2.5", 1000)
        async for update in await c.subscribe("1.1"):
            ...

Every ``place`` carries a ``client_order_id`` (one is generated when none is given), so that a
place in flight when the connection drops is resubmitted after reconnecting and the server
returns the original result instead of placing twice. Cancels, replaces, pool bets and admin
requests in flight are not resubmitted (they are not idempotent): they fail with
``Unavailable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any, cast

import msgspec

from pybet import errors
from pybet import protocol as p

log = logging.getLogger("pybet.client")

_RESUBMIT = (p.Place, p.GetBalance, p.GetOrders, p.Ping)


def error_from(msg: p.Error) -> errors.PybetError:
    """The exception for an ``Error`` frame (its class chosen by code)."""
    return errors.from_code(msg.code, msg.message)


class _Proto(asyncio.Protocol):
    def __init__(self, client: Client) -> None:
        self.client = client
        self.reader = p.FrameReader(16 * 1024 * 1024)
        self.decoder = p.Decoder("server")
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        for body in self.reader.feed(data):
            self.client._on_message(self.decoder.decode(body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.client._on_lost(self, exc)


class Subscription:
    """Async iterator of one market's ``MarketUpdate`` (or one pool's ``PoolOdds``)."""

    def __init__(self, client: Client, key: tuple[str, str]) -> None:
        self.client = client
        self.key = key
        self.queue: asyncio.Queue[msgspec.Struct] = asyncio.Queue()

    def __aiter__(self) -> AsyncIterator[msgspec.Struct]:
        return self

    async def __anext__(self) -> msgspec.Struct:
        return await self.queue.get()

    async def next(self, timeout: float = 5.0) -> msgspec.Struct:
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def close(self) -> None:
        kind, ident = self.key
        self.client._subs.pop(self.key, None)
        if kind in ("m", "mv"):  # unsubscribes both feeds of the market
            await self.client._request(p.Unsubscribe(0, market_id=ident))
        else:
            await self.client._request(p.Unsubscribe(0, pool_id=ident))


class Client:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 7878,
        *,
        account: str | None = None,
        api_key: str | None = None,
        use_hmac: bool = False,
        reconnect: bool = True,
        timeout: float = 10.0,
        max_reconnect_delay: float = 2.0,
    ) -> None:
        self.host, self.port = host, port
        self.account, self.api_key, self.use_hmac = account, api_key, use_hmac
        self.reconnect = reconnect
        self.timeout = timeout
        self.max_reconnect_delay = max_reconnect_delay
        self.welcome: p.Welcome | None = None
        #: fills of resting orders, unsolicited cancels, released delayed orders, and
        #: connection-level ``Error`` frames
        self.notices: asyncio.Queue[msgspec.Struct] = asyncio.Queue()
        self.reconnects = 0
        self._enc = p.Encoder()
        self._check = p.Decoder("client")
        self._proto: _Proto | None = None
        self._req = itertools.count(1)
        self._pending: dict[int, tuple[msgspec.Struct, asyncio.Future[Any]]] = {}
        self._subs: dict[tuple[str, str], Subscription] = {}
        self._welcome_fut: asyncio.Future[p.Welcome] | None = None
        self._closing = False
        self._connected = asyncio.Event()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._coid_prefix = secrets.token_hex(4) + "-"
        self._coid = itertools.count(1)

    async def __aenter__(self) -> Client:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- connection -----------------------------------------------------------------------
    async def connect(self) -> p.Welcome:
        """Connect, agree the version, and log in when credentials were given."""
        welcome = await self._open()
        if self.account is not None and self.api_key is not None:
            await self.login(self.account, self.api_key, use_hmac=self.use_hmac)
        return welcome

    async def _open(self) -> p.Welcome:
        loop = asyncio.get_running_loop()
        _tr, proto = await loop.create_connection(lambda: _Proto(self), self.host, self.port)
        self._proto = proto
        self._welcome_fut = loop.create_future()
        self._send(p.Hello(p.PROTOCOL_VERSION, "pybet.client"))
        self.welcome = await asyncio.wait_for(self._welcome_fut, self.timeout)
        self._connected.set()
        if self._heartbeat_task is None:
            self._heartbeat_task = loop.create_task(self._heartbeat())
        return self.welcome

    async def _heartbeat(self) -> None:
        """A ping every ``heartbeat_ms`` (from ``Welcome``) keeps a quiet connection inside the
        server's idle timeout."""
        while not self._closing:
            period = (self.welcome.heartbeat_ms if self.welcome else 5000) / 1000
            await asyncio.sleep(max(0.05, period))
            if self._connected.is_set():
                self._send(p.Ping(0))

    async def login(self, account: str, api_key: str, *, use_hmac: bool = False) -> p.LoggedIn:
        self.account, self.api_key, self.use_hmac = account, api_key, use_hmac
        if use_hmac:
            assert self.welcome is not None
            digest = hashlib.sha256(api_key.encode()).digest()
            mac = hmac.new(digest, self.welcome.nonce.encode(), hashlib.sha256).hexdigest()
            msg = p.Login(0, account, hmac=mac)
        else:
            msg = p.Login(0, account, api_key=api_key)
        reply: p.LoggedIn = await self._request(msg)
        return reply

    async def close(self) -> None:
        self._closing = True
        for task in (self._reconnect_task, self._heartbeat_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.close()
        self._fail_pending(lambda _m: True)

    # -- requests -------------------------------------------------------------------------
    async def place(
        self,
        market_id: str,
        runner: int,
        side: p.SideName,
        price: float | str | None,
        size: int,
        *,
        client_order_id: str | None = None,
        time_in_force: p.TifName = "GTC",
        persistence: p.PersistenceName = "LAPSE",
        min_fill_size: int | None = None,
        order_type: p.OrderTypeName = "LIMIT",
    ) -> p.Ack | p.Reject:
        coid = client_order_id or f"{self._coid_prefix}{next(self._coid)}"
        msg = p.Place(
            0,
            market_id,
            runner,
            side,
            price,
            size,
            coid,
            time_in_force,
            persistence,
            min_fill_size,
            order_type,
        )
        reply: p.Ack | p.Reject = await self._request(msg)
        return reply

    async def cancel(
        self, order_id: int, size_reduction: int | None = None
    ) -> p.Cancelled | p.Reject:
        reply: p.Cancelled | p.Reject = await self._request(p.Cancel(0, order_id, size_reduction))
        return reply

    async def replace(self, order_id: int, price: float | str) -> p.Ack | p.Reject:
        reply: p.Ack | p.Reject = await self._request(p.Replace(0, order_id, price))
        return reply

    async def pool_bet(
        self, pool_id: str, selection: list[int], stake: int
    ) -> p.PoolTicket | p.Reject:
        reply: p.PoolTicket | p.Reject = await self._request(
            p.PoolBet(0, pool_id, selection, stake)
        )
        return reply

    async def balance(self) -> p.Balance:
        reply: p.Balance = await self._request(p.GetBalance(0))
        return reply

    async def orders(self, market_id: str | None = None) -> p.Orders:
        reply: p.Orders = await self._request(p.GetOrders(0, market_id))
        return reply

    async def ping(self) -> p.Pong:
        reply: p.Pong = await self._request(p.Ping(0))
        return reply

    async def admin(self, msg: msgspec.Struct) -> p.Done | p.Reject:
        """Send an admin message (its ``req`` is assigned here)."""
        reply: p.Done | p.Reject = await self._request(msg)
        return reply

    async def subscribe(
        self, market_id: str | None = None, pool_id: str | None = None, *, virtual: bool = False
    ) -> Subscription:
        """Subscribe; the iterator's first item is the full image. ``virtual``: a market's
        ladder with its cross-matching offers merged in."""
        if market_id is not None:
            key = ("mv" if virtual else "m", market_id)
        else:
            key = ("p", pool_id or "")
        sub = self._subs.get(key) or Subscription(self, key)
        self._subs[key] = sub
        try:
            msg = p.Subscribe(0, market_id=market_id, pool_id=pool_id, virtual=virtual)
            reply = await self._request(msg)
            if isinstance(reply, p.Reject):
                raise error_from(p.Error(reply.req, reply.code, reply.message))
        except BaseException:
            self._subs.pop(key, None)
            raise
        return sub

    async def _request(self, msg: msgspec.Struct) -> Any:
        req = next(self._req)
        msg = msgspec.structs.replace(msg, req=req)
        # Struct construction does not check literals or bounds: decode what would be sent, so
        # that an invalid message raises InvalidMessage here and never leaves the process.
        self._check.decode(self._enc.frame(msg)[p.HEADER :])
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[req] = (msg, fut)
        if self._connected.is_set():
            self._send(msg)
        try:
            return await asyncio.wait_for(fut, self.timeout)
        finally:
            self._pending.pop(req, None)

    def _send(self, msg: msgspec.Struct) -> None:
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.write(self._enc.frame(msg))

    # -- incoming -------------------------------------------------------------------------
    def _on_message(self, msg: Any) -> None:
        t = type(msg)
        if t is p.Welcome:
            if self._welcome_fut is not None and not self._welcome_fut.done():
                self._welcome_fut.set_result(msg)
            return
        req = getattr(msg, "req", 0)
        if req:
            entry = self._pending.get(req)
            if entry is None:
                return
            fut = entry[1]
            if fut.done():
                return
            if t is p.Error:
                fut.set_exception(error_from(msg))
            else:  # a Reject is a report, returned like an Ack
                fut.set_result(msg)
            return
        if t is p.MarketUpdate:
            sub = self._subs.get(("mv" if msg.virtual else "m", msg.market_id))
            if sub is not None:
                sub.queue.put_nowait(msg)
            return
        if t is p.Pong:  # heartbeat answer
            return
        if t is p.PoolOdds:
            sub = self._subs.get(("p", msg.pool_id))
            if sub is not None:
                sub.queue.put_nowait(msg)
            return
        self.notices.put_nowait(msg)

    def _on_lost(self, proto: _Proto, exc: Exception | None) -> None:
        if proto is not self._proto:
            return
        self._connected.clear()
        if self._closing or not self.reconnect:
            self._fail_pending(lambda _m: True)
            return
        self._fail_pending(lambda m: not isinstance(m, _RESUBMIT))
        log.info("event=connection_lost error=%r: reconnecting", exc)
        self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect())

    def _fail_pending(self, which: Any) -> None:
        for _req, (msg, fut) in list(self._pending.items()):
            if which(msg) and not fut.done():
                fut.set_exception(errors.Unavailable("connection lost"))

    async def _reconnect(self) -> None:
        delay = 0.05
        while not self._closing:
            try:
                await self._open()
                if self.account is not None and self.api_key is not None:
                    await self.login(self.account, self.api_key, use_hmac=self.use_hmac)
                break
            except (OSError, TimeoutError, errors.PybetError) as exc:
                self._connected.clear()
                log.info("event=reconnect_failed error=%r delay=%.2f", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_reconnect_delay)
        self.reconnects += 1
        for kind, ident in list(self._subs):
            if kind in ("m", "mv"):
                sub_msg = p.Subscribe(next(self._req), market_id=ident, virtual=kind == "mv")
            else:
                sub_msg = p.Subscribe(next(self._req), pool_id=ident)
            self._send(sub_msg)
        # resubmit what was in flight: places carry a client_order_id, so this is idempotent
        for _req, (msg, fut) in sorted(self._pending.items()):
            if not fut.done() and type(msg) is not p.Login:
                self._send(msg)
