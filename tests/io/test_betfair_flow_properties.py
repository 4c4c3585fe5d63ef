"""Property: whatever uncrossed ladders a stream shows, the derived flow reproduces them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import pybet
from pybet.io import betfair

RUNNER = 7


def _price(tick: int) -> float:
    return float(pybet.ladder.tick_to_price(tick))


@st.composite
def streams(draw: st.DrawFn) -> list[betfair.StreamMessage]:
    """Messages for one runner: each an uncrossed ladder (lays below a split, backs above),
    sent as deltas against the previous one, sometimes with traded volume."""
    n = draw(st.integers(1, 12))
    size = st.integers(100, 5_000)
    prev_b: dict[int, int] = {}
    prev_l: dict[int, int] = {}
    traded: dict[int, int] = {}
    definition = betfair.MarketDefinition(
        "OPEN", False, 0, 1, "WIN", 5.0, 1, (betfair.RunnerDefinition(RUNNER, "ACTIVE"),), {}
    )
    out = []
    for i in range(n):
        split = draw(st.integers(101, 119))
        atb = draw(st.dictionaries(st.integers(95, split - 1), size, max_size=5))
        atl = draw(st.dictionaries(st.integers(split, 125), size, max_size=5))
        trades = draw(st.dictionaries(st.integers(95, 125), st.integers(1, 3_000), max_size=2))
        for t, v in trades.items():
            traded[t] = traded.get(t, 0) + v

        def delta(new: dict[int, int], old: dict[int, int]) -> tuple[tuple[float, int], ...]:
            ticks = sorted(set(new) | set(old))
            return tuple((_price(t), new.get(t, 0)) for t in ticks if new.get(t) != old.get(t))

        rc = betfair.RunnerChange(
            RUNNER,
            atb=delta(atb, prev_b),
            atl=delta(atl, prev_l),
            trd=tuple((_price(t), traded[t]) for t in sorted(trades)),
        )
        mc = betfair.MarketChange("1.9", definition if i == 0 else None, (rc,), img=i == 0)
        out.append(betfair.StreamMessage(pt=i, clk=None, changes=(mc,)))
        prev_b, prev_l = atb, atl
    return out


@settings(max_examples=150)
@given(streams())
def test_derived_flow_reproduces_every_ladder(messages: list[betfair.StreamMessage]) -> None:
    flow = betfair.derive_order_flow(messages)
    assert betfair.replay_flow(flow, messages) == []
    assert flow.stats.attributed_volume <= flow.stats.traded_volume
