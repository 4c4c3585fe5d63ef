"""A lean pure-Python price-time order book: what a user would write by hand.

Dicts of deques per price, a sorted list of live prices per side (``bisect``), lazy deletion
for cancels (a cancelled order is zeroed and dropped when it reaches the front). It matches like
pybet (a back at tick t takes resting lays at ticks >= t, best first, oldest first, at the
resting price) but has no accounts, no self-match rule, no events and no validation. Spec
section 10 quotes this kind of book at about 0.8 M ops/s on the standard mix.
"""

from __future__ import annotations

from bisect import insort
from collections import deque

BACK, LAY = 0, 1


class PyBook:
    """One runner's book; orders are ``[id, side, tick, remaining]`` lists."""

    __slots__ = ("back_ticks", "backs", "fills", "lay_ticks", "lays", "orders", "record")

    def __init__(self, record: bool = False) -> None:
        self.backs: dict[int, deque[list[int]]] = {}  # resting backs: available to lay
        self.lays: dict[int, deque[list[int]]] = {}  # resting lays: available to back
        self.back_ticks: list[int] = []  # ascending; best back = [0]
        self.lay_ticks: list[int] = []  # ascending; best lay = [-1]
        self.orders: dict[int, list[int]] = {}
        self.record = record
        self.fills: list[tuple[int, int, int, int]] = []

    def place(self, oid: int, side: int, tick: int, size: int) -> int:
        """Matches, then rests the remainder; returns the matched size."""
        left = size
        if side == BACK:
            ticks, levels = self.lay_ticks, self.lays
            while left and ticks and ticks[-1] >= tick:
                best = ticks[-1]
                left = self._take(levels, best, oid, left)
                if not levels[best]:
                    del levels[best]
                    ticks.pop()
        else:
            ticks, levels = self.back_ticks, self.backs
            while left and ticks and ticks[0] <= tick:
                best = ticks[0]
                left = self._take(levels, best, oid, left)
                if not levels[best]:
                    del levels[best]
                    ticks.pop(0)
        if left:
            order = [oid, side, tick, left]
            self.orders[oid] = order
            own = self.backs if side == BACK else self.lays
            q = own.get(tick)
            if q is None:
                own[tick] = deque((order,))
                insort(self.back_ticks if side == BACK else self.lay_ticks, tick)
            else:
                q.append(order)
        return size - left

    def _take(self, levels: dict[int, deque[list[int]]], tick: int, taker: int, left: int) -> int:
        q = levels[tick]
        while left and q:
            maker = q[0]
            rem = maker[3]
            if rem == 0:  # cancelled earlier
                q.popleft()
                continue
            m = rem if rem < left else left
            maker[3] = rem - m
            left -= m
            if self.record:
                self.fills.append((taker, maker[0], tick, m))
            if maker[3] == 0:
                q.popleft()
                del self.orders[maker[0]]
        while q and q[0][3] == 0:
            q.popleft()
        return left

    def cancel(self, oid: int, reduce_by: int = 0) -> int:
        """Cancels (or reduces by ``reduce_by``); returns the size cancelled, 0 if not live."""
        order = self.orders.get(oid)
        if order is None:
            return 0
        rem = order[3]
        if 0 < reduce_by < rem:
            order[3] = rem - reduce_by
            return reduce_by
        order[3] = 0
        del self.orders[oid]
        return rem

    def level_sizes(self, side: int) -> dict[int, int]:
        """Resting size per tick on ``side`` (live orders only)."""
        levels = self.backs if side == BACK else self.lays
        out = {}
        for tick, q in levels.items():
            total = sum(o[3] for o in q)
            if total:
                out[tick] = total
        return out


class PyBookMarket:
    """Several runners, each a :class:`PyBook` (the Betfair flow has several)."""

    def __init__(self, runners: tuple[int, ...], record: bool = False) -> None:
        self.books = {r: PyBook(record) for r in runners}
        self.runner_of: dict[int, int] = {}

    def place(self, oid: int, runner: int, side: int, tick: int, size: int) -> int:
        self.runner_of[oid] = runner
        return self.books[runner].place(oid, side, tick, size)

    def cancel(self, oid: int, reduce_by: int = 0) -> int:
        return self.books[self.runner_of[oid]].cancel(oid, reduce_by)
