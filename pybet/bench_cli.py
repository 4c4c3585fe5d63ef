"""``pybet bench [--quick]``: the benchmark suite of ``benches/`` (a source checkout only).

The suite measures pybet against its peers in one run and writes ``bench-results/`` (a Markdown
table, ``results.json`` and PNG plots). It installs nothing: missing peers are reported as
"not available". The benches are not part of an installed wheel, so this command finds them
next to the ``pybet`` package and says so clearly when they are not there.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from pybet import cli


def source_root() -> Path | None:
    """The checkout that holds ``benches/suite.py`` beside this ``pybet`` package, if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "benches" / "suite.py").is_file() else None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="smaller streams (under two minutes)")
    p.add_argument("--out", default="bench-results", help="output directory (bench-results)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    root = source_root()
    if root is None:
        print(
            "pybet bench needs a source checkout: benches/ was not found next to the pybet "
            f"package ({Path(__file__).resolve().parent}). Clone the repository and run "
            "`pybet bench` from its virtualenv.",
            file=sys.stderr,
        )
        return 2
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        print("pybet bench needs matplotlib: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    suite = importlib.import_module("benches.suite")
    report = suite.run(quick=args.quick, out_dir=args.out, progress=not args.no_progress, log=print)
    missing = [r for r in report["results"] if r["status"] != "ok"]
    for r in {r["key"]: r for r in missing}.values():
        print(f"{r['engine']}: {r['status']}")
    return 0


cli.register("bench", "run the benchmark suite against the peers", add_arguments, run)
