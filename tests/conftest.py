"""Shared pytest configuration: hypothesis profiles (derandomised on CI) and a private
redis-server per test module for the store and durability tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from redis_server import RedisServer, redis_server_binary

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server on a free port with a temporary directory, stopped afterwards.
    Skipped on a developer machine without redis-server; on CI (which installs it) a missing
    binary is a failure, so the Redis tests can never be skipped silently there."""
    if redis_server_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (scripts/setup.sh installs it)")
        pytest.skip("redis-server is not installed")
    with RedisServer() as server:
        yield server
