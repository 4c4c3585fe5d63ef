"""The windowed loop-lag gauge: the longest stall of the last 5 s, next to the since-start max."""

from __future__ import annotations

from pybet.gateway.metrics import Metrics, WindowMax


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
