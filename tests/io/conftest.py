"""The recorded Betfair markets: shipped in ``tests/data/betfair`` (see ``benches.suite``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from benches.suite import betfair_path
from pybet.io import betfair


@pytest.fixture(scope="session")
def recording() -> Callable[[str], Path]:
    """A recording's path by name (``.gz`` copies are found too)."""
    return betfair_path


@pytest.fixture(scope="session")
def greyhound_win() -> list[betfair.StreamMessage]:
    return betfair.load_stream(betfair_path("1.197931750.stream"))


@pytest.fixture(scope="session")
def tennis() -> list[betfair.StreamMessage]:
    return betfair.load_stream(betfair_path("1.200806927.stream.gz"))
