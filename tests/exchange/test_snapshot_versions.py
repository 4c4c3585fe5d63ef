"""A snapshot that an older pybet wrote restores today (SPEC 8a: an older snapshot is migrated
or refused with a clear error).

`tests/data/snapshots/snapshot-v7.bin` was written by pybet's snapshot version 7 (fixed-width
integers, before stop 27) with the facts beside it in `snapshot-v7.json`; see the README there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import pybet

DATA = Path(__file__).resolve().parents[1] / "data" / "snapshots"


def _version(blob: bytes) -> int:
    return int.from_bytes(blob[8:12], "little")


def _orders(ex: pybet.Exchange) -> list[list[Any]]:
    return [
        [
            o.order_id,
            o.market_id,
            o.runner,
            str(o.side),
            o.size,
            o.size_matched,
            o.size_remaining,
            o.size_cancelled,
            o.client_order_id,
            str(o.status),
        ]
        for o in ex.orders()
    ]


@pytest.fixture
def v7() -> tuple[bytes, dict[str, Any]]:
    blob = (DATA / "snapshot-v7.bin").read_bytes()
    facts = json.loads((DATA / "snapshot-v7.json").read_text())
    assert _version(blob) == 7
    return blob, facts


def test_a_version_7_snapshot_restores_with_the_hash_it_was_recorded_with(
    v7: tuple[bytes, dict[str, Any]],
) -> None:
    blob, facts = v7
    ex, recorded = pybet.Exchange.restore_and_hash(blob)
    assert recorded == facts["state_hash"]
    assert _orders(ex) == facts["orders"]
    assert {a: ex.balance(a) for a in facts["balances"]} == facts["balances"]
    # the encoding changed, so today's hash of the same state is another number
    assert ex.state_hash() != recorded


def test_it_snapshots_again_as_version_8_smaller_and_goes_on_trading(
    v7: tuple[bytes, dict[str, Any]],
) -> None:
    blob, facts = v7
    ex = pybet.Exchange.restore(blob)
    new = ex.snapshot()
    assert _version(new) == 8
    assert len(new) < len(blob)
    again, recorded = pybet.Exchange.restore_and_hash(new)
    assert recorded == ex.state_hash() == again.state_hash()
    assert _orders(again) == facts["orders"]
    # alice's back of 1,000 at 3.5 has 600 left: a lay of 600 at 3.5 takes it, with the
    # next order id after every one issued (6 and 7 were race.2's, freed at its settlement)
    rep = again.place("race.1", 1, "LAY", "3.5", 600, "bob")
    assert rep.order_id == 8
    assert rep.size_matched == 600
    assert again.order(1).size_remaining == 0


def test_a_damaged_version_7_snapshot_is_refused(v7: tuple[bytes, dict[str, Any]]) -> None:
    blob, _ = v7
    flipped = bytearray(blob)
    flipped[40] ^= 1
    with pytest.raises(pybet.SnapshotError):
        pybet.Exchange.restore(bytes(flipped))
    # a version-7 body under the version-8 header: the checksum matches, the body does not
    relabelled = bytearray(blob)
    relabelled[8:12] = (8).to_bytes(4, "little")
    with pytest.raises(pybet.SnapshotError):
        pybet.Exchange.restore(bytes(relabelled))
