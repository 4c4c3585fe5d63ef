"""The recorded Betfair markets: shipped in ``tests/data/betfair`` (see ``benches.suite``)."""

from __future__ import annotations

import pytest

from benches.suite import betfair_path
from pybet.io import betfair


@pytest.fixture(scope="session")
def greyhound_win() -> list[betfair.StreamMessage]:
    return betfair.load_stream(betfair_path("1.197931750.stream"))


@pytest.fixture(scope="session")
def tennis() -> list[betfair.StreamMessage]:
    return betfair.load_stream(betfair_path("1.200806927.stream.gz"))
