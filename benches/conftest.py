"""pytest configuration for ``pytest benches/ --benchmark-only``.

pyproject's addopts carry ``--benchmark-disable`` so that the normal test run never times
anything; asking for ``--benchmark-only`` here turns benchmarking back on instead of failing
on the two options together.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "benchmark_only", False):
        config.option.benchmark_disable = False
