"""pybet: a low-latency betting core with its hot path compiled in Rust."""

from __future__ import annotations

from pybet import errors
from pybet._core import __version__
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
    "InsufficientFunds",
    "InvalidArgument",
    "InvalidMarketState",
    "InvalidPrice",
    "InvalidSelection",
    "InvalidSize",
    "MarketExists",
    "NotOwner",
    "PoolClosed",
    "PoolError",
    "PybetError",
    "QuantError",
    "SnapshotError",
    "UnknownAccount",
    "UnknownMarket",
    "UnknownOrder",
    "UnknownRunner",
    "__version__",
    "errors",
]
