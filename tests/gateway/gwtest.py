"""Gateway test helpers: a real server on a free loopback port (memory: store) driven by the
client or by raw sockets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import uvloop

from pybet import protocol as p
from pybet.client import Client
from pybet.gateway import Gateway, GatewayConfig
from pybet.gateway.config import AccountConfig, MarketConfig, hash_key
from pybet.store import MemoryStore

KEYS = {
    "alice": "alice-key",
    "bob": "bob-key",
    "carol": "carol-key",
    "dave": "dave-key",  # starts without funds
    "admin": "root-key",
}
MARKET = "1.1"


def make_config(**over: Any) -> GatewayConfig:
    cfg = GatewayConfig(host="127.0.0.1", port=0, http_port=0, idle_timeout_s=30.0)
    cfg.accounts = {
        name: AccountConfig(
            name, hash_key(key), admin=name == "admin", deposit=0 if name == "dave" else 10**9
        )
        for name, key in KEYS.items()
    }
    cfg.markets = [MarketConfig(MARKET, [1, 2, 3])]
    for key, value in over.items():
        setattr(cfg, key, value)
    return cfg


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a test coroutine on uvloop, bounded in time."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, 60)

    return uvloop.run(bounded())


@contextlib.asynccontextmanager
async def gateway(store: MemoryStore | None = None, **over: Any) -> AsyncIterator[Gateway]:
    gw = Gateway(make_config(**over), store=store or MemoryStore())
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


async def client(gw: Gateway, account: str, **kw: Any) -> Client:
    c = Client("127.0.0.1", gw.port, account=account, api_key=KEYS[account], **kw)
    await c.connect()
    return c


class Raw:
    """A raw connection: send arbitrary bytes, read decoded server frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.dec = p.Decoder("server")

    @classmethod
    async def open(cls, gw: Gateway, rcvbuf: int | None = None) -> Raw:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # a tiny receive window makes a slow consumer quickly
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gw.port))
        r, w = await asyncio.open_connection(sock=sock)
        return cls(r, w)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    def send_msg(self, msg: Any) -> None:
        self.writer.write(p.frame(msg))

    async def recv(self, timeout: float = 5.0) -> Any:
        head = await asyncio.wait_for(self.reader.readexactly(4), timeout)
        body = await asyncio.wait_for(self.reader.readexactly(int.from_bytes(head, "big")), timeout)
        return self.dec.decode(body)

    async def closed(self, timeout: float = 5.0) -> bool:
        """True when the server closes the connection (after any frames it sent)."""
        try:
            while await asyncio.wait_for(self.reader.read(65536), timeout):
                pass
        except TimeoutError:
            return False
        except ConnectionError:  # reset by an abort
            pass
        finally:
            self.writer.close()
        return True

    async def login(self, account: str) -> None:
        self.send_msg(p.Hello(p.PROTOCOL_VERSION))
        assert isinstance(await self.recv(), p.Welcome)
        self.send_msg(p.Login(1, account, api_key=KEYS[account]))
        assert isinstance(await self.recv(), p.LoggedIn)

    def close(self) -> None:
        self.writer.close()
