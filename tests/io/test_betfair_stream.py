"""pybet.io.betfair parsing and ladder state, on the real recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

import pybet
from benches.suite import betfair_path
from pybet.io import betfair

WIN, PLACE, TENNIS = "1.197931750.stream", "1.197931751.stream", "1.200806927.stream.gz"


SHIPPED = Path(__file__).resolve().parents[1] / "data" / "betfair"


@pytest.mark.parametrize(
    ("name", "lines", "shipped_lines"),
    [(WIN, 166, 166), (PLACE, 166, 166), (TENNIS, 18_529, 2_503)],  # the shipped tennis is a cut
)
def test_message_counts(name: str, lines: int, shipped_lines: int) -> None:
    path = betfair_path(name)
    messages = list(betfair.read_stream(path))
    assert len(messages) == (shipped_lines if path.parent == SHIPPED else lines)
    assert messages[0].changes[0].img  # a recording opens with the full image
    assert all(m.pt >= messages[0].pt for m in messages)


def test_first_definition(greyhound_win: list[betfair.StreamMessage]) -> None:
    d = greyhound_win[0].changes[0].definition
    assert d is not None
    assert (d.status, d.in_play, d.bet_delay, d.number_of_winners) == ("OPEN", False, 0, 1)
    assert d.market_type == "WIN"
    assert d.runner_ids() == [44331354, 37947503, 36276560, 42930960, 40095374, 39823721]
    assert d.winners() == []


def test_known_ladder_state_after_two_messages(greyhound_win: list[betfair.StreamMessage]) -> None:
    cache = betfair.replay(greyhound_win[:2])["1.197931750"]
    lad = cache.ladder(42930960)
    # message 2 moves 8.8 from 18.62 to 20.62 pounds available to back
    assert lad.available_to_back()[:3] == [(203, 2062), (202, 483), (201, 1266)]
    assert lad.available_to_lay()[:3] == [(204, 545), (205, 549), (206, 1039)]
    assert (lad.best_to_back(), lad.best_to_lay()) == (203, 204)
    assert pybet.ladder.tick_to_price(203) == pybet.ladder.tick_to_price(
        pybet.ladder.price_to_tick("8.8")
    )


@pytest.mark.parametrize(
    ("name", "market", "winners", "places"),
    [
        (WIN, "1.197931750", [37947503], 1),
        (PLACE, "1.197931751", [37947503, 39823721], 2),
        (TENNIS, "1.200806927", [228749], 1),
    ],
)
def test_final_market_definition(name: str, market: str, winners: list[int], places: int) -> None:
    cache = betfair.replay(betfair_path(name))[market]
    d = cache.definition
    assert d is not None
    assert d.status == "CLOSED"
    assert d.winners() == winners
    assert d.number_of_winners == places
    losers = [r.selection_id for r in d.runners if r.status == "LOSER"]
    assert len(losers) == len(d.runners) - len(winners)


def test_winner_has_a_name_and_bsp_in_the_final_definition(
    greyhound_win: list[betfair.StreamMessage],
) -> None:
    d = betfair.replay(greyhound_win)["1.197931750"].definition
    assert d is not None
    winner = next(r for r in d.runners if r.status == "WINNER")
    assert (winner.name, winner.bsp) == ("2. Sandwood Jet", 25.0)


def test_runner_changes_are_typed(tennis: list[betfair.StreamMessage]) -> None:
    rcs = [rc for m in tennis[:200] for mc in m.changes for rc in mc.runner_changes]
    assert rcs and all(isinstance(rc.selection_id, int) for rc in rcs)
    sizes = [s for rc in rcs for _, s in rc.atb + rc.atl + rc.trd]
    assert sizes and all(isinstance(s, int) and s >= 0 for s in sizes)
    assert any(rc.trd for rc in rcs) and any(rc.tv is not None for rc in rcs)


def test_sizes_are_minor_units_and_prices_ticks() -> None:
    assert betfair.to_minor(20.62) == 2062
    assert betfair.to_minor(13002) == 1_300_200
    assert betfair.price_tick(1.01) == 0
    assert betfair.price_tick(1000) == 349
    with pytest.raises(pybet.InvalidArgument):
        betfair.price_tick(2.01)


def test_level_of_size_zero_is_removed_and_image_replaces() -> None:
    lad = betfair.Ladder()
    lad.apply(betfair.RunnerChange(1, atb=((2.0, 500), (1.99, 300))))
    lad.apply(betfair.RunnerChange(1, atb=((2.0, 0),)))
    assert lad.available_to_back() == [(98, 300)]
    lad.apply(betfair.RunnerChange(1, atl=((3.0, 100),), img=True))
    assert (lad.atb, lad.atl) == ({}, {149: 100})


@pytest.mark.parametrize(
    "line", ['{"op":"status"}', "not json", "[1, 2]", '{"op":"mcm","mc":[{"id":"1.1","rc":[{}]}]}']
)
def test_bad_lines_raise_a_typed_error(line: str) -> None:
    with pytest.raises(pybet.PybetError):
        betfair.parse_message(line)


@pytest.mark.parametrize(
    ("fields", "near", "far"),
    [
        ('"spn":7.2,"spf":6.5', 7.2, 6.5),
        ('"spn":"NaN","spf":"Infinity"', None, None),  # Betfair's undefined projections
        ('"spn":NaN,"spf":Infinity', None, None),  # the same, unquoted (not strict JSON)
        ('"spn":3', 3.0, None),
    ],
)
def test_starting_price_projections_are_read(
    fields: str, near: float | None, far: float | None
) -> None:
    line = (
        '{"op":"mcm","pt":1,"mc":[{"id":"1.1","rc":[{"id":7,' + fields + ","
        '"spb":[[1000,12.5]],"spl":[[1.01,40]]}]}]}'
    )
    rc = betfair.parse_message(line).changes[0].runner_changes[0]
    assert (rc.spn, rc.spf) == (near, far)
    assert rc.spb == ((1000.0, 1250),) and rc.spl == ((1.01, 4000),)
    lad = betfair.Ladder()
    lad.apply(rc)
    assert (lad.spn, lad.spf) == (near, far)
