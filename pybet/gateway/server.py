"""The gateway process: the TCP listener, the engine-owner task (apply in arrival order, one
journal append per batch, release replies after the append), market data fan-out, timers and
graceful shutdown. See docs/architecture.md for the flow of a bet."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import heapq
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, TypeVar

import msgspec

from pybet import protocol as p
from pybet.errors import StoreError
from pybet.feed import encode_batch
from pybet.gateway.config import GatewayConfig
from pybet.gateway.engine import BatchResult, EngineCore
from pybet.gateway.journal import STATE_CHANGING, AdvanceTime, encode_record
from pybet.gateway.marketdata import MarketData
from pybet.gateway.metrics import Metrics, RunQueueClock, serve_http
from pybet.gateway.ratelimit import TokenBucket
from pybet.gateway.recovery import Rebuilt, rebuild
from pybet.gateway.session import Session
from pybet.gateway.snapshotter import ChildSnapshot, can_fork, fork_snapshot, wait_child
from pybet.store import MemoryStore, Recovered, SnapshotRecord, Store, open_store

log = logging.getLogger("pybet.gateway")

_STATE_CHANGING = frozenset(STATE_CHANGING)
_MARKET_WIDE = frozenset((p.MarketAction, p.SettleMarket, p.RemoveRunner))
_T = TypeVar("_T")
_QUERY = (p.GetBalance, p.GetOrders, p.Subscribe, p.Unsubscribe)
_advance_encoder = msgspec.msgpack.Encoder()
_ZERO_HEADER = b"\0\0\0\0"
_NOTICE_CHUNK = 512  # engine cancels turned into frames per loop turn (~5 ms at full load)
_STALL_LOG_S = 0.02  # a loop stall longer than this is logged (SPEC 8a: the bound at 1M orders)
# The owner yields to the loop before its next command once its turn (a release and the next
# batch's apply, or an apply alone) has run this long: a batch applies in ~2 ms, but right after
# a snapshot's fork every page it writes is copied first and the same batch took 18-21 ms in one
# turn (decisions.md, "The owner's apply is time-sliced").
_APPLY_SLICE_S = 0.003


async def _next_turn() -> None:
    """Let the loop run everything that became ready while the owner held it before the owner
    goes on. One ``sleep(0)`` is not enough: the owner's continuation is queued before the
    tasks that the loop's I/O and timers wake in that same iteration (the stall probe among
    them), so they would wait for the owner's next step as well; a second ``sleep(0)`` queues it
    behind them."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


