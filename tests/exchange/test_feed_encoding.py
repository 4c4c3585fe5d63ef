"""The history feed's encoding of engine events (core_ext/src/feed.rs through
``Exchange.events_arrays_and_feed``) is ``Event.to_dict()`` without ``seq``, enum values as
their names: same kinds, field names (in order), value types and values, same order of events,
for every event kind; a random command stream encodes the same both ways; the batch framing
(``pybet.feed.encode_batch`` / ``decode_batch``) holds any number of events."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet
from pybet import OrderType, Persistence
from pybet._core import event_kinds
from pybet.errors import StoreError
from pybet.feed import decode_batch, encode_batch

_ENUM_CLASSES: tuple[type, ...] = (
    pybet.Side,
    pybet.MarketStatus,
    pybet.OrderStatus,
    pybet.Persistence,
    pybet.TimeInForce,
    pybet.OrderType,
)
#: (enum class, int value) -> member name, from the classes themselves
_ENUM_NAMES: dict[tuple[type, int], str] = {
    (cls, int(getattr(cls, name))): name
    for cls in _ENUM_CLASSES
    for name in dir(cls)
    if name.isupper() and isinstance(getattr(cls, name), cls)
}
ALL_KINDS = {name for _code, name in event_kinds()}
ALL_REASONS = {"CANCELLED", "LAPSED", "EXPIRED", "KILLED", "MARKET_CLOSED", "TO_STARTING_PRICE"}


def as_feed(value: Any) -> Any:
    """An ``Event.to_dict()`` value as the feed carries it: an enum by its name."""
    if isinstance(value, _ENUM_CLASSES):
        member: Any = value
        return _ENUM_NAMES[(type(value), int(member))]
    if isinstance(value, list):
        return [as_feed(v) for v in value]
    return value


def expected_map(event: pybet.Event) -> dict[str, Any]:
    return {k: as_feed(v) for k, v in event.to_dict().items() if k != "seq"}


def decode_maps(n: int, maps: bytes) -> list[dict[str, Any]]:
    """``n`` concatenated MessagePack maps, framed here as an array32 (independently of
    ``encode_batch``) and decoded with msgspec."""
    decoded: list[dict[str, Any]] = msgspec.msgpack.decode(b"\xdd" + n.to_bytes(4, "big") + maps)
    assert len(decoded) == n
    return decoded


def typed(d: dict[str, Any]) -> list[tuple[str, type, Any]]:
    """Field names in order, with each value's type (2 == 2.0 and 1 == True must not pass)."""
    return [(k, type(v), v) for k, v in d.items()]


class Twins:
    """Identical exchanges driven by the same calls: ``objects`` drained with ``events()``,
    ``feed`` with ``events_arrays_and_feed()``, ``arrays`` with ``events_arrays()``. A call
    that raises must raise the same on all three (it then returns None). With ``drain_each``
    every call is followed by a drain, as the gateway drains per batch."""

    def __init__(self, drain_each: bool = True, **kw: Any) -> None:
        self.objects, self.feed, self.arrays = (pybet.Exchange(**kw) for _ in range(3))
        self.drain_each = drain_each
        self.expected: list[dict[str, Any]] = []
        self.got: list[dict[str, Any]] = []
        self.drains = 0

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kw: Any) -> Any:
            outcomes = []
            for ex in (self.objects, self.feed, self.arrays):
                try:
                    outcomes.append(("ok", getattr(ex, name)(*args, **kw)))
                except pybet.PybetError as exc:
                    outcomes.append(("raised", type(exc)))
            assert outcomes[1][0] == outcomes[0][0] and outcomes[2][0] == outcomes[0][0]
            if self.drain_each:
                self.drain()
            return outcomes[0][1] if outcomes[0][0] == "ok" else None

        return call

    def drain(self) -> None:
        events = self.objects.events()
        arrays, n, maps = self.feed.events_arrays_and_feed()
        plain = self.arrays.events_arrays()
        assert n == len(events)
        self.expected += [expected_map(e) for e in events]
        self.got += decode_maps(n, maps)
        # the arrays half is what events_arrays() returns
        assert arrays.keys() == plain.keys()
        for key, column in plain.items():
            if isinstance(column, np.ndarray):
                assert np.array_equal(arrays[key], column), key
            else:
                assert arrays[key] == column, key
        self.drains += 1

    def check(self) -> None:
        self.drain()
        assert len(self.got) == len(self.expected)
        for i, (got, want) in enumerate(zip(self.got, self.expected, strict=True)):
            assert typed(got) == typed(want), (i, got, want)


