"""Engines that replay a :class:`~benches.workload.Workload`, behind one small interface.

``setup(wl, record)`` builds a fresh engine and applies the warm-up ops (untimed); ``run(wl)``
replays the timed ops; ``run(wl, lat)`` does the same and appends each op's latency in ns (a
batch engine gives every op of a call that call's time); ``fills()`` after a recorded run lists
``(taker op, maker op, tick, size)`` for the agreement check.
"""

from __future__ import annotations

from time import perf_counter_ns
from typing import Any

import numpy as np

from benches.pybook import PyBook, PyBookMarket
from benches.workload import MARKET, PLACE, Workload

Fill = tuple[int, int, int, int]
DRAIN_EVERY = 4096  # pybet events are drained as a consumer would (replay.rs does the same)


class Engine:
    """Base class: a name, whether it matches crossing orders itself, and availability."""

    key = "engine"
    name = "engine"
    matches = True
    note = ""

    def unavailable(self) -> str | None:
        return None

    def setup(self, wl: Workload, record: bool = False) -> None:
        raise NotImplementedError

    def run(self, wl: Workload, lat: list[int] | None = None) -> None:
        raise NotImplementedError

    def fills(self) -> list[Fill]:
        raise NotImplementedError


def _columns(wl: Workload) -> tuple[list[Any], ...]:
    names = [wl.accounts[a] for a in wl.account.tolist()]
    return (
        wl.kind.tolist(),
        wl.runner.tolist(),
        wl.side.tolist(),
        wl.tick.tolist(),
        wl.size.tolist(),
        wl.target.tolist(),
        names,
    )


def new_exchange(wl: Workload) -> Any:
    """A pybet exchange with the bench market open; deposits when accounts need funds."""
    import pybet

    ex = pybet.Exchange()
    if hasattr(ex, "deposit"):
        for a in wl.accounts:
            ex.deposit(a, 10**15)
    ex.create_market(MARKET, runners=list(wl.runners))
    ex.open_market(MARKET)
    return ex


def _pybet_fills(events: list[dict[str, np.ndarray]], ids: list[int] | np.ndarray) -> list[Fill]:
    from pybet.codes import EVENT_KINDS

    op_of = {int(oid): i for i, oid in enumerate(np.asarray(ids).tolist()) if oid}
    out: list[Fill] = []
    for ev in events:
        m = ev["kind"] == EVENT_KINDS["Fill"]
        for t, mk, tick, size in zip(
            ev["order_id"][m].tolist(),
            ev["other_order_id"][m].tolist(),
            ev["tick"][m].tolist(),
            ev["size"][m].tolist(),
            strict=True,
        ):
            out.append((op_of[t], op_of[mk], tick, size))
    return out


class PybetPerCall(Engine):
    """One call per operation through the fast per-call face: the market and each account
    resolved to a handle once (``market_handle``, ``account_handle``), then
    ``place_by_handle`` / ``cancel_by_handle`` with plain ints."""

    key = "pybet_call"
    name = "pybet, one call per op (place_by_handle / cancel_by_handle)"
    note = "matching, accounts, events and validation on every call"

    def setup(self, wl: Workload, record: bool = False) -> None:
        self.ex = new_exchange(wl)
        kind, runner, side, tick, size, target, names = _columns(wl)
        handle = {a: self.ex.account_handle(a) for a in wl.accounts}
        self.market = self.ex.market_handle(MARKET)
        self.cols = (kind, runner, side, tick, size, target, [handle[n] for n in names])
        self.ids = [0] * len(wl)
        self.record = record
        self.events: list[dict[str, np.ndarray]] = []
        self._replay(0, wl.warm, None)

    def run(self, wl: Workload, lat: list[int] | None = None) -> None:
        self._replay(wl.warm, len(wl), lat)
        self._drain()

    def _drain(self) -> None:
        ev = self.ex.events_arrays()
        if self.record:
            self.events.append(ev)

    def _replay(self, lo: int, hi: int, lat: list[int] | None) -> None:
        kind, runner, side, tick, size, target, accounts = self.cols
        ids, market, drain = self.ids, self.market, self._drain
        place, cancel = self.ex.place_by_handle, self.ex.cancel_by_handle
        t = perf_counter_ns
        # events drained every DRAIN_EVERY ops, as a consumer would: chunks keep the check
        # out of the per-op loop (the drain is not in an op's latency)
        for a in range(lo, hi, DRAIN_EVERY):
            if lat is None:
                for i in range(a, min(a + DRAIN_EVERY, hi)):
                    if kind[i] == PLACE:
                        ids[i] = place(market, runner[i], side[i], tick[i], size[i], accounts[i])
                    else:
                        cancel(ids[target[i]], accounts[i], size[i])
            else:
                for i in range(a, min(a + DRAIN_EVERY, hi)):
                    t0 = t()
                    if kind[i] == PLACE:
                        ids[i] = place(market, runner[i], side[i], tick[i], size[i], accounts[i])
                    else:
                        cancel(ids[target[i]], accounts[i], size[i])
                    lat.append(t() - t0)
            drain()

    def fills(self) -> list[Fill]:
        return _pybet_fills(self.events, self.ids)


