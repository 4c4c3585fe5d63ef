"""The windowed loop-lag gauge: the longest stall of the last 5 s, next to the since-start max."""

from __future__ import annotations

import pytest

from pybet.gateway.metrics import GcPauses, Metrics, RunQueueClock, WindowMax


def test_window_max_keeps_a_stall_for_the_window_then_forgets_it() -> None:
    now = [100.0]
    w = WindowMax(5.0, clock=lambda: now[0])
    w.observe(0.030)
    now[0] = 100.1
    w.observe(0.002)
    seen = []
    for t in (100.9, 104.9, 105.0, 105.2):  # within 5 s (and a slot) of the stall: kept
        now[0] = t
        seen.append(w.value())
    now[0] = 105.3  # its slot is more than 5 s old now: it has left the window
    w.observe(0.004)
    assert seen == [0.030] * 4 and w.value() == 0.004


def test_metrics_export_the_recent_max_and_keep_the_old_names() -> None:
    m = Metrics()
    m.observe_loop_lag(0.012)
    text = m.render()
    assert "pybet_loop_lag_max_recent_seconds 0.012\n" in text
    assert "pybet_loop_lag_max_seconds 0.012\n" in text and "pybet_loop_lag_seconds_count 1" in text


def test_the_loops_own_stall_leaves_out_the_run_queue_wait() -> None:
    m = Metrics()
    m.observe_loop_lag(0.030, 0.004)  # 26 ms of the 30 waiting for a CPU held by others
    m.observe_loop_lag(0.010, 0.012)  # clock skew between the two readings: at most the lag
    m.observe_loop_lag(0.002, -0.001)
    text = m.render()
    assert "pybet_loop_lag_max_seconds 0.03\n" in text
    assert "pybet_loop_stall_own_max_seconds 0.01\n" in text
    assert "pybet_loop_stall_own_max_recent_seconds 0.01\n" in text


def test_forks_export_the_latest_and_the_longest() -> None:
    m = Metrics()
    assert "pybet_snapshot_fork_max_seconds 0.0\n" in m.render()
    for seconds in (0.004, 0.011, 0.006):
        m.observe_fork(seconds)
    text = m.render()
    assert "pybet_snapshot_fork_seconds 0.006\n" in text
    assert "pybet_snapshot_fork_max_seconds 0.011\n" in text


def test_the_run_queue_clock_reads_a_growing_wait_and_nothing_once_closed() -> None:
    import sys

    clock = RunQueueClock()
    first = clock.waited()
    sum(range(200_000))
    assert 0.0 <= first <= clock.waited()
    if sys.platform.startswith("linux"):
        assert clock._fd is not None  # schedstat is there (else the probe subtracts nothing)
    clock.close()
    assert clock.waited() == 0.0


def test_gc_pauses_are_timed_logged_when_long_and_uninstalled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import gc
    import logging

    pauses = GcPauses(logging.getLogger("pybet.gateway"), log_over_s=0.0)
    pauses.install()
    pauses.install()  # once only
    try:
        assert gc.callbacks.count(pauses) == 1
        with caplog.at_level(logging.WARNING, logger="pybet.gateway"):
            gc.collect()
        assert pauses.longest > 0.0
        assert any("event=gc_pause generation=2" in r.getMessage() for r in caplog.records)
    finally:
        pauses.uninstall()
    assert pauses not in gc.callbacks
    pauses.uninstall()  # twice is harmless
