"""Bad input and security: each case gets its coded Error or Reject (or a clean disconnect
where the frame boundary is lost), and leaves the server and the other sessions unaffected."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from gwtest import KEYS, MARKET, Raw, client, gateway, run

from pybet import protocol as p
from pybet.client import Client
from pybet.errors import AuthError, InvalidMessage
from pybet.gateway.config import hash_key, hmac_login
from pybet.store import MemoryStore

_enc = msgspec.msgpack.Encoder()


def _frame(obj: object) -> bytes:
    body = _enc.encode(obj)
    return len(body).to_bytes(4, "big") + body


async def _still_trades(gw: object) -> None:
    bob = await client(gw, "bob")  # type: ignore[arg-type]
    ack = await bob.place(MARKET, 1, "BACK", "2.0", 100)
    assert isinstance(ack, p.Ack)
    await bob.close()


async def _expect_error(raw: Raw, code: str) -> p.Error:
    msg = await raw.recv()
    assert isinstance(msg, p.Error), msg
    assert msg.code == code, msg
    return msg


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\x00\x00\x00\x03\xc1\xc1\xc1", "MALFORMED_FRAME"),  # 0xc1 is never valid msgpack
        (_frame({"not": "a message"}), "INVALID_MESSAGE"),
        (_frame(["Nope", 1]), "INVALID_MESSAGE"),  # unknown tag
        (_frame(["Place", 1, MARKET, "one", "BACK", "2.0", 100]), "INVALID_MESSAGE"),  # types
        (_frame(["Place", 1, MARKET, 1, "BACK", float("nan"), 100]), "INVALID_MESSAGE"),
        (_frame(["Place", 1, MARKET, 1, "BACK", "2.0", -100]), "INVALID_MESSAGE"),
        (_frame(["Place", 1, MARKET, 1, "SIDEWAYS", "2.0", 100]), "INVALID_MESSAGE"),
        (_frame(["Place", 1, MARKET, 1, "BACK", "2.0", 100, "x" * 33]), "INVALID_MESSAGE"),
        (_frame(["Cancel", 1, 2**64 - 1]), "INVALID_MESSAGE"),  # beyond the id range
        (_frame(["Ack", 1, 2]), "INVALID_MESSAGE"),  # a server message from a client
        (b"\x00\x00\x00\x00", "MALFORMED_FRAME"),  # empty body
    ],
)
def test_bad_frames_get_a_coded_error_and_the_session_survives(payload: bytes, code: str) -> None:
    async def main() -> None:
        async with gateway() as gw:
            raw = await Raw.open(gw)
            await raw.login("alice")
            raw.send(payload)
            await _expect_error(raw, code)
            raw.send_msg(p.Ping(7))
            assert await raw.recv() == p.Pong(7)  # same session still served
            raw.close()
            await _still_trades(gw)

    run(main())


@pytest.mark.parametrize(
    ("payload", "req"),
    [
        (_frame(["MarketAction", 41, MARKET, "OPEN"]), 41),  # a literal out of its set
        (_frame(["Place", 42, MARKET, 1, "BACK", "2.0", -100]), 42),
        (_frame(["Hello", "one", "x", 43]), 43),  # req is not always the first field
        (_frame(["Place", "x", MARKET]), 0),  # the req itself is bad: nothing to echo
        (_frame(["Nope", 44]), 0),  # an unknown tag has no req field
    ],
)
def test_an_invalid_message_gets_its_req_echoed(payload: bytes, req: int) -> None:
    async def main() -> None:
        async with gateway() as gw:
            raw = await Raw.open(gw)
            await raw.login("admin")
            raw.send(payload)
            err = await _expect_error(raw, "INVALID_MESSAGE")
            assert err.req == req
            raw.close()

    run(main())


def test_the_client_refuses_an_invalid_message_before_sending_it() -> None:
    async def main() -> None:
        async with gateway() as gw:
            admin = await client(gw, "admin", timeout=30.0)
            with pytest.raises(InvalidMessage) as info:
                await admin.admin(p.MarketAction(0, MARKET, "OPEN"))  # type: ignore[arg-type]
            assert info.value.code == "INVALID_MESSAGE"
            assert "MarketAction.action" in str(info.value)
            assert gw.metrics.counters['errors|code="INVALID_MESSAGE"'] == 0  # never sent
            assert isinstance(await admin.admin(p.MarketAction(0, MARKET, "suspend")), p.Done)
            await admin.close()

    run(main())


def test_the_client_fails_a_request_at_once_on_an_error_with_its_req() -> None:
    async def main() -> None:
        async with gateway() as gw:
            admin = await client(gw, "admin", timeout=30.0)
            # Bypass the client's own check, as an older or foreign client would not have it.
            admin._check = type("NoCheck", (), {"decode": staticmethod(lambda body: None)})()
            with pytest.raises(InvalidMessage):
                await admin.admin(p.MarketAction(0, MARKET, "OPEN"))  # type: ignore[arg-type]
            await admin.close()

    run(main())


def test_oversized_length_is_refused_before_reading_and_closes() -> None:
    async def main() -> None:
        async with gateway(max_frame=1024) as gw:
            raw = await Raw.open(gw)
            raw.send((10**9).to_bytes(4, "big") + b"x" * 10)
            await _expect_error(raw, "FRAME_TOO_LARGE")
            assert await raw.closed()
            await _still_trades(gw)

    run(main())


def test_truncated_frame_then_close_leaves_the_server_fine() -> None:
    async def main() -> None:
        async with gateway() as gw:
            raw = await Raw.open(gw)
            raw.send(p.frame(p.Hello(p.PROTOCOL_VERSION))[:-2])  # the header promises more
            await asyncio.sleep(0.05)
            raw.close()
            await asyncio.sleep(0.05)
            await _still_trades(gw)

    run(main())


def test_trading_before_login_is_refused() -> None:
    async def main() -> None:
        async with gateway() as gw:
            raw = await Raw.open(gw)
            raw.send_msg(p.Place(3, MARKET, 1, "BACK", "2.0", 100))
            err = await _expect_error(raw, "NOT_LOGGED_IN")
            assert err.req == 3
            raw.send_msg(p.GetBalance(4))
            await _expect_error(raw, "NOT_LOGGED_IN")
            raw.send_msg(p.Ping(5))
            assert await raw.recv() == p.Pong(5)
            assert gw.engine.exchange.orders() == []
            raw.close()

    run(main())


def test_bad_credentials_and_version() -> None:
    async def main() -> None:
        async with gateway() as gw:
            raw = await Raw.open(gw)
            raw.send_msg(p.Hello(p.PROTOCOL_VERSION))
            welcome = await raw.recv()
            assert isinstance(welcome, p.Welcome) and len(welcome.nonce) == 32
            raw.send_msg(p.Login(1, "alice", api_key="wrong"))
            await _expect_error(raw, "AUTH_FAILED")
            raw.send_msg(p.Login(2, "mallory", api_key="x"))
            await _expect_error(raw, "AUTH_FAILED")
            raw.send_msg(p.Login(3, "alice", hmac="00" * 32))
            await _expect_error(raw, "AUTH_FAILED")
            raw.close()
            bad = await client(gw, "alice", reconnect=False)
            with pytest.raises(AuthError):
                await bad.login("alice", KEYS["bob"])  # already logged in
            await bad.close()
            old = await Raw.open(gw)
            old.send_msg(p.Hello(99))
            await _expect_error(old, "UNSUPPORTED_VERSION")
            assert await old.closed()

    run(main())


def test_a_failed_login_rotates_the_nonce_and_three_close_the_connection() -> None:
    async def main() -> None:
        async with gateway() as gw:
            key_hash = hash_key(KEYS["alice"])
            raw = await Raw.open(gw)
            raw.send_msg(p.Hello(p.PROTOCOL_VERSION))
            first = await raw.recv()
            assert isinstance(first, p.Welcome)
            raw.send_msg(p.Login(1, "alice", api_key="wrong"))
            await _expect_error(raw, "AUTH_FAILED")
            # the right HMAC, but for the nonce before the failure: refused
            raw.send_msg(p.Login(2, "alice", hmac=hmac_login(key_hash, first.nonce)))
            await _expect_error(raw, "AUTH_FAILED")
            # a new Hello gives the new nonce, and the right HMAC for it logs in
            raw.send_msg(p.Hello(p.PROTOCOL_VERSION))
            second = await raw.recv()
            assert isinstance(second, p.Welcome) and second.nonce != first.nonce
            raw.send_msg(p.Login(3, "alice", hmac=hmac_login(key_hash, second.nonce)))
            assert isinstance(await raw.recv(), p.LoggedIn)
            raw.close()
            # three failures on one connection: it is closed after the third error
            guesser = await Raw.open(gw)
            for req in range(3):
                guesser.send_msg(p.Login(req, "alice", api_key=f"guess-{req}"))
                await _expect_error(guesser, "AUTH_FAILED")
            assert await guesser.closed()
            assert gw.metrics.counters["login_failed"] == 5

    run(main())


def test_acting_on_another_accounts_order_is_refused() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice, bob = await client(gw, "alice"), await client(gw, "bob")
            ack = await alice.place(MARKET, 1, "BACK", "2.0", 100)
            assert isinstance(ack, p.Ack)
            for reply in (await bob.cancel(ack.order_id), await bob.replace(ack.order_id, "3.0")):
                assert isinstance(reply, p.Reject) and reply.code == "NOT_OWNER"
            mine = await bob.orders()
            assert mine.orders == []  # bob never sees alice's orders
            assert gw.engine.exchange.order(ack.order_id).size_remaining == 100
            await alice.close()
            await bob.close()

    run(main())


def test_admin_messages_from_a_normal_account_are_forbidden() -> None:
    async def main() -> None:
        async with gateway() as gw:
            raw = await Raw.open(gw)
            await raw.login("alice")
            for msg in (
                p.CreateMarket(5, "9.9", [1, 2]),
                p.MarketAction(6, MARKET, "suspend"),
                p.Deposit(7, "alice", 10**9),
                p.CreatePool(8, "P", "WIN", 4),
            ):
                raw.send_msg(msg)
                await _expect_error(raw, "FORBIDDEN")
            assert gw.engine.exchange.markets() == [MARKET]
            raw.close()
            admin = await client(gw, "admin")
            assert isinstance(await admin.admin(p.MarketAction(0, MARKET, "suspend")), p.Done)
            await admin.close()

    run(main())


def test_flood_beyond_the_rate_limit_is_rejected_and_others_unaffected() -> None:
    async def main() -> None:
        async with gateway(rate=5.0, burst=10.0) as gw:
            raw = await Raw.open(gw)
            await raw.login("alice")
            n = 200
            raw.writer.write(
                b"".join(p.frame(p.Place(i + 1, MARKET, 1, "BACK", "2.0", 100)) for i in range(n))
            )
            replies = [await raw.recv() for _ in range(n)]
            limited = [r for r in replies if isinstance(r, p.Reject) and r.code == "RATE_LIMITED"]
            acked = [r for r in replies if isinstance(r, p.Ack)]
            assert len(acked) <= 12 and len(limited) >= n - 12
            assert len(gw.engine.exchange.orders(account="alice")) == len(acked)
            raw.close()
            await _still_trades(gw)  # bob has his own bucket

    run(main())


def test_connection_caps_total_and_per_account() -> None:
    async def main() -> None:
        async with gateway(max_connections=3, max_connections_per_account=1) as gw:
            a1 = await Raw.open(gw)
            await a1.login("alice")
            a2 = await Raw.open(gw)
            a2.send_msg(p.Hello(p.PROTOCOL_VERSION))
            await a2.recv()
            a2.send_msg(p.Login(1, "alice", api_key=KEYS["alice"]))
            await _expect_error(a2, "TOO_MANY_CONNECTIONS")
            a3 = await Raw.open(gw)
            await asyncio.sleep(0.05)
            a4 = await Raw.open(gw)
            await _expect_error(a4, "TOO_MANY_CONNECTIONS")
            assert await a4.closed()
            for r in (a1, a2, a3):
                r.close()

    run(main())


def test_idle_timeout_closes_silent_connections() -> None:
    async def main() -> None:
        async with gateway(idle_timeout_s=0.3) as gw:
            raw = await Raw.open(gw)
            await raw.login("alice")
            await _expect_error(raw, "IDLE_TIMEOUT")
            assert await raw.closed()

    run(main())


_PRICES = ["2.0", "2.02", "2.04", "2.06", "2.08", "2.1", "2.12", "2.14", "2.16", "2.18"]


async def _reader_that_never_reads(gw: Any) -> tuple[Raw, Client]:
    """carol, subscribed to MARKET on a tiny receive window and never reading, and alice."""
    carol = await Raw.open(gw, rcvbuf=2048)
    await carol.login("carol")
    carol.send_msg(p.Subscribe(2, market_id=MARKET))
    return carol, await client(gw, "alice")


async def _place_until(alice: Client, done: Callable[[], bool]) -> None:
    """Orders that each change carol's market data, until ``done()`` (at most 20 s: a fixed
    count of orders can end too early on a fast machine)."""
    deadline = time.monotonic() + 20
    i = 0
    while not done() and time.monotonic() < deadline:
        await alice.place(MARKET, 1 + i % 3, "BACK", _PRICES[i % 10], 100 + i % 10_000)
        i += 1


def test_slow_consumer_is_conflated_then_disconnected() -> None:
    async def main() -> None:
        async with gateway(
            send_high=2048, slow_consumer_s=0.3, book_depth=10, socket_sndbuf=4096
        ) as gw:
            slow, alice = await _reader_that_never_reads(gw)
            # once her buffer is over the high-water mark her market data is conflated
            # (skipped, an image owed), and when she stays behind she is dropped
            await _place_until(alice, lambda: not gw.by_account["carol"])
            assert gw.metrics.counters["md_conflated"] > 0
            assert not gw.by_account["carol"]
            assert gw.metrics.counters["slow_consumer_disconnects"] == 1
            slow.close()
            await alice.close()
            await _still_trades(gw)

    run(main())


@pytest.mark.timeout(30)
def test_stop_does_not_wait_for_a_client_that_never_reads() -> None:
    # carol subscribes and never reads; she is never dropped as a slow consumer here, so her
    # connection still holds unsent market data when the gateway stops: a graceful close
    # alone would wait for her forever (and the event loop's shutdown with it)
    async def main() -> None:
        async with gateway(
            send_high=2048, slow_consumer_s=600, book_depth=10, socket_sndbuf=4096
        ) as gw:
            carol, alice = await _reader_that_never_reads(gw)
            (session,) = gw.by_account["carol"]
            await _place_until(alice, lambda: session.paused)
            assert session.transport is not None
            assert session.transport.get_write_buffer_size() > 0
            await alice.close()
        # stop() returned with every connection gone, carol's aborted (she read nothing)
        assert not gw.sessions
        assert await carol.closed()

    run(main())


def test_store_failure_fails_closed_and_recovers() -> None:
    async def main() -> None:
        store = MemoryStore()
        async with gateway(store=store) as gw:
            alice = await client(gw, "alice")
            store.fail_appends = True
            reply = await alice.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="lost")
            assert isinstance(reply, p.Reject) and reply.code == "UNAVAILABLE"
            assert gw.fail_closed and not gw.healthy()
            again = await alice.place(MARKET, 1, "BACK", "2.0", 100)
            assert isinstance(again, p.Reject) and again.code == "UNAVAILABLE"
            store.fail_appends = False
            for _ in range(100):
                if not gw.fail_closed:
                    break
                await asyncio.sleep(0.05)
            assert not gw.fail_closed
            # the unacknowledged place was not kept: placing it again places it once
            ok = await alice.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="lost")
            assert isinstance(ok, p.Ack) and not ok.duplicate
            assert len(gw.engine.exchange.orders(account="alice")) == 1
            await alice.close()

    run(main())


def test_an_internal_error_in_a_batch_fails_closed_then_recovers() -> None:
    async def main() -> None:
        async with gateway() as gw:
            alice = await client(gw, "alice")

            def broken(account: str, cmd: object, res: object) -> object:
                raise RuntimeError("injected bug")

            gw.engine.apply = broken  # type: ignore[method-assign]
            reply = await alice.place(MARKET, 1, "BACK", "2.0", 100)
            assert isinstance(reply, p.Reject) and reply.code == "UNAVAILABLE"
            assert gw.fail_closed
            for _ in range(100):  # recovery rebuilds the engine from the store
                if not gw.fail_closed:
                    break
                await asyncio.sleep(0.05)
            assert not gw.fail_closed and gw.engine.apply is not broken
            await _still_trades(gw)
            await alice.close()

    run(main())


def test_a_flood_of_bad_frames_is_logged_without_flooding_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        async with gateway() as gw:
            raw = await Raw.open(gw)
            raw.send(b"\x00\x00\x00\x01\xc1" * 500)
            for _ in range(500):
                await _expect_error(raw, "MALFORMED_FRAME")
            raw.close()

    with caplog.at_level("INFO", logger="pybet.gateway.session"):
        run(main())
    lines = [r.getMessage() for r in caplog.records if "event=error" in r.getMessage()]
    assert 1 <= len(lines) <= 25
    assert all("code=MALFORMED_FRAME" in line for line in lines)