class PybetBatch(Engine):
    """The stream in chunks of ``CHUNK`` rows, each one ``execute_many`` call that applies its
    places and cancels in the stream's order. A cancel names its order by engine id when the
    order was placed in an earlier chunk, or as ``-1 - row`` of its own chunk."""

    key = "pybet_batch"
    name = "pybet, numpy batch (execute_many)"
    note = "mixed places and cancels in stream order, 4096 rows per call"
    CHUNK = DRAIN_EVERY

    def setup(self, wl: Workload, record: bool = False) -> None:
        self.ex = new_exchange(wl)
        self.ids = np.zeros(len(wl), dtype=np.int64)
        self.record = record
        self.events: list[dict[str, np.ndarray]] = []
        self.accounts = list(wl.accounts)
        self.wl = wl
        self.account_ids = wl.account.astype(np.uint32)
        self.kinds = np.where(wl.kind == PLACE, 0, 1).astype(np.uint8)
        self._replay(0, wl.warm, None)

    def _drain(self) -> None:
        ev = self.ex.events_arrays()
        if self.record:
            self.events.append(ev)

    def _replay(self, lo: int, hi: int, lat: list[int] | None) -> None:
        wl, ids, execute = self.wl, self.ids, self.ex.execute_many
        t = perf_counter_ns
        for a in range(lo, hi, self.CHUNK):
            b = min(a + self.CHUNK, hi)
            t0 = t() if lat is not None else 0
            kinds = self.kinds[a:b]
            tg = wl.target[a:b].astype(np.int64)
            cancel = kinds == 1
            local = cancel & (tg >= a)
            # Resolving earlier chunks' ids is the caller's bookkeeping, so it is timed too.
            targets = np.where(local, -1 - (tg - a), ids[np.where(cancel & ~local, tg, 0)])
            out = execute(
                MARKET,
                kinds,
                wl.runner[a:b],
                wl.side[a:b],
                wl.tick[a:b],
                wl.size[a:b],
                targets,
                self.accounts,
                account_ids=self.account_ids[a:b],
            )
            ids[a:b] = out["order_id"]
            if lat is not None:
                # Per operation: the call's time shared by its rows (a row does not wait for
                # the call's end to be applied, and per-call figures would not compare).
                lat.extend([(t() - t0) // (b - a)] * (b - a))
            self._drain()

    def run(self, wl: Workload, lat: list[int] | None = None) -> None:
        self._replay(wl.warm, len(wl), lat)
        self._drain()

    def fills(self) -> list[Fill]:
        place_ids = np.where(self.kinds == 0, self.ids, 0)
        return _pybet_fills(self.events, place_ids)


class PurePython(Engine):
    key = "pure_python"
    name = "pure-Python price-time book (dicts of deques)"
    note = "matching only: no accounts, events, validation or self-match rule"

    def setup(self, wl: Workload, record: bool = False) -> None:
        self.single = len(wl.runners) == 1
        self.book: PyBook | PyBookMarket = (
            PyBook(record) if self.single else PyBookMarket(wl.runners, record)
        )
        self.cols = _columns(wl)
        self._replay(0, wl.warm, None)

    def _replay(self, lo: int, hi: int, lat: list[int] | None) -> None:
        kind, runner, side, tick, size, target, _ = self.cols
        book = self.book
        cancel = book.cancel
        t = perf_counter_ns
        if isinstance(book, PyBook):
            place = book.place
            if lat is None:
                for i in range(lo, hi):
                    if kind[i] == PLACE:
                        place(i, side[i], tick[i], size[i])
                    else:
                        cancel(target[i], size[i])
            else:
                for i in range(lo, hi):
                    t0 = t()
                    if kind[i] == PLACE:
                        place(i, side[i], tick[i], size[i])
                    else:
                        cancel(target[i], size[i])
                    lat.append(t() - t0)
            return
        mplace = book.place
        for i in range(lo, hi):
            t0 = t() if lat is not None else 0
            if kind[i] == PLACE:
                mplace(i, runner[i], side[i], tick[i], size[i])
            else:
                cancel(target[i], size[i])
            if lat is not None:
                lat.append(t() - t0)

    def run(self, wl: Workload, lat: list[int] | None = None) -> None:
        self._replay(wl.warm, len(wl), lat)

    def fills(self) -> list[Fill]:
        if isinstance(self.book, PyBook):
            return list(self.book.fills)
        return [f for b in self.book.books.values() for f in b.fills]
