"""Peer engines driven from Python: nautilus_trader's order book and flumine's simulated
matching. Both are optional (``pip install -e .[peers]``); a peer that is missing reports why.

- **nautilus_trader** ``OrderBook`` (L3, market-by-order) stores orders and levels but does not
  match: an incoming order that crosses is left crossed. The driver therefore does what a user
  must: before adding, it walks the opposite side's best levels and deletes or reduces the
  resting orders it takes (oldest first), keeping each order's side, price and size in a dict.
  Ticks are the prices (precision 0) and sizes are minor units, so nothing is rounded.
- **flumine** ``SimulatedOrder.place`` is its simulated matching: it fills one of the user's
  orders against the ladder of a market book (aggregated levels; other participants' orders are
  not kept, and its own resting orders never match each other). The driver keeps that ladder
  from the stream, and applies flumine's fills to the resting orders it represents.
"""

from __future__ import annotations

import importlib.util
from collections import deque
from time import perf_counter_ns
from types import SimpleNamespace
from typing import Any

from benches.engines import Engine, Fill, _columns
from benches.workload import BACK, PLACE, Workload


def _missing(module: str) -> str | None:
    if importlib.util.find_spec(module) is None:
        return f"not available: {module} is not installed (pip install -e '.[peers]')"
    return None


class _DrivenPeer(Engine):
    """A peer whose driver applies each op itself: subclasses set ``cols`` (``_columns``) and
    ``fill_log`` in ``setup`` and implement ``_place`` and ``_cancel``."""

    cols: tuple[list[Any], ...]
    fill_log: list[Fill]

    def _place(self, i: int, runner: int, side: int, tick: int, size: int) -> None:
        raise NotImplementedError

    def _cancel(self, target: int, reduce_by: int) -> None:
        raise NotImplementedError

    def _replay(self, lo: int, hi: int, lat: list[int] | None) -> None:
        kind, runner, side, tick, size, target, _ = self.cols
        place, cancel = self._place, self._cancel
        t = perf_counter_ns
        for i in range(lo, hi):
            t0 = t() if lat is not None else 0
            if kind[i] == PLACE:
                place(i, runner[i], side[i], tick[i], size[i])
            else:
                cancel(target[i], size[i])
            if lat is not None:
                lat.append(t() - t0)

    def run(self, wl: Workload, lat: list[int] | None = None) -> None:
        self._replay(wl.warm, len(wl), lat)

    def fills(self) -> list[Fill]:
        return list(self.fill_log)


class Nautilus(_DrivenPeer):
    key = "nautilus"
    name = "nautilus_trader OrderBook (L3_MBO) + driver matching"
    note = (
        "the OrderBook stores L3 orders but does not match crossing orders: the driver "
        "walks the opposite levels and deletes or reduces what an order takes"
    )

    def unavailable(self) -> str | None:
        return _missing("nautilus_trader")

    def setup(self, wl: Workload, record: bool = False) -> None:
        from nautilus_trader.model.book import OrderBook
        from nautilus_trader.model.data import BookOrder
        from nautilus_trader.model.enums import BookType, OrderSide
        from nautilus_trader.model.identifiers import InstrumentId
        from nautilus_trader.model.objects import Price, Quantity

        self.BookOrder, self.Quantity = BookOrder, Quantity
        # resting lays are bids (best = highest tick), resting backs are asks (best = lowest)
        self.nside = {BACK: OrderSide.SELL, 1 - BACK: OrderSide.BUY}
        self.prices = [Price(t, 0) for t in range(350)]
        self.books = {
            r: OrderBook(InstrumentId.from_str(f"R{r}.BENCH"), BookType.L3_MBO) for r in wl.runners
        }
        self.orders: dict[int, list[int]] = {}  # op -> [runner, side, tick, remaining]
        self.record = record
        self.fill_log: list[Fill] = []
        self.cols = _columns(wl)
        self._replay(0, wl.warm, None)

    def _place(self, i: int, runner: int, side: int, tick: int, size: int) -> None:
        book = self.books[runner]
        left = size
        if side == BACK:  # takes bids (resting lays) at ticks >= tick
            while left:
                best = book.best_bid_price()
                if best is None or best.as_double() < tick:
                    break
                left = self._take(book, book.bids()[0], left, i)
        else:
            while left:
                best = book.best_ask_price()
                if best is None or best.as_double() > tick:
                    break
                left = self._take(book, book.asks()[0], left, i)
        if left:
            self.orders[i] = [runner, side, tick, left]
            book.add(
                self.BookOrder(self.nside[side], self.prices[tick], self.Quantity(left, 0), i), 0
            )

    def _take(self, book: Any, level: Any, left: int, taker: int) -> int:
        orders = self.orders
        tick = int(level.price.as_double())
        for o in level.orders():
            if not left:
                break
            oid = o.order_id
            rest = orders[oid]
            m = min(rest[3], left)
            left -= m
            rest[3] -= m
            if self.record:
                self.fill_log.append((taker, oid, tick, m))
            if rest[3]:
                book.update(self.BookOrder(o.side, o.price, self.Quantity(rest[3], 0), oid), 0)
            else:
                del orders[oid]
                book.delete(o, 0)
        return left

    def _cancel(self, target: int, reduce_by: int) -> None:
        rest = self.orders.get(target)
        if rest is None:
            return
        runner, side, tick, rem = rest
        book = self.books[runner]
        if 0 < reduce_by < rem:
            rest[3] = rem - reduce_by
            book.update(
                self.BookOrder(
                    self.nside[side], self.prices[tick], self.Quantity(rest[3], 0), target
                ),
                0,
            )
        else:
            del self.orders[target]
            book.delete(
                self.BookOrder(self.nside[side], self.prices[tick], self.Quantity(0, 0), target), 0
            )


