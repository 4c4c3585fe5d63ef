"""The network gateway (``pybet serve``): sessions over TCP on uvloop, one engine owner,
group-committed journaling, market data, metrics."""

from __future__ import annotations

from pybet.gateway.config import GatewayConfig, hash_key, load_config
from pybet.gateway.engine import EngineCore
from pybet.gateway.server import Gateway, serve_forever

__all__ = ["EngineCore", "Gateway", "GatewayConfig", "hash_key", "load_config", "serve_forever"]
