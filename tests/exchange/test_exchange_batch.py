"""numpy batch calls agree with one call per order; ladder conversion; invariants."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet
from pybet import ladder

M = "1.1"


# Orders hold their exposure against a balance: every account these tests use is funded.
ACCOUNTS = ("a", "b", "c")


def funded() -> pybet.Exchange:
    ex = pybet.Exchange()
    for account in ACCOUNTS:
        ex.deposit(account, 10**12)
    return ex


def fresh() -> pybet.Exchange:
    ex = funded()
    ex.create_market(M, runners=[1, 2])
    ex.open_market(M)
    return ex


orders = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 7]),  # 7 is an unknown runner
        st.integers(0, 1),
        st.integers(95, 110),
        st.integers(-5, 500),
        st.sampled_from(["a", "b", "c"]),
    ),
    max_size=60,
)


@settings(max_examples=60)
@given(orders)
def test_place_many_equals_one_by_one(rows: list[tuple[int, int, int, int, str]]) -> None:
    one, batch = fresh(), fresh()
    expected = []
    for runner, side, tick, size, account in rows:
        try:
            rep = one.place(M, runner, side, ladder.tick_to_price(tick), size, account)
            expected.append((rep.order_id, rep.size_matched, rep.reject_code))
        except pybet.UnknownRunner:
            expected.append((0, 0, "UNKNOWN_RUNNER"))
    out = batch.place_many(
        M,
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.uint8),
        np.array([r[2] for r in rows], dtype=np.uint16),
        np.array([r[3] for r in rows], dtype=np.int64),
        [r[4] for r in rows],
    )
    got = [
        (int(o), int(m), pybet.REJECT_CODES.get(int(c)))
        for o, m, c in zip(out["order_id"], out["size_matched"], out["reject_code"], strict=True)
    ]
    assert got == expected
    assert batch.state_hash() == one.state_hash()


@settings(max_examples=40)
@given(orders)
def test_place_many_account_table_equals_name_per_row(
    rows: list[tuple[int, int, int, int, str]],
) -> None:
    table = ["a", "b", "c"]
    by_name, by_index = fresh(), fresh()
    arrays = (
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.uint8),
        np.array([r[2] for r in rows], dtype=np.uint16),
        np.array([r[3] for r in rows], dtype=np.int64),
    )
    # Fresh str objects per row: identity-based deduplication must not matter.
    names = ["".join(list(r[4])) for r in rows]
    a = by_name.place_many(M, *arrays, names)
    ids = np.array([table.index(r[4]) for r in rows], dtype=np.uint32)
    b = by_index.place_many(M, *arrays, table, account_ids=ids)
    for key in ("order_id", "status", "size_matched", "reject_code"):
        assert a[key].tolist() == b[key].tolist()
    assert by_name.state_hash() == by_index.state_hash()
    placed = a["order_id"][a["order_id"] > 0]
    owners = ids[a["order_id"] > 0]
    c1 = by_name.cancel_many(placed, [table[k] for k in owners])
    c2 = by_index.cancel_many(placed, table, account_ids=owners)
    assert c1["size_cancelled"].tolist() == c2["size_cancelled"].tolist()
    assert by_name.state_hash() == by_index.state_hash()


def test_batch_account_arguments_are_checked() -> None:
    ex = fresh()
    one = np.ones(2, dtype=np.int64)
    args = (M, one, np.zeros(2, dtype=np.uint8), np.full(2, 100, dtype=np.uint16), one * 100)
    ex.events()
    before = ex.state_hash()
    with pytest.raises(pybet.InvalidArgument):
        ex.place_many(*args, ["a"])  # one name for two rows
    with pytest.raises(pybet.InvalidArgument):
        ex.place_many(*args, ["a"], account_ids=np.array([0, 1], dtype=np.uint32))
    with pytest.raises(pybet.InvalidArgument):
        ex.place_many(*args, ["a"], account_ids=np.array([0], dtype=np.uint32))
    with pytest.raises(pybet.InvalidArgument):
        ex.place_many(*args, [1, 2])  # type: ignore[list-item]
    assert ex.state_hash() == before
    assert ex.events() == []


@settings(max_examples=40)
@given(orders, st.data())
def test_cancel_many_equals_one_by_one(
    rows: list[tuple[int, int, int, int, str]], data: st.DataObject
) -> None:
    one, batch = fresh(), fresh()
    for ex in (one, batch):
        for runner, side, tick, size, account in rows:
            if runner != 7:
                ex.place(M, runner, side, ladder.tick_to_price(tick), size, account)
    n = len(one.orders())
    ids = data.draw(st.lists(st.integers(1, n + 2), max_size=20))
    accounts = data.draw(
        st.lists(st.sampled_from(["a", "b", "c"]), min_size=len(ids), max_size=len(ids))
    )
    expected = []
    for oid, account in zip(ids, accounts, strict=True):
        try:
            expected.append(one.cancel(oid, account).size_cancelled)
        except pybet.PybetError:
            expected.append(0)
    out = batch.cancel_many(np.array(ids, dtype=np.uint64), accounts)
    assert [int(x) for x in out["size_cancelled"]] == expected
    assert batch.state_hash() == one.state_hash()


def assert_uncrossed(ex: pybet.Exchange) -> None:
    """No resting back and lay of *different* accounts cross (self-matches are skipped, so an
    account's own orders may face each other)."""
    live = ex.orders(live_only=True)
    for b in (
        o for o in live if o.side == pybet.Side.BACK and o.status == pybet.OrderStatus.EXECUTABLE
    ):
        for lay in (
            o for o in live if o.side == pybet.Side.LAY and o.status == pybet.OrderStatus.EXECUTABLE
        ):
            if b.runner == lay.runner and b.account != lay.account:
                assert lay.tick < b.tick, (b, lay)


@settings(max_examples=60)
@given(orders, st.lists(st.integers(1, 80), max_size=20))
def test_book_is_never_crossed_and_sizes_add_up(
    rows: list[tuple[int, int, int, int, str]], cancels: list[int]
) -> None:
    ex = fresh()
    for i, (runner, side, tick, size, account) in enumerate(rows):
        if runner != 7:
            ex.place(M, runner, side, ladder.tick_to_price(tick), size, account)
        if i < len(cancels) and cancels[i] <= len(ex.orders()):
            target = ex.order(cancels[i])
            ex.cancel(target.order_id, target.account)
        assert_uncrossed(ex)
    for o in ex.orders():
        assert o.size == o.size_matched + o.size_remaining + o.size_cancelled
    for runner in (1, 2):
        backs = sum(
            o.size_matched for o in ex.orders() if o.runner == runner and o.side == pybet.Side.BACK
        )
        lays = sum(
            o.size_matched for o in ex.orders() if o.runner == runner and o.side == pybet.Side.LAY
        )
        assert backs == lays


def test_ladder_round_trip_and_types() -> None:
    assert ladder.N_TICKS == 350
    assert ladder.tick_to_price(0) == Decimal("1.01")
    assert ladder.tick_to_price(349) == Decimal("1000")
    for tick in range(ladder.N_TICKS):
        price = ladder.tick_to_price(tick)
        assert ladder.price_to_tick(price) == tick
        assert ladder.price_to_tick(str(price)) == tick
        assert ladder.price_to_tick(float(price)) == tick
    assert not ladder.is_valid_price("2.01")
    assert ladder.ticks_between("2", "3") == 50


mixed = st.lists(
    st.one_of(
        st.tuples(
            st.just(0),
            st.sampled_from([1, 2, 7]),
            st.integers(0, 1),
            st.integers(95, 110),
            st.integers(-5, 500),
            st.sampled_from(["a", "b", "c"]),
        ),
        st.tuples(
            st.just(1),
            st.integers(-12, 12),  # target: an order id, or -1 - row of this batch
            st.just(0),
            st.just(0),
            st.integers(-1, 300),  # reduction, 0 = all
            st.sampled_from(["a", "b", "c"]),
        ),
    ),
    max_size=60,
)


@settings(max_examples=60)
@given(mixed)
def test_execute_many_equals_one_by_one(rows: list[tuple[int, int, int, int, int, str]]) -> None:
    one, batch = fresh(), fresh()
    expected: list[tuple[int, int, int, str | None]] = []
    for i, (kind, a, side, tick, size, account) in enumerate(rows):
        if kind == 0:
            try:
                rep = one.place(M, a, side, ladder.tick_to_price(tick), size, account)
                expected.append((rep.order_id, rep.size_matched, 0, rep.reject_code))
            except pybet.UnknownRunner:
                expected.append((0, 0, 0, "UNKNOWN_RUNNER"))
            continue
        if a < 0 and -1 - a >= i:
            expected.append((0, 0, 0, "INVALID_ARGUMENT"))
            continue
        oid = expected[-1 - a][0] if a < 0 else a
        try:
            c = one.cancel(oid, account, size or None)
            expected.append((oid, 0, c.size_cancelled, c.reject_code))
        except pybet.PybetError as e:
            expected.append((oid, 0, 0, e.code))
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(6)]
    out = batch.execute_many(
        M,
        np.array(cols[0], dtype=np.uint8),
        np.array([r[1] if r[0] == 0 else 0 for r in rows], dtype=np.int64),
        np.array(cols[2], dtype=np.uint8),
        np.array(cols[3], dtype=np.uint16),
        np.array(cols[4], dtype=np.int64),
        np.array([r[1] if r[0] == 1 else 0 for r in rows], dtype=np.int64),
        list(cols[5]),
    )
    got = [
        (int(o), int(m), int(c), pybet.REJECT_CODES.get(int(r)))
        for o, m, c, r in zip(
            out["order_id"],
            out["size_matched"],
            out["size_cancelled"],
            out["reject_code"],
            strict=True,
        )
    ]
    assert got == expected
    assert batch.state_hash() == one.state_hash()


