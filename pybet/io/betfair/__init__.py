"""Betfair Exchange Stream API recordings (``.stream`` / ``.stream.gz``, one JSON line each).

:mod:`~pybet.io.betfair.stream` parses messages, market definitions, runner changes and keeps
the ladders (:class:`MarketCache`); :mod:`~pybet.io.betfair.flow` derives an order flow that,
replayed through :class:`pybet.Exchange`, reproduces the recorded ladders, and checks it.
"""

from __future__ import annotations

from pybet.io.betfair.flow import (
    MAKER_ACCOUNTS,
    TAKER_ACCOUNT,
    FlowStats,
    LadderMismatch,
    OrderFlow,
    derive_order_flow,
    replay_flow,
)
from pybet.io.betfair.stream import (
    Ladder,
    MarketCache,
    MarketChange,
    MarketDefinition,
    RunnerChange,
    RunnerDefinition,
    StreamMessage,
    load_stream,
    parse_message,
    price_tick,
    read_stream,
    replay,
    to_minor,
)

__all__ = [
    "MAKER_ACCOUNTS",
    "TAKER_ACCOUNT",
    "FlowStats",
    "Ladder",
    "LadderMismatch",
    "MarketCache",
    "MarketChange",
    "MarketDefinition",
    "OrderFlow",
    "RunnerChange",
    "RunnerDefinition",
    "StreamMessage",
    "derive_order_flow",
    "load_stream",
    "parse_message",
    "price_tick",
    "read_stream",
    "replay",
    "replay_flow",
    "to_minor",
]
