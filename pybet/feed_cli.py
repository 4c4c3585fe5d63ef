"""``pybet events tail``: print the history feed (pybet/feed.py) as JSON lines, one event per
line with its batch's ``seq`` and ``index``; resumes after ``--from SEQ``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from pybet.cli import register
from pybet.errors import PybetError

_EXAMPLES = """
examples:
  pybet events tail --store file:./pybet-data              everything, then follow
  pybet events tail --store redis://127.0.0.1:6379/0 --from 1200 --no-follow
  pybet events tail --store redis://... --group risk --consumer risk-1
"""


def _args(ap: argparse.ArgumentParser) -> None:
    ap.formatter_class = argparse.RawDescriptionHelpFormatter
    ap.epilog = _EXAMPLES
    ap.add_argument("action", choices=["tail"], help="tail: print events as JSON lines")
    ap.add_argument("--store", required=True, metavar="URL", help="file:PATH or redis://...")
    ap.add_argument(
        "--from",
        dest="from_seq",
        type=int,
        default=0,
        metavar="SEQ",
        help="the last batch already seen: start after it (default 0: from the beginning)",
    )
    ap.add_argument(
        "--no-follow", dest="follow", action="store_false", help="stop at the current end"
    )
    ap.add_argument("--group", help="redis consumer group (with --consumer)")
    ap.add_argument("--consumer", help="consumer name within --group")


def _run(args: argparse.Namespace) -> int:
    from pybet.feed import feed

    async def main() -> None:
        out = sys.stdout
        async for ev in feed(
            args.store,
            args.from_seq,
            follow=args.follow,
            group=args.group,
            consumer=args.consumer,
        ):
            out.write(json.dumps(ev.to_dict(), separators=(",", ":")) + "\n")
            out.flush()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `pybet events tail ... | head`: the reader is gone, which ends the tail; stdout to
        # /dev/null so that the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    except PybetError as exc:
        print(f"pybet events: {exc}", file=sys.stderr)
        return 1
    return 0


register("events", "read the history feed of a store (events tail)", _args, _run)
