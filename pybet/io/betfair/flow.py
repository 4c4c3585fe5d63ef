"""An order flow derived from a recorded Betfair stream, and its replay through pybet.

The derivation (one of several possible; the stream shows levels, not orders):

1. a size decrease at a price where traded volume did not grow is a cancel;
2. traded volume that grew at the best price of one side, where that side's size fell, is an
   aggressive order of ``min(volume increase, size decrease)`` that takes the resting orders
   oldest first (Betfair's traded volume is sometimes counted on both sides: the unexplained
   rest is reported as unattributed volume, not invented);
3. every other difference from the recorded ladder is a cancel (newest orders first: the queue
   order behind a level is unknown) or a new resting order of the difference, reductions before
   additions, so that a new order never crosses.

Resting lays are the recorded ``atb`` levels and resting backs the ``atl`` levels, as in
:meth:`pybet.Exchange.book`. Resting orders come from :data:`MAKER_ACCOUNTS` in turn and
aggressive orders from :data:`TAKER_ACCOUNT`, which never rests, so no self-match is possible.
The market stays ``OPEN`` in the replay: suspensions and lapses show in the stream as cancels.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pybet.io.betfair.stream import Ladder, MarketCache, StreamMessage, price_tick

__all__ = [
    "BACK",
    "CANCEL",
    "LAY",
    "MAKER_ACCOUNTS",
    "PLACE",
    "TAKER_ACCOUNT",
    "FlowStats",
    "LadderMismatch",
    "OrderFlow",
    "derive_order_flow",
    "replay_flow",
]

BACK, LAY = 0, 1
PLACE, CANCEL = 0, 1
MAKER_ACCOUNTS: tuple[str, ...] = tuple(f"bf-maker-{i:02d}" for i in range(16))
TAKER_ACCOUNT = "bf-taker"
_ACCOUNTS = (*MAKER_ACCOUNTS, TAKER_ACCOUNT)
_TAKER = len(MAKER_ACCOUNTS)
_FULL_DEPTH = 350


@dataclass(frozen=True, slots=True)
class FlowStats:
    """What the derivation found; volumes are minor units of backer's stake."""

    messages: int
    places: int
    cancels: int
    reductions: int
    aggressive: int
    traded_volume: int
    attributed_volume: int
    unattributed_trades: int


@dataclass(frozen=True)
class OrderFlow:
    """Operations as parallel arrays: ``kind`` PLACE/CANCEL; a place has ``runner``, ``side``
    (BACK/LAY), ``tick``, ``size``; a cancel names the place it cancels in ``target`` and
    reduces it by ``size`` (0 cancels all of it). ``account`` indexes ``accounts``.
    ``message_end[i]`` is the number of operations that follow from messages ``0..=i``."""

    market_id: str
    runners: tuple[int, ...]
    kind: npt.NDArray[np.uint8]
    runner: npt.NDArray[np.int64]
    side: npt.NDArray[np.uint8]
    tick: npt.NDArray[np.uint16]
    size: npt.NDArray[np.int64]
    account: npt.NDArray[np.uint16]
    target: npt.NDArray[np.int64]
    message_end: npt.NDArray[np.int64]
    stats: FlowStats
    accounts: tuple[str, ...] = _ACCOUNTS

    def __len__(self) -> int:
        return len(self.kind)


@dataclass(frozen=True, slots=True)
class LadderMismatch:
    """pybet's book differs from the recording after message ``message`` (0-based)."""

    message: int
    pt: int
    runner: int
    side: str
    tick: int
    expected: int
    actual: int


class _Resting:
    """One side of one runner: per tick, a FIFO of ``[op index, remaining]``."""

    def __init__(self, best_is_high: bool) -> None:
        self.queues: dict[int, deque[list[int]]] = {}
        self.totals: dict[int, int] = {}
        self.best_is_high = best_is_high

    def best(self) -> int | None:
        if not self.totals:
            return None
        return max(self.totals) if self.best_is_high else min(self.totals)

    def total(self, tick: int) -> int:
        return self.totals.get(tick, 0)

    def _shrink(self, tick: int, by: int) -> None:
        left = self.totals[tick] - by
        if left:
            self.totals[tick] = left
        else:
            del self.totals[tick]
            del self.queues[tick]


