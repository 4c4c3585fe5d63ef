"""The engine owner's logic, free of any networking: the exchange, the pools, the idempotency
table, and ``apply_batch`` used both for live batches and for journal replay (the journal's
records are :mod:`pybet.gateway.journal`). Replaying the records through
:meth:`EngineCore.apply_batch` rebuilds the same state, idempotency table included, because
time comes only from the record's ``now_ms``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import logging
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
import numpy as np

import pybet
from pybet import protocol as p
from pybet._core import IdempotencyTable
from pybet.codes import CANCEL_REASONS, EVENT_KINDS
from pybet.errors import PybetError, SnapshotError, UnknownPool
from pybet.gateway.journal import AdvanceTime

log = logging.getLogger("pybet.gateway.engine")

SIDES: Final = {"BACK": pybet.Side.BACK, "LAY": pybet.Side.LAY}
# the protocol's names as the binding's enums: an enum converts by a type check, a name by
# parsing (0.15 us an order for the three of a place)
_TIFS: Final = {n: getattr(pybet.TimeInForce, n) for n in ("GTC", "IOC", "FOK")}
_PERSISTENCES: Final = {
    n: getattr(pybet.Persistence, n) for n in ("LAPSE", "PERSIST", "MARKET_ON_CLOSE")
}
_ORDER_TYPES: Final = {
    n: getattr(pybet.OrderType, n) for n in ("LIMIT", "MARKET_ON_CLOSE", "LIMIT_ON_CLOSE")
}
OPPOSITE: Final = {"BACK": "LAY", "LAY": "BACK"}


_encoder = msgspec.msgpack.Encoder()
_reply_decoder: msgspec.msgpack.Decoder[p.Ack | p.Reject] = msgspec.msgpack.Decoder(
    p.Ack | p.Reject
)
Reply = p.Ack | p.Reject
#: ``Exchange.place_compact``'s result: (reject_code, order_id, status, price, size_matched,
#: size_remaining, size_cancelled, [(maker_order, maker_account, price, size), ...])
CompactReport = tuple[
    str | None, int, str | None, float, int, int, int, list[tuple[int, str, float, int]]
]


class _State(msgspec.Struct, array_like=True):
    # The two big fields decode as memoryviews into the snapshot (no copy of ~200 MB at a
    # million orders); the Rust restores read them in place.
    version: int
    exchange: memoryview
    pools: dict[str, bytes]
    pool_owners: dict[str, list[str]]
    # version 2: one MessagePack map [account, client_order_id] -> reply, in the order made
    # (IdempotencyTable.encode_replies); version 1: a list of (account, client_order_id,
    # encoded reply), sorted
    idem: memoryview | list[tuple[str, str, bytes]]
    now_ms: int
    market_delay: dict[str, int]
    cross_markets: list[str] = []  # markets with cross-matching (absent before it existed)
    # per idempotency entry, in the table's order: [journal ms it was made, its market]
    # (IdempotencyTable.encode_meta; an empty array before the window existed)
    idem_meta: msgspec.Raw = msgspec.Raw(b"\x90")
    # settled or voided markets not yet purged, in settlement order, and when (journal ms;
    # absent before the retention existed: then they start their retention at restore)
    settled_markets: list[str] = []
    settled_at: list[int] = []


@dataclass(frozen=True, slots=True)
class EngineCancels:
    """Cancels of one drain: per row the order, the size cancelled, the reason code
    (``pybet.codes.CANCEL_REASONS``) and the owner's index into ``accounts``. Nothing of
    these orders remains unmatched (a lapse or close cancels the whole remainder)."""

    order_ids: list[int]
    sizes: list[int]
    reasons: list[int]
    owners: list[int]
    accounts: list[str]

    def notices(
        self, start: int, stop: int, listening: Mapping[str, Collection[Any]]
    ) -> Iterator[tuple[str, p.Cancelled]]:
        """Rows ``start:stop`` as notices, only for owners with a session in ``listening``."""
        names, reasons = self.accounts, _REASONS
        for i in range(start, min(stop, len(self.order_ids))):
            owner = names[self.owners[i]]
            if listening.get(owner):
                reason = reasons[self.reasons[i]]
                yield owner, p.Cancelled(0, self.order_ids[i], self.sizes[i], 0, reason)


@dataclass(slots=True)
class BatchResult:
    """What one batch produced: a reply per command (aligned with the input), notices for
    accounts (fills of resting orders, unsolicited cancels), and what market data changed."""

    replies: list[msgspec.Struct]
    notices: list[tuple[str, msgspec.Struct]] = field(default_factory=list)
    markets: set[str] = field(default_factory=set)
    pools: set[str] = field(default_factory=set)
    admin: bool = False  # an admin command ran: the engine may have cancelled orders itself
    #: orders placed by this batch's commands (their fills are in their replies)
    reported: set[int] = field(default_factory=set)
    #: orders the engine cancelled on its own (lapsed at in-play, market closed), as columns:
    #: at an in-play a market's every resting order lapses, and one notice object each would
    #: stall the loop (the server turns them into frames a chunk at a time)
    engine_cancels: list[EngineCancels] = field(default_factory=list)
    #: with the history feed on: the batch's engine events, (count, concatenated MessagePack
    #: maps) per drain (pybet.feed.encode_batch frames them)
    feed: list[tuple[int, bytes]] = field(default_factory=list)


class EngineCore:
    """Holds the exchange, the pools and the idempotency table; applies commands."""

    def __init__(
        self,
        commission_rate: float = 0.0,
        idempotency_window_s: float = 86_400.0,
        settled_retention_s: float = 7 * 86_400.0,
    ) -> None:
        self.exchange = pybet.Exchange(commission_rate=commission_rate)
        #: how long a client order id is remembered at least (and until its market settles)
        self.idem_window_ms = int(idempotency_window_s * 1000)
        #: (account, client_order_id) -> the original reply (encoded, req = 0), with when it
        #: was made and its market (held in Rust: ~150 bytes an entry, a quarter of a dict)
        self.idem = IdempotencyTable()
        #: settled or voided markets -> journal ms of the settlement, in that order; each is
        #: purged from the exchange once the retention has passed (SPEC 8a)
        self.settled_markets: dict[str, int] = {}
        self.retention_ms = _retention_ms(settled_retention_s, idempotency_window_s)
        self.pools: dict[str, pybet.Pool] = {}
        # ticket id -> account, per pool (the pool engine knows no accounts)
        self.pool_owners: dict[str, list[str]] = {}
        self.now_ms = 0
        self._undrained = 0  # batches since the engine's events were last drained
        #: the history feed is on: events are drained every batch, encoded into the result
        self.feed = False
        #: set while anyone subscribes to market data: cancels then look up their market
        self.track_markets = False
        self.market_delay: dict[str, int] = {}
        #: markets with cross-matching: their house legs and sweeps fill others' resting
        #: orders, which the fills of a reply do not show
        self.cross_markets: set[str] = set()
        # due times (ms) of orders waiting in a bet delay: the owner advances time when due
        self.due: list[int] = []

    # -- applying ---------------------------------------------------------------------------
    def apply_batch(self, now_ms: int, cmds: list[tuple[str, Any]]) -> BatchResult:
        """Apply ``cmds`` (account, command) in order at time ``now_ms`` (journal replay)."""
        res = self.begin_batch(now_ms)
        for account, cmd in cmds:
            res.replies.append(self.apply(account, cmd, res))
        self.end_batch(res)
        return res

    def begin_batch(self, now_ms: int) -> BatchResult:
        self.now_ms = max(self.now_ms, now_ms)
        self._expire_idem()
        if self.retention_ms:
            self._purge_settled()
        return BatchResult(replies=[])

    def _purge_settled(self) -> None:
        """Purge the markets settled longer ago than the retention (journal time: a replay
        purges exactly what the live run did). The retention is at least the idempotency
        window, so every client order id of such a market has been forgotten already."""
        horizon = self.now_ms - self.retention_ms
        settled = self.settled_markets
        while settled:
            market, at = next(iter(settled.items()))
            if at > horizon:
                return
            del settled[market]
            self.idem.market_purged(market)
            self.market_delay.pop(market, None)
            self.cross_markets.discard(market)
            with contextlib.suppress(PybetError):  # purged already (by the library caller)
                self.exchange.purge_market(market)

    # -- the idempotency window -------------------------------------------------------------
    def _remember(self, account: str, coid: str, reply: Reply, market: str) -> None:
        """The reply a re-used client order id gets, until its market settles and for at least
        the window (journal time, so that a replay expires exactly what the live run did)."""
        reply = msgspec.structs.replace(reply, req=0)
        self.idem.remember(account, coid, _encoder.encode(reply), self.now_ms, market)

    def _expire_idem(self) -> None:
        # past the window: forgotten when without a market or when it has settled, else
        # forgotten at its settlement (the table knows the settled markets, see below)
        self.idem.expire(self.now_ms - self.idem_window_ms)

    def _market_settled(self, market: str) -> None:
        self.settled_markets[market] = self.now_ms
        self.idem.market_settled(market)

    def apply(self, account: str, cmd: Any, res: BatchResult) -> msgspec.Struct:
        """Apply one state-changing command; returns the requester's reply. Never raises for
        bad input: a refusal is a ``Reject`` with the error's code, and changes nothing."""
        try:
            return self._apply(account, cmd, res)
        except PybetError as exc:
            return p.Reject(getattr(cmd, "req", 0), exc.code, str(exc), _coid(cmd))
        except (ValueError, TypeError, OverflowError) as exc:
            # the binding refuses values the protocol let through (e.g. out of range)
            return p.Reject(getattr(cmd, "req", 0), "INVALID_ARGUMENT", str(exc), _coid(cmd))

    def end_batch(self, res: BatchResult) -> None:
        # Only admin commands (in-play, suspend, close, remove runner) make the engine cancel
        # orders on its own; other batches drain now and then, just to bound the buffer.
        self._undrained += 1
        if self.feed or res.admin or res.reported or self._undrained >= _DRAIN_EVERY:
            self._undrained = 0
            self._drain_events(res)

    def _apply(self, account: str, cmd: Any, res: BatchResult) -> msgspec.Struct:
        ex = self.exchange
        if type(cmd) is p.Place:
            return self._place(account, cmd, res)
        if type(cmd) is p.Cancel:
            crep = ex.cancel(cmd.order_id, account, cmd.size_reduction)
            if crep.reject_code is not None:
                return p.Reject(req=cmd.req, code=crep.reject_code, order_id=cmd.order_id)
            reason = "REDUCED" if crep.size_remaining else "CANCELLED"
            if self.track_markets:  # market data needs to know which book changed
                res.markets.add(ex.order(cmd.order_id).market_id)
            return p.Cancelled(
                cmd.req, cmd.order_id, crep.size_cancelled, crep.size_remaining, reason
            )
        if type(cmd) is p.Replace:
            rep = ex.replace(cmd.order_id, cmd.price, account)
            return self._report(cmd.req, account, rep, res, None)
        if type(cmd) is p.PoolBet:
            return self._pool_bet(account, cmd, res)
        if type(cmd) is AdvanceTime:
            for rep in ex.advance_time(cmd.now_ms):
                owner = ex.order(rep.order_id).account
                res.notices.append((owner, self._report(0, owner, rep, res, None)))
            return p.Done(0, "advanced")
        return self._admin(cmd, res)

    def _place(self, account: str, cmd: p.Place, res: BatchResult) -> msgspec.Struct:
        coid = cmd.client_order_id
        if coid is not None:
            seen = self.idem.get(account, coid)
            if seen is not None:
                original = _reply_decoder.decode(seen)
                return msgspec.structs.replace(original, req=cmd.req, duplicate=True)
        try:
            rep = self.exchange.place_compact(
                cmd.market_id,
                cmd.runner,
                SIDES[cmd.side],
                cmd.price,
                cmd.size,
                account,
                coid,
                _TIFS[cmd.time_in_force],
                _PERSISTENCES[cmd.persistence],
                cmd.min_fill_size,
                self.now_ms,
                _ORDER_TYPES[cmd.order_type],
            )
        except PybetError as exc:
            if coid is None:
                raise
            # the client order id is used up by a refused place too: remember the refusal
            refused = p.Reject(cmd.req, exc.code, str(exc), coid)
            # no market: a refusal waits for no settlement, only the window (else one sent to
            # a market purged later would wait for a settlement that never comes)
            self._remember(account, coid, refused, "")
            return refused
        reply = self._accepted(
            cmd.req, account, rep, res, cmd.market_id, cmd.runner, cmd.side, cmd.size, coid
        )
        if coid is not None:
            assert isinstance(reply, p.Ack | p.Reject)
            market = cmd.market_id if type(reply) is p.Ack else ""
            self._remember(account, coid, reply, market)
        return reply

    def _report(
        self, req: int, account: str, rep: pybet.PlaceReport, res: BatchResult, coid: str | None
    ) -> p.Ack | p.Reject:
        """A report object (replace, bet-delay release) as the reply: see ``_accepted``."""
        code = rep.reject_code
        if code is not None:
            return p.Reject(req=req, code=code, client_order_id=coid)
        fills = [(f.maker_order, f.maker_account, f.price, f.size) for f in rep.fills]
        compact = (
            None,
            rep.order_id,
            _STATUS_NAMES[rep.status],
            rep.price,
            rep.size_matched,
            rep.size_remaining,
            rep.size_cancelled,
            fills,
        )
        side = _SIDE_NAMES[rep.side]
        market, runner, size = rep.market_id, rep.runner, rep.size
        return self._accepted(
            req, account, compact, res, market, runner, side, size, rep.client_order_id
        )

    def _accepted(
        self,
        req: int,
        account: str,
        rep: CompactReport,
        res: BatchResult,
        market: str,
        runner: int,
        side: str,
        size: int,
        coid: str | None,
    ) -> p.Ack | p.Reject:
        """The requester's reply to a place (``Exchange.place_compact``'s tuple; the order's
        terms come from the command, which needs no getter call), and a ``Fill`` notice for
        each side of each fill; an order waiting in a bet delay is scheduled."""
        code, order_id, status, price, matched, remaining, cancelled, fills = rep
        if code is not None:
            return p.Reject(req=req, code=code, client_order_id=coid)
        assert status is not None  # an accepted order has one
        if market in self.cross_markets:
            res.reported.add(order_id)  # and drain this batch: house fills have owners
        if status == "PENDING":
            heapq.heappush(self.due, self.now_ms + self.market_delay.get(market, 0))
        res.markets.add(market)
        if fills:
            notices = res.notices
            maker_side = OPPOSITE[side]
            for maker_order, maker, fill_price, fill_size in fills:
                notices.append(
                    (
                        maker,
                        p.Fill(
                            0, maker_order, market, runner, maker_side, fill_price, fill_size, True
                        ),
                    )
                )
                notices.append(
                    (
                        account,
                        p.Fill(0, order_id, market, runner, side, fill_price, fill_size, False),
                    )
                )
        return p.Ack(
            req,
            order_id,
            market,
            runner,
            side,
            price,
            size,
            status,
            matched,
            remaining,
            cancelled,
            coid,
        )

    def _pool_bet(self, account: str, cmd: p.PoolBet, res: BatchResult) -> msgspec.Struct:
        pool = self.pools.get(cmd.pool_id)
        if pool is None:
            raise UnknownPool(f"unknown pool {cmd.pool_id!r}")
        # the stake leaves the account's balance for the pool (refused beyond `available`);
        # payouts, refunds included, come back when the pool is settled
        self.exchange.withdraw(account, cmd.stake)
        try:
            ticket = pool.bet(tuple(cmd.selection), cmd.stake)
        except PybetError:
            self.exchange.deposit(account, cmd.stake)
            raise
        self.pool_owners[cmd.pool_id].append(account)
        res.pools.add(cmd.pool_id)
        return p.PoolTicket(cmd.req, cmd.pool_id, ticket, cmd.stake)

    def _admin(self, cmd: Any, res: BatchResult) -> msgspec.Struct:
        ex = self.exchange
        res.admin = True
        t = type(cmd)
        if t is p.CreateMarket:
            ex.create_market(
                cmd.market_id,
                cmd.runners,
                cmd.places,
                cmd.bet_delay_ms,
                cmd.min_stake,
                starting_price=cmd.starting_price,
                min_sp_liability=cmd.min_sp_liability,
                cross_matching=cmd.cross_matching,
            )
            if cmd.cross_matching:
                self.cross_markets.add(cmd.market_id)
            self.market_delay[cmd.market_id] = cmd.bet_delay_ms
        elif t is p.MarketAction:
            if cmd.action == "void":
                self._remember_closing(res)
                self._settled(ex.void_market(cmd.market_id), res)
                self._market_settled(cmd.market_id)
            else:
                getattr(ex, _MARKET_ACTIONS[cmd.action])(cmd.market_id)
        elif t is p.RemoveRunner:
            ex.remove_runner(cmd.market_id, cmd.runner, cmd.reduction_factor)
        elif t is p.SettleMarket:
            dead_heat = {int(k): v for k, v in cmd.dead_heat.items()} if cmd.dead_heat else None
            self._remember_closing(res)
            self._settled(ex.settle_market(cmd.market_id, cmd.winners, dead_heat), res)
            self._market_settled(cmd.market_id)
        elif t is p.Deposit:
            ex.deposit(cmd.account, cmd.amount)
            res.notices.append((cmd.account, self.balance(0, cmd.account)))
        elif t is p.Withdraw:
            ex.withdraw(cmd.account, cmd.amount)
            res.notices.append((cmd.account, self.balance(0, cmd.account)))
        elif t is p.CreatePool:
            if cmd.pool_id in self.pools:
                raise pybet.MarketExists(f"pool {cmd.pool_id!r} exists")
            self.pools[cmd.pool_id] = pybet.Pool(
                cmd.kind, cmd.runners, cmd.takeout, breakage=cmd.breakage, min_payout=cmd.min_payout
            )
            self.pool_owners[cmd.pool_id] = []
            res.pools.add(cmd.pool_id)
        elif t is p.ClosePool:
            self._pool(cmd.pool_id).close()
            res.pools.add(cmd.pool_id)
        elif t is p.ScratchRunner:
            self._pool(cmd.pool_id).scratch(cmd.runner)
            res.pools.add(cmd.pool_id)
        elif t is p.SettlePool:
            return self._settle_pool(cmd, res)
        else:  # pragma: no cover - the session layer only passes STATE_CHANGING messages
            raise pybet.InvalidArgument(f"not a command: {t.__name__}")
        if hasattr(cmd, "market_id"):
            res.markets.add(cmd.market_id)
        return p.Done(cmd.req, t.__name__)

    def _pool(self, pool_id: str) -> pybet.Pool:
        pool = self.pools.get(pool_id)
        if pool is None:
            raise UnknownPool(f"unknown pool {pool_id!r}")
        return pool

    def _settle_pool(self, cmd: p.SettlePool, res: BatchResult) -> msgspec.Struct:
        """Dividends for the result, then each ticket's payout credited to its owner. A pool
        is settled once (the pool engine could re-run it; money already paid could not)."""
        pool = self._pool(cmd.pool_id)
        if pool.settlement is not None:
            raise pybet.AlreadySettled(f"pool {cmd.pool_id!r} is already settled")
        div = pool.dividends(cmd.result)
        owed: dict[str, int] = {}
        owners = self.pool_owners[cmd.pool_id]
        for ticket, amount in enumerate(pool.payouts().tolist()):
            if amount:
                owed[owners[ticket]] = owed.get(owners[ticket], 0) + amount
        for account, amount in sorted(owed.items()):
            self.exchange.deposit(account, amount)
            res.notices.append((account, self.balance(0, account)))
        res.pools.add(cmd.pool_id)
        return p.Done(cmd.req, f"{div.outcome} paid={div.paid}")

    def _remember_closing(self, res: BatchResult) -> None:
        """Before a settlement frees a market's orders: the batch's events so far are handled
        while their orders are still there (the SP and house fill notices look them up)."""
        self._drain_events(res)

    def _settled(self, report: pybet.SettlementReport, res: BatchResult) -> None:
        """Every account settled on the market learns its new balance."""
        for account, _pnl, _commission in report.accounts:
            res.notices.append((account, self.balance(0, account)))

    def _drain_events(self, res: BatchResult) -> None:
        """Drain the engine's events (as arrays: far cheaper than event objects). Orders the
        engine cancelled on its own (lapsed at in-play or a suspension in the bet delay, market
        closed) are notified to their owners; the requester learns everything else from its
        own reply."""
        if self.feed:
            ev, n, maps = self.exchange.events_arrays_and_feed()
            if n:
                res.feed.append((n, maps))
        else:
            ev = self.exchange.events_arrays()
        kind = ev["kind"]
        if not kind.size:
            return
        sp_fills = kind == _EV_SP_FILL
        if sp_fills.any():
            self._sp_fill_notices(ev, sp_fills, res)
        if self.cross_markets:
            fills = kind == _EV_FILL
            if fills.any():
                self._house_fill_notices(ev, fills, res)
        cancelled = kind == _EV_CANCELLED
        if not cancelled.any():
            return
        code = ev["code"]
        mask = cancelled & ((code == _LAPSED) | (code == _MARKET_CLOSED))
        if not mask.any():
            return
        markets = ev["markets"]
        res.markets.update(markets[m] for m in np.unique(ev["market"][mask]).tolist())
        res.engine_cancels.append(
            EngineCancels(
                ev["order_id"][mask].tolist(),
                ev["size"][mask].tolist(),
                code[mask].tolist(),
                ev["account"][mask].tolist(),
                ev["accounts"],
            )
        )

    def _house_fill_notices(self, ev: dict[str, Any], mask: Any, res: BatchResult) -> None:
        """Fills through the house (cross-matching): a leg fills a resting order on another
        runner, and a sweep fills a resting order at a virtual price. Their owners get a
        ``Fill``; the requester of a command already has its own fills in its reply."""
        ex = self.exchange
        house = pybet.HOUSE_ACCOUNT
        for taker, maker, size in zip(
            ev["order_id"][mask].tolist(),
            ev["other_order_id"][mask].tolist(),
            ev["size"][mask].tolist(),
            strict=True,
        ):
            t, mk = ex.order(taker), ex.order(maker)
            if t.account == house:  # a leg: the resting order on the other runner
                o, is_maker = mk, True
            elif mk.account == house and taker not in res.reported:  # a sweep
                o, is_maker = t, False
            else:
                continue
            price = mk.price  # a fill is at its maker's price: the resting order or the house's
            side = "BACK" if o.side == pybet.Side.BACK else "LAY"
            res.markets.add(o.market_id)
            res.notices.append(
                (
                    o.account,
                    p.Fill(0, o.order_id, o.market_id, o.runner, side, price, size, is_maker),
                )
            )

    def _sp_fill_notices(self, ev: dict[str, Any], mask: Any, res: BatchResult) -> None:
        """Fills at the starting price (the off): both orders' owners get a ``Fill`` at the
        runner's SP; nobody asked, so nobody has a reply that says so."""
        ex = self.exchange
        prices: dict[tuple[str, int], float | None] = {}
        for back, lay, size in zip(
            ev["order_id"][mask].tolist(),
            ev["other_order_id"][mask].tolist(),
            ev["size"][mask].tolist(),
            strict=True,
        ):
            b, la = ex.order(back), ex.order(lay)
            key = (b.market_id, b.runner)
            if key not in prices:
                prices[key] = ex.starting_prices(b.market_id)[b.runner].actual_sp
            price = prices[key] or 0.0
            res.markets.add(b.market_id)
            for o, side in ((b, "BACK"), (la, "LAY")):
                fill = p.Fill(0, o.order_id, o.market_id, o.runner, side, price, size, False)
                res.notices.append((o.account, fill))

    # -- queries (never journaled) ---------------------------------------------------------
    def balance(self, req: int, account: str) -> p.Balance:
        ex = self.exchange
        return p.Balance(req, account, ex.balance(account), ex.available(account))

    def orders(self, req: int, account: str, market_id: str | None) -> p.Orders:
        out = [
            p.OrderInfo(
                o.order_id,
                o.market_id,
                o.runner,
                "BACK" if o.side == pybet.Side.BACK else "LAY",
                o.price,
                o.size,
                o.size_matched,
                o.size_remaining,
                o.size_cancelled,
                _status_name(o.status),
                o.client_order_id,
            )
            for o in self.exchange.orders(account=account, market_id=market_id)
        ]
        return p.Orders(req, out)

    def pool_odds(self, pool_id: str, seq: int) -> p.PoolOdds:
        pool = self.pools[pool_id]
        kind = pool.kind
        # exotic will-pays are (n,)^arity arrays: too big for a frame, so only WIN/PLACE/SHOW
        small = kind in (pybet.PoolKind.WIN, pybet.PoolKind.PLACE, pybet.PoolKind.SHOW)
        odds = [float(x) for x in pool.odds().ravel()] if small else []
        return p.PoolOdds(0, pool_id, seq, pool.gross_pool, odds)

    # -- state -----------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        return self.snapshot_and_hash()[0]

    def snapshot_and_hash(self) -> tuple[bytes, int]:
        """``(snapshot(), state_hash())`` with the exchange and the idempotency table encoded
        once for both (what the gateway writes at every snapshot)."""
        with _gc_paused():
            ex_blob, ex_hash = self.exchange.snapshot_and_hash()
            idem = self.idem.encode_replies()
            st = _State(
                version=2,
                exchange=memoryview(ex_blob),
                pools={k: v.snapshot() for k, v in sorted(self.pools.items())},
                pool_owners=dict(sorted(self.pool_owners.items())),
                idem=memoryview(idem),
                now_ms=self.now_ms,
                market_delay=dict(sorted(self.market_delay.items())),
                cross_markets=sorted(self.cross_markets),
                idem_meta=msgspec.Raw(self.idem.encode_meta()),
                settled_markets=list(self.settled_markets),
                settled_at=list(self.settled_markets.values()),
            )
            return _encoder.encode(st), self._hash_of(ex_hash, idem)

    @classmethod
    def restore(
        cls,
        blob: bytes | memoryview,
        commission_rate: float = 0.0,
        idempotency_window_s: float = 86_400.0,
        settled_retention_s: float = 7 * 86_400.0,
    ) -> EngineCore:
        return cls.restore_and_hash(
            blob, commission_rate, idempotency_window_s, settled_retention_s, with_hash=False
        )[0]

    @classmethod
    def restore_and_hash(
        cls,
        blob: bytes | memoryview,
        commission_rate: float = 0.0,
        idempotency_window_s: float = 86_400.0,
        settled_retention_s: float = 7 * 86_400.0,
        *,
        with_hash: bool = True,
    ) -> tuple[EngineCore, int]:
        """The state ``blob`` describes and (``with_hash``) its ``state_hash()`` (what recovery
        checks against the hash recorded with the snapshot; 0 without). The exchange restores
        and hashes on a worker thread while this one restores the idempotency table: both run
        in Rust with the GIL released, so on two cores recovery takes the longer of the two."""
        with _gc_paused():
            try:
                st = msgspec.msgpack.decode(blob, type=_State)
            except msgspec.MsgspecError as exc:
                raise SnapshotError(f"gateway snapshot does not decode: {exc}") from None
            core = cls(commission_rate, idempotency_window_s, settled_retention_s)
            with ThreadPoolExecutor(1, thread_name_prefix="pybet-restore") as worker:
                exchange = worker.submit(_restore_exchange, st.exchange, with_hash)
                core._restore_rest(st)
                # the table's bytes for the hash while the exchange is still on its way
                idem = core.idem.encode_replies() if with_hash else None
                core.exchange, ex_hash = exchange.result()
            core._restore_due()
            if idem is None:
                return core, 0
            return core, core._hash_of(ex_hash, idem)

    def _restore_rest(self, st: _State) -> None:
        """Everything of ``st`` but the exchange."""
        self.pools = {k: pybet.Pool.restore(v) for k, v in st.pools.items()}
        self.pool_owners = {k: list(v) for k, v in st.pool_owners.items()}
        self.now_ms = st.now_ms
        self.market_delay = dict(st.market_delay)
        self.cross_markets = set(st.cross_markets)
        times = st.settled_at
        if len(times) != len(st.settled_markets):  # a snapshot from before the retention
            times = [st.now_ms] * len(st.settled_markets)
        self.settled_markets = dict(zip(st.settled_markets, times, strict=True))
        replies = st.idem
        if not isinstance(replies, memoryview):  # version 1: sorted (account, coid, reply)
            replies = memoryview(_encoder.encode({(a, c): msgspec.Raw(r) for a, c, r in replies}))
        # A snapshot from before the window (an empty meta array): its entries start their
        # window at the snapshot's time.
        self.idem = IdempotencyTable.restore(
            replies, memoryview(st.idem_meta), st.now_ms, list(self.settled_markets)
        )

    def _restore_due(self) -> None:
        # due times are not in the snapshot: a waiting order is due at most one delay from now
        # (only markets with a bet delay can hold one: no scan of every resting order)
        for market_id, delay in self.market_delay.items():
            if delay <= 0:
                continue
            pending = len(self.exchange.pending_orders(market_id))
            self.due.extend([self.now_ms + delay] * pending)
        heapq.heapify(self.due)

    def state_hash(self) -> int:
        """A u64 over the exchange's and pools' hashes and the idempotency table."""
        with _gc_paused():
            return self._hash_of(self.exchange.state_hash(), self.idem.encode_replies())

    def _hash_of(self, exchange_hash: int, idem: bytes) -> int:
        h = hashlib.blake2b(digest_size=8)
        h.update(exchange_hash.to_bytes(8, "little"))
        for pid, pool in sorted(self.pools.items()):
            h.update(_encoder.encode((pid, pool.state_hash(), self.pool_owners[pid])))
        h.update(idem)
        return int.from_bytes(h.digest(), "little")