class Flumine(_DrivenPeer):
    key = "flumine"
    name = "flumine SimulatedOrder.place against a kept ladder"
    note = (
        "fills one order at a time against a ladder of levels and keeps no book of other "
        "orders: the driver keeps the ladder and applies the fills to resting orders"
    )

    def unavailable(self) -> str | None:
        return _missing("flumine")

    def setup(self, wl: Workload, record: bool = False) -> None:
        from flumine.order.order import BetfairOrder
        from flumine.order.ordertype import LimitOrder
        from flumine.order.trade import Trade
        from flumine.simulation.simulatedorder import SimulatedOrder

        import pybet

        self.BetfairOrder, self.LimitOrder, self.Trade = BetfairOrder, LimitOrder, Trade
        self.SimulatedOrder = SimulatedOrder
        self.price_of = [float(p) for p in pybet.ladder.PRICES]
        self.tick_of = {p: t for t, p in enumerate(self.price_of)}
        self.strategy = SimpleNamespace(name="bench", name_hash="bench")
        self.client = SimpleNamespace(
            best_price_execution=True,
            simulated_full_match=False,
            username="bench",
            paper_trade=False,
        )
        self.package = SimpleNamespace(
            market_version=None,
            elapsed_seconds=1.0,
            simulated_latency_plus_delay=0.0,
            client=self.client,
        )
        # Per runner: flumine reads runner.ex.available_to_back / _lay as [{"price", "size"}],
        # best first. The driver keeps them, and the FIFO of resting orders behind each level.
        self.runners = {r: self._runner(r) for r in wl.runners}
        self.market_book = SimpleNamespace(
            status="OPEN",
            version=1,
            publish_time_epoch=0,
            runners=list(self.runners.values()),
            bsp_reconciled=False,
            inplay=False,
            market_definition=None,
        )
        self.queues: dict[tuple[int, int, int], deque[list[int]]] = {}
        self.live: dict[int, list[int]] = {}  # op -> [runner, side, tick, remaining(pence)]
        self.record = record
        self.fill_log: list[Fill] = []
        self.cols = _columns(wl)
        self._replay(0, wl.warm, None)

    def _runner(self, selection_id: int) -> Any:
        ex = SimpleNamespace(available_to_back=[], available_to_lay=[])
        return SimpleNamespace(selection_id=selection_id, handicap=0, status="ACTIVE", ex=ex)

    def _ladder(self, runner: int, resting_side: int) -> list[dict[str, float]]:
        ex = self.runners[runner].ex
        # resting lays are available to back (best = highest price), backs to lay
        return ex.available_to_lay if resting_side == BACK else ex.available_to_back

    def _level_add(self, runner: int, resting_side: int, tick: int, pence: int) -> None:
        ladder = self._ladder(runner, resting_side)
        price = self.price_of[tick]
        for j, lv in enumerate(ladder):
            if lv["price"] == price:
                lv["size"] = round(lv["size"] + pence / 100, 2)
                if lv["size"] <= 0:
                    del ladder[j]
                return
            if (price < lv["price"]) == (resting_side == BACK):
                ladder.insert(j, {"price": price, "size": pence / 100})
                return
        ladder.append({"price": price, "size": pence / 100})

    def _place(self, i: int, runner: int, side: int, tick: int, size: int) -> None:
        trade = self.Trade("1.bench", runner, 0, self.strategy)
        order = self.BetfairOrder(
            trade,
            "BACK" if side == BACK else "LAY",
            self.LimitOrder(self.price_of[tick], size / 100, persistence_type="LAPSE"),
        )
        order.update_client(self.client)
        sim = self.SimulatedOrder(order)
        sim.place(self.package, self.market_book, {"limitOrder": {}}, i)
        left = size
        for _, price, matched in sim.matched:  # flumine's fills, level by level
            left -= self._consume(i, runner, 1 - side, self.tick_of[price], round(matched * 100))
        if left:
            self.live[i] = [runner, side, tick, left]
            self.queues.setdefault((runner, side, tick), deque()).append(self.live[i] + [i])
            self._level_add(runner, side, tick, left)

    def _consume(self, taker: int, runner: int, resting_side: int, tick: int, pence: int) -> int:
        q = self.queues.get((runner, resting_side, tick), deque())
        took = 0
        while took < pence and q:
            entry = q[0]
            oid = entry[4]
            rest = self.live.get(oid)
            if rest is None:
                q.popleft()
                continue
            m = min(rest[3], pence - took)
            rest[3] -= m
            took += m
            if self.record:
                self.fill_log.append((taker, oid, tick, m))
            if not rest[3]:
                del self.live[oid]
                q.popleft()
        self._level_add(runner, resting_side, tick, -took)
        return took

    def _cancel(self, target: int, reduce_by: int) -> None:
        rest = self.live.get(target)
        if rest is None:
            return
        runner, side, tick, rem = rest
        cut = reduce_by if 0 < reduce_by < rem else rem
        rest[3] -= cut
        if not rest[3]:
            del self.live[target]
        self._level_add(runner, side, tick, -cut)
