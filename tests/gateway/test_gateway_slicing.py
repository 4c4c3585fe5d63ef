"""The owner's apply is time-sliced (pybet/gateway/server.py, ``_APPLY_SLICE_S``): a batch may
yield to the loop between two of its commands. Nothing of what it applies, answers or journals
may depend on where it yields."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from gwtest import MARKET, client, gateway, run

from pybet import protocol as p
from pybet.gateway import server
from pybet.store import MemoryStore


async def _load(gw: Any) -> list[Any]:
    """Two clients pipelining crossing places, places that rest and cancels of those, so that
    batches hold many commands of each kind."""
    alice, bob = await client(gw, "alice"), await client(gw, "bob")
    prices = ["2.0", "2.02", "2.04", "2.06"]
    crossing = [
        c.place(MARKET, 1, side, prices[i % 4], 100 + i, client_order_id=f"o{i}")
        for i in range(120)
        for c, side in ((alice, "BACK"), (bob, "LAY"))
    ]
    resting = [alice.place(MARKET, 2, "BACK", "20.0", 50 + i) for i in range(40)]
    placed = await asyncio.gather(*crossing, *resting)
    far = [r.order_id for r in placed[len(crossing) :]]
    cancelled = await asyncio.gather(*(alice.cancel(oid) for oid in far))
    await alice.close()
    await bob.close()
    return [*placed, *cancelled]


def test_a_batch_that_yields_at_every_command_replays_to_the_same_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    yields = 0
    next_turn = server._next_turn

    async def counted() -> None:
        nonlocal yields
        yields += 1
        await next_turn()

    monkeypatch.setattr(server, "_APPLY_SLICE_S", -1.0)  # every command is a slice of its own
    monkeypatch.setattr(server, "_next_turn", counted)

    async def main() -> None:
        async with gateway(snapshot_every=0) as gw:
            replies = await _load(gw)
            live = gw.engine.state_hash()
            assert isinstance(gw.store, MemoryStore)
            journal = list(gw.store.records)
            batches = gw.metrics.counters["batches"]
        # mid-batch yields happened: more of them than batches, so batches were cut
        assert yields > batches
        assert all(type(r) in (p.Ack, p.Cancelled) for r in replies)
        assert any(r.size_matched for r in replies if isinstance(r, p.Ack))
        store = MemoryStore()
        store.records = journal  # the journal alone, applied without yields in between
        async with gateway(store=store, snapshot_every=0) as gw:
            assert gw.engine.state_hash() == live

    run(main())
