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
