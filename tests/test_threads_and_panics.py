"""Thread safety and panics. An ``Exchange`` or ``Pool`` may be shared between threads: calls
run one at a time (a call from another thread waits for the one in progress, even one that
released the GIL), so concurrent use gives the same state as the same calls in some serial
order. A call that re-enters from the same thread raises ``ConcurrentUse``. And no input to
the public API makes the Rust core panic (a ``PanicException`` is not an ``Exception``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybet

M = "1.1"


def funded_exchange(accounts: int = 4) -> pybet.Exchange:
    ex = pybet.Exchange(commission_rate="0.05")
    ex.create_market(M, runners=[1, 2, 3])
    ex.open_market(M)
    for a in range(accounts):
        ex.deposit(f"t{a}", 10**12)
    return ex


def run_threads(work: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def wrap(fn: Callable[[], None]) -> None:
        start.wait()
        try:
            fn()
        except BaseException as exc:  # collect, the test asserts on it
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_threads_sharing_an_exchange_serialise_and_conserve_every_order() -> None:
    ex = funded_exchange()
    n, rows = 40, 200
    rng = np.random.default_rng(7)

    def batches(account: str, side: int) -> Callable[[], None]:
        def work() -> None:
            for _ in range(n):
                ticks = rng.integers(90, 110, rows).astype(np.uint16)
                ex.place_many(
                    M,
                    np.ones(rows, np.int64),
                    np.full(rows, side, np.uint8),
                    ticks,
                    np.full(rows, 100, np.int64),
                    account,
                )

        return work

    def singles(account: str) -> Callable[[], None]:
        def work() -> None:
            for _ in range(n * 5):
                ex.place(M, 2, "BACK", "3", 100, account)
                ex.balance(account)
                ex.book(M, 1)
                ex.snapshot()

        return work

    errors = run_threads([batches("t0", 0), batches("t1", 1), singles("t2"), singles("t3")])
    assert errors == []
    orders = ex.orders()
    assert len(orders) == 2 * n * rows + 2 * n * 5
    for o in orders:
        assert o.size == o.size_matched + o.size_remaining + o.size_cancelled
    backed = sum(o.size_matched for o in orders if o.side == pybet.Side.BACK)
    laid = sum(o.size_matched for o in orders if o.side == pybet.Side.LAY)
    assert backed == laid  # every match has two sides, whatever the interleaving
    restored = pybet.Exchange.restore(ex.snapshot())
    assert restored.state_hash() == ex.state_hash()


def test_threads_sharing_a_pool_lose_no_bet() -> None:
    pool = pybet.Pool("WIN", runners=8, takeout="0.15")
    n = 50

    def work() -> None:
        for _ in range(n):
            pool.bet_many(np.arange(1, 9), np.full(8, 200))
            pool.bet(3, 100)
            pool.will_pays()

    assert run_threads([work] * 4) == []
    assert len(pool) == 4 * n * 9
    assert pool.gross_pool == 4 * n * (8 * 200 + 100)


class ReentrantSize:
    """An ``int``-like whose ``__index__`` calls back into the exchange mid-call."""

    def __init__(self, ex: pybet.Exchange) -> None:
        self.ex = ex
        self.inner_error: BaseException | None = None

    def __index__(self) -> int:
        try:
            self.ex.balance("t0")
        except BaseException as exc:
            self.inner_error = exc
        return 100


def test_a_call_before_the_engine_is_held_is_not_re_entrant() -> None:
    # Arguments are converted before the engine is taken: a callback there is just a call.
    ex = funded_exchange()
    size = ReentrantSize(ex)
    rep = ex.place(M, 1, "BACK", "2", size, "t0")  # type: ignore[arg-type]
    assert rep.reject_code is None
    assert size.inner_error is None


def test_concurrent_use_is_a_pybet_error_with_its_code() -> None:
    err = pybet.ConcurrentUse("x")
    assert isinstance(err, pybet.PybetError) and isinstance(err, RuntimeError)
    assert err.code == "CONCURRENT_USE"
    assert pybet.errors.error_class("CONCURRENT_USE") is pybet.ConcurrentUse


# -- no input panics -----------------------------------------------------------------------
ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=20),
    st.sampled_from(["1.1", "BACK", "LAY", "2.0", "1000", "1.01", "t0", "WIN", "GTC", "0.5"]),
    st.sampled_from([Decimal("NaN"), Decimal("2.5"), Decimal("-1")]),
    st.lists(st.integers(min_value=-5, max_value=2**40), max_size=4),
    st.dictionaries(st.integers(min_value=0, max_value=4), st.sampled_from(["1/2", "0", 0.5])),
    st.just(np.array([1, 2, 3])),
    st.just(np.array([2.5])),
)

EXCHANGE_CALLS: list[tuple[str, int]] = [
    ("place", 6),
    ("place_tick", 6),
    ("cancel", 3),
    ("cancel_size", 3),
    ("market_handle", 1),
    ("account_handle", 1),
    ("place_by_handle", 7),
    ("cancel_by_handle", 3),
    ("replace", 3),
    ("deposit", 2),
    ("withdraw", 2),
    ("exposure", 2),
    ("remove_runner", 3),
    ("settle_market", 3),
    ("void_market", 1),
    ("open_market", 1),
    ("suspend_market", 1),
    ("turn_in_play", 1),
    ("close_market", 1),
    ("create_market", 2),
    ("order", 1),
    ("orders", 2),
    ("book", 3),
    ("advance_time", 1),
    ("place_many", 6),
    ("cancel_many", 2),
    ("execute_many", 8),
]
POOL_CALLS: list[tuple[str, int]] = [
    ("bet", 2),
    ("bet_many", 2),
    ("scratch", 1),
    ("dividends", 1),
    ("odds", 0),
    ("will_pays", 0),
    ("close", 0),
]


def call_checked(fn: Callable[..., Any], args: list[object]) -> None:
    # A typed refusal is the contract; a PanicException (a BaseException) escapes and fails.
    with contextlib.suppress(pybet.PybetError, TypeError, OverflowError):
        fn(*args)


@settings(max_examples=300, deadline=None)
@given(
    calls=st.lists(
        st.tuples(st.sampled_from(EXCHANGE_CALLS), st.lists(ANY, min_size=8, max_size=8)),
        max_size=12,
    )
)
def test_no_input_makes_the_exchange_panic(calls: list[tuple[tuple[str, int], list]]) -> None:
    ex = funded_exchange(1)
    ex.place(M, 1, "BACK", "3", 500, "t0")
    for (name, arity), args in calls:
        call_checked(getattr(ex, name), args[:arity])
    pybet.Exchange.restore(ex.snapshot())  # whatever happened, the state still round-trips


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["WIN", "PLACE", "SHOW", "EXACTA", "TRIFECTA", "QUINELLA"]),
    calls=st.lists(
        st.tuples(st.sampled_from(POOL_CALLS), st.lists(ANY, min_size=2, max_size=2)),
        max_size=12,
    ),
)
def test_no_input_makes_a_pool_panic(kind: str, calls: list[tuple[tuple[str, int], list]]) -> None:
    pool = pybet.Pool(kind, runners=5, takeout="0.2")
    for (name, arity), args in calls:
        call_checked(getattr(pool, name), args[:arity])
    pybet.Pool.restore(pool.snapshot())


@settings(max_examples=200, deadline=None)
@given(args=st.lists(ANY, min_size=3, max_size=3), depth=st.integers(-3, 10))
def test_no_input_makes_the_quant_kernels_panic(args: list[object], depth: int) -> None:
    for name in ("implied_probabilities", "harville", "normalise"):
        fn = getattr(pybet.quant, name, None)
        if fn is not None:
            call_checked(fn, args[:1])
    call_checked(pybet.quant.harville, [args[0], depth])


@pytest.mark.parametrize("n", [0, 1, 5])
def test_pool_restore_of_garbage_is_a_snapshot_error(n: int) -> None:
    with pytest.raises(pybet.SnapshotError):
        pybet.Pool.restore(b"\x00" * n)