class Gateway:
    """``await Gateway(cfg).start()``, then ``await gw.stop()``. ``port``/``http_port`` hold
    the bound ports (useful with port 0)."""

    def __init__(self, cfg: GatewayConfig, store: Store | None = None) -> None:
        self.cfg = cfg
        self.store = store if store is not None else open_store(cfg.store)
        self.store.configure_feed(cfg.feed_retention)
        self.engine = EngineCore(
            cfg.commission_rate, cfg.idempotency_window_s, cfg.settled_retention_s
        )
        self.engine.feed = cfg.feed
        self.metrics = Metrics()
        self.encoder = p.Encoder()
        self.md = MarketData(self)
        self.sessions: set[Session] = set()
        self.by_account: dict[str, set[Session]] = defaultdict(set)
        self.buckets: dict[str, TokenBucket] = {}
        self.seq = 0  # last journaled batch
        self.commands_since_snapshot = 0
        self._last_snapshot = time.monotonic()
        self._snapshot_retry_at = 0.0
        self.fail_closed = False
        self.port = cfg.port
        self.http_port = cfg.http_port
        self._pending: list[tuple[Session | None, Any, bytes]] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._server: asyncio.Server | None = None
        self._http: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._clock_ms = 0
        self._snapshot_seq = 0  # seq of the last snapshot written or loaded
        self._snapshot_task: asyncio.Task[None] | None = None  # a forked child writing one
        self._turn_ends = 0.0  # perf_counter time at which the owner's apply yields (a slice)
        self._forked_at = 0.0  # monotonic end of the last snapshot fork (stall logs name it)
        self._snapshot_bytes = 0
        self._engine_thread = ThreadPoolExecutor(1, thread_name_prefix="pybet-engine")
        self._oldest = 0.0
        self.metrics.gauges["connections"] = lambda: len(self.sessions)
        self.metrics.gauges["journal_seq"] = lambda: self.seq
        self.metrics.gauges["fail_closed"] = lambda: int(self.fail_closed)
        self.metrics.gauges["snapshot_bytes"] = lambda: self._snapshot_bytes

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        await self.store.open()
        await self.recover()
        if self.seq == 0:
            await self._bootstrap()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Session(self), self.cfg.host, self.cfg.port, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        if self.cfg.http_port >= 0:  # 0: any free port; -1: no side port
            self._http = await serve_http(
                self.cfg.host, self.cfg.http_port, self.metrics, self.healthy
            )
            self.http_port = self._http.sockets[0].getsockname()[1]
        self.metrics.gc_pauses.install()
        self._tasks = [
            asyncio.create_task(self._owner(), name="pybet-engine-owner"),
            asyncio.create_task(self._timers(), name="pybet-timers"),
        ]
        log.info(
            "event=listening host=%s port=%d http_port=%s store=%s seq=%d dev_accounts=%s",
            self.cfg.host,
            self.port,
            self.http_port,
            self.store.url,
            self.seq,
            self.cfg.dev_accounts,
        )

    async def stop(self) -> None:
        """Graceful: stop accepting, apply and release what was received, snapshot, close."""
        if self._stopping:
            return
        self._stopping = True
        if self._server is not None:
            self._server.close()
        self._wake.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._snapshot_task is not None:
            await self._snapshot_task
        if self.seq and not self.fail_closed and self.seq != self._snapshot_seq:
            try:
                await self._snapshot_inline()
            except Exception as exc:  # the journal still has everything: recovery replays it
                log.error("event=snapshot_failed seq=%d error=%r", self.seq, exc)
        for s in list(self.sessions):
            s.send_now(p.Error(0, "UNAVAILABLE", "server shutting down"))
            s.close("shutdown")
        await self._abort_unflushed()
        if self._http is not None:
            self._http.close()
        await self.store.close()
        self._engine_thread.shutdown(wait=False)
        self.metrics.gc_pauses.uninstall()
        log.info("event=stopped seq=%d", self.seq)

    async def _abort_unflushed(self, grace_s: float = 1.0) -> None:
        """A graceful close waits until the client has read what is buffered for it; one that
        never reads would hold the close, and the event loop's shutdown, forever. Connections
        still open after `grace_s` are aborted."""
        deadline = time.monotonic() + grace_s
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for s in list(self.sessions):
            log.warning("event=abort peer=%s account=%s reason=unflushed", s.peer, s.account)
            if s.transport is not None:
                s.transport.abort()

    def healthy(self) -> bool:
        return not self.fail_closed and not self._stopping

    async def recover(self) -> None:
        """Newest snapshot (its hash checked), then the journal after it (contiguous), through
        the same ``apply_batch`` path as live batches (pybet/gateway/recovery.py)."""
        rec = await self.store.load()
        feed_last = await self.store.feed_last() if self.cfg.feed else 0
        # the batches after the feed's end: journaled, but the crash came before the feed's write
        rebuilt, unpublished = self._replay(rec, self.cfg.feed, feed_last)
        await self._publish_missing(rec, feed_last, unpublished)
        self.engine = rebuilt.core
        self.seq = rebuilt.seq
        self._snapshot_seq = rec.snapshot.seq if rec.snapshot is not None else 0
        self._clock_ms = max(self._clock_ms, rebuilt.core.now_ms)
        self.commands_since_snapshot = rebuilt.commands  # replayed: not in a snapshot yet
        # The engine's big containers (the idempotency window: a million entries) now exist:
        # frozen out of the cyclic GC, no collection traverses them again. Otherwise a full
        # collection walks them every so often: 40-150 ms stalls of the loop at 1M entries.
        gc.collect()
        gc.freeze()
        log.info("event=recovered seq=%d replayed=%d", self.seq, rebuilt.replayed)

    def _replay(
        self, rec: Recovered, feed: bool, feed_after: int
    ) -> tuple[Rebuilt, list[tuple[int, bytes]]]:
        """``rebuild`` with this gateway's windows; with ``feed`` also the feed entries of the
        replayed batches after ``feed_after``."""
        entries: list[tuple[int, bytes]] = []

        def collect(seq: int, res: BatchResult) -> None:
            if seq > feed_after:
                entries.append((seq, encode_batch(res.feed)))

        cfg = self.cfg
        rebuilt = rebuild(
            rec,
            cfg.commission_rate,
            cfg.idempotency_window_s,
            settled_retention_s=cfg.settled_retention_s,
            feed=feed,
            on_batch=collect if feed else None,
        )
        return rebuilt, entries

    async def _publish_missing(
        self, rec: Recovered, feed_last: int, unpublished: list[tuple[int, bytes]]
    ) -> None:
        if not self.cfg.feed:
            return
        floor = rec.snapshot.seq if rec.snapshot is not None else 0
        if feed_last < floor:
            unpublished = [*await self._events_before(feed_last, floor), *unpublished]
        for seq, events in unpublished:
            await self.store.publish(seq, events)
        if unpublished:
            log.info(
                "event=feed_republished from_seq=%d to_seq=%d",
                unpublished[0][0],
                unpublished[-1][0],
            )

    async def _events_before(self, feed_last: int, floor: int) -> list[tuple[int, bytes]]:
        """The feed ends before the snapshot (a feed turned on late, a segment damaged): the
        missing batches' events come from a replay of the journal from its start, if the store
        still holds it (``trim_journal = false``); otherwise they are lost, and logged."""
        try:
            records = [r for r in await self.store.load_journal(0) if r[0] <= floor]
        except StoreError:
            records = []
        if len(records) != floor:
            log.warning("event=feed_gap feed_last=%d snapshot_seq=%d", feed_last, floor)
            return []
        try:
            _rebuilt, found = self._replay(Recovered(None, records), True, feed_last)
        except StoreError as exc:  # a gap inside the old journal
            log.warning("event=feed_gap feed_last=%d error=%r", feed_last, exc)
            return []
        log.info("event=feed_rebuilt from_seq=%d to_seq=%d", feed_last + 1, floor)
        return found

    async def _bootstrap(self) -> None:
        """On a fresh journal: the configured markets and initial deposits, as journaled
        admin commands (batch 1)."""
        cmds: list[Any] = []
        for m in self.cfg.markets:
            cmds.append(
                p.CreateMarket(0, m.market_id, m.runners, m.places, m.bet_delay_ms, m.min_stake)
            )
            cmds.append(p.MarketAction(0, m.market_id, "open"))
        for acct in self.cfg.accounts.values():
            if acct.deposit > 0:
                cmds.append(p.Deposit(0, acct.name, acct.deposit))
        for cmd in cmds:
            self._pending.append((None, cmd, p.encode(cmd)))
        self._oldest = time.monotonic()  # else its batch latency would be the machine's uptime
        if cmds:
            await self._next_batch()

    # -- sessions -------------------------------------------------------------------------
    def admit(self, s: Session) -> bool:
        if self._stopping or len(self.sessions) >= self.cfg.max_connections:
            return False
        self.sessions.add(s)
        self.metrics.inc("connections_accepted")
        return True

    def admit_account(self, s: Session, account: str) -> bool:
        peers = self.by_account[account]
        if len(peers) >= self.cfg.max_connections_per_account:
            return False
        peers.add(s)
        return True

    def forget(self, s: Session) -> None:
        self.sessions.discard(s)
        if s.account is not None:
            self.by_account[s.account].discard(s)
        self.md.drop(s)

    def bucket(self, account: str) -> TokenBucket:
        b = self.buckets.get(account)
        if b is None:
            acct = self.cfg.account(account)
            rate = acct.rate if acct and acct.rate is not None else self.cfg.rate
            burst = acct.burst if acct and acct.burst is not None else self.cfg.burst
            b = self.buckets[account] = TokenBucket(rate, burst)
        return b

    def submit(self, s: Session, msg: Any, body: bytes) -> None:
        if not self._pending:
            self._oldest = s.last_rx  # arrival of the batch's oldest request
        self._pending.append((s, msg, body))
        self._wake.set()

    def resend_stale(self, s: Session) -> None:
        self.md.resend_stale(s)

    # -- the engine owner -----------------------------------------------------------------
    def _now_ms(self) -> int:
        # the engine never reads the clock: the owner does, monotonic, and journals it
        self._clock_ms = max(self._clock_ms, int(time.time() * 1000))
        return self._clock_ms

    async def _owner(self) -> None:
        while True:
            if not self._pending and not self._advance_due():
                if self._stopping:
                    return
                if self._snapshot_due():  # the time-based snapshot of an idle gateway
                    await self._try_snapshot()
                    continue
                self._wake.clear()
                await self._wake.wait()
                self._turn_started()
                continue
            if time.perf_counter() > self._turn_ends:
                # the release of the batch before ran long: the next apply gets a turn of its own
                await self._yield_turn()
            await self._next_batch()

    def _turn_started(self) -> None:
        """The owner has the loop again (an await returned): its slice of ``_APPLY_SLICE_S``
        starts now. The slice spans a release and the next batch's apply, which run in one turn
        when nothing in between awaits."""
        self._turn_ends = time.perf_counter() + _APPLY_SLICE_S

    async def _yield_turn(self) -> None:
        """Hand the loop a whole turn (``_next_turn``); the owner's next slice starts after it."""
        await _next_turn()
        self._turn_started()

    def _advance_due(self) -> bool:
        due = self.engine.due
        return bool(due) and due[0] <= self._now_ms() and not self.fail_closed

    async def _next_batch(self) -> None:
        batch, self._pending = self._pending, []
        oldest = self._oldest
        try:
            await self._run_batch(batch)
        except Exception as exc:  # a bug, not bad input: the state may be half a batch ahead
            log.exception("event=batch_failed")
            self._enter_fail_closed(exc, batch)
        if batch:
            self.metrics.batch_latency.observe(time.monotonic() - oldest)
            self.metrics.batch_size.observe(len(batch))

    async def _run_batch(self, batch: list[tuple[Session | None, Any, bytes]]) -> None:
        if self.fail_closed:
            # arrived while the failed append was in flight: the state is not trusted
            self._refuse(batch)
            return
        engine = self.engine
        now = self._now_ms()
        res = engine.begin_batch(now)
        journal: list[tuple[str, bytes]] = []
        if engine.due and engine.due[0] <= now:
            while engine.due and engine.due[0] <= now:
                heapq.heappop(engine.due)
            adv = AdvanceTime(now)
            engine.apply("", adv, res)
            journal.append(("", _advance_encoder.encode(adv)))
        out: list[tuple[Session, msgspec.Struct]] = []
        subs: list[tuple[Session, Any]] = []
        clock = time.perf_counter
        for s, msg, body in batch:
            if clock() > self._turn_ends:
                # the batch is the owner's alone (as while an append is in flight): yielding
                # changes nothing of what it applies or journals, only who waits behind it
                await self._yield_turn()
            account = s.account if s is not None and s.account is not None else ""
            if type(msg) in _STATE_CHANGING:
                if type(msg) in _MARKET_WIDE:
                    reply = await self._off_loop(engine.apply, account, msg, res)
                else:
                    reply = engine.apply(account, msg, res)
                journal.append((account, body))
            elif type(msg) is p.GetBalance:
                reply = engine.balance(msg.req, account)
            elif type(msg) is p.GetOrders:
                reply = engine.orders(msg.req, account, msg.market_id)
            else:  # Subscribe / Unsubscribe: answered when the batch is released
                if s is not None:
                    subs.append((s, msg))
                continue
            if s is not None:
                out.append((s, reply))
        if res.admin:  # its drain may hold a market's every cancel
            await self._off_loop(engine.end_batch, res)
        else:
            engine.end_batch(res)
        if journal:
            self.seq += 1
            record = encode_record(now, journal)
            events = encode_batch(res.feed) if engine.feed else None
            try:
                await self.store.append(self.seq, record, events)
                self._turn_started()
            except Exception as exc:
                self.seq -= 1
                self._enter_fail_closed(exc, batch)
                return
            self.metrics.inc("batches")
            self.metrics.inc("commands", len(journal))
            self.commands_since_snapshot += len(journal)
        await self._release(out, res)
        for s, msg in subs:
            self.md.handle(s, msg)
        if self._snapshot_due():
            await self._try_snapshot()

    async def _off_loop(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run engine work that scales with a market's orders (in-play, close, settle: every
        resting order cancelled or freed) on the engine thread: the owner waits as for any
        command, but the event loop keeps turning (the Rust part runs without the GIL, the
        Python part yields it every switch interval)."""
        done = await asyncio.get_running_loop().run_in_executor(self._engine_thread, fn, *args)
        self._turn_started()
        return done

    async def _release(self, out: list[tuple[Session, msgspec.Struct]], res: BatchResult) -> None:
        # One buffer per session, every frame encoded straight into it (the length prefix
        # patched in afterwards), one write per session per batch. Inlined: it runs per frame.
        bufs: dict[Session, bytearray] = {}
        enc = self.encoder.encode_into
        pack = p.FRAME_LENGTH.pack_into
        for s, reply in out:
            buf = bufs.get(s)
            if buf is None:
                buf = bufs[s] = bytearray()
            start = len(buf)
            buf += _ZERO_HEADER
            enc(reply, buf, -1)
            pack(buf, start, len(buf) - start - 4)
        self._notify(res.notices, bufs)
        notices = len(res.notices)
        for cancels in res.engine_cancels:
            # a market's every resting order lapses at once at in-play: its notices go out a
            # chunk per loop turn, so that the loop never stalls for all of them
            for start in range(0, len(cancels.order_ids), _NOTICE_CHUNK):
                chunk = cancels.notices(start, start + _NOTICE_CHUNK, self.by_account)
                self._notify(chunk, bufs)
                for s, buf in bufs.items():
                    s.write_frames([buf])
                bufs = {}
                await self._yield_turn()
            notices += len(cancels.order_ids)
        for s, buf in bufs.items():
            s.write_frames([buf])
        self.metrics.inc("replies", len(out))
        self.metrics.inc("notices", notices)
        self.md.publish(res.markets, res.pools)

    def _notify(
        self, notices: Iterable[tuple[str, msgspec.Struct]], bufs: dict[Session, bytearray]
    ) -> None:
        """Encode each notice into the buffer of every session of its account."""
        by_account = self.by_account
        enc = self.encoder.encode_into
        pack = p.FRAME_LENGTH.pack_into
        for account, notice in notices:
            peers = by_account.get(account)
            if peers:
                for peer in peers:
                    buf = bufs.get(peer)
                    if buf is None:
                        buf = bufs[peer] = bytearray()
                    start = len(buf)
                    buf += _ZERO_HEADER
                    enc(notice, buf, -1)
                    pack(buf, start, len(buf) - start - 4)

    def _enter_fail_closed(self, exc: Exception, batch: list[Any]) -> None:
        """Nothing of the batch is acknowledged; new commands are refused until the state is
        rebuilt from the store (the durability work plugs its retry/verify into recover)."""
        self.fail_closed = True
        self.metrics.inc("journal_failures")
        log.error("event=fail_closed seq=%d error=%r", self.seq + 1, exc)
        self._refuse(batch)

    def _refuse(self, batch: list[tuple[Session | None, Any, bytes]]) -> None:
        for s, msg, _body in batch:
            if s is not None:
                s.send_now(
                    p.Reject(
                        getattr(msg, "req", 0),
                        "UNAVAILABLE",
                        "journal write failed",
                        getattr(msg, "client_order_id", None),
                    )
                )

    async def _try_recover(self) -> None:
        if not await self.store.ping():
            return
        # The failed batch may or may not be in the journal: rebuilding from the store makes
        # the in-memory state equal to exactly what is durable.
        await self.recover()
        self.md.reset()
        self.fail_closed = False
        log.warning("event=fail_closed_recovered seq=%d", self.seq)

    def _snapshot_due(self) -> bool:
        """Every ``snapshot_every`` journaled commands or ``snapshot_interval_s`` seconds
        (whichever comes first), when anything was journaled since the last one."""
        cfg = self.cfg
        if self.fail_closed or self.commands_since_snapshot == 0 or self._snapshot_task:
            return False
        if isinstance(self.store, MemoryStore) and not cfg.snapshot_memory:
            return False  # on memory: nothing survives the process: a snapshot is a pure cost
        now = time.monotonic()
        if now < self._snapshot_retry_at:
            return False
        if cfg.snapshot_every and self.commands_since_snapshot >= cfg.snapshot_every:
            return True
        return (
            bool(cfg.snapshot_interval_s) and now - self._last_snapshot >= cfg.snapshot_interval_s
        )

    async def _try_snapshot(self) -> None:
        """A failed snapshot loses nothing (the journal holds every acknowledged batch): it is
        logged and retried a second later; it never fails the batch that was just released."""
        try:
            if self.cfg.snapshot_fork and can_fork(self.store):
                # the fork (page tables: 5-12 ms at 200-250 MB on the EPYC VM) is a loop turn of
                # its own, not one with the release before it and the next batch's apply after
                # it (which runs slower too, copying the pages it writes)
                await self._yield_turn()
                self._fork_snapshot()
                await self._yield_turn()
            else:
                await self._snapshot_inline()
        except Exception as exc:
            self._snapshot_failed(exc)

    def _snapshot_failed(self, exc: Exception) -> None:
        self.metrics.inc("snapshot_failures")
        self._snapshot_retry_at = time.monotonic() + 1.0
        log.error("event=snapshot_failed seq=%d error=%r", self.seq, exc)

    def _fork_snapshot(self) -> None:
        # forked synchronously in the owner: the child's copy is exactly the state at self.seq
        started = time.monotonic()
        child = fork_snapshot(self.engine, self.store, self.seq)
        self._forked_at = time.monotonic()
        fork_s = self._forked_at - started
        self.metrics.observe_fork(fork_s)
        self._snapshot_task = asyncio.create_task(
            self._await_child(child, self.commands_since_snapshot, fork_s), name="pybet-snapshot"
        )

    async def _await_child(self, child: ChildSnapshot, commands: int, fork_s: float) -> None:
        started = time.monotonic()
        try:
            written = await asyncio.get_running_loop().run_in_executor(None, wait_child, child)
            await self.store.snapshot_written(written.seq)
            await self._snapshot_done(written.seq, written.nbytes, commands)
            log.info(
                "event=snapshot seq=%d bytes=%d mode=fork fork_ms=%.1f write_s=%.2f",
                written.seq,
                written.nbytes,
                fork_s * 1000,
                time.monotonic() - started,
            )
        except Exception as exc:
            self._snapshot_failed(exc)
        finally:
            self._snapshot_task = None

    async def _snapshot_inline(self) -> None:
        # taken synchronously in the owner: the state is exactly the state at self.seq
        started = time.monotonic()
        state, state_hash = self.engine.snapshot_and_hash()
        snap = SnapshotRecord(self.seq, state, state_hash)
        await self.store.write_snapshot(snap)
        # only now: a failed write leaves the snapshot due (retried after _snapshot_retry_at)
        await self._snapshot_done(snap.seq, len(state), self.commands_since_snapshot)
        log.info(
            "event=snapshot seq=%d bytes=%d mode=inline write_s=%.2f",
            snap.seq,
            len(state),
            time.monotonic() - started,
        )

    async def _snapshot_done(self, seq: int, nbytes: int, commands: int) -> None:
        """``commands``: those journaled up to ``seq`` and not in an earlier snapshot (a forked
        snapshot completes after later batches were counted)."""
        # max: a fail-closed recovery may have loaded a newer snapshot in the meantime
        self._snapshot_seq = max(self._snapshot_seq, seq)
        self.commands_since_snapshot = max(0, self.commands_since_snapshot - commands)
        self._last_snapshot = time.monotonic()
        self._snapshot_bytes = nbytes
        self.metrics.inc("snapshots")
        if self.cfg.trim_journal:  # off: the whole journal is kept (audit, from-scratch replay)
            await self.store.trim(seq)

    async def _timers(self) -> None:
        """Bet-delay releases, idle and login timeouts, fail-closed recovery; and the loop-lag
        probe (how late each 5 ms sleep wakes, exported as ``pybet_loop_lag_seconds``)."""
        runqueue = RunQueueClock()  # opened here: the loop's own thread
        try:
            await self._timer_loop(runqueue)
        finally:
            runqueue.close()

    async def _timer_loop(self, runqueue: RunQueueClock) -> None:
        cfg = self.cfg
        last_sweep = 0.0
        while not self._stopping:
            slept, waited = time.monotonic(), runqueue.waited()
            await asyncio.sleep(0.005)
            lag = time.monotonic() - slept - 0.005
            # the part of the lag that the loop itself took (not the kernel running others)
            queued = runqueue.waited() - waited
            self.metrics.observe_loop_lag(lag, lag - queued)
            if lag > _STALL_LOG_S:
                log.warning(
                    "event=loop_stall ms=%.1f runqueue_ms=%.1f after_fork_ms=%.0f",
                    lag * 1000,
                    queued * 1000,
                    (time.monotonic() - self._forked_at) * 1000 if self._forked_at else -1,
                )
            if self._advance_due() or self._snapshot_due():
                self._wake.set()
            now = time.monotonic()
            if now - last_sweep < 0.25:
                continue
            last_sweep = now
            if self.fail_closed and not self._pending:
                try:
                    await self._try_recover()
                except Exception as exc:
                    log.error("event=recover_failed error=%r", exc)
            for s in list(self.sessions):
                if s.paused and now - s.paused_at > cfg.slow_consumer_s:
                    s.drop_slow()
                elif now - s.last_rx > cfg.idle_timeout_s:
                    s.send_now(p.Error(0, "IDLE_TIMEOUT", "no frame within the idle timeout"))
                    s.close("idle_timeout")
                elif s.account is None and now - s.opened > cfg.login_timeout_s:
                    s.send_now(p.Error(0, "AUTH_FAILED", "login timeout"))
                    s.close("login_timeout")


#: The GIL switch interval of a ``pybet serve`` process. The store's worker thread (write,
#: fsync, feed) and the engine thread take the GIL back several times per batch; with Python's
#: 5 ms each of those waits up to 5 ms while the loop runs, and an ack waits for all of them
#: (decisions.md, "The GIL switch interval").
SWITCH_INTERVAL_S: Final = 0.0005


async def serve_forever(cfg: GatewayConfig) -> None:
    """Run until SIGINT/SIGTERM, then stop gracefully (the process is the gateway's: it sets the
    interpreter's GIL switch interval to ``SWITCH_INTERVAL_S``)."""
    import signal

    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gw = Gateway(cfg)
    await gw.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    metrics = f"metrics on :{gw.http_port}" if cfg.http_port >= 0 else "metrics off"
    print(
        f"pybet serve: listening on {cfg.host}:{gw.port} ({metrics}), store {gw.store.url}",
        flush=True,
    )
    await stop.wait()
    await gw.stop()