def _restore_exchange(blob: memoryview, with_hash: bool) -> tuple[pybet.Exchange, int]:
    if with_hash:
        # the hash in the function of the blob's version: a snapshot written before version 7
        # recorded FNV-1a, and must still recover
        return pybet.Exchange.restore_and_hash(blob)
    return pybet.Exchange.restore(blob), 0


def _retention_ms(settled_retention_s: float, idempotency_window_s: float) -> int:
    """0: settled markets are kept; else at least the idempotency window (see
    ``_purge_settled``)."""
    if settled_retention_s <= 0:
        return 0
    return int(max(settled_retention_s, idempotency_window_s) * 1000)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic GC off while a whole state is built or walked: a million replies allocated in
    a row trigger collection after collection over an ever larger heap (measured: more than
    half of a 1M-order restore); none of these objects form cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _coid(cmd: Any) -> str | None:
    return getattr(cmd, "client_order_id", None)


def _status_name(status: pybet.OrderStatus) -> str:
    return _STATUS_NAMES[status]


_MARKET_ACTIONS: Final = {
    "open": "open_market",
    "suspend": "suspend_market",
    "resume": "resume_market",
    "in_play": "turn_in_play",
    "close": "close_market",
    "reconcile": "reconcile_starting_price",
}

# keyed by the enum objects themselves: one hash lookup, no int() call
_STATUS_NAMES: Final = {
    pybet.OrderStatus.PENDING: "PENDING",
    pybet.OrderStatus.EXECUTABLE: "EXECUTABLE",
    pybet.OrderStatus.EXECUTION_COMPLETE: "EXECUTION_COMPLETE",
    pybet.OrderStatus.REJECTED: "REJECTED",
}
_SIDE_NAMES: Final = {pybet.Side.BACK: "BACK", pybet.Side.LAY: "LAY"}
# events_arrays: an OrderCancelled row's code is its reason (core CancelReason)
_EV_CANCELLED: Final = EVENT_KINDS["OrderCancelled"]
_EV_SP_FILL: Final = EVENT_KINDS["StartingPriceFill"]
_EV_FILL: Final = EVENT_KINDS["Fill"]
_REASONS: Final = CANCEL_REASONS
_BY_REASON: Final = {name: n for n, name in CANCEL_REASONS.items()}
_LAPSED: Final = _BY_REASON["LAPSED"]
_MARKET_CLOSED: Final = _BY_REASON["MARKET_CLOSED"]
_DRAIN_EVERY: Final = 64
