"""Crash-test harness: ``pybet serve`` as a subprocess on a durable store, trading clients in
this process that remember every command they sent and every reply they received, and the
offline checks (rebuild from the store, from-scratch replay, idempotency, reconciliation)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pybet import errors
from pybet import protocol as p
from pybet.client import Client
from pybet.gateway.config import hash_key
from pybet.gateway.recovery import Rebuilt, rebuild
from pybet.store import open_store
from pybet.store.base import Recovered

KEYS = {"alice": "alice-key", "bob": "bob-key", "carol": "carol-key", "admin": "root-key"}
TRADERS = ("alice", "bob", "carol")
DEPOSIT = 10**9
MARKET = "1.1"
PRICES = ("1.9", "1.95", "2.0", "2.02", "2.04", "2.06", "2.1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_config(path: Path, store: str, **server: Any) -> Path:
    lines = ["[server]", f'store = "{store}"']
    for key, value in server.items():
        text = str(value).lower() if isinstance(value, bool) else repr(value)
        lines.append(f"{key} = {text}")
    for name, key in KEYS.items():
        deposit = 0 if name == "admin" else DEPOSIT
        lines += [
            "[[accounts]]",
            f'name = "{name}"',
            f'key_hash = "{hash_key(key)}"',
            f"deposit = {deposit}",
            f"admin = {str(name == 'admin').lower()}",
            "rate = 1000000.0",
            "burst = 1000000.0",
        ]
    lines += ["[[markets]]", f'market_id = "{MARKET}"', "runners = [1, 2, 3]"]
    path.write_text("\n".join(lines) + "\n")
    return path


class Server:
    """``pybet serve --config CONFIG`` on a fixed port, started and SIGKILLed at will."""

    def __init__(self, config: Path, port: int, cwd: Path) -> None:
        self.config, self.port, self.cwd = config, port, cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = cwd / "serve.log"

    def start(self, attempts: int = 3) -> Server:
        """Start and wait until it accepts connections. A start that fails because the store
        did not answer in time (a busy shared machine) is retried: the gateway refuses to
        serve without its store, as it should, and a supervisor would restart it."""
        for attempt in range(attempts):
            try:
                return self._start()
            except RuntimeError:
                self.kill()
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start(self) -> Server:
        assert self.proc is None, "already running"
        args = [sys.executable, "-m", "pybet", "serve", "--config", str(self.config)]
        args += ["--port", str(self.port), "--http-port", "-1", "--log-level", "WARNING"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=log, cwd=self.cwd, env=dict(os.environ)
            )
        deadline = time.monotonic() + 30
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pybet serve did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.02)

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> int:
        """SIGTERM: the graceful stop (a snapshot is written)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self.proc = None
        return code


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged, per account."""

    sent: dict[tuple[str, str], p.Place] = field(default_factory=dict)  # (account, coid)
    acked: dict[tuple[str, str], p.Ack | p.Reject] = field(default_factory=dict)
    cancels_acked: set[int] = field(default_factory=set)
    unavailable: int = 0


async def connect(port: int, account: str) -> Client:
    c = Client("127.0.0.1", port, account=account, api_key=KEYS[account], reconnect=False)
    await c.connect()
    return c


async def trade(
    port: int,
    account: str,
    ledger: Ledger,
    rng: random.Random,
    run: int,
    window: int = 8,
    until: asyncio.Event | None = None,
) -> None:
    """Place (and sometimes cancel) until the connection dies or ``until`` is set; ``window``
    requests in flight."""
    try:
        c = await connect(port, account)
    except (OSError, errors.PybetError, TimeoutError):
        return
    n = 0
    stop = False

    async def one() -> None:
        nonlocal n, stop
        while not stop and not (until is not None and until.is_set()):
            n += 1
            coid = f"{account}-{run}-{n}"
            side = "BACK" if rng.random() < 0.5 else "LAY"
            msg = p.Place(0, MARKET, rng.randint(1, 3), side, rng.choice(PRICES), 100, coid)
            ledger.sent[(account, coid)] = msg
            try:
                reply = await c.place(
                    MARKET, msg.runner, side, msg.price, 100, client_order_id=coid
                )
            except (errors.PybetError, TimeoutError, OSError):
                stop = True
                return
            if isinstance(reply, p.Reject) and reply.code == "UNAVAILABLE":
                ledger.unavailable += 1
                await asyncio.sleep(0.02)
                continue  # not acknowledged: the ledger keeps it as sent only
            ledger.acked[(account, coid)] = reply
            if isinstance(reply, p.Ack) and reply.size_remaining and rng.random() < 0.2:
                try:
                    crep = await c.cancel(reply.order_id)
                except (errors.PybetError, TimeoutError, OSError):
                    stop = True
                    return
                if isinstance(crep, p.Cancelled):
                    ledger.cancels_acked.add(reply.order_id)

    try:
        await asyncio.gather(*(one() for _ in range(window)))
    finally:
        await c.close()


async def load_until_killed(
    server: Server, ledger: Ledger, rng: random.Random, run: int, kill_after: float
) -> None:
    """Trading clients on every trader account; the server is SIGKILLed after ``kill_after``
    seconds, in the middle of whatever it was doing."""
    tasks = [asyncio.create_task(trade(server.port, a, ledger, rng, run)) for a in TRADERS]
    await asyncio.sleep(kill_after)
    server.kill()
    await asyncio.wait_for(asyncio.gather(*tasks), 30)


async def replace_everything(port: int, ledger: Ledger) -> dict[tuple[str, str], Any]:
    """Every place ever sent, sent again with its client order id: an acknowledged one must come
    back as the original; one never acknowledged is either the original (its batch was durable)
    or placed now. Either way each client order id ends up in the engine exactly once."""
    replies: dict[tuple[str, str], Any] = {}
    for account in TRADERS:
        c = await connect(port, account)
        keys = [k for k in ledger.sent if k[0] == account]
        for i in range(0, len(keys), 64):
            chunk = keys[i : i + 64]
            got = await asyncio.gather(
                *(
                    c.place(
                        MARKET,
                        ledger.sent[k].runner,
                        ledger.sent[k].side,
                        ledger.sent[k].price,
                        ledger.sent[k].size,
                        client_order_id=k[1],
                    )
                    for k in chunk
                )
            )
            replies.update(zip(chunk, got, strict=True))
        await c.close()
    return replies


async def load_store(url: str) -> Recovered:
    store = open_store(url)
    await store.open()
    try:
        return await store.load()
    finally:
        await store.close()


async def check_feed(url: str, records: list[tuple[int, bytes]]) -> int:
    """The history feed holds every journaled batch exactly once, in order, with the events a
    from-scratch replay of the journal produces (``records``: the whole journal). Returns the
    number of events."""
    from pybet.feed import batches, decode_batch, encode_batch
    from pybet.gateway.engine import BatchResult

    want: list[tuple[int, list[Any]]] = []

    def collect(seq: int, res: BatchResult) -> None:
        want.append((seq, [e.data for e in decode_batch(seq, encode_batch(res.feed))]))

    rebuild(Recovered(None, records), feed=True, on_batch=collect)
    got = [(seq, [e.data for e in events]) async for seq, events in batches(url, follow=False)]
    # every batch exactly once, in order, empty ones included, with the replay's events
    assert [seq for seq, _ in got] == list(range(1, len(records) + 1))
    assert got == want
    return sum(len(events) for _, events in got)


def check_ledger(ledger: Ledger, replies: dict[tuple[str, str], Any], state: Rebuilt) -> None:
    """Acknowledged exactly once, nothing half-applied, balances reconciled."""
    for key, ack in ledger.acked.items():
        again = replies[key]
        if isinstance(ack, p.Ack):
            assert isinstance(again, p.Ack) and again.duplicate, (key, ack, again)
            assert again.order_id == ack.order_id, (key, ack, again)
        else:
            assert isinstance(again, p.Reject) and again.code == ack.code, (key, ack, again)
    ex = state.core.exchange
    orders = ex.orders()
    by_coid: dict[tuple[str, str | None], int] = {}
    for o in orders:
        by_coid[(o.account, o.client_order_id)] = by_coid.get((o.account, o.client_order_id), 0) + 1
    for key in ledger.sent:
        assert by_coid.get(key, 0) == 1, (key, by_coid.get(key, 0))
    assert sum(by_coid.values()) == len(ledger.sent)  # nothing the clients never sent
    for order_id in ledger.cancels_acked:
        assert ex.order(order_id).size_remaining == 0
    for account in TRADERS:
        assert ex.balance(account) == DEPOSIT  # nothing settled yet: matching moves no cash
        assert 0 <= ex.available(account) == DEPOSIT - ex.exposure(account, MARKET)
    # settling the recovered book is zero-sum (no commission): the money reconciles, and every
    # exposure is released
    ex.settle_market(MARKET, [1])
    assert sum(ex.balance(a) for a in TRADERS) == len(TRADERS) * DEPOSIT
    for account in TRADERS:
        assert ex.available(account) == ex.balance(account) >= 0


def from_scratch(rec: Recovered, full_journal: list[tuple[int, bytes]]) -> Rebuilt:
    return rebuild(Recovered(None, full_journal))
