"""The wire protocol: every message round-trips, framing, validation codes, JSON Schema."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybet import protocol as p
from pybet.errors import FrameTooLarge, InvalidMessage, ProtocolError

CLIENT = [
    p.Hello(p.PROTOCOL_VERSION, "t"),
    p.Login(1, "alice", api_key="k"),
    p.Login(1, "alice", hmac="ab" * 32),
    p.Ping(2),
    p.Place(3, "1.1", 1, "BACK", "2.5", 100, "c", "IOC", "PERSIST", 50),
    p.Place(3, "1.1", 1, "LAY", 2.5, 100),
    p.Cancel(4, 7, 10),
    p.Replace(5, 7, "3.0"),
    p.PoolBet(6, "P", [1, 2, 3], 200),
    p.Subscribe(7, market_id="1.1"),
    p.Unsubscribe(8, pool_id="P"),
    p.GetOrders(9, "1.1"),
    p.GetBalance(10),
    p.CreateMarket(11, "1.2", [1, 2], 1, 500, 2),
    p.MarketAction(12, "1.2", "in_play"),
    p.RemoveRunner(13, "1.2", 2, "12.5"),
    p.SettleMarket(14, "1.2", [1, 2], {1: "0.5", 2: "0.5"}),
    p.Deposit(15, "bob", 100),
    p.Withdraw(16, "bob", 100),
    p.CreatePool(17, "P", "TRIFECTA", 8),
    p.ClosePool(18, "P"),
    p.ScratchRunner(19, "P", 3),
    p.SettlePool(20, "P", [[1], [2, 3]]),
]
SERVER = [
    p.Welcome(1, "n"),
    p.LoggedIn(1, "alice", True),
    p.Ack(1, 2, "1.1", 1, "BACK", 2.5, 100, "EXECUTABLE", 0, 100),
    p.Reject(1, "INVALID_PRICE", "x", "c"),
    p.Fill(0, 2, "1.1", 1, "LAY", 2.5, 10, True),
    p.Cancelled(1, 2, 10, 0),
    p.MarketUpdate(0, "1.1", 3, False, "OPEN", False, [p.RunnerBook(1, [p.Level(2.5, 0)], [])]),
    p.PoolOdds(0, "P", 1, 100, [1.5, 2.0]),
    p.PoolTicket(1, "P", 0, 100),
    p.Balance(1, "a", 10, 5),
    p.Orders(1, []),
    p.Done(1),
    p.Error(0, "MALFORMED_FRAME"),
    p.Pong(1),
]


@pytest.mark.parametrize("msg", CLIENT, ids=lambda m: type(m).__name__)
def test_client_messages_round_trip(msg: msgspec.Struct) -> None:
    assert p.Decoder("client").decode(p.encode(msg)) == msg


@pytest.mark.parametrize("msg", SERVER, ids=lambda m: type(m).__name__)
def test_server_messages_round_trip(msg: msgspec.Struct) -> None:
    assert p.Decoder("server").decode(p.encode(msg)) == msg


def test_every_message_is_covered() -> None:
    assert {type(m) for m in CLIENT} == set(p.ClientMessage.__args__)
    assert {type(m) for m in SERVER} == set(p.ServerMessage.__args__)


def test_frames_are_length_prefixed_big_endian() -> None:
    f = p.frame(p.Ping(1))
    assert int.from_bytes(f[:4], "big") == len(f) - 4
    assert p.Encoder().frame(p.Ping(1)) == f


def test_max_frame_is_checked_before_the_body_arrives() -> None:
    reader = p.FrameReader(max_frame=100)
    with pytest.raises(FrameTooLarge) as info:
        reader.feed((101).to_bytes(4, "big"))  # no body sent yet
    assert info.value.code == "FRAME_TOO_LARGE"
    ok = p.FrameReader(max_frame=100)
    assert ok.feed((100).to_bytes(4, "big") + b"x" * 100) == [b"x" * 100]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=300), max_size=12),
    st.lists(st.integers(0, 4000), max_size=8),
)
def test_frames_split_anywhere_come_out_whole_and_in_order(
    bodies: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(len(b).to_bytes(4, "big") + b for b in bodies)
    reader = p.FrameReader(max_frame=300)
    got: list[bytes] = []
    last = 0
    for cut in [*sorted(c % (len(stream) + 1) for c in cuts), len(stream)]:
        got += reader.feed(stream[last:cut])
        last = cut
    assert got == bodies
    assert all(type(b) is bytes for b in got)
    assert reader.pending == 0
    # a partial frame waits for the rest
    assert reader.feed(stream[: len(stream) - 1] if stream else b"") == bodies[:-1]
    assert reader.pending == (4 + len(bodies[-1]) - 1 if bodies else 0)


def test_validation_codes() -> None:
    dec = p.Decoder("client")
    with pytest.raises(ProtocolError) as info:
        dec.decode(b"\xc1")
    assert info.value.code == "MALFORMED_FRAME"
    enc = msgspec.msgpack.Encoder()
    for bad in (
        ["Place", 1, "1.1", 1, "BACK", float("nan"), 100],
        ["Place", 1, "1.1", 1, "BACK", float("inf"), 100],
        ["Place", 1, "1.1", 1, "BACK", "2.0", 0],
        ["Place", 1, "1.1", -1, "BACK", "2.0", 10],
        ["Place", 1, "", 1, "BACK", "2.0", 10],
        ["Cancel", -5, 1],
        ["Unknown"],
        ["Place", 1, "1.1", 1, "BACK", "2.0", 10, None, "GTC", "LAPSE", None, "extra"],
    ):
        with pytest.raises(InvalidMessage) as inv:
            dec.decode(enc.encode(bad))
        assert inv.value.code == "INVALID_MESSAGE"


def test_json_schema_lists_every_message() -> None:
    schema = p.json_schema()
    names = set(schema["$defs"])
    for cls in (*p.ClientMessage.__args__, *p.ServerMessage.__args__):
        assert cls.__name__ in names
    assert schema["$defs"]["Place"]["type"] == "array"
    msgspec.json.encode(schema)  # serialisable


def test_engine_reports_and_events_are_encodable_through_the_protocol_module() -> None:
    import pybet

    ex = pybet.Exchange()
    ex.create_market("m", [1, 2])
    ex.open_market("m")
    ex.deposit("a", 10**6)
    ex.deposit("b", 10**6)
    rep = ex.place("m", 1, "BACK", "2.0", 100, "a")
    taker = ex.place("m", 1, "LAY", "2.0", 40, "b")
    for obj in (rep, taker, ex.book("m", 1), ex.order(rep.order_id), *ex.events()):
        decoded = msgspec.msgpack.decode(p.encode(obj))
        assert decoded == msgspec.msgpack.decode(msgspec.msgpack.encode(p.to_builtins(obj)))
        assert isinstance(decoded, dict) and decoded
    assert p.to_builtins(pybet.Side.LAY) == "LAY"
    assert p.to_builtins(taker)["fills"][0]["size"] == 40
    with pytest.raises(TypeError):
        p.encode(object())  # type: ignore[arg-type]