def every_kind(t: Any) -> None:
    """A scenario that makes every event kind, every reachable cancel reason, a void (and
    purged) market, a dead heat, a removed runner, an in-play turn, SP reconciliations with
    and without a price, a cross-matched fill against the house and an order released from
    the bet delay."""
    for a in ("a", "b", "c"):
        t.deposit(a, 10**7)
    t.create_market("m1", [1, 2, 3])
    t.open_market("m1")
    r = t.place("m1", 1, "BACK", "2.0", 100, "a", client_order_id="x1")
    t.place("m1", 1, "LAY", "2.0", 40, "b")  # Fill
    t.cancel(r.order_id, "a", size_reduction=10)  # CANCELLED, the order still live
    t.place("m1", 1, "BACK", "2.0", 100, "a", client_order_id="x1")  # DUPLICATE_CLIENT_ORDER_ID
    t.place("m1", 1, "BACK", "2.0", 0, "a")  # INVALID_SIZE, no client order id
    t.place("m1", 1, "BACK", "2.0", 10**8, "c", client_order_id="big")  # INSUFFICIENT_FUNDS
    t.place("m1", 2, "LAY", "3.0", 50, "b", time_in_force="IOC")  # EXPIRED
    t.place("m1", 2, "LAY", "3.0", 50, "b", time_in_force="FOK", min_fill_size=10)  # KILLED
    rp = t.place("m1", 2, "BACK", "3.0", 70, "c")
    t.replace(rp.order_id, "3.5", "c")  # CANCELLED + a new OrderAccepted
    t.place("m1", 3, "BACK", "5.0", 30, "c", persistence="PERSIST")
    t.suspend_market("m1")
    t.resume_market("m1")
    t.turn_in_play("m1")  # in-play, LAPSED
    t.close_market("m1")  # the PERSIST order: MARKET_CLOSED
    t.settle_market("m1", [1])
    # a void market
    t.create_market("m2", [1, 2])
    t.open_market("m2")
    t.place("m2", 1, "BACK", "1.5", 20, "a")
    t.void_market("m2")
    t.purge_market("m2")  # with drain_each=False its events are drained after the purge
    # a removed runner and a dead heat
    t.create_market("m3", [1, 2, 3], places=1)
    t.open_market("m3")
    t.place("m3", 1, "BACK", "4.0", 100, "a")
    t.place("m3", 1, "LAY", "4.0", 100, "b")
    t.place("m3", 2, "BACK", "3.0", 50, "c")
    t.place("m3", 2, "LAY", "3.0", 50, "a")
    t.place("m3", 3, "BACK", "6.0", 10, "a")
    t.remove_runner("m3", 3, "23.5")
    t.settle_market("m3", [1, 2], dead_heat={1: Fraction(1, 2), 2: "1/2"})
    # starting price: a converting order (TO_STARTING_PRICE), SP fills, a runner without SP
    t.create_market("m4", [1, 2], min_stake=2, starting_price=True, min_sp_liability=10)
    t.open_market("m4")
    t.place("m4", 1, "LAY", "3", 50, "a")
    t.place("m4", 1, "LAY", "2.5", 80, "b", persistence=Persistence.MARKET_ON_CLOSE)
    t.place("m4", 1, "BACK", None, 100, "c", order_type=OrderType.MARKET_ON_CLOSE)
    t.place("m4", 1, "BACK", "8", 100, "c", order_type="LIMIT_ON_CLOSE")
    t.turn_in_play("m4")
    t.settle_market("m4", [1])
    # cross-matching: the house as the maker of a virtual fill
    t.create_market("m5", [1, 2], cross_matching=True)
    t.open_market("m5")
    t.place("m5", 2, "BACK", "2.0", 100, "a")
    t.place("m5", 1, "BACK", "2.0", 100, "b")
    # a bet delay: the order is accepted when advance_time releases it
    t.create_market("m6", [1, 2], bet_delay_ms=1000)
    t.open_market("m6")
    t.turn_in_play("m6")
    t.place("m6", 1, "BACK", "2.0", 10, "a", persistence="PERSIST", now_ms=1_000)
    t.advance_time(5_000)
    t.settle_market("m6", [2])


