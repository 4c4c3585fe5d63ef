"""One client connection: an ``asyncio.Protocol`` (not streams: several times faster on uvloop)
that splits frames, decodes them, enforces the session rules (version, login, admin, rate
limit) and hands accepted requests to the gateway's engine owner."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import socket
import time
from typing import TYPE_CHECKING, Any, cast

import msgspec

from pybet import protocol as p
from pybet.errors import FrameTooLarge, InternalError, ProtocolError
from pybet.gateway.config import check_key, hmac_login
from pybet.gateway.journal import STATE_CHANGING

if TYPE_CHECKING:
    from pybet.gateway.server import Gateway

log = logging.getLogger("pybet.gateway.session")

_ADMIN = frozenset(p.ADMIN_MESSAGES)
_STATE_CHANGING = frozenset(STATE_CHANGING)
_LOG_BURST = 20


class Session(asyncio.Protocol):
    def __init__(self, gateway: Gateway) -> None:
        self.gw = gateway
        self.reader = p.FrameReader(gateway.cfg.max_frame)
        self.decoder = p.Decoder("client")
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.nonce = secrets.token_hex(16)
        self.login_failures = 0
        self.hello = False
        self.account: str | None = None
        self.admin = False
        self.last_rx = time.monotonic()
        self.opened = self.last_rx
        self.paused = False  # the transport's buffer is above its high-water mark
        self.paused_at = 0.0
        self.stale: set[str] = set()  # markets/pools whose updates were conflated while paused
        self.markets: set[str] = set()
        self.pools: set[str] = set()
        self.closed = False
        self._log_window = 0.0
        self._log_count = 0
        self._quiet = 0

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)
        self.peer = str(transport.get_extra_info("peername"))
        cfg = self.gw.cfg
        if cfg.socket_sndbuf:
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, cfg.socket_sndbuf)
        # high-water mark: pause_writing() turns market data conflation on
        self.transport.set_write_buffer_limits(high=cfg.send_high, low=cfg.send_high // 2)
        if not self.gw.admit(self):
            self.send_now(p.Error(0, "TOO_MANY_CONNECTIONS", "connection cap reached"))
            self.close("too_many_connections")
            return
        log.info("event=connect peer=%s", self.peer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.reader.pending:
            log.warning("event=truncated_frame peer=%s bytes=%d", self.peer, self.reader.pending)
        self.gw.forget(self)
        log.info("event=disconnect peer=%s account=%s error=%r", self.peer, self.account, exc)

    def pause_writing(self) -> None:
        self.paused = True
        self.paused_at = time.monotonic()
        self.gw.metrics.inc("send_paused")

    def resume_writing(self) -> None:
        self.paused = False
        if not self.closed:
            self.gw.resend_stale(self)

    def data_received(self, data: bytes) -> None:
        self.last_rx = time.monotonic()
        try:
            bodies = self.reader.feed(data)
        except FrameTooLarge as exc:
            self.gw.metrics.inc('errors|code="FRAME_TOO_LARGE"')
            log.warning("event=frame_too_large peer=%s detail=%s", self.peer, exc)
            self.send_now(p.Error(0, exc.code, str(exc)))
            self.close("frame_too_large")  # the frame boundary is lost
            return
        for body in bodies:
            if self.closed:
                return
            try:
                self._on_body(body)
            except Exception:  # never let one request take the connection or server down
                log.exception("event=internal_error peer=%s account=%s", self.peer, self.account)
                self._error(0, InternalError.code, "internal error")

    # -- requests -------------------------------------------------------------------------
    def _on_body(self, body: bytes) -> None:
        gw = self.gw
        try:
            msg = self.decoder.decode(body)
        except ProtocolError as exc:
            self._error(exc.req, exc.code, str(exc))
            return
        t = type(msg)
        req: int = getattr(msg, "req", 0)
        if t is p.Ping:
            self.send_now(p.Pong(req))
            return
        if t is p.Hello:
            self._hello(msg)
            return
        if t is p.Login:
            self._login(msg)
            return
        account = self.account
        if account is None:
            self._error(req, "NOT_LOGGED_IN", f"{t.__name__} before login")
            return
        if t in _ADMIN and not self.admin:
            self._error(req, "FORBIDDEN", f"{t.__name__} needs an admin account")
            return
        if not gw.bucket(account).take(self.last_rx):
            gw.metrics.inc("rate_limited")
            if self._may_log():
                log.info("event=rate_limited account=%s suppressed=%d", account, self._take_quiet())
            self.send_now(p.Reject(req, "RATE_LIMITED", "rate limit", _coid(msg)))
            return
        if gw.fail_closed and t in _STATE_CHANGING:
            self.send_now(p.Reject(req, "UNAVAILABLE", "gateway is fail-closed", _coid(msg)))
            return
        gw.submit(self, msg, body)

    def _hello(self, msg: p.Hello) -> None:
        if msg.version != p.PROTOCOL_VERSION:
            self._error(
                msg.req, "UNSUPPORTED_VERSION", f"server speaks version {p.PROTOCOL_VERSION}"
            )
            self.close("unsupported_version")
            return
        self.hello = True
        cfg = self.gw.cfg
        self.send_now(
            p.Welcome(
                p.PROTOCOL_VERSION,
                self.nonce,
                heartbeat_ms=int(cfg.heartbeat_s * 1000),
                max_frame=cfg.max_frame,
                req=msg.req,
            )
        )

    def _login(self, msg: p.Login) -> None:
        gw = self.gw
        acct = gw.cfg.account(msg.account)
        ok = False
        if acct is not None and self.account is None:
            if msg.api_key is not None:
                ok = check_key(acct.key_hash, msg.api_key)
            elif msg.hmac is not None and self.hello:
                ok = hmac.compare_digest(hmac_login(acct.key_hash, self.nonce), msg.hmac)
        if not ok:
            gw.metrics.inc("login_failed")
            self.login_failures += 1
            log.warning(
                "event=login_failed peer=%s account=%s failures=%d",
                self.peer,
                msg.account,
                self.login_failures,
            )
            self._error(msg.req, "AUTH_FAILED", "bad account or key")
            # A new nonce after every failure: an HMAC login needs a fresh Hello (whose
            # Welcome carries it), so no guess is ever tried twice against one nonce; and a
            # connection gets a few tries, not an online guessing loop.
            self.nonce = secrets.token_hex(16)
            self.hello = False
            if self.login_failures >= gw.cfg.max_login_failures:
                self.close("auth_failed")
            return
        assert acct is not None
        if not gw.admit_account(self, acct.name):
            self._error(msg.req, "TOO_MANY_CONNECTIONS", "per-account connection cap reached")
            return
        self.account = acct.name
        self.admin = acct.admin
        log.info("event=login peer=%s account=%s admin=%s", self.peer, acct.name, acct.admin)
        self.send_now(p.LoggedIn(msg.req, acct.name, acct.admin))

    def _error(self, req: int, code: str, message: str) -> None:
        self.gw.metrics.inc(f'errors|code="{code}"')
        if self._may_log():
            log.info(
                "event=error peer=%s account=%s code=%s detail=%r suppressed=%d",
                self.peer,
                self.account,
                code,
                message[:200],
                self._take_quiet(),
            )
        self.send_now(p.Error(req, code, message))

    def _may_log(self) -> bool:
        """At most ``_LOG_BURST`` bad-request lines per session per second: a flood is logged,
        not allowed to flood the log (the rest are counted in the next line's ``suppressed``)."""
        now = self.last_rx
        if now - self._log_window >= 1.0:
            self._log_window, self._log_count = now, 0
        self._log_count += 1
        if self._log_count > _LOG_BURST:
            self._quiet += 1
            return False
        return True

    def _take_quiet(self) -> int:
        n, self._quiet = self._quiet, 0
        return n

    # -- output ---------------------------------------------------------------------------
    def send_now(self, msg: msgspec.Struct) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(self.gw.encoder.frame(msg))

    def write_frames(self, frames: list[bytes] | list[bytearray]) -> None:
        tr = self.transport
        if tr is None or self.closed:
            return
        tr.writelines(frames)
        if tr.get_write_buffer_size() > self.gw.cfg.send_max:
            self.drop_slow()

    def drop_slow(self) -> None:
        """Disconnect a consumer that cannot keep up (never let its buffer grow)."""
        self.gw.metrics.inc("slow_consumer_disconnects")
        log.warning("event=slow_consumer peer=%s account=%s", self.peer, self.account)
        self.close("slow_consumer", abort=True)

    def close(self, reason: str, abort: bool = False) -> None:
        if self.closed or self.transport is None:
            return
        self.closed = True
        log.info("event=close peer=%s account=%s reason=%s", self.peer, self.account, reason)
        if abort:
            self.transport.abort()
        else:
            self.transport.close()


def _coid(msg: Any) -> str | None:
    return getattr(msg, "client_order_id", None)