@dataclass
class _Builder:
    kind: list[int] = field(default_factory=list)
    runner: list[int] = field(default_factory=list)
    side: list[int] = field(default_factory=list)
    tick: list[int] = field(default_factory=list)
    size: list[int] = field(default_factory=list)
    account: list[int] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    next_maker: int = 0
    cancels: int = 0
    reductions: int = 0
    aggressive: int = 0
    attributed: int = 0

    def _op(
        self, kind: int, runner: int, side: int, tick: int, size: int, acct: int, tgt: int
    ) -> int:
        self.kind.append(kind)
        self.runner.append(runner)
        self.side.append(side)
        self.tick.append(tick)
        self.size.append(size)
        self.account.append(acct)
        self.target.append(tgt)
        return len(self.kind) - 1

    def add(self, book: _Resting, runner: int, side: int, tick: int, amount: int) -> None:
        acct = self.next_maker
        self.next_maker = (self.next_maker + 1) % len(MAKER_ACCOUNTS)
        i = self._op(PLACE, runner, side, tick, amount, acct, -1)
        book.queues.setdefault(tick, deque()).append([i, amount])
        book.totals[tick] = book.totals.get(tick, 0) + amount

    def reduce(self, book: _Resting, runner: int, tick: int, need: int) -> None:
        """Cancels ``need`` at ``tick``, newest orders first."""
        q = book.queues[tick]
        book._shrink(tick, need)  # drops the level (and its queue) when it empties
        while need > 0:
            entry = q[-1]
            i, rem = entry
            acct = self.account[i]
            if rem <= need:
                self._op(CANCEL, runner, self.side[i], tick, 0, acct, i)
                self.cancels += 1
                need -= rem
                q.pop()
            else:
                self._op(CANCEL, runner, self.side[i], tick, need, acct, i)
                self.reductions += 1
                entry[1] = rem - need
                need = 0

    def take(self, book: _Resting, runner: int, side: int, tick: int, amount: int) -> None:
        """An aggressive order of ``amount`` at ``tick`` (the best of ``book``)."""
        self._op(PLACE, runner, side, tick, amount, _TAKER, -1)
        self.aggressive += 1
        self.attributed += amount
        q = book.queues[tick]
        left = amount
        while left:
            entry = q[0]
            m = min(entry[1], left)
            entry[1] -= m
            left -= m
            if entry[1] == 0:
                q.popleft()
        book._shrink(tick, amount)


def _sync_runner(
    b: _Builder, runner: int, lays: _Resting, backs: _Resting, lad: Ladder, trades: dict[int, int]
) -> int:
    """Brings one runner's resting orders to the recorded ladder; returns unattributed trades."""
    sides = ((lays, lad.atb, LAY), (backs, lad.atl, BACK))
    for book, target, _side in sides:
        for tick in [t for t, cur in book.totals.items() if target.get(t, 0) < cur]:
            if tick not in trades:
                b.reduce(book, runner, tick, book.totals[tick] - target.get(tick, 0))
    left = dict(trades)
    for book, target, aggressor, order in (
        (lays, lad.atb, BACK, True),
        (backs, lad.atl, LAY, False),
    ):
        for tick in sorted(left, reverse=order):
            dec = book.total(tick) - target.get(tick, 0)
            if left[tick] > 0 and dec > 0 and book.best() == tick:
                t = min(left[tick], dec)
                b.take(book, runner, aggressor, tick, t)
                left[tick] = 0
    unattributed = sum(1 for tick, v in left.items() if v > 0)
    for book, target, _side in sides:
        for tick in [t for t, cur in book.totals.items() if target.get(t, 0) < cur]:
            b.reduce(book, runner, tick, book.totals[tick] - target.get(tick, 0))
    for book, target, side in sides:
        for tick, size in target.items():
            cur = book.total(tick)
            if size > cur:
                b.add(book, runner, side, tick, size - cur)
    return unattributed


