"""The ``pybet`` command line: ``pybet --version``, ``pybet serve``, ``pybet load``,
``pybet bench``, ``pybet replay``, ``pybet events``. Subcommands register themselves in
``_COMMANDS``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

import pybet

# name -> (help, add_arguments, run); each subcommand module calls register() on import.
Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
_COMMANDS: dict[str, Command] = {}

# Modules that define subcommands; imported lazily so that `pybet --version` stays fast.
_SUBCOMMAND_MODULES: tuple[str, ...] = (
    "pybet.gateway.cli",
    "pybet.loadgen",
    "pybet.store.cli",
    "pybet.bench_cli",
    "pybet.feed_cli",
)


def register(
    name: str,
    help_text: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
) -> None:
    """Register a subcommand (called by the subcommand modules at import time)."""
    _COMMANDS[name] = (help_text, add_arguments, run)


def build_parser() -> argparse.ArgumentParser:
    for module in _SUBCOMMAND_MODULES:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(
        prog="pybet",
        description="pybet: exchange matching engine, pari-mutuel pools and a durable gateway.",
    )
    parser.add_argument("--version", action="version", version=f"pybet {pybet.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments, _run) in sorted(_COMMANDS.items()):
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return _COMMANDS[args.command][2](args)


if __name__ == "__main__":
    sys.exit(main())
