"""Fixtures for the store tests: a private redis-server per test module (skipped when
redis-server is not installed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis_server import RedisServer, redis_server_binary


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed")
    with RedisServer() as server:
        yield server