@pytest.mark.parametrize("drain_each", [True, False], ids=["drain-per-call", "one-drain"])
def test_every_event_kind_encodes_as_its_event_object(drain_each: bool) -> None:
    """Each map equals the event's ``to_dict()`` minus ``seq`` with enums as names (field
    order and value types included); the events come in the same order; the scenario reaches
    every kind the engine has and every cancel reason."""
    t = Twins(drain_each=drain_each, commission_rate=0.05)
    every_kind(t)
    t.check()
    got = t.got
    assert {m["kind"] for m in got} == ALL_KINDS
    assert all("seq" not in m for m in got)
    assert {m["reason"] for m in got if m["kind"] == "OrderCancelled"} == ALL_REASONS
    status = [m for m in got if m["kind"] == "MarketStatusChanged"]
    assert {m["status"] for m in status} == {"INACTIVE", "OPEN", "SUSPENDED", "CLOSED"}
    assert any(m["in_play"] for m in status)
    settled = [m for m in got if m["kind"] == "MarketSettled"]
    assert any(m["void"] and m["winners"] == [] for m in settled)
    assert any(len(m["winners"]) == 2 for m in settled)  # the dead heat
    sp = [m["price"] for m in got if m["kind"] == "StartingPriceReconciled"]
    assert None in sp and any(isinstance(p, float) for p in sp)
    assert any(m["reduction_factor"] == 23.5 for m in got if m["kind"] == "RunnerRemoved")
    fills = [m for m in got if m["kind"] == "Fill"]
    assert any(pybet.HOUSE_ACCOUNT in (m["maker_account"], m["taker_account"]) for m in fills)
    assert {m["side"] for m in got if m["kind"] == "OrderAccepted"} == {"BACK", "LAY"}
    rejected = {m["code"]: m["client_order_id"] for m in got if m["kind"] == "OrderRejected"}
    assert rejected["INVALID_SIZE"] is None and rejected["INSUFFICIENT_FUNDS"] == "big"
    if drain_each:
        assert t.drains > 50


