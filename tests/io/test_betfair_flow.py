"""The derived order flow, replayed through pybet, reproduces the recorded ladders."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benches.suite import betfair_path
from pybet.io import betfair


@pytest.mark.parametrize(
    "name", ["1.197931750.stream", "1.197931751.stream", "1.200806927.stream.gz"]
)
def test_replay_reproduces_every_recorded_ladder(name: str) -> None:
    messages = betfair.load_stream(betfair_path(name))
    flow = betfair.derive_order_flow(messages)
    assert len(flow) > 1_000
    assert betfair.replay_flow(flow, messages) == []


def test_flow_shape_and_stats(greyhound_win: list[betfair.StreamMessage]) -> None:
    flow = betfair.derive_order_flow(greyhound_win)
    s = flow.stats
    assert len(flow) == s.places + s.cancels + s.reductions
    assert s.messages == len(greyhound_win) == len(flow.message_end)
    assert flow.message_end[-1] == len(flow)
    assert (np.diff(flow.message_end) >= 0).all()
    assert 0 < s.attributed_volume <= s.traded_volume
    assert s.aggressive > 0
    cancels = flow.kind == betfair.flow.CANCEL
    assert (flow.target[cancels] < np.flatnonzero(cancels)).all()  # cancels name earlier places
    assert (flow.kind[flow.target[cancels]] == betfair.flow.PLACE).all()
    taker = flow.accounts.index(betfair.TAKER_ACCOUNT)
    assert not (cancels & (flow.account == taker)).any()  # aggressive orders never rest
    assert set(flow.runners) == {44331354, 37947503, 36276560, 42930960, 40095374, 39823721}


def test_a_wrong_flow_is_reported_not_hidden(greyhound_win: list[betfair.StreamMessage]) -> None:
    flow = betfair.derive_order_flow(greyhound_win)
    first_place = int(np.flatnonzero(flow.kind == betfair.flow.PLACE)[0])
    size = flow.size.copy()
    size[first_place] += 100  # one penny-pound more than the recording showed
    wrong = dataclasses.replace(flow, size=size)
    mismatches = betfair.replay_flow(wrong, greyhound_win)
    assert mismatches
    m = mismatches[0]
    assert m.message == 0 and m.runner == int(flow.runner[first_place])
    assert m.actual == m.expected + 100


def test_derivation_is_deterministic(greyhound_win: list[betfair.StreamMessage]) -> None:
    a = betfair.derive_order_flow(greyhound_win)
    b = betfair.derive_order_flow(greyhound_win)
    for col in ("kind", "runner", "side", "tick", "size", "account", "target", "message_end"):
        assert np.array_equal(getattr(a, col), getattr(b, col))
    assert a.stats == b.stats