def derive_order_flow(messages: Sequence[StreamMessage], market_id: str | None = None) -> OrderFlow:
    """The order flow of ``market_id`` (default: the first market in the stream)."""
    if market_id is None:
        market_id = next(mc.market_id for m in messages for mc in m.changes)
    cache = MarketCache(market_id)
    b = _Builder()
    state: dict[int, tuple[_Resting, _Resting]] = {}
    ends: list[int] = []
    traded = unattributed = 0
    for msg in messages:
        for mc in msg.changes:
            if mc.market_id != market_id:
                continue
            before = {r: dict(lad.trd) for r, lad in cache.ladders.items()}
            cache.apply(mc, msg.pt)
            touched = (
                list(cache.ladders) if mc.img else [rc.selection_id for rc in mc.runner_changes]
            )
            for r in dict.fromkeys(touched):
                lad = cache.ladders[r]
                prev = before.get(r, {})
                trades = {t: v - prev.get(t, 0) for t, v in lad.trd.items() if v > prev.get(t, 0)}
                traded += sum(trades.values())
                lays, backs = state.setdefault(r, (_Resting(True), _Resting(False)))
                unattributed += _sync_runner(b, r, lays, backs, lad, trades)
        ends.append(len(b.kind))
    if cache.definition is not None:
        runners = tuple(dict.fromkeys([*cache.definition.runner_ids(), *cache.ladders]))
    else:
        runners = tuple(cache.ladders)
    n = len(b.kind)
    stats = FlowStats(
        messages=len(messages),
        places=sum(1 for k in b.kind if k == PLACE),
        cancels=b.cancels,
        reductions=b.reductions,
        aggressive=b.aggressive,
        traded_volume=traded,
        attributed_volume=b.attributed,
        unattributed_trades=unattributed,
    )
    return OrderFlow(
        market_id=market_id,
        runners=runners,
        kind=np.array(b.kind, dtype=np.uint8).reshape(n),
        runner=np.array(b.runner, dtype=np.int64).reshape(n),
        side=np.array(b.side, dtype=np.uint8).reshape(n),
        tick=np.array(b.tick, dtype=np.uint16).reshape(n),
        size=np.array(b.size, dtype=np.int64).reshape(n),
        account=np.array(b.account, dtype=np.uint16).reshape(n),
        target=np.array(b.target, dtype=np.int64).reshape(n),
        message_end=np.array(ends, dtype=np.int64),
        stats=stats,
    )


def _book_ticks(levels: list[tuple[float, int]]) -> dict[int, int]:
    return {price_tick(p): s for p, s in levels}


def replay_flow(
    flow: OrderFlow, messages: Sequence[StreamMessage], *, check: bool = True
) -> list[LadderMismatch]:
    """Replays ``flow`` through a new :class:`pybet.Exchange`, one call per operation, and
    after each message compares every runner the message touched with the recorded ladder.
    Returns the differences (none when the derivation and the engine agree)."""
    import pybet  # the engine is needed only here; parsing works without it

    ex = pybet.Exchange()
    if hasattr(ex, "deposit"):
        for a in flow.accounts:
            ex.deposit(a, 10**15)
    ex.create_market(flow.market_id, runners=list(flow.runners))
    ex.open_market(flow.market_id)
    accounts = flow.accounts
    kind, runner, side = flow.kind.tolist(), flow.runner.tolist(), flow.side.tolist()
    tick, size, account = flow.tick.tolist(), flow.size.tolist(), flow.account.tolist()
    target = flow.target.tolist()
    ids = [0] * len(kind)
    cache = MarketCache(flow.market_id)
    out: list[LadderMismatch] = []
    op = 0
    for i, msg in enumerate(messages):
        end = int(flow.message_end[i])
        for j in range(op, end):
            a = accounts[account[j]]
            if kind[j] == PLACE:
                ids[j] = ex.place_tick(flow.market_id, runner[j], side[j], tick[j], size[j], a)
            else:
                ex.cancel(ids[target[j]], a, size[j] or None)
        op = end
        if end and (i & 255) == 0:
            ex.events_arrays()
        for mc in msg.changes:
            if mc.market_id != flow.market_id:
                continue
            cache.apply(mc, msg.pt)
            if not check:
                continue
            touched = (
                list(cache.ladders) if mc.img else [rc.selection_id for rc in mc.runner_changes]
            )
            for r in dict.fromkeys(touched):
                lad = cache.ladders[r]
                book = ex.book(flow.market_id, r, depth=_FULL_DEPTH)
                for name, want, have in (
                    ("atb", lad.atb, _book_ticks(book.available_to_back)),
                    ("atl", lad.atl, _book_ticks(book.available_to_lay)),
                ):
                    if want != have:
                        for t in sorted(set(want) | set(have)):
                            if want.get(t, 0) != have.get(t, 0):
                                out.append(
                                    LadderMismatch(
                                        i, msg.pt, r, name, t, want.get(t, 0), have.get(t, 0)
                                    )
                                )
    return out