def test_a_drain_without_events_is_empty() -> None:
    ex = pybet.Exchange()
    ex.events()
    _arrays, n, maps = ex.events_arrays_and_feed()
    assert (n, maps) == (0, b"")
    assert decode_batch(7, encode_batch([(n, maps)])) == []


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 65_535, 65_536, 70_000])
def test_batch_framing_holds_any_number_of_events(n: int) -> None:
    """``encode_batch`` frames drains of any size (fixarray, array16, array32 headers) and
    ``decode_batch`` numbers the events of a batch from 0, in drain order."""
    one = msgspec.msgpack.encode({"kind": "Settled", "pnl": -1})
    parts = [(n // 2, one * (n // 2)), (0, b""), (n - n // 2, one * (n - n // 2))]
    events = decode_batch(42, encode_batch(parts))
    assert len(events) == n
    assert [(e.seq, e.index) for e in events[:3]] == [(42, i) for i in range(min(n, 3))]
    if n:
        assert events[-1].index == n - 1 and events[-1].kind == "Settled"
        assert events[-1].data == {"kind": "Settled", "pnl": -1}
        assert events[-1].to_dict() == {"seq": 42, "index": n - 1, "kind": "Settled", "pnl": -1}


def test_an_entry_that_does_not_decode_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="feed entry 9"):
        decode_batch(9, b"\x91\xc1")
    with pytest.raises(StoreError, match="feed entry 9"):
        decode_batch(9, encode_batch([(2, msgspec.msgpack.encode({"kind": "x"}))]))


# -- random command streams ---------------------------------------------------------------------

PRICES = ["1.5", "1.9", "2.0", "2.1", "3.0", "5.0"]
ACCOUNTS = ["a", "b", "c", "broke"]  # "broke" never deposits: its orders are rejected
place = st.tuples(
    st.just("place"),
    st.sampled_from([1, 2, 3]),
    st.sampled_from(["BACK", "LAY"]),
    st.sampled_from(PRICES),
    st.integers(-1, 400),  # a multiple of 3: an SP (MARKET_ON_CLOSE) bet
    st.sampled_from(ACCOUNTS),
    st.sampled_from(["GTC", "GTC", "IOC", "FOK"]),
    st.sampled_from(["LAPSE", "PERSIST", "MARKET_ON_CLOSE"]),
    st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"])),
)
command = st.one_of(
    place,
    place,
    place,
    st.tuples(st.just("cancel"), st.integers(0, 30), st.one_of(st.none(), st.integers(1, 50))),
    st.tuples(st.just("replace"), st.integers(0, 30), st.sampled_from(PRICES)),
    st.tuples(st.just("many"), st.lists(st.tuples(st.integers(0, 1), st.integers(90, 140)))),
    st.tuples(st.just("drain")),
    st.tuples(
        st.just("market"),
        st.sampled_from(["suspend", "resume", "resume", "in_play", "reconcile", "remove"]),
    ),
)


def run_stream(t: Any, commands: list[tuple[Any, ...]], end: str) -> None:
    for a in ACCOUNTS[:-1]:
        t.deposit(a, 100_000)
    t.create_market("1.1", [1, 2, 3], starting_price=True)
    t.open_market("1.1")
    order_ids: list[int] = [0]
    for cmd in commands:
        kind = cmd[0]
        if kind == "place":
            _, runner, side, price, size, account, tif, persistence, coid = cmd
            order_type = "MARKET_ON_CLOSE" if size % 3 == 0 else "LIMIT"
            rep = t.place(
                "1.1",
                runner,
                side,
                None if order_type == "MARKET_ON_CLOSE" else price,
                size,
                account,
                client_order_id=coid,
                time_in_force=tif if order_type == "LIMIT" else "GTC",
                persistence=persistence,
                min_fill_size=size // 2 if tif == "FOK" and size > 1 else None,
                order_type=order_type,
            )
            if rep is not None and rep.order_id:
                order_ids.append(rep.order_id)
        elif kind in ("cancel", "replace"):
            # mostly a live order (its owner's), sometimes a finished, unknown or foreign one
            live = [(o.order_id, o.account) for o in t.objects.orders(live_only=True)]
            if live and cmd[1] % 5:
                target, owner = live[cmd[1] % len(live)]
            else:
                target, owner = order_ids[cmd[1] % len(order_ids)], ACCOUNTS[cmd[1] % 4]
            if kind == "cancel":
                t.cancel(target, owner, size_reduction=cmd[2])
            else:
                t.replace(target, cmd[2], owner)
        elif kind == "many":
            rows = cmd[1]
            t.place_many(
                "1.1",
                np.array([1 + i % 3 for i in range(len(rows))], dtype=np.int64),
                np.array([side for side, _ in rows], dtype=np.uint8),
                np.array([tick for _, tick in rows], dtype=np.uint16),
                np.full(len(rows), 25, dtype=np.int64),
                [ACCOUNTS[i % 4] for i in range(len(rows))],
            )
        elif kind == "drain":
            t.drain()
        elif cmd[1] == "remove":
            t.remove_runner("1.1", 3, "12.5")
        else:
            call = {
                "suspend": "suspend_market",
                "resume": "resume_market",
                "in_play": "turn_in_play",
                "reconcile": "reconcile_starting_price",
            }[cmd[1]]
            getattr(t, call)("1.1")
    if end == "void":
        t.void_market("1.1")
    elif end in ("settle", "purge"):
        t.settle_market("1.1", [1])
        if end == "purge":
            t.purge_market("1.1")  # the undrained events still name the market


@settings(max_examples=60, deadline=None)
@given(
    commands=st.lists(command, min_size=3, max_size=60),
    end=st.sampled_from(["settle", "void", "purge", "open"]),
    drain_each=st.booleans(),
)
def test_random_command_streams_encode_the_same_both_ways(
    commands: list[tuple[Any, ...]], end: str, drain_each: bool
) -> None:
    """Whatever the commands (rejections, fills, cancels, replaces, batch places, SP bets,
    in-play, a removed runner, settlement, void or purge) and wherever the drains fall, the
    feed's maps are the event objects' dicts."""
    t = Twins(drain_each=drain_each, commission_rate=0.02)
    run_stream(t, commands, end)
    t.check()
