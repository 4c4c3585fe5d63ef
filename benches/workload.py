"""Deterministic workloads: an operation stream as parallel numpy arrays, saved as ``.npz``.

Every engine replays the same stream. An operation is a PLACE (``runner``, ``side`` 0 = back /
1 = lay, ``tick``, ``size`` in minor units, ``account``) or a CANCEL of the place at index
``target`` (``size`` 0 cancels all of it, more reduces it by that much). The first ``warm``
operations build the initial book and are not timed.

:func:`standard_mix` is spec section 10's mix on one runner of a liquid pre-race market: 70% new
limit orders near the touch, 25% cancels of resting orders, 5% orders that sweep several levels.
Placements never cross and sweeps take exactly the levels they sweep (the generator tracks the
book), so every engine must produce the same fills, and no order meets one of its own account.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PLACE, CANCEL = 0, 1
BACK, LAY = 0, 1
MARKET = "bench"
TOUCH_LAY = 168  # 3.95: the best resting lay (available to back) of the initial book
TOUCH_BACK = 169  # 4.0: the best resting back (available to lay)
NEAR = 4  # sweeps reach at most this many ticks behind the opening touch
MAKERS = tuple(f"m{i:02d}" for i in range(50))
TAKER = "taker"
_COLUMNS = ("kind", "runner", "side", "tick", "size", "account", "target")
_DTYPES = {
    "kind": np.uint8,
    "runner": np.int64,
    "side": np.uint8,
    "tick": np.uint16,
    "size": np.int64,
    "account": np.uint16,
    "target": np.int64,
}


@dataclass(frozen=True, eq=False)
class Workload:
    """An operation stream; see the module docstring for the columns."""

    name: str
    runners: tuple[int, ...]
    accounts: tuple[str, ...]
    warm: int
    kind: np.ndarray
    runner: np.ndarray
    side: np.ndarray
    tick: np.ndarray
    size: np.ndarray
    account: np.ndarray
    target: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def timed(self) -> int:
        return len(self) - self.warm

    def head(self, n: int) -> Workload:
        """The first ``n`` timed operations (plus the warm-up), for quick checks."""
        stop = min(len(self), self.warm + n)
        cols = {c: getattr(self, c)[:stop] for c in _COLUMNS}
        return Workload(self.name, self.runners, self.accounts, self.warm, **cols, meta=self.meta)

    def save(self, path: str | Path) -> None:
        header = {"name": self.name, "runners": list(self.runners), "warm": self.warm}
        np.savez(
            path,
            header=np.array(json.dumps({**header, "meta": self.meta})),
            accounts=np.array(self.accounts, dtype=str),
            **{c: getattr(self, c) for c in _COLUMNS},
        )

    @staticmethod
    def load(path: str | Path) -> Workload:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            return Workload(
                name=header["name"],
                runners=tuple(header["runners"]),
                accounts=tuple(str(a) for a in z["accounts"]),
                warm=int(header["warm"]),
                meta=header.get("meta", {}),
                **{c: z[c].astype(_DTYPES[c]) for c in _COLUMNS},
            )

    def save_ops(self, path: str | Path) -> None:
        """The flat binary read by ``core_ext/examples/replay.rs``."""
        with open(path, "wb") as f:
            f.write(b"PYBETOPS")
            f.write(
                struct.pack(
                    "<IQQII", 1, len(self), self.warm, len(self.runners), len(self.accounts)
                )
            )
            f.write(np.asarray(self.runners, dtype="<i8").tobytes())
            for c in _COLUMNS:
                f.write(getattr(self, c).astype(np.dtype(_DTYPES[c]).newbyteorder("<")).tobytes())
            for a in self.accounts:
                b = a.encode()
                f.write(struct.pack("<H", len(b)) + b)

    def mix(self) -> dict[str, float]:
        """Shares of places, cancels and sweeps (orders from the taker) among timed ops."""
        kind = self.kind[self.warm :]
        taker = self.accounts.index(TAKER) if TAKER in self.accounts else -1
        sweeps = (kind == PLACE) & (self.account[self.warm :] == taker)
        n = max(len(kind), 1)
        return {
            "place": float(((kind == PLACE) & ~sweeps).sum() / n),
            "cancel": float((kind == CANCEL).sum() / n),
            "sweep": float(sweeps.sum() / n),
        }


class _Builder:
    """Collects operations and tracks the book so that cancels and sweeps are exact."""

    def __init__(self) -> None:
        self.cols: dict[str, list[int]] = {c: [] for c in _COLUMNS}
        self.levels: tuple[dict[int, dict[int, int]], dict[int, dict[int, int]]] = ({}, {})
        self.live: list[int] = []  # op indices of resting orders, for uniform random cancels
        self.pos: dict[int, int] = {}

    def _op(self, kind: int, side: int, tick: int, size: int, account: int, target: int) -> int:
        c = self.cols
        c["kind"].append(kind)
        c["runner"].append(1)
        c["side"].append(side)
        c["tick"].append(tick)
        c["size"].append(size)
        c["account"].append(account)
        c["target"].append(target)
        return len(c["kind"]) - 1

    def rest_many(
        self, sides: list[int], ticks: list[int], sizes: list[int], accts: list[int]
    ) -> None:
        """Many resting orders at once (the warm-up book; nothing crosses)."""
        c, start = self.cols, len(self.cols["kind"])
        n = len(sides)
        c["kind"] += [PLACE] * n
        c["runner"] += [1] * n
        c["side"] += sides
        c["tick"] += ticks
        c["size"] += sizes
        c["account"] += accts
        c["target"] += [-1] * n
        for i, side, tick, size in zip(range(start, start + n), sides, ticks, sizes, strict=True):
            self.levels[side].setdefault(tick, {})[i] = size
            self.pos[i] = len(self.live)
            self.live.append(i)

    def best(self, side: int) -> int | None:
        lv = self.levels[side]
        if not lv:
            return None
        return min(lv) if side == BACK else max(lv)

    def rest(self, side: int, tick: int, size: int, account: int) -> None:
        i = self._op(PLACE, side, tick, size, account, -1)
        self.levels[side].setdefault(tick, {})[i] = size  # insertion order = time priority
        self.pos[i] = len(self.live)
        self.live.append(i)

    def _unlive(self, i: int) -> None:
        p = self.pos.pop(i)
        last = self.live.pop()
        if last != i:
            self.live[p] = last
            self.pos[last] = p

    def cancel_at(self, p: int) -> None:
        i = self.live[p]
        side, tick = self.cols["side"][i], self.cols["tick"][i]
        q = self.levels[side][tick]
        del q[i]
        if not q:
            del self.levels[side][tick]
        self._unlive(i)
        self._op(CANCEL, side, tick, 0, self.cols["account"][i], i)

    def sweep(self, taker_side: int, k: int, account: int) -> bool:
        """An order that takes exactly the best ``k`` levels resting against ``taker_side``,
        among those within ``NEAR`` ticks of the opening touch (False if there are none)."""
        resting = LAY if taker_side == BACK else BACK
        lv = self.levels[resting]
        if resting == LAY:
            ticks = sorted((t for t in lv if t >= TOUCH_LAY - NEAR), reverse=True)[:k]
        else:
            ticks = sorted(t for t in lv if t <= TOUCH_BACK + NEAR)[:k]
        if not ticks:
            return False
        size = sum(sum(lv[t].values()) for t in ticks)
        self._op(PLACE, taker_side, ticks[-1], size, account, -1)
        for t in ticks:
            for i in lv.pop(t):
                self._unlive(i)
        return True

    def arrays(self) -> dict[str, np.ndarray]:
        return {c: np.array(v, dtype=_DTYPES[c]) for c, v in self.cols.items()}


def _sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Stakes of a liquid pre-race market: lognormal, median 10 pounds, 2 to 2,000 pounds."""
    return np.clip(np.round(rng.lognormal(np.log(1_000), 1.1, n)), 200, 200_000).astype(np.int64)


