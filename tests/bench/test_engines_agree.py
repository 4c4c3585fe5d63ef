"""The pure-Python book (and pybet's batch face) agree with pybet on fills for small streams."""

from __future__ import annotations

import pytest

from benches.engines import Engine, PurePython, PybetBatch, PybetPerCall
from benches.pybook import BACK, LAY, PyBook
from benches.suite import betfair_path
from benches.workload import Workload, from_flow, standard_mix
from pybet.io import betfair


def fills(engine: Engine, wl: Workload) -> list[tuple[int, int, int, int]]:
    engine.setup(wl, record=True)
    engine.run(wl)
    return sorted(engine.fills())


@pytest.fixture(scope="module")
def greyhound_flow() -> Workload:
    messages = betfair.load_stream(betfair_path("1.197931750.stream"))
    return from_flow(betfair.derive_order_flow(messages), "greyhound")


@pytest.mark.parametrize("other", [PurePython, PybetBatch])
def test_fills_agree_on_the_standard_mix(other: type[Engine]) -> None:
    wl = standard_mix(4_000, seed=9)
    want = fills(PybetPerCall(), wl)
    assert len(want) > 500
    assert fills(other(), wl) == want


@pytest.mark.parametrize("other", [PurePython, PybetBatch])
def test_fills_agree_on_the_betfair_flow(greyhound_flow: Workload, other: type[Engine]) -> None:
    want = fills(PybetPerCall(), greyhound_flow)
    assert len(want) > 500
    assert fills(other(), greyhound_flow) == want


def test_pybook_price_time_priority() -> None:
    b = PyBook(record=True)
    b.place(1, LAY, 100, 500)  # resting lays: available to back
    b.place(2, LAY, 100, 300)
    b.place(3, LAY, 101, 200)
    assert b.place(4, BACK, 100, 600) == 600  # best price (101) first, then oldest at 100
    assert b.fills == [(4, 3, 101, 200), (4, 1, 100, 400)]
    assert b.level_sizes(LAY) == {100: 400}
    assert b.cancel(2, reduce_by=100) == 100
    assert b.cancel(1) == 100
    assert b.cancel(1) == 0  # no longer live
    assert b.place(5, BACK, 101, 300) == 0  # rests: no lay at >= 101
    assert b.level_sizes(BACK) == {101: 300}
    assert b.place(6, LAY, 102, 1_000) == 300  # a lay at 102 takes backs at <= 102
    assert b.level_sizes(LAY) == {100: 200, 102: 700}