def test_execute_many_takes_a_time_in_force_per_row() -> None:
    ex = pybet.Exchange()
    ex.create_market("1.1", runners=[1])
    ex.open_market("1.1")
    for a in ("a", "b"):
        ex.deposit(a, 10**9)
    ex.place("1.1", 1, "LAY", "3", 100, "b")
    tick = pybet.ladder.price_to_tick("3")
    out = ex.execute_many(
        "1.1",
        np.zeros(3, np.uint8),
        np.ones(3, np.int64),
        np.zeros(3, np.uint8),
        np.full(3, tick, np.uint16),
        np.array([150, 50, 20], np.int64),
        np.zeros(3, np.int64),
        "a",
        time_in_force=np.array(
            [int(pybet.TimeInForce.IOC), int(pybet.TimeInForce.FOK), 0], np.uint8
        ),
        min_fill_sizes=np.array([0, 10, 0], np.int64),
    )
    assert out["size_matched"].tolist() == [100, 0, 0]
    assert out["size_cancelled"].tolist() == [50, 50, 0]  # IOC rest expired, FOK killed
    assert ex.book("1.1", 1).available_to_lay == [(3.0, 20)]  # only the GTC row rests
    with pytest.raises(pybet.InvalidArgument):
        ex.execute_many(
            "1.1",
            np.zeros(1, np.uint8),
            np.ones(1, np.int64),
            np.zeros(1, np.uint8),
            np.full(1, tick, np.uint16),
            np.array([10], np.int64),
            np.zeros(1, np.int64),
            "a",
            time_in_force=np.zeros(2, np.uint8),
        )
