"""Readers for recorded market data (``pybet.io.betfair``: Betfair Exchange Stream API files)."""

from __future__ import annotations

from pybet.io import betfair

__all__ = ["betfair"]
