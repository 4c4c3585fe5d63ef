"""``pybet bench`` is registered lazily, finds benches/ in a checkout, fails clearly without."""

from __future__ import annotations

import argparse

import pytest

from pybet import bench_cli, cli


def test_bench_is_a_registered_subcommand() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["bench", "--quick", "--out", "x"])
    assert (args.command, args.quick, args.out) == ("bench", True, "x")
    assert "pybet.bench_cli" in cli._SUBCOMMAND_MODULES


def test_finds_the_benches_in_this_checkout() -> None:
    root = bench_cli.source_root()
    assert root is not None and (root / "benches" / "suite.py").is_file()


def test_fails_clearly_from_an_install_without_benches(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench_cli, "source_root", lambda: None)
    args = argparse.Namespace(quick=True, out="bench-results", no_progress=True)
    assert bench_cli.run(args) == 2
    assert "needs a source checkout" in capsys.readouterr().err


def test_a_missing_peer_is_reported_not_faked(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from benches import peers
    from benches.measure import measure
    from benches.workload import standard_mix

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("nautilus_trader", "flumine") else real(name, *a),
    )
    wl = standard_mix(100, seed=1, resting=10)
    for engine in (peers.Nautilus(), peers.Flumine()):
        row = measure(engine, wl, wl, repeat=1)
        assert row["status"].startswith("not available:")
        assert "ops_per_s" not in row
