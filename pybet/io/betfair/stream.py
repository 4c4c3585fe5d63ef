"""Betfair Exchange Stream API recordings: parsing and the ladder state after each message.

A recording holds one JSON message per line (``op: "mcm"``), optionally gzip-compressed. Each
message carries market changes; a market change may carry a market definition (status, in-play,
runners and their results) and runner changes: ``atb`` / ``atl`` (available to back / lay),
``trd`` (traded volume), ``bdatb`` / ``bdatl`` (best display depth), ``ltp`` and ``tv``, and
for markets with Betfair Starting Price ``spn`` / ``spf`` (near and far projections; Betfair
sends ``"NaN"`` or ``"Infinity"`` when one is undefined, read as None) and ``spb`` / ``spl``
(SP back stake and SP lay liability by price).

Sizes are turned into integer minor units (pence: ``round(size * 100)``) and prices are kept as
the decimal odds of the stream (floats) and as pybet ladder ticks. :class:`MarketCache` applies
the deltas and holds the full ladder of every runner after each message.

    from pybet.io import betfair
    for msg in betfair.read_stream("1.197931750.stream"):
        ...
    cache = betfair.replay("1.197931750.stream")["1.197931750"]
    cache.definition.winners()
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from pybet.errors import InvalidArgument
from pybet.ladder import PRICES

__all__ = [
    "Ladder",
    "MarketCache",
    "MarketChange",
    "MarketDefinition",
    "RunnerChange",
    "RunnerDefinition",
    "StreamMessage",
    "load_stream",
    "parse_message",
    "price_tick",
    "read_stream",
    "replay",
    "to_minor",
]

# The stream's prices are JSON numbers; every ladder price is exactly one float.
_TICK_OF_PRICE: dict[float, int] = {float(p): i for i, p in enumerate(PRICES)}

Level = tuple[float, int]


def to_minor(size: float) -> int:
    """Pounds with two decimals to pence (the stream's sizes are money)."""
    return round(size * 100)


def price_tick(price: float) -> int:
    """The pybet ladder tick of a stream price; raises ``InvalidArgument`` off the ladder."""
    try:
        return _TICK_OF_PRICE[float(price)]
    except KeyError:
        raise InvalidArgument(f"price {price!r} is not on the Betfair ladder") from None


@dataclass(frozen=True, slots=True)
class RunnerDefinition:
    """One runner of a market definition: ``status`` is ACTIVE, WINNER, LOSER, REMOVED..."""

    selection_id: int
    status: str
    sort_priority: int | None = None
    adjustment_factor: float | None = None
    name: str | None = None
    bsp: float | None = None


@dataclass(frozen=True, slots=True)
class MarketDefinition:
    """The market definition of a market change (the full definition, not a delta)."""

    status: str
    in_play: bool
    bet_delay: int
    number_of_winners: int
    market_type: str | None
    market_base_rate: float | None
    version: int | None
    runners: tuple[RunnerDefinition, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)

    def winners(self) -> list[int]:
        """Selection ids whose status is WINNER (empty until the market is settled)."""
        return [r.selection_id for r in self.runners if r.status == "WINNER"]

    def runner_ids(self) -> list[int]:
        return [r.selection_id for r in self.runners]


@dataclass(frozen=True, slots=True)
class RunnerChange:
    """A runner's deltas; every size is in minor units and a size of 0 removes the level."""

    selection_id: int
    atb: tuple[Level, ...] = ()
    atl: tuple[Level, ...] = ()
    trd: tuple[Level, ...] = ()
    bdatb: tuple[tuple[int, float, int], ...] = ()
    bdatl: tuple[tuple[int, float, int], ...] = ()
    ltp: float | None = None
    tv: int | None = None
    img: bool = False
    spn: float | None = None
    spf: float | None = None
    spb: tuple[Level, ...] = ()
    spl: tuple[Level, ...] = ()


@dataclass(frozen=True, slots=True)
class MarketChange:
    """One market's part of a message; ``img`` replaces the cached state instead of a delta."""

    market_id: str
    definition: MarketDefinition | None
    runner_changes: tuple[RunnerChange, ...]
    img: bool = False
    tv: int | None = None
    conflated: bool = False


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One line of the recording: ``pt`` publish time (ms since the epoch), ``clk`` the clock."""

    pt: int
    clk: str | None
    changes: tuple[MarketChange, ...]


def _levels(raw: Iterable[list[float]]) -> tuple[Level, ...]:
    return tuple((float(p), to_minor(s)) for p, s in raw)


def _display(raw: Iterable[list[float]]) -> tuple[tuple[int, float, int], ...]:
    return tuple((int(pos), float(p), to_minor(s)) for pos, p, s in raw)


def _definition(d: dict[str, Any]) -> MarketDefinition:
    runners = tuple(
        RunnerDefinition(
            selection_id=int(r["id"]),
            status=str(r.get("status", "ACTIVE")),
            sort_priority=r.get("sortPriority"),
            adjustment_factor=r.get("adjustmentFactor"),
            name=r.get("name"),
            bsp=r.get("bsp"),
        )
        for r in d.get("runners", [])
    )
    return MarketDefinition(
        status=str(d.get("status", "OPEN")),
        in_play=bool(d.get("inPlay", False)),
        bet_delay=int(d.get("betDelay", 0)),
        number_of_winners=int(d.get("numberOfWinners", 1)),
        market_type=d.get("marketType"),
        market_base_rate=d.get("marketBaseRate"),
        version=d.get("version"),
        runners=runners,
        raw=d,
    )


def _sp_value(v: Any) -> float | None:
    """A starting-price projection: a number, or None for Betfair's ``"NaN"`` /
    ``"Infinity"`` (quoted or bare) that mean undefined."""
    if v is None or isinstance(v, str):
        return None  # "NaN", "Infinity", "-Infinity"
    value = float(v)
    return value if math.isfinite(value) else None


def _runner_change(rc: dict[str, Any]) -> RunnerChange:
    tv = rc.get("tv")
    return RunnerChange(
        spn=_sp_value(rc.get("spn")),
        spf=_sp_value(rc.get("spf")),
        spb=_levels(rc.get("spb", ())),
        spl=_levels(rc.get("spl", ())),
        selection_id=int(rc["id"]),
        atb=_levels(rc.get("atb", ())),
        atl=_levels(rc.get("atl", ())),
        trd=_levels(rc.get("trd", ())),
        bdatb=_display(rc.get("bdatb", ())),
        bdatl=_display(rc.get("bdatl", ())),
        ltp=rc.get("ltp"),
        tv=None if tv is None else to_minor(tv),
        img=bool(rc.get("img", False)),
    )


def parse_message(line: bytes | str) -> StreamMessage:
    """Parses one line; raises ``InvalidArgument`` for what is not an ``mcm`` message."""
    try:
        raw = msgspec.json.decode(line)
    except msgspec.DecodeError as e:
        # Strict JSON has no NaN or Infinity; Betfair's SP projections can carry them bare.
        try:
            raw = json.loads(line)
        except ValueError:
            raise InvalidArgument(f"not a JSON stream message: {e}") from None
    if not isinstance(raw, dict) or raw.get("op") != "mcm":
        raise InvalidArgument("not a market change message (op != 'mcm')")
    try:
        changes = tuple(_market_change(mc) for mc in raw.get("mc", ()))
        return StreamMessage(pt=int(raw.get("pt", 0)), clk=raw.get("clk"), changes=changes)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InvalidArgument(f"malformed market change message: {e!r}") from None


def _market_change(mc: dict[str, Any]) -> MarketChange:
    md = mc.get("marketDefinition")
    tv = mc.get("tv")
    return MarketChange(
        market_id=str(mc["id"]),
        definition=None if md is None else _definition(md),
        runner_changes=tuple(_runner_change(rc) for rc in mc.get("rc", ())),
        img=bool(mc.get("img", False)),
        tv=None if tv is None else to_minor(tv),
        conflated=bool(mc.get("con", False)),
    )


def read_stream(path: str | os.PathLike[str]) -> Iterator[StreamMessage]:
    """Yields the messages of a ``.stream`` file (``.gz`` is decompressed), skipping blanks."""
    name = os.fspath(path)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(name, "rb") as f:
        for line in f:
            if line.strip():
                yield parse_message(line)


def load_stream(path: str | os.PathLike[str]) -> list[StreamMessage]:
    """All messages of a recording as a list."""
    return list(read_stream(path))


@dataclass
class Ladder:
    """A runner's full state: ``atb`` / ``atl`` / ``trd`` map a tick to a size (minor units)."""

    atb: dict[int, int] = field(default_factory=dict)
    atl: dict[int, int] = field(default_factory=dict)
    trd: dict[int, int] = field(default_factory=dict)
    ltp: float | None = None
    tv: int | None = None
    spn: float | None = None
    spf: float | None = None

    def apply(self, rc: RunnerChange) -> None:
        if rc.img:
            self.atb.clear()
            self.atl.clear()
            self.trd.clear()
        for levels, book in ((rc.atb, self.atb), (rc.atl, self.atl), (rc.trd, self.trd)):
            for price, size in levels:
                tick = price_tick(price)
                if size == 0:
                    book.pop(tick, None)
                else:
                    book[tick] = size
        if rc.ltp is not None:
            self.ltp = rc.ltp
        if rc.tv is not None:
            self.tv = rc.tv
        if rc.spn is not None or rc.img:
            self.spn = rc.spn
        if rc.spf is not None or rc.img:
            self.spf = rc.spf

    def best_to_back(self) -> int | None:
        """The best (highest) tick available to back, i.e. the best resting lay."""
        return max(self.atb) if self.atb else None

    def best_to_lay(self) -> int | None:
        """The best (lowest) tick available to lay, i.e. the best resting back."""
        return min(self.atl) if self.atl else None

    def available_to_back(self) -> list[tuple[int, int]]:
        """``(tick, size)`` levels, best (highest) first, as ``Exchange.book`` orders them."""
        return sorted(self.atb.items(), reverse=True)

    def available_to_lay(self) -> list[tuple[int, int]]:
        return sorted(self.atl.items())


@dataclass
class MarketCache:
    """A market's state after the messages applied so far."""

    market_id: str
    definition: MarketDefinition | None = None
    ladders: dict[int, Ladder] = field(default_factory=dict)
    pt: int = 0
    messages: int = 0

    def apply(self, mc: MarketChange, pt: int = 0) -> None:
        if mc.img:
            self.ladders.clear()
        if mc.definition is not None:
            self.definition = mc.definition
            for r in mc.definition.runners:
                self.ladders.setdefault(r.selection_id, Ladder())
        for rc in mc.runner_changes:
            self.ladders.setdefault(rc.selection_id, Ladder()).apply(rc)
        self.pt = pt
        self.messages += 1

    def ladder(self, selection_id: int) -> Ladder:
        return self.ladders[selection_id]


def replay(
    source: str | os.PathLike[str] | Iterable[StreamMessage],
) -> dict[str, MarketCache]:
    """Applies a whole recording; returns the final state of every market in it."""
    messages = read_stream(source) if isinstance(source, str | os.PathLike) else source
    caches: dict[str, MarketCache] = {}
    for msg in messages:
        for mc in msg.changes:
            caches.setdefault(mc.market_id, MarketCache(mc.market_id)).apply(mc, msg.pt)
    return caches
