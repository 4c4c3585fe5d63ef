"""pytest-benchmark entries for pybet's Python face and the pure-Python baseline, on the seeded
standard mix. Disabled in the normal test run; run them with
``pytest benches/ --benchmark-only``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from benches.engines import Engine, PurePython, PybetBatch, PybetPerCall
from benches.workload import Workload, standard_mix

pytest.importorskip("pytest_benchmark")


@pytest.fixture(scope="module")
def mix() -> Workload:
    return standard_mix(20_000, seed=42)


def _replay(engine: Engine, wl: Workload) -> Callable[[], None]:
    def setup() -> tuple[tuple[object, ...], dict[str, object]]:
        engine.setup(wl)
        return (), {}

    return setup


@pytest.mark.parametrize("engine_cls", [PybetBatch, PybetPerCall, PurePython])
def test_standard_mix(benchmark: Any, mix: Workload, engine_cls: type[Engine]) -> None:
    engine = engine_cls()
    benchmark.extra_info["ops"] = mix.timed
    benchmark.pedantic(lambda: engine.run(mix), setup=_replay(engine, mix), rounds=5)


def test_pool_bet_many(benchmark: Any) -> None:
    import numpy as np

    import pybet

    rng = np.random.default_rng(1)
    sel, stakes = rng.integers(1, 15, 200_000), rng.integers(100, 10_000, 200_000)
    benchmark.extra_info["bets"] = len(sel)
    benchmark(lambda: pybet.Pool("win", 14, 0.15).bet_many(sel, stakes))


@pytest.mark.parametrize("runners", [8, 16, 24])
def test_harville_depth_3(benchmark: Any, runners: int) -> None:
    import numpy as np

    from pybet import quant

    p = np.random.default_rng(runners).dirichlet(np.ones(runners))
    benchmark(quant.harville, p, 3)
