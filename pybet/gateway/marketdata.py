"""Market data: subscriptions, a full image on ``Subscribe``, then ladder deltas with a
per-market sequence number, computed once per batch for the markets the batch touched and
encoded once for all subscribers. A subscriber whose transport is paused (send buffer above
its high-water mark) is skipped and marked stale; when it drains it gets a fresh image
(conflation). Replies and fills are never conflated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import msgspec

import pybet
from pybet import protocol as p
from pybet.errors import PybetError, UnknownPool

if TYPE_CHECKING:
    from pybet.gateway.server import Gateway
    from pybet.gateway.session import Session

SpFigures = tuple[float | None, float | None, float | None] | None
Ladder = tuple[tuple[tuple[float, int], ...], tuple[tuple[float, int], ...], SpFigures]
View = tuple[str, bool, dict[int, Ladder]]

#: Suffix of the feed key of a market's virtualised ladder (a per-subscription option).
VIRTUAL: Final = "\x00virtual"

_STATUS: Final = {
    int(pybet.MarketStatus.INACTIVE): "INACTIVE",
    int(pybet.MarketStatus.OPEN): "OPEN",
    int(pybet.MarketStatus.SUSPENDED): "SUSPENDED",
    int(pybet.MarketStatus.CLOSED): "CLOSED",
}


class MarketData:
    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.market_subs: dict[str, set[Session]] = {}
        self.pool_subs: dict[str, set[Session]] = {}
        self.views: dict[str, View] = {}
        self.seq: dict[str, int] = {}
        self.pool_seq: dict[str, int] = {}

    # -- subscriptions --------------------------------------------------------------------
    def handle(self, s: Session, msg: Any) -> None:
        try:
            if type(msg) is p.Subscribe:
                self._subscribe(s, msg)
            else:
                self._unsubscribe(s, msg)
        except PybetError as exc:
            s.write_frames([self.gw.encoder.frame(p.Reject(msg.req, exc.code, str(exc)))])

    def _subscribe(self, s: Session, msg: p.Subscribe) -> None:
        enc = self.gw.encoder.frame
        if (msg.market_id is None) == (msg.pool_id is None):
            raise pybet.InvalidArgument("subscribe to exactly one of market_id or pool_id")
        if msg.market_id is not None:
            key = msg.market_id + VIRTUAL if msg.virtual else msg.market_id
            view = self.views.get(key) or self._view(key)  # raises UnknownMarket
            self.views[key] = view
            self.market_subs.setdefault(key, set()).add(s)
            s.markets.add(key)
            self.gw.engine.track_markets = True
            s.write_frames([enc(p.Done(msg.req, "subscribed")), enc(self._image(key, view))])
        else:
            pid = msg.pool_id
            assert pid is not None
            if pid not in self.gw.engine.pools:
                raise UnknownPool(f"unknown pool {pid!r}")
            self.pool_subs.setdefault(pid, set()).add(s)
            s.pools.add(pid)
            odds = self.gw.engine.pool_odds(pid, self.pool_seq.get(pid, 0))
            s.write_frames([enc(p.Done(msg.req, "subscribed")), enc(odds)])

    def _unsubscribe(self, s: Session, msg: p.Unsubscribe) -> None:
        if msg.market_id is not None:
            for key in (msg.market_id, msg.market_id + VIRTUAL):
                self.market_subs.get(key, set()).discard(s)
                s.markets.discard(key)
        if msg.pool_id is not None:
            self.pool_subs.get(msg.pool_id, set()).discard(s)
            s.pools.discard(msg.pool_id)
        s.write_frames([self.gw.encoder.frame(p.Done(msg.req, "unsubscribed"))])

    def drop(self, s: Session) -> None:
        for m in s.markets:
            self.market_subs.get(m, set()).discard(s)
        for pid in s.pools:
            self.pool_subs.get(pid, set()).discard(s)

    def reset(self) -> None:
        """After a recovery: every subscriber gets a fresh image."""
        self.views.clear()
        self.gw.engine.track_markets = any(self.market_subs.values())
        for m, subs in self.market_subs.items():
            for s in subs:
                s.stale.add("m:" + m)
        for pid, subs in self.pool_subs.items():
            for s in subs:
                s.stale.add("p:" + pid)
        for s in list(self.gw.sessions):
            if not s.paused:
                self.resend_stale(s)

    # -- publishing -----------------------------------------------------------------------
    def publish(self, markets: set[str], pools: set[str]) -> None:
        enc = self.gw.encoder.frame
        for key in (k for m in markets for k in (m, m + VIRTUAL)):
            subs = self.market_subs.get(key)
            if not subs:
                self.views.pop(key, None)
                continue
            try:
                new = self._view(key)
            except PybetError:
                continue
            old = self.views.get(key)
            self.views[key] = new
            delta = self._delta(key, old, new)
            if delta is None:
                continue
            self._fanout(subs, "m:" + key, enc(delta))
        for pid in pools:
            subs = self.pool_subs.get(pid)
            if not subs:
                continue
            seq = self.pool_seq[pid] = self.pool_seq.get(pid, 0) + 1
            self._fanout(subs, "p:" + pid, enc(self.gw.engine.pool_odds(pid, seq)))

    def _fanout(self, subs: set[Session], key: str, frame: bytes) -> None:
        for s in list(subs):
            if s.paused or key in s.stale:
                s.stale.add(key)  # conflated: an image follows when the buffer drains
                self.gw.metrics.inc("md_conflated")
            else:
                s.write_frames([frame])

    def resend_stale(self, s: Session) -> None:
        enc = self.gw.encoder.frame
        frames: list[bytes] = []
        for key in sorted(s.stale):
            kind, _, ident = key.partition(":")
            if kind == "m" and ident in s.markets:
                view = self.views.get(ident) or self._view(ident)
                self.views[ident] = view
                frames.append(enc(self._image(ident, view)))
            elif kind == "p" and ident in s.pools:
                frames.append(enc(self.gw.engine.pool_odds(ident, self.pool_seq.get(ident, 0))))
        s.stale.clear()
        if frames:
            s.write_frames(frames)

    # -- views and deltas -----------------------------------------------------------------
    def _view(self, key: str) -> View:
        m, virtual = _split(key)
        ex = self.gw.engine.exchange
        depth = self.gw.cfg.book_depth
        status = _STATUS[int(ex.market_status(m))]
        ladders: dict[int, Ladder] = {}
        sps = ex.starting_prices(m)
        takes_sp = any(
            x.near_price is not None or x.far_price is not None or x.actual_sp is not None
            for x in sps.values()
        )
        for r, sp in sps.items():
            b = ex.book(m, r, depth, virtual=virtual)
            figures = (sp.near_price, sp.far_price, sp.actual_sp) if takes_sp else None
            ladders[r] = (tuple(b.available_to_back), tuple(b.available_to_lay), figures)
        return status, ex.in_play(m), ladders

    def _image(self, key: str, view: View) -> p.MarketUpdate:
        status, in_play, ladders = view
        m, _ = _split(key)
        runners = [
            p.RunnerBook(r, _levels(back), _levels(lay), _sp(sp))
            for r, (back, lay, sp) in ladders.items()
        ]
        virtual = key.endswith(VIRTUAL)
        return p.MarketUpdate(0, m, self.seq.get(key, 0), True, status, in_play, runners, virtual)

    def _delta(self, key: str, old: View | None, new: View) -> p.MarketUpdate | None:
        if old is None:
            seq = self.seq[key] = self.seq.get(key, 0) + 1
            return msgspec.structs.replace(self._image(key, new), seq=seq)
        changed: list[p.RunnerBook] = []
        for r, (back, lay, sp) in new[2].items():
            o_back, o_lay, o_sp = old[2].get(r, ((), (), None))
            if back == o_back and lay == o_lay and sp == o_sp:
                continue
            changed.append(
                p.RunnerBook(
                    r, _diff(o_back, back), _diff(o_lay, lay), _sp(sp) if sp != o_sp else None
                )
            )
        if not changed and old[:2] == new[:2]:
            return None
        seq = self.seq[key] = self.seq.get(key, 0) + 1
        m, virtual = _split(key)
        return p.MarketUpdate(0, m, seq, False, new[0], new[1], changed, virtual)


def _split(key: str) -> tuple[str, bool]:
    """A feed key's market id, and whether it is the virtualised ladder."""
    if key.endswith(VIRTUAL):
        return key[: -len(VIRTUAL)], True
    return key, False


def _sp(figures: SpFigures) -> p.StartingPrices | None:
    return None if figures is None else p.StartingPrices(*figures)


def _levels(levels: tuple[tuple[float, int], ...]) -> list[p.Level]:
    return [p.Level(price, size) for price, size in levels]


def _diff(old: tuple[tuple[float, int], ...], new: tuple[tuple[float, int], ...]) -> list[p.Level]:
    """Levels to set (new or changed size) and to remove (size 0), so that applying them to
    the old top-of-book gives the new one."""
    before = dict(old)
    after = dict(new)
    out = [p.Level(price, size) for price, size in new if before.get(price) != size]
    out.extend(p.Level(price, 0) for price in before if price not in after)
    return out
