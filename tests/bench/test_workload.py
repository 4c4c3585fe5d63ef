"""The seeded standard-mix generator: deterministic, the right mix, exact cancels and sweeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benches.pybook import PyBook
from benches.workload import CANCEL, PLACE, TAKER, Workload, standard_mix

COLUMNS = ("kind", "runner", "side", "tick", "size", "account", "target")


@pytest.fixture(scope="module")
def mix() -> Workload:
    return standard_mix(20_000, seed=3)


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    a, b, c = standard_mix(3_000, seed=5), standard_mix(3_000, seed=5), standard_mix(3_000, seed=6)
    assert all(np.array_equal(getattr(a, k), getattr(b, k)) for k in COLUMNS)
    assert not all(np.array_equal(getattr(a, k), getattr(c, k)) for k in COLUMNS)


def test_the_standard_mix(mix: Workload) -> None:
    shares = mix.mix()
    assert shares["place"] == pytest.approx(0.70, abs=0.02)
    assert shares["cancel"] == pytest.approx(0.25, abs=0.02)
    assert shares["sweep"] == pytest.approx(0.05, abs=0.01)
    assert mix.warm == 1_000 and mix.timed == 20_000
    assert (mix.kind[: mix.warm] == PLACE).all()


def test_prices_stay_near_a_pre_race_favourite(mix: Workload) -> None:
    lo, hi = np.percentile(mix.tick[mix.warm :], [1, 99])
    assert lo >= 140 and hi <= 200  # 2.8 to 7.0 around the opening 3.95 / 4.0


def test_cancels_hit_resting_orders_and_only_sweeps_fill(mix: Workload) -> None:
    book = PyBook(record=True)
    taker = mix.accounts.index(TAKER)
    for i in range(len(mix)):
        if mix.kind[i] == CANCEL:
            assert mix.target[i] < i and mix.kind[mix.target[i]] == PLACE
            assert book.cancel(int(mix.target[i])) > 0  # the target is still resting
        else:
            matched = book.place(i, int(mix.side[i]), int(mix.tick[i]), int(mix.size[i]))
            if mix.account[i] == taker:
                assert matched == mix.size[i]  # a sweep takes exactly the levels it names
            else:
                assert matched == 0  # new limit orders are passive
    takers = {f[0] for f in book.fills}
    assert all(mix.account[t] == taker for t in takers)
    assert all(mix.account[f[1]] != taker for f in book.fills)  # no self-match is possible


def test_npz_round_trip(tmp_path: Path, mix: Workload) -> None:
    path = tmp_path / "mix.npz"
    mix.save(path)
    back = Workload.load(path)
    assert (back.name, back.runners, back.accounts, back.warm) == (
        mix.name,
        mix.runners,
        mix.accounts,
        mix.warm,
    )
    assert back.meta == mix.meta
    for k in COLUMNS:
        assert np.array_equal(getattr(back, k), getattr(mix, k))
        assert getattr(back, k).dtype == getattr(mix, k).dtype


def test_ops_file_header(tmp_path: Path) -> None:
    wl = standard_mix(100, seed=1, resting=10)
    path = tmp_path / "s.ops"
    wl.save_ops(path)
    data = path.read_bytes()
    assert data[:8] == b"PYBETOPS"
    assert int.from_bytes(data[12:20], "little") == len(wl)
    assert int.from_bytes(data[20:28], "little") == wl.warm


def test_a_big_warm_up_book(tmp_path: Path) -> None:
    wl = standard_mix(100, seed=1, resting=50_000)
    assert wl.warm == 50_000
    assert (wl.kind[: wl.warm] == PLACE).all()
    backs = wl.side[: wl.warm] == 0
    assert wl.tick[: wl.warm][backs].min() > wl.tick[: wl.warm][~backs].max()  # uncrossed
