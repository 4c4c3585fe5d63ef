"""The network-free engine owner: apply, idempotency, journal replay and snapshots."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet
from pybet import protocol as p
from pybet.gateway.engine import EngineCore
from pybet.gateway.journal import AdvanceTime, decode_record, encode_record

SETUP = [
    ("admin", p.CreateMarket(1, "1.1", [1, 2, 3])),
    ("admin", p.MarketAction(2, "1.1", "open")),
    ("admin", p.CreatePool(3, "W", "WIN", 4)),
    *[("admin", p.Deposit(4, name, 10**9)) for name in ("a", "b", "c", "maker", "taker")],
]


def _core() -> EngineCore:
    core = EngineCore()
    core.apply_batch(1_000, SETUP)
    return core


def test_bad_commands_are_rejected_with_codes_and_change_nothing() -> None:
    core = _core()
    before = core.state_hash()
    res = core.apply_batch(
        1_000,  # the setup's time: a later one would move the engine clock, which is state
        [
            ("a", p.Place(1, "9.9", 1, "BACK", "2.0", 10)),
            ("a", p.Place(2, "1.1", 7, "BACK", "2.0", 10)),
            ("a", p.Place(3, "1.1", 1, "BACK", "2.03", 10)),
            ("a", p.Cancel(4, 99)),
            ("a", p.PoolBet(5, "nope", [1], 10)),
            ("a", p.PoolBet(6, "W", [9], 10)),
            ("a", p.CreateMarket(7, "1.1", [1])),
        ],
    )
    codes = [getattr(r, "code", None) for r in res.replies]
    assert codes == [
        "UNKNOWN_MARKET",
        "UNKNOWN_RUNNER",
        "INVALID_PRICE",
        "UNKNOWN_ORDER",
        "UNKNOWN_POOL",
        "INVALID_SELECTION",
        "MARKET_EXISTS",
    ]
    assert core.exchange.orders() == []
    assert core.exchange.book("1.1", 1).available_to_lay == []
    assert core.state_hash() == before


def test_idempotency_table_returns_the_original_result() -> None:
    core = _core()
    a = core.apply_batch(2_000, [("a", p.Place(1, "1.1", 1, "BACK", "2.0", 10, "x"))]).replies[0]
    b = core.apply_batch(2_001, [("a", p.Place(9, "1.1", 2, "LAY", "5.0", 99, "x"))]).replies[0]
    assert isinstance(a, p.Ack) and isinstance(b, p.Ack)
    assert b.duplicate and b.req == 9 and b.order_id == a.order_id and b.runner == 1
    # a rejected place is remembered too
    r1 = core.apply_batch(2_002, [("a", p.Place(1, "1.1", 1, "BACK", "2.03", 10, "y"))]).replies[0]
    r2 = core.apply_batch(2_003, [("a", p.Place(2, "1.1", 1, "BACK", "2.0", 10, "y"))]).replies[0]
    assert isinstance(r1, p.Reject) and isinstance(r2, p.Reject)
    assert r2.duplicate and r2.code == r1.code == "INVALID_PRICE"


def test_fills_notify_both_accounts() -> None:
    core = _core()
    core.apply_batch(3_000, [("maker", p.Place(1, "1.1", 2, "BACK", "3.0", 100))])
    res = core.apply_batch(3_001, [("taker", p.Place(2, "1.1", 2, "LAY", "3.0", 60))])
    fills = [(acct, n) for acct, n in res.notices if isinstance(n, p.Fill)]
    assert [(a, n.size, n.maker, n.side) for a, n in fills] == [
        ("maker", 60, True, "BACK"),
        ("taker", 60, False, "LAY"),
    ]
    assert "1.1" in res.markets


def test_bet_delay_orders_are_released_by_advance_time() -> None:
    core = EngineCore()
    core.apply_batch(
        0,
        [
            ("admin", p.Deposit(0, "a", 10**6)),
            ("admin", p.CreateMarket(1, "D", [1, 2], bet_delay_ms=500)),
            ("admin", p.MarketAction(2, "D", "open")),
            ("admin", p.MarketAction(3, "D", "in_play")),
        ],
    )
    ack = core.apply_batch(
        10, [("a", p.Place(1, "D", 1, "BACK", "2.0", 10, None, "GTC", "PERSIST"))]
    )
    assert isinstance(ack.replies[0], p.Ack) and ack.replies[0].status == "PENDING"
    assert core.due == [510]
    res = core.apply_batch(600, [("", AdvanceTime(600))])
    released = [n for _a, n in res.notices if isinstance(n, p.Ack)]
    assert [n.status for n in released] == ["EXECUTABLE"]


_cmd = st.one_of(
    st.builds(
        lambda acct, r, side, price, size, coid: (
            acct,
            p.Place(0, "1.1", r, side, price, size, coid),
        ),
        st.sampled_from(["a", "b", "c"]),
        st.integers(1, 3),
        st.sampled_from(["BACK", "LAY"]),
        st.sampled_from(["1.9", "2.0", "2.02", "2.1", "3.0"]),
        st.integers(1, 500),
        st.one_of(st.none(), st.sampled_from(["x", "y", "z"])),
    ),
    st.builds(
        lambda acct, oid: (acct, p.Cancel(0, oid)), st.sampled_from(["a", "b"]), st.integers(1, 30)
    ),
    st.builds(lambda stake: ("a", p.PoolBet(0, "W", [1 + stake % 4], stake)), st.integers(1, 1000)),
)


@settings(max_examples=40)
@given(st.lists(st.lists(_cmd, min_size=1, max_size=8), min_size=1, max_size=8))
def test_replay_and_snapshot_reproduce_the_state_hash(
    batches: list[list[tuple[str, object]]],
) -> None:
    live = _core()
    journal = [encode_record(1_000, [(a, p.encode(c)) for a, c in SETUP])]
    for i, batch in enumerate(batches):
        live.apply_batch(2_000 + i, batch)
        journal.append(encode_record(2_000 + i, [(a, p.encode(c)) for a, c in batch]))  # type: ignore[arg-type]
    replayed = EngineCore()
    for record in journal:
        now, cmds = decode_record(record)
        replayed.apply_batch(now, cmds)
    assert replayed.state_hash() == live.state_hash()
    blob, blob_hash = live.snapshot_and_hash()
    assert (blob, blob_hash) == (live.snapshot(), live.state_hash())
    restored = EngineCore.restore(blob)
    assert restored.state_hash() == live.state_hash()
    assert EngineCore.restore_and_hash(blob)[1] == live.state_hash()
    assert restored.idem.items() == live.idem.items()
    for (account, coid), encoded in live.idem.items():
        reply = msgspec.msgpack.decode(encoded, type=p.Ack | p.Reject)
        res = restored.begin_batch(9_000)
        again = restored.apply(account, p.Place(77, "1.1", 1, "BACK", "2.0", 100, coid), res)
        assert again == msgspec.structs.replace(reply, req=77, duplicate=True)


def test_admin_remove_runner_void_and_balances() -> None:
    core = _core()
    core.apply_batch(4_000, [("a", p.Place(1, "1.1", 1, "BACK", "2.0", 100))])
    core.apply_batch(4_001, [("b", p.Place(2, "1.1", 1, "LAY", "2.0", 100))])
    res = core.apply_batch(
        4_002,
        [
            ("admin", p.RemoveRunner(3, "1.1", 2, "12.5")),
            ("admin", p.RemoveRunner(4, "1.1", 2, "12.5")),
            ("admin", p.MarketAction(5, "1.1", "void")),
            ("admin", p.Withdraw(6, "a", 10**12)),
        ],
    )
    assert isinstance(res.replies[0], p.Done)
    assert [getattr(r, "code", None) for r in res.replies[1:]] == [
        "RUNNER_REMOVED",
        None,
        "INSUFFICIENT_FUNDS",
    ]
    balances = {acct: n for acct, n in res.notices if isinstance(n, p.Balance)}
    assert balances["a"].balance == 10**9 and balances["b"].balance == 10**9  # stakes returned
    assert core.balance(0, "a").available == 10**9


def test_pool_stakes_leave_the_balance_and_payouts_come_back() -> None:
    core = _core()
    start = {a: core.balance(0, a).balance for a in ("a", "b", "c")}
    res = core.apply_batch(
        5_000,
        [
            ("a", p.PoolBet(1, "W", [1], 1_000)),
            ("b", p.PoolBet(2, "W", [2], 3_000)),
            ("c", p.PoolBet(3, "W", [3], 500)),
            ("c", p.PoolBet(4, "W", [9], 500)),  # refused: nothing withdrawn
            ("admin", p.ScratchRunner(5, "W", 3)),
            ("admin", p.SettlePool(6, "W", [[1], [2]])),
            ("admin", p.SettlePool(7, "W", [[1], [2]])),
        ],
    )
    codes = [getattr(r, "code", None) for r in res.replies]
    assert codes == [None, None, None, "INVALID_SELECTION", None, None, "ALREADY_SETTLED"]
    bal = {a: core.balance(0, a).balance for a in ("a", "b", "c")}
    assert bal["c"] == start["c"]  # scratched: refunded
    assert bal["b"] == start["b"] - 3_000  # lost
    pool = core.pools["W"]
    assert bal["a"] - start["a"] == int(pool.payouts()[0]) - 1_000 > 0  # won: payout - stake
    assert sum(bal.values()) - sum(start.values()) == -(
        pool.settlement.takeout + pool.settlement.breakage
    )  # type: ignore[union-attr]


WINDOW_S = 60.0


def _windowed() -> EngineCore:
    core = EngineCore(idempotency_window_s=WINDOW_S)
    core.apply_batch(1_000, SETUP)
    core.apply_batch(1_000, [("admin", p.CreateMarket(9, "1.2", [1, 2]))])
    core.apply_batch(1_000, [("admin", p.MarketAction(9, "1.2", "open"))])
    return core


def _place(core: EngineCore, t: int, market: str, coid: str) -> msgspec.Struct:
    res = core.apply_batch(t, [("a", p.Place(7, market, 1, "BACK", "3.0", 100, coid))])
    return res.replies[0]


def test_a_client_order_id_is_remembered_until_settled_and_for_the_window() -> None:
    core = _windowed()
    first = _place(core, 2_000, "1.1", "k")
    assert isinstance(first, p.Ack)
    # Inside the window: the original result.
    again = _place(core, 2_000 + 59_000, "1.1", "k")
    assert isinstance(again, p.Ack) and again.duplicate and again.order_id == first.order_id
    # Past the window, the market still open: still remembered.
    again = _place(core, 2_000 + 120_000, "1.1", "k")
    assert isinstance(again, p.Ack) and again.duplicate
    # Settled past the window: forgotten at once; the id places a new order (in another
    # market: the settled one takes none).
    core.apply_batch(200_000, [("admin", p.SettleMarket(8, "1.1", [1]))])
    fresh = _place(core, 200_001, "1.2", "k")
    assert isinstance(fresh, p.Ack) and not fresh.duplicate
    assert fresh.order_id != first.order_id


def test_a_settled_markets_ids_stay_for_the_window_then_go() -> None:
    core = _windowed()
    first = _place(core, 2_000, "1.1", "s")
    core.apply_batch(3_000, [("admin", p.SettleMarket(8, "1.1", [2]))])
    again = _place(core, 30_000, "1.2", "s")  # settled, but inside the window
    assert isinstance(again, p.Ack) and again.duplicate and again.order_id == first.order_id
    fresh = _place(core, 2_000 + 61_000, "1.2", "s")
    assert isinstance(fresh, p.Ack) and not fresh.duplicate


def test_the_window_bounds_the_table_and_survives_a_restart() -> None:
    core = _windowed()
    for i in range(200):  # 200 ids, one a second, in a market that settles at once
        core.apply_batch(2_000 + i * 1_000, [("admin", p.CreateMarket(9, f"m{i}", [1, 2]))])
        core.apply_batch(2_000 + i * 1_000, [("admin", p.MarketAction(9, f"m{i}", "open"))])
        _place(core, 2_000 + i * 1_000, f"m{i}", f"id{i}")
        core.apply_batch(2_000 + i * 1_000, [("admin", p.SettleMarket(8, f"m{i}", [1]))])
    # Only about a window's worth (60 s of one a second) is left, not the history.
    assert 55 <= len(core.idem) <= 62
    restored = EngineCore.restore(core.snapshot(), idempotency_window_s=WINDOW_S)
    assert restored.state_hash() == core.state_hash()
    for c in (core, restored):
        c.apply_batch(300_000, [])
    assert restored.state_hash() == core.state_hash()
    assert len(core.idem) == 0


def test_a_settled_market_is_purged_after_the_retention_by_journal_time() -> None:
    """A settled market keeps its result for the retention (never shorter than the
    idempotency window), then is purged: unknown to the exchange, gone from the engine's
    tables; its id can be created again. A replay of the same batches and a restore from a
    snapshot taken in between purge exactly the same (state hash)."""
    day = 86_400_000
    core = EngineCore(idempotency_window_s=86_400, settled_retention_s=3_600)  # -> 1 day
    batches: list[tuple[int, list[tuple[str, object]]]] = [(1_000, SETUP)]
    batches.append(
        (
            2_000,
            [
                ("a", p.Place(1, "1.1", 1, "BACK", "2.0", 100, "x1")),
                ("b", p.Place(2, "1.1", 1, "LAY", "2.0", 100)),
                ("admin", p.MarketAction(3, "1.1", "close")),
                ("admin", p.SettleMarket(4, "1.1", [1])),
            ],
        )
    )
    for now, cmds in batches:
        core.apply_batch(now, cmds)
    assert core.exchange.market_status("1.1") == pybet.MarketStatus.CLOSED
    snap = core.snapshot()
    core.apply_batch(2_000 + day - 1, [])  # inside the retention: kept
    assert "1.1" in core.settled_markets and "1.1" in core.exchange.markets()
    late = [("admin", p.CreateMarket(5, "1.1", [1, 2]))]
    res = core.apply_batch(2_000 + day, late)  # purged first, so the id is free again
    assert isinstance(res.replies[0], p.Done)
    assert "1.1" not in core.settled_markets and not core.idem
    assert core.exchange.market_status("1.1") == pybet.MarketStatus.INACTIVE  # the new one
    replay = EngineCore(idempotency_window_s=86_400, settled_retention_s=3_600)
    for now, cmds in [*batches, (2_000 + day - 1, []), (2_000 + day, late)]:
        replay.apply_batch(now, cmds)
    assert replay.state_hash() == core.state_hash()
    restored = EngineCore.restore(snap, 0.0, 86_400, 3_600)
    restored.apply_batch(2_000 + day - 1, [])
    restored.apply_batch(2_000 + day, late)
    assert restored.state_hash() == core.state_hash()
    kept = EngineCore(idempotency_window_s=86_400, settled_retention_s=0)
    for now, cmds in batches:
        kept.apply_batch(now, cmds)
    kept.apply_batch(2_000 + 30 * day, [])
    assert "1.1" in kept.settled_markets  # retention 0: kept for ever


def test_a_refused_client_order_id_waits_for_the_window_only() -> None:
    """A place refused (here: its market is settled) uses its client order id up for the
    window, but waits for no settlement: after the window it is forgotten even once the
    market has been purged, and nothing is left waiting."""
    day = 86_400_000
    core = EngineCore(idempotency_window_s=86_400, settled_retention_s=3_600)
    core.apply_batch(1_000, SETUP)
    settle = [
        ("admin", p.MarketAction(1, "1.1", "close")),
        ("admin", p.SettleMarket(2, "1.1", [1])),
    ]
    core.apply_batch(2_000, settle)
    late = core.apply_batch(3_000, [("a", p.Place(3, "1.1", 1, "BACK", "2.0", 100, "late"))])
    assert isinstance(late.replies[0], p.Reject)
    again = core.apply_batch(4_000, [("a", p.Place(4, "1.1", 1, "BACK", "2.0", 100, "late"))])
    assert again.replies[0] == msgspec.structs.replace(late.replies[0], req=4, duplicate=True)
    core.apply_batch(2_000 + day, [])  # the market is purged
    assert "1.1" not in core.settled_markets and ("a", "late") in core.idem
    core.apply_batch(3_000 + day, [])  # the window has passed
    assert ("a", "late") not in core.idem and core.idem.waiting == 0


def test_snapshots_of_the_older_layouts_restore_their_idempotency_table() -> None:
    """Version 1 kept the table as a sorted list of (account, id, encoded reply); version 2
    before the window had no entry times. Both restore: a re-used id gets its reply, and the
    entries start their window at the snapshot's time, without a market."""
    core = _windowed()
    first = _place(core, 2_000, "1.2", "k")
    assert isinstance(first, p.Ack)
    st = msgspec.msgpack.decode(core.snapshot())  # the array_like fields, in order
    version, exchange, pools, owners, idem, now_ms, delay = st[:7]
    decoded = msgspec.msgpack.decode(idem).items()
    replies = [(a, c, msgspec.msgpack.encode(r)) for (a, c), r in decoded]
    older = {
        "v1": [1, exchange, pools, owners, sorted(replies), now_ms, delay],
        "v2 before the window": [version, exchange, pools, owners, idem, now_ms, delay],
    }
    for name, layout in older.items():
        old = EngineCore.restore(msgspec.msgpack.encode(layout), idempotency_window_s=WINDOW_S)
        assert len(old.idem) == 1, name
        again = _place(old, now_ms + 1, "1.2", "k")
        assert isinstance(again, p.Ack) and again.duplicate and again.order_id == first.order_id
        old.apply_batch(now_ms + 59_000, [])
        assert len(old.idem) == 1, name  # inside the window, counted from the snapshot's time
        # without its market (these layouts had none) it waits for no settlement
        old.apply_batch(now_ms + 61_000, [])
        assert len(old.idem) == 0 and old.idem.waiting == 0, name
