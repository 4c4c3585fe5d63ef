"""pybet: a low-latency betting core with its hot path compiled in Rust."""

from __future__ import annotations

from pybet import errors, quant
from pybet._core import Dividends, NoWinner, Pool, PoolKind, Rounding, Split, __version__
from pybet.errors import (
    AlreadySettled,
    InsufficientFunds,
    InvalidArgument,
    InvalidMarketState,
    InvalidPrice,
    InvalidSelection,
    InvalidSize,
    MarketExists,
    NotOwner,
    PoolClosed,
    PoolError,
    PybetError,
    QuantError,
    SnapshotError,
    UnknownAccount,
    UnknownMarket,
    UnknownOrder,
    UnknownRunner,
)

__all__ = [
    "AlreadySettled",
    "Dividends",
    "InsufficientFunds",
    "InvalidArgument",
    "InvalidMarketState",
    "InvalidPrice",
    "InvalidSelection",
    "InvalidSize",
    "MarketExists",
    "NoWinner",
    "NotOwner",
    "Pool",
    "PoolClosed",
    "PoolError",
    "PoolKind",
    "PybetError",
    "QuantError",
    "Rounding",
    "SnapshotError",
    "Split",
    "UnknownAccount",
    "UnknownMarket",
    "UnknownOrder",
    "UnknownRunner",
    "__version__",
    "errors",
    "quant",
]
