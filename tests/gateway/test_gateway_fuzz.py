"""Fuzzing: thousands of random and mutated frames against a live server, then a well-behaved
client still trades; and the decoder on arbitrary bytes (hypothesis)."""

from __future__ import annotations

import asyncio
import random

import msgspec
from gwtest import MARKET, Raw, client, gateway, run
from hypothesis import given
from hypothesis import strategies as st

from pybet import protocol as p
from pybet.errors import ProtocolError

VALID = [
    p.Hello(p.PROTOCOL_VERSION),
    p.Login(1, "alice", api_key="alice-key"),
    p.Place(2, MARKET, 1, "BACK", "2.0", 100, "c1"),
    p.Place(3, MARKET, 2, "LAY", 3.5, 250, None, "FOK", "PERSIST", 100),
    p.Cancel(4, 1, 50),
    p.Replace(5, 1, "2.5"),
    p.PoolBet(6, "P", [1, 2], 100),
    p.Subscribe(7, market_id=MARKET),
    p.GetOrders(8),
    p.GetBalance(9),
    p.CreateMarket(10, "2.2", [1, 2]),
    p.Ping(11),
]
_enc = msgspec.msgpack.Encoder()
_ATOMS: list[object] = [
    0,
    -1,
    2**63 - 1,
    -(2**63),
    1.5,
    float("nan"),
    float("inf"),
    "",
    "x" * 40,
    None,
    True,
    [],
    {},
    b"\x00",
    "BACK",
    MARKET,
]


def _random_frame(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.25:  # random bytes behind a correct length
        body = rng.randbytes(rng.randrange(0, 64))
    elif kind < 0.6:  # a valid message with bytes flipped, cut or appended
        body = bytearray(p.encode(rng.choice(VALID)))
        for _ in range(rng.randrange(1, 4)):
            op = rng.random()
            if op < 0.5 and body:
                body[rng.randrange(len(body))] = rng.randrange(256)
            elif op < 0.75 and body:
                del body[rng.randrange(len(body)) :]
            else:
                body += rng.randbytes(rng.randrange(1, 8))
        body = bytes(body)
    else:  # a valid tag with random fields
        tag = type(rng.choice(VALID)).__name__
        body = _enc.encode([tag, *(rng.choice(_ATOMS) for _ in range(rng.randrange(0, 9)))])
    frame = len(body).to_bytes(4, "big") + body
    if rng.random() < 0.005:  # now and then a length that cannot be honoured
        frame = rng.randbytes(4) + body
    return frame


def test_thousands_of_random_frames_then_a_good_client_still_trades() -> None:
    async def main() -> None:
        rng = random.Random(20261201)
        async with gateway(rate=1e9, burst=1e9) as gw:
            sent = 0
            conns = 0
            while sent < 3000:
                raw = await Raw.open(gw)
                conns += 1
                if rng.random() < 0.5:
                    await raw.login("carol")
                n = rng.randrange(10, 200)
                burst = b"".join(_random_frame(rng) for _ in range(n))
                sent += n
                raw.send(burst)
                await asyncio.sleep(0)
                raw.writer.close()
            await asyncio.sleep(0.2)
            assert all(not t.done() for t in gw._tasks)  # engine owner and timers alive
            assert conns > 10
            alice, bob = await client(gw, "alice"), await client(gw, "bob")
            back = await alice.place(MARKET, 3, "BACK", "10", 500)
            lay = await bob.place(MARKET, 3, "LAY", "10", 500)
            assert isinstance(back, p.Ack) and isinstance(lay, p.Ack)
            assert lay.size_matched == 500
            await alice.close()
            await bob.close()

    run(main())


@given(st.binary(max_size=256))
def test_decoder_on_any_bytes_returns_a_message_or_a_protocol_error(body: bytes) -> None:
    dec = p.Decoder("client")
    try:
        msg = dec.decode(body)
    except ProtocolError as exc:
        assert exc.code in ("MALFORMED_FRAME", "INVALID_MESSAGE")
    else:
        assert isinstance(msg, msgspec.Struct)


@given(st.lists(st.binary(max_size=64), max_size=20), st.integers(1, 7))
def test_frame_reader_reassembles_any_split(bodies: list[bytes], chunk: int) -> None:
    stream = b"".join(len(b).to_bytes(4, "big") + b for b in bodies)
    reader = p.FrameReader(1024)
    out: list[bytes] = []
    for i in range(0, len(stream), chunk):
        out.extend(reader.feed(stream[i : i + chunk]))
    assert out == bodies and reader.pending == 0
