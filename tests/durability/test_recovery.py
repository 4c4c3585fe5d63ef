"""Recovery at the gateway level: snapshot + replay reproduce the live state of a run that never
crashed; a torn final journal record is cut away, not replayed; ``pybet replay`` rebuilds the
state offline; a journal gap is refused; time-based snapshots; a failing snapshot fails nothing."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import pytest
import uvloop
from harness import (
    DEPOSIT,
    MARKET,
    TRADERS,
    Ledger,
    Server,
    check_ledger,
    connect,
    free_port,
    load_store,
    replace_everything,
    trade,
    write_config,
)

from pybet import protocol as p
from pybet.cli import main as cli_main
from pybet.errors import StoreError
from pybet.gateway import Gateway, GatewayConfig
from pybet.gateway.config import AccountConfig, MarketConfig, hash_key
from pybet.gateway.journal import encode_record
from pybet.gateway.recovery import rebuild
from pybet.store import MemoryStore, SnapshotRecord
from pybet.store.base import Recovered
from pybet.store.fileformat import encode_record as encode_file_record


def _config(**over: Any) -> GatewayConfig:
    cfg = GatewayConfig(host="127.0.0.1", port=0, http_port=-1)
    keys = {"alice": "alice-key", "bob": "bob-key", "carol": "carol-key", "admin": "root-key"}
    cfg.accounts = {
        n: AccountConfig(n, hash_key(k), admin=n == "admin", deposit=0 if n == "admin" else DEPOSIT)
        for n, k in keys.items()
    }
    cfg.markets = [MarketConfig(MARKET, [1, 2, 3])]
    for key, value in over.items():
        setattr(cfg, key, value)
    return cfg


async def _trade_for(port: int, seconds: float, ledger: Ledger, seed: str) -> None:
    until = asyncio.Event()
    rng = random.Random(seed)
    tasks = [
        asyncio.create_task(trade(port, a, ledger, rng, 0, window=4, until=until)) for a in TRADERS
    ]
    await asyncio.sleep(seconds)
    until.set()
    await asyncio.gather(*tasks)


def test_snapshot_and_replay_reproduce_the_state_of_a_run_that_never_crashed() -> None:
    async def main() -> None:
        store = MemoryStore()
        cfg = _config(snapshot_every=60, snapshot_memory=True, trim_journal=False)
        gw = Gateway(cfg, store=store)
        await gw.start()
        ledger = Ledger()
        await _trade_for(gw.port, 0.4, ledger, "never-crashed")
        live_seq, live_hash = gw.seq, gw.engine.state_hash()
        # not stopped: no shutdown snapshot, so recovery has a journal tail to replay
        rec = await store.load()
        assert rec.snapshot is not None and rec.snapshot.seq < live_seq and rec.records
        assert gw.metrics.counters["snapshots"] >= 2
        recovered = rebuild(rec)
        assert (recovered.seq, recovered.core.state_hash()) == (live_seq, live_hash)
        scratch = rebuild(Recovered(None, list(store.records)))
        assert (scratch.seq, scratch.core.state_hash()) == (live_seq, live_hash)
        # and a second gateway on the same store serves from exactly that state
        gw2 = Gateway(cfg, store=store)
        await gw2.recover()
        assert gw2.engine.state_hash() == live_hash
        await gw.stop()

    uvloop.run(main())


def test_time_based_snapshots_of_an_idle_gateway() -> None:
    async def main() -> None:
        store = MemoryStore()
        cfg = _config(snapshot_every=0, snapshot_interval_s=0.05, snapshot_memory=True)
        gw = Gateway(cfg, store=store)
        await gw.start()
        c = await connect(gw.port, "alice")
        assert isinstance(await c.place(MARKET, 1, "BACK", "2.0", 100), p.Ack)
        await c.close()
        for _ in range(200):  # no command arrives: the timer takes the snapshot
            if store.snapshots and store.snapshots[-1].seq == gw.seq:
                break
            await asyncio.sleep(0.01)
        assert store.snapshots[-1].seq == gw.seq
        assert store.snapshots[-1].state_hash == gw.engine.state_hash()
        taken = len(store.snapshots)
        await asyncio.sleep(0.2)
        assert len(store.snapshots) == taken  # nothing changed: no new snapshot
        await gw.stop()

    uvloop.run(main())


class _SnapshotFails(MemoryStore):
    failing = True

    async def write_snapshot(self, snap: SnapshotRecord) -> None:
        if self.failing:
            raise StoreError("disk full (injected)")
        await super().write_snapshot(snap)


def test_a_failing_snapshot_fails_no_batch() -> None:
    async def main() -> None:
        store = _SnapshotFails()
        gw = Gateway(_config(snapshot_every=1, snapshot_memory=True), store=store)
        await gw.start()
        c = await connect(gw.port, "alice")
        for i in range(5):
            reply = await c.place(MARKET, 1, "BACK", "2.0", 100 + i)
            assert isinstance(reply, p.Ack)  # acked: the journal holds it
        assert gw.metrics.counters["snapshot_failures"] >= 1 and not gw.fail_closed
        assert not store.snapshots
        store.failing = False  # the disk is back: the snapshot still due is retried, unasked
        for _ in range(300):
            if store.snapshots:
                break
            await asyncio.sleep(0.01)
        assert store.snapshots[-1].seq == gw.seq
        await c.close()
        await gw.stop()

    uvloop.run(main())


def test_a_journal_gap_is_refused() -> None:
    rec = Recovered(None, [(1, encode_record(0, [])), (3, encode_record(0, []))])
    with pytest.raises(StoreError, match="gap"):
        rebuild(rec)


def _last_segment(data: Path) -> Path:
    return sorted(data.glob("journal-*.log"))[-1]


def test_a_torn_final_record_is_cut_away_not_replayed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"file:{data}"
    config = write_config(tmp_path / "gw.toml", url, snapshot_every=0, snapshot_interval_s=0.0)
    server = Server(config, free_port(), tmp_path)
    ledger = Ledger()

    async def main() -> None:
        server.start()
        await _trade_for(server.port, 0.3, ledger, "torn")
        server.kill()
        before = await load_store(url)
        last = before.records[-1][0]
        # what a crash in the middle of the next append leaves: a prefix of a valid record
        # (a place nobody was ever told about)
        body = p.encode(p.Place(0, MARKET, 1, "BACK", "3.0", 555, "torn-coid"))
        record = encode_file_record(last + 1, encode_record(1, [("alice", body)]))
        segment = _last_segment(data)
        size = segment.stat().st_size
        with segment.open("ab") as fh:
            fh.write(record[: len(record) // 2])
        server.start()  # the store cuts the torn tail on open; the gateway serves
        c = await connect(server.port, "alice")
        again = await c.place(MARKET, 1, "BACK", "3.0", 555, client_order_id="torn-coid")
        assert isinstance(again, p.Ack) and not again.duplicate  # it had not been replayed
        await c.close()
        replies = await replace_everything(server.port, ledger)
        server.kill()
        after = await load_store(url)
        assert after.records[last][0] == last + 1  # seq last + 1 reused for the real batch
        state = rebuild(after)
        ledger.sent[("alice", "torn-coid")] = p.Place(0, MARKET, 1, "BACK", "3.0", 555, "x")
        check_ledger(ledger, replies, state)
        assert segment.stat().st_size > size  # the new batches went where the torn one was

    try:
        uvloop.run(main())
    finally:
        server.kill()


def test_pybet_replay_rebuilds_the_state_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"file:{tmp_path / 'data'}"

    async def main() -> tuple[int, int]:
        from pybet.store import open_store

        store = open_store(url)
        gw = Gateway(_config(snapshot_every=30), store=store)
        await gw.start()
        await _trade_for(gw.port, 0.3, Ledger(), "replay")
        await gw.stop()
        return gw.seq, gw.engine.state_hash()

    seq, live_hash = uvloop.run(main())
    assert cli_main(["replay", url, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rebuilt_state_hash"] == f"{live_hash:016x}"
    assert summary["seq"] == seq and summary["markets"] == 1 and summary["orders"] > 0
    assert set(summary["balances"]) == {"alice", "bob", "carol"}
    assert summary["balance_total"] == 3 * DEPOSIT
    assert cli_main(["replay", url]) == 0
    out = capsys.readouterr().out
    assert "live_orders" in out and f"{live_hash:016x}" in out


def test_a_failed_fsync_on_the_file_store_fails_closed_then_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from pybet.store import file as file_store
    from pybet.store import open_store

    real_fsync = os.fsync
    failing = {"on": False}

    def fsync(fd: int) -> None:
        if failing["on"]:
            raise OSError(5, "Input/output error (injected)")
        real_fsync(fd)

    monkeypatch.setattr(file_store.os, "fsync", fsync)

    async def main() -> None:
        store = open_store(f"file:{tmp_path / 'data'}")
        gw = Gateway(_config(), store=store)
        await gw.start()
        c = await connect(gw.port, "alice")
        kept = await c.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="kept")
        assert isinstance(kept, p.Ack)
        failing["on"] = True
        lost = await c.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="unknown")
        assert isinstance(lost, p.Reject) and lost.code == "UNAVAILABLE"
        assert gw.fail_closed
        failing["on"] = False
        for _ in range(200):  # ping re-reads the tail, the gateway rebuilds, serves again
            if not gw.fail_closed:
                break
            await asyncio.sleep(0.02)
        assert not gw.fail_closed
        # the write reached the file before the fsync failed: its record is intact, so the
        # rebuilt state has it, and the client's retry gets the original
        again = await c.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="unknown")
        assert isinstance(again, p.Ack) and again.duplicate
        dup = await c.place(MARKET, 1, "BACK", "2.0", 100, client_order_id="kept")
        assert isinstance(dup, p.Ack) and dup.duplicate and dup.order_id == kept.order_id
        assert len(gw.engine.exchange.orders(account="alice")) == 2
        await c.close()
        await gw.stop()

    uvloop.run(main())
