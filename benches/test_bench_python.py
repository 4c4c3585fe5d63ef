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
