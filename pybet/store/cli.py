"""``pybet replay STORE_URL``: open a store and report what recovery would start from (the
newest snapshot, its state hash, the journal records after it).

It then rebuilds the state offline through the gateway's ``apply`` code path
(:func:`pybet.gateway.recovery.rebuild`) and prints markets, orders, balances and the state hash.
``REBUILD`` overrides that (a function from the recovered store contents to a summary dict with
at least ``state_hash``); ``--no-rebuild`` reports the store's contents only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
from collections.abc import Callable
from typing import Any

from pybet.cli import register
from pybet.errors import PybetError, StoreError
from pybet.gateway.config import GatewayConfig
from pybet.store import open_store
from pybet.store.base import Recovered
from pybet.store.file import FileStore

#: The seam for state rebuild: ``REBUILD(recovered) -> {"state_hash": int, ...}``; ``None``
#: means the gateway's own rebuild.
REBUILD: Callable[[Recovered], dict[str, Any]] | None = None


def _gateway_rebuild(recovered: Recovered, cfg: GatewayConfig) -> dict[str, Any]:
    """The gateway's rebuild with its config's commission, idempotency window and settled
    retention: the windows change what a replay forgets and purges, so the state hash."""
    from pybet.gateway.recovery import describe, rebuild

    return describe(
        rebuild(
            recovered,
            cfg.commission_rate,
            cfg.idempotency_window_s,
            settled_retention_s=cfg.settled_retention_s,
        )
    )


def summarize(url: str, recovered: Recovered) -> dict[str, Any]:
    snap = recovered.snapshot
    seqs = [seq for seq, _ in recovered.records]
    return {
        "store": url,
        "snapshot_seq": snap.seq if snap else None,
        "snapshot_state_hash": f"{snap.state_hash:016x}" if snap else None,
        "snapshot_bytes": len(snap.state) if snap else 0,
        "records": len(seqs),
        "record_bytes": sum(len(r) for _, r in recovered.records),
        "first_seq": seqs[0] if seqs else None,
        "last_seq": seqs[-1] if seqs else (snap.seq if snap else None),
        "contiguous": all(b == a + 1 for a, b in itertools.pairwise(seqs))
        and (not seqs or seqs[0] == (snap.seq if snap else 0) + 1),
    }


async def _load(url: str) -> Recovered:
    store = open_store(url)
    if isinstance(store, FileStore) and not store.path.is_dir():
        raise StoreError(f"no store at {store.path}")  # opening would create an empty one
    await store.open()
    try:
        return await store.load()
    finally:
        await store.close()


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE_URL", help="file:PATH or redis://HOST:PORT/DB")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--no-rebuild", action="store_true", help="report the store's contents only"
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the gateway's TOML config (its commission rate, idempotency window and settled "
        "retention change the rebuilt state)",
    )


def _run(args: argparse.Namespace) -> int:
    try:
        recovered = asyncio.run(_load(args.store))
    except PybetError as exc:
        print(f"pybet replay: {exc} [{exc.code}]", file=sys.stderr)
        return 1
    summary = summarize(args.store, recovered)
    if not args.no_rebuild:
        try:
            if REBUILD is not None:
                state = REBUILD(recovered)
            else:
                from pybet.gateway.config import load_config

                cfg = load_config(args.config) if args.config else GatewayConfig()
                state = _gateway_rebuild(recovered, cfg)
        except PybetError as exc:
            print(f"pybet replay: rebuild failed: {exc} [{exc.code}]", file=sys.stderr)
            return 1
        summary["rebuilt_state_hash"] = f"{state.pop('state_hash'):016x}"
        balances = state.pop("balances", None)
        summary.update(state)
        if args.json and balances is not None:
            summary["balances"] = balances
    else:
        summary["rebuilt_state_hash"] = None
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:20} {value}")
    return 0


register(
    "replay",
    "rebuild the state offline from a store (snapshot + journal) and print a summary",
    _add_arguments,
    _run,
)