def _prefill(b: _Builder, rng: np.random.Generator, resting: int) -> None:
    """The initial book: ``resting`` orders, the first thousand on the fifteen levels either
    side of the touch, the rest far behind it, 40 to 99 ticks away,
    where sweeps never reach: so a bigger book (the scaling curve) changes how much the engine
    holds, not how much the stream's orders take."""
    near = min(resting, 1_000)
    sizes = _sizes(rng, resting)
    depth = rng.integers(0, 15, near)
    deep = rng.integers(40, 100, resting - near)
    offsets = np.concatenate([depth, deep])
    sides = rng.integers(0, 2, resting)
    ticks = np.where(sides == BACK, TOUCH_BACK + offsets, TOUCH_LAY - offsets)
    accounts = rng.integers(0, len(MAKERS), resting)
    b.rest_many(sides.tolist(), ticks.tolist(), sizes.tolist(), accounts.tolist())


def standard_mix(ops: int, seed: int = 42, resting: int = 1_000) -> Workload:
    """``ops`` timed operations of the standard mix after a warm-up book of ``resting`` orders."""
    rng = np.random.default_rng(seed)
    b = _Builder()
    _prefill(b, rng, resting)
    warm = len(b.cols["kind"])
    roll = rng.random(ops)
    sides = rng.integers(0, 2, ops).tolist()
    near_offsets = rng.integers(0, NEAR + 1, ops).tolist()
    far_offsets = np.minimum(rng.geometric(0.15, ops) + NEAR, 30).tolist()
    depth_roll = rng.random(ops).tolist()
    sizes = _sizes(rng, ops).tolist()
    accounts = rng.integers(0, len(MAKERS), ops).tolist()
    picks = rng.random(ops).tolist()
    ks = rng.integers(2, 5, ops).tolist()
    taker = len(MAKERS)
    for i, r in enumerate(roll.tolist()):
        side = sides[i]
        if 0.70 <= r < 0.95 and b.live:
            b.cancel_at(int(picks[i] * len(b.live)))
            continue
        if r >= 0.95 and b.sweep(side, ks[i], taker):
            continue
        # Every placed order ends cancelled or filled: with 70% places, 25% cancels and 5%
        # sweeps, a sweep fills about nine orders whatever the book holds. The book stays
        # liquid because orders also join behind the levels sweeps reach (only cancels take
        # those): more while the book is below its size, fewer above it. Prices are anchored
        # at the opening touch, as a pre-race favourite's are, so placements never cross.
        deep_share = min(max(0.36 + 0.5 * (resting - len(b.live)) / resting, 0.05), 0.95)
        off = far_offsets[i] if depth_roll[i] < deep_share else near_offsets[i]
        tick = TOUCH_BACK + off if side == BACK else TOUCH_LAY - off
        b.rest(side, tick, sizes[i], accounts[i])
    return Workload(
        name=f"standard mix {ops:,} ops, {resting:,} resting",
        runners=(1,),
        accounts=(*MAKERS, TAKER),
        warm=warm,
        meta={"seed": seed, "resting": resting, "ops": ops, "kind": "standard_mix"},
        **b.arrays(),
    )


def from_flow(flow: Any, name: str) -> Workload:
    """A workload from a :class:`pybet.io.betfair.OrderFlow` (nothing is warm-up)."""
    return Workload(
        name=name,
        runners=tuple(flow.runners),
        accounts=tuple(flow.accounts),
        warm=0,
        kind=flow.kind,
        runner=flow.runner,
        side=flow.side,
        tick=flow.tick,
        size=flow.size,
        account=flow.account,
        target=flow.target,
        meta={"kind": "betfair", "market_id": flow.market_id, "stats": asdict(flow.stats)},
    )
