"""The recorded Betfair markets: ``$PYBET_BETFAIR_DATA`` or ``../shared/data/betfair``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pybet.io import betfair

ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    env = os.environ.get("PYBET_BETFAIR_DATA")
    return Path(env) if env else (ROOT / ".." / "shared" / "data" / "betfair").resolve()


@pytest.fixture(scope="session")
def betfair_dir() -> Path:
    d = data_dir()
    if not (d / "1.197931750.stream").is_file():
        pytest.fail(f"recorded Betfair markets not found in {d}: set PYBET_BETFAIR_DATA")
    return d


@pytest.fixture(scope="session")
def greyhound_win(betfair_dir: Path) -> list[betfair.StreamMessage]:
    return betfair.load_stream(betfair_dir / "1.197931750.stream")


@pytest.fixture(scope="session")
def tennis(betfair_dir: Path) -> list[betfair.StreamMessage]:
    return betfair.load_stream(betfair_dir / "1.200806927.stream.gz")
