"""Type stubs for the compiled module ``pybet._core`` (checked with ``mypy.stubtest``)."""

__all__: list[str]
__version__: str

# -- pari-mutuel pools and quant kernels (issue 4) -------------------------------------------
from decimal import Decimal as _Decimal
from fractions import Fraction as _Fraction
from typing import Any as _Any
from typing import ClassVar as _ClassVar
from typing import final as _final

import numpy as _np
import numpy.typing as _npt

#: The account through which cross-matched bets are matched (it never loses).
HOUSE_ACCOUNT: str
#: The largest order size (and size reduction), in minor units.
MAX_AMOUNT: int
#: The largest balance a deposit may make (and so the largest deposit), in minor units.
MAX_BALANCE: int

@_final
class PoolKind:
    """The kind of a pool: which finishing positions a selection predicts."""

    WIN: _ClassVar[PoolKind]
    PLACE: _ClassVar[PoolKind]
    SHOW: _ClassVar[PoolKind]
    EXACTA: _ClassVar[PoolKind]
    QUINELLA: _ClassVar[PoolKind]
    TRIFECTA: _ClassVar[PoolKind]
    SUPERFECTA: _ClassVar[PoolKind]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class Split:
    """PLACE/SHOW sharing: ``PROFIT`` (US) or ``POOL`` (AU/UK)."""

    PROFIT: _ClassVar[Split]
    POOL: _ClassVar[Split]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class Rounding:
    """Breakage rounding of dividends: ``DOWN`` or ``NEAREST`` (half up)."""

    DOWN: _ClassVar[Rounding]
    NEAREST: _ClassVar[Rounding]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class NoWinner:
    """What happens with no winning ticket: ``REFUND`` or ``CARRYOVER``."""

    REFUND: _ClassVar[NoWinner]
    CARRYOVER: _ClassVar[NoWinner]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class Dividends:
    """The dividends of a pool for one result and the pool's accounts, in minor units.

    ``sum(pool.payouts()) + takeout + breakage - minus_pool + carryover == gross_pool``.
    """

    @property
    def kind(self) -> PoolKind: ...
    @property
    def outcome(self) -> str:
        """``"PAID"``, ``"REFUNDED"`` or ``"CARRIED_OVER"``."""
    @property
    def result(self) -> list[list[int]]: ...
    @property
    def dividends(self) -> dict[tuple[int, ...], int]:
        """Dividend per 100 of stake per winning selection with money on it."""
    @property
    def winning_stakes(self) -> dict[tuple[int, ...], int]: ...
    @property
    def gross_pool(self) -> int: ...
    @property
    def refunds(self) -> int: ...
    @property
    def takeout(self) -> int: ...
    @property
    def net_pool(self) -> int: ...
    @property
    def breakage(self) -> int: ...
    @property
    def minus_pool(self) -> int: ...
    @property
    def carryover(self) -> int: ...
    @property
    def carryover_to(self) -> str | None: ...
    @property
    def paid(self) -> int: ...
    def dividend(self, selection: int | tuple[int, ...], /) -> int:
        """Dividend per 100 of ``selection``, 0 if it did not win."""
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class Pool:
    """A pari-mutuel pool of ``runners`` runners numbered 1..n (spec section 4).

    ``takeout`` is parsed exactly (``Decimal(str(x))``, at most 6 decimals). ``places``: PLACE
    default 2, SHOW 3 (1..4). ``split``, ``rounding``, ``no_winner`` take the enums or their
    names (``"profit"``/``"pool"``, ``"down"``/``"nearest"``, ``"refund"``/``"carryover"``).
    """

    def __new__(
        cls,
        kind: PoolKind | str,
        runners: int,
        takeout: float | str | _Any,
        places: int | None = None,
        split: Split | str | None = None,
        breakage: int = 10,
        rounding: Rounding | str | None = None,
        min_payout: int = 100,
        no_winner: NoWinner | str | None = None,
        carryover_to: str | None = None,
    ) -> Pool: ...
    @property
    def kind(self) -> PoolKind: ...
    @property
    def runners(self) -> int: ...
    @property
    def places(self) -> int: ...
    @property
    def takeout(self) -> float: ...
    @property
    def takeout_ppm(self) -> int: ...
    @property
    def split(self) -> Split: ...
    @property
    def breakage(self) -> int: ...
    @property
    def rounding(self) -> Rounding: ...
    @property
    def min_payout(self) -> int: ...
    @property
    def no_winner(self) -> NoWinner: ...
    @property
    def carryover_to(self) -> str | None: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def gross_pool(self) -> int: ...
    @property
    def refunds(self) -> int: ...
    @property
    def net_pool(self) -> int: ...
    @property
    def scratched(self) -> list[int]: ...
    @property
    def settlement(self) -> Dividends | None: ...
    def __len__(self) -> int: ...
    def bet(self, selection: int | tuple[int, ...], stake: int, /) -> int:
        """Adds a ticket; returns its id. Raises InvalidSelection/InvalidSize/PoolClosed."""
    def bet_many(
        self, selections: _npt.ArrayLike, stakes: _npt.ArrayLike, /
    ) -> _npt.NDArray[_np.int64]:
        """All or nothing: the first bad row raises (its index in the message), nothing is added."""
    def scratch(self, runner: int, /) -> int:
        """Scratches a runner, refunds its tickets; returns the amount refunded."""
    def close(self) -> None: ...
    def odds(self) -> _npt.NDArray[_np.float64]:
        """WIN: net pool / runner total; PLACE/SHOW: (n, 2) min/max decimal dividend;
        exotics: ``will_pays()``."""
    def will_pays(self) -> _npt.NDArray[_np.float64]:
        """Decimal dividend per combination if it alone won, dense ``(n,) * arity``; 0 where
        it cannot pay."""
    def totals(self) -> _npt.NDArray[_np.int64]: ...
    def dividends(self, result: list[list[int]] | list[int], /) -> Dividends:
        """Final dividends for a finishing order (positions, each a list of runners)."""
    def payouts(self) -> _npt.NDArray[_np.int64]:
        """Per-ticket payout (refunds included) of the latest settlement."""
    def snapshot(self) -> bytes: ...
    @classmethod
    def restore(cls, blob: bytes, /) -> Pool: ...
    def state_hash(self) -> int: ...

def quant_harville(p: _npt.NDArray[_np.float64], depth: int, /) -> _npt.NDArray[_np.float64]: ...
def quant_discounted_harville(
    p: _npt.NDArray[_np.float64], depth: int, lambdas: _npt.NDArray[_np.float64], /
) -> _npt.NDArray[_np.float64]: ...
def quant_henery(p: _npt.NDArray[_np.float64], depth: int, /) -> _npt.NDArray[_np.float64]: ...
def quant_place_probabilities(
    p: _npt.NDArray[_np.float64], k: int, /
) -> _npt.NDArray[_np.float64]: ...
def quant_implied_probabilities(
    values: _npt.NDArray[_np.float64], takeout: float, from_odds: bool, /
) -> _npt.NDArray[_np.float64]: ...
def quant_expected_value(
    probs: _npt.NDArray[_np.float64], will_pays: _npt.NDArray[_np.float64], /
) -> _npt.NDArray[_np.float64]: ...
def quant_kelly_parimutuel(
    p: _npt.NDArray[_np.float64], others: _npt.NDArray[_np.float64], takeout: float, /
) -> _npt.NDArray[_np.float64]: ...
def quant_kelly_fixed_odds(
    p: _npt.NDArray[_np.float64], odds: _npt.NDArray[_np.float64], /
) -> _npt.NDArray[_np.float64]: ...

# -- exchange matching engine (issue 2) ------------------------------------------------------
_PriceLike = str | float | int | _Decimal

@_final
class Side:
    """Back (bet for the runner) or lay (bet against it)."""

    BACK: _ClassVar[Side]
    LAY: _ClassVar[Side]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class TimeInForce:
    """GTC rests the rest; IOC cancels it; FOK fills at least ``min_fill_size`` or nothing."""

    GTC: _ClassVar[TimeInForce]
    IOC: _ClassVar[TimeInForce]
    FOK: _ClassVar[TimeInForce]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class Persistence:
    """LAPSE orders are cancelled when the market turns in-play; PERSIST orders stay;
    MARKET_ON_CLOSE orders (markets with SP) hand their remainder to an SP bet at the off."""

    LAPSE: _ClassVar[Persistence]
    PERSIST: _ClassVar[Persistence]
    MARKET_ON_CLOSE: _ClassVar[Persistence]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class OrderType:
    """LIMIT: an exchange order. MARKET_ON_CLOSE: an SP bet with no limit. LIMIT_ON_CLOSE: an
    SP bet that takes the SP only at or better than its price. An SP lay's size is its
    liability."""

    LIMIT: _ClassVar[OrderType]
    MARKET_ON_CLOSE: _ClassVar[OrderType]
    LIMIT_ON_CLOSE: _ClassVar[OrderType]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class StartingPrice:
    """A runner's SP figures: projections before the off, ``actual_sp`` after it (None:
    undefined). Prices are exact to 4 decimals."""

    @property
    def runner(self) -> int: ...
    @property
    def near_price(self) -> float | None: ...
    @property
    def far_price(self) -> float | None: ...
    @property
    def actual_sp(self) -> float | None: ...
    def __getitem__(self, key: str, /) -> float | None: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class MarketStatus:
    INACTIVE: _ClassVar[MarketStatus]
    OPEN: _ClassVar[MarketStatus]
    SUSPENDED: _ClassVar[MarketStatus]
    CLOSED: _ClassVar[MarketStatus]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class OrderStatus:
    PENDING: _ClassVar[OrderStatus]
    EXECUTABLE: _ClassVar[OrderStatus]
    EXECUTION_COMPLETE: _ClassVar[OrderStatus]
    REJECTED: _ClassVar[OrderStatus]
    def __int__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@_final
class FillReport:
    """One fill of a place report, at the resting (maker) order's price."""

    @property
    def maker_order(self) -> int: ...
    @property
    def maker_account(self) -> str: ...
    @property
    def price(self) -> float: ...
    @property
    def tick(self) -> int: ...
    @property
    def size(self) -> int: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class PlaceReport:
    """The outcome of ``place``/``replace``; ``reject_code`` is set when it was rejected."""

    @property
    def order_id(self) -> int: ...
    @property
    def market_id(self) -> str: ...
    @property
    def runner(self) -> int: ...
    @property
    def side(self) -> Side: ...
    @property
    def price(self) -> float: ...
    @property
    def tick(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def status(self) -> OrderStatus: ...
    @property
    def size_matched(self) -> int: ...
    @property
    def size_remaining(self) -> int: ...
    @property
    def size_cancelled(self) -> int: ...
    @property
    def fills(self) -> list[FillReport]: ...
    @property
    def reject_code(self) -> str | None: ...
    @property
    def client_order_id(self) -> str | None: ...
    @property
    def accepted(self) -> bool: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class CancelReport:
    @property
    def order_id(self) -> int: ...
    @property
    def size_cancelled(self) -> int: ...
    @property
    def size_remaining(self) -> int: ...
    @property
    def reject_code(self) -> str | None: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class Order:
    """An order's state; ``size == size_matched + size_remaining + size_cancelled``."""

    @property
    def order_id(self) -> int: ...
    @property
    def market_id(self) -> str: ...
    @property
    def runner(self) -> int: ...
    @property
    def side(self) -> Side: ...
    @property
    def price(self) -> float: ...
    @property
    def tick(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def account(self) -> str: ...
    @property
    def size_matched(self) -> int: ...
    @property
    def size_remaining(self) -> int: ...
    @property
    def size_cancelled(self) -> int: ...
    @property
    def status(self) -> OrderStatus: ...
    @property
    def client_order_id(self) -> str | None: ...
    @property
    def persistence(self) -> Persistence: ...
    @property
    def order_type(self) -> OrderType: ...
    @property
    def time_in_force(self) -> TimeInForce: ...
    @property
    def avg_price_matched(self) -> float | None: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class Book:
    """``available_to_back`` (resting lays, best = highest) and ``available_to_lay``
    (resting backs, best = lowest) as ``(price, size)`` levels, best first."""

    @property
    def market_id(self) -> str: ...
    @property
    def runner(self) -> int: ...
    @property
    def available_to_back(self) -> list[tuple[float, int]]: ...
    @property
    def available_to_lay(self) -> list[tuple[float, int]]: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class Event:
    """An engine event: ``seq``, ``kind`` and the kind's fields as attributes."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    def __getattr__(self, name: str) -> _Any: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@_final
class SettlementReport:
    """What ``settle_market`` / ``void_market`` did: per account ``(account, pnl, commission)``
    (pnl rounded towards the house, before commission), the rounding ``residue`` the house
    keeps, and the total ``commission``."""

    @property
    def market_id(self) -> str: ...
    @property
    def void(self) -> bool: ...
    @property
    def accounts(self) -> list[tuple[str, int, int]]: ...
    @property
    def residue(self) -> int: ...
    @property
    def commission(self) -> int: ...
    def to_dict(self) -> dict[str, _Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

_RateLike = float | int | str | _Decimal
_FractionLike = float | int | str | _Decimal | _Fraction

@_final
class Exchange:
    """The exchange matching engine: markets, orders, matching, events, snapshots, accounts,
    exposure checks and settlement. Rates, reduction factors and dead-heat fractions are taken
    exactly (their ``str()`` is parsed; nothing is rounded)."""

    def __new__(cls, commission_rate: _RateLike | None = None) -> Exchange: ...
    @property
    def commission_rate(self) -> float: ...
    @property
    def now_ms(self) -> int: ...
    def create_market(
        self,
        market_id: str,
        runners: list[int],
        places: int = 1,
        bet_delay_ms: int = 0,
        min_stake: int = 1,
        commission_rate: _RateLike | None = None,
        *,
        starting_price: bool = False,
        min_sp_liability: int | None = None,
        cross_matching: bool = False,
    ) -> None: ...
    def deposit(self, account: str, amount: int) -> int: ...
    def withdraw(self, account: str, amount: int) -> int: ...
    def balance(self, account: str) -> int: ...
    def available(self, account: str) -> int: ...
    def exposure(self, account: str, market_id: str) -> int: ...
    def remove_runner(self, market_id: str, runner: int, reduction_factor: _RateLike) -> None: ...
    def settle_market(
        self,
        market_id: str,
        winners: list[int],
        dead_heat: dict[int, _FractionLike] | None = None,
    ) -> SettlementReport: ...
    def void_market(self, market_id: str) -> SettlementReport: ...
    def purge_market(self, market_id: str) -> None:
        """Drop what a settled or voided market kept (its result, winners, starting prices):
        the market is then unknown and its id may be created again. ``InvalidMarketState``
        while it is not settled."""
    def open_market(self, market_id: str) -> None: ...
    def suspend_market(self, market_id: str) -> None: ...
    def resume_market(self, market_id: str) -> None: ...
    def turn_in_play(self, market_id: str) -> None: ...
    def close_market(self, market_id: str) -> None: ...
    def market_status(self, market_id: str) -> MarketStatus: ...
    def in_play(self, market_id: str) -> bool: ...
    def pending_orders(self, market_id: str) -> list[int]:
        """Ids of the orders waiting in the in-play bet delay, in arrival order."""
    def markets(self) -> list[str]: ...
    def runners(self, market_id: str) -> list[int]: ...
    def advance_time(self, now_ms: int) -> list[PlaceReport]: ...
    def place(
        self,
        market_id: str,
        runner: int,
        side: Side | str | int,
        price: _PriceLike | None = None,
        size: int | None = None,
        account: str | None = None,
        *,
        client_order_id: str | None = None,
        time_in_force: TimeInForce | str | int | None = None,
        persistence: Persistence | str | int | None = None,
        min_fill_size: int | None = None,
        now_ms: int | None = None,
        order_type: OrderType | str | int | None = None,
    ) -> PlaceReport: ...
    def place_compact(
        self,
        market_id: str,
        runner: int,
        side: Side | str | int,
        price: _PriceLike | None,
        size: int,
        account: str,
        client_order_id: str | None,
        time_in_force: TimeInForce | str | int,
        persistence: Persistence | str | int,
        min_fill_size: int | None,
        now_ms: int | None,
        order_type: OrderType | str | int,
        /,
    ) -> tuple[
        str | None, int, str | None, float, int, int, int, list[tuple[int, str, float, int]]
    ]:
        """``place`` with every argument positional and a tuple for the report:
        ``(reject_code, order_id, status, price, size_matched, size_remaining, size_cancelled,
        fills)``, each fill ``(maker_order, maker_account, price, size)`` (the gateway)."""
    def starting_prices(self, market_id: str) -> dict[int, StartingPrice]: ...
    def reconcile_starting_price(self, market_id: str) -> None: ...
    def place_tick(
        self,
        market_id: str,
        runner: int,
        side: Side | str | int,
        tick: int,
        size: int,
        account: str,
        time_in_force: TimeInForce | str | int | None = None,
    ) -> int: ...
    def market_handle(self, market_id: str) -> int:
        """An int naming the market for ``place_by_handle``, valid for this object only."""
    def account_handle(self, account: str) -> int:
        """An int naming a known account for ``place_by_handle`` / ``cancel_by_handle``."""
    def place_by_handle(
        self,
        market: int,
        runner: int,
        side: int,
        tick: int,
        size: int,
        account: int,
        time_in_force: int = 0,
    ) -> int:
        """``place_tick`` by handles (side 0/1, time in force 0 GTC / 1 IOC / 2 FOK)."""
    def cancel(
        self, order_id: int, account: str, size_reduction: int | None = None
    ) -> CancelReport: ...
    def cancel_size(self, order_id: int, account: str, size_reduction: int | None = None) -> int:
        """``cancel`` without a report object: the size cancelled (0 when nothing was)."""
    def cancel_by_handle(self, order_id: int, account: int, size_reduction: int = 0) -> int:
        """``cancel_size`` by account handle (a reduction of 0 cancels all)."""
    def replace(self, order_id: int, price: _PriceLike, account: str) -> PlaceReport: ...
    def order(self, order_id: int) -> Order: ...
    def orders(
        self, account: str | None = None, market_id: str | None = None, *, live_only: bool = False
    ) -> list[Order]: ...
    def book(self, market_id: str, runner: int, depth: int = 3, virtual: bool = False) -> Book: ...
    def events(self) -> list[Event]: ...
    def events_arrays(self) -> dict[str, _Any]:
        """Drains the events as numpy arrays, one per field; ``market`` / ``account`` index the
        lists ``markets`` / ``accounts`` (names; ``2**32 - 1``: the row has none)."""
    def events_arrays_and_feed(self) -> tuple[dict[str, _Any], int, bytes]:
        """``events_arrays`` plus the same events as ``n`` concatenated MessagePack maps (the
        history feed's encoding: ``kind`` and the ``Event`` fields, no ``seq``)."""
    def place_many(
        self,
        market_id: str,
        runners: _npt.NDArray[_np.int64],
        sides: _npt.NDArray[_np.uint8],
        ticks: _npt.NDArray[_np.uint16],
        sizes: _npt.NDArray[_np.int64],
        accounts: str | list[str],
        *,
        account_ids: _npt.NDArray[_np.uint32] | None = None,
        order_types: _npt.NDArray[_np.uint8] | None = None,
        time_in_force: _npt.NDArray[_np.uint8] | None = None,
        min_fill_sizes: _npt.NDArray[_np.int64] | None = None,
    ) -> dict[str, _npt.NDArray[_Any]]:
        """Place many GTC/LAPSE orders (GIL released). ``accounts`` is one name for every row,
        one name per row, or with ``account_ids`` a table of names indexed per row."""
    def cancel_many(
        self,
        order_ids: _npt.NDArray[_np.uint64],
        accounts: str | list[str],
        *,
        account_ids: _npt.NDArray[_np.uint32] | None = None,
    ) -> dict[str, _npt.NDArray[_Any]]:
        """Cancel many orders (GIL released); ``accounts`` as for :meth:`place_many`."""
    def execute_many(
        self,
        market_id: str,
        kinds: _npt.NDArray[_np.uint8],
        runners: _npt.NDArray[_np.int64],
        sides: _npt.NDArray[_np.uint8],
        ticks: _npt.NDArray[_np.uint16],
        sizes: _npt.NDArray[_np.int64],
        targets: _npt.NDArray[_np.int64],
        accounts: str | list[str],
        *,
        account_ids: _npt.NDArray[_np.uint32] | None = None,
        time_in_force: _npt.NDArray[_np.uint8] | None = None,
        min_fill_sizes: _npt.NDArray[_np.int64] | None = None,
        order_types: _npt.NDArray[_np.uint8] | None = None,
    ) -> dict[str, _npt.NDArray[_Any]]:
        """Places (kind 0) and cancels (kind 1) mixed, applied in row order (GIL released).
        A cancel's ``sizes[i]`` is the reduction (0: all of it) and ``targets[i]`` an order id,
        or ``-1 - j`` for the order placed by row ``j < i`` of this call. Returns ``order_id``,
        ``status``, ``size_matched``, ``size_cancelled`` and ``reject_code`` per row."""
    def snapshot(self) -> bytes: ...
    def snapshot_and_hash(self) -> tuple[bytes, int]:
        """``(snapshot(), state_hash())`` from one encoding of the state."""
    @staticmethod
    def restore(blob: bytes | memoryview) -> Exchange:
        """The exchange ``snapshot()`` bytes describe (a memoryview is read in place)."""
    @staticmethod
    def restore_and_hash(blob: bytes | memoryview) -> tuple[Exchange, int]:
        """``restore(blob)`` and its state's hash in the function the blob's snapshot version
        recorded it with (XXH3-64 from version 7, FNV-1a 64 before): what recovery compares
        with the hash recorded beside the snapshot."""
    def state_hash(self) -> int: ...

@_final
class IdempotencyTable:
    """The gateway's idempotency window: ``(account, client_order_id)`` -> the encoded reply
    that order got, in the order made (``pybet/gateway/engine.py`` holds the rules)."""

    def __init__(self) -> None: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: tuple[str, str], /) -> bool: ...
    def get(self, account: str, client_order_id: str) -> bytes | None: ...
    def remember(
        self, account: str, client_order_id: str, reply: bytes, made_ms: int, market: str
    ) -> None:
        """Remembers ``reply``, made at ``made_ms`` of journal time in ``market`` ("": none)."""
    def expire(self, horizon_ms: int) -> None:
        """Ages out the entries made at or before ``horizon_ms``: forgotten without a market
        or when their market has settled, else waiting for its settlement."""
    def market_settled(self, market: str) -> None: ...
    def market_purged(self, market: str) -> None: ...
    @property
    def waiting(self) -> int:
        """Entries past the window waiting for their market to settle."""
    def items(self) -> list[tuple[tuple[str, str], bytes]]: ...
    def accounts(self) -> list[str]:
        """The accounts that hold an entry."""
    def encode_replies(self) -> bytes:
        """The replies as one MessagePack map ``[account, client_order_id]`` -> reply."""
    def encode_meta(self) -> bytes:
        """Each entry's ``[made_ms, market]`` as a MessagePack array, in the same order."""
    @staticmethod
    def restore(
        replies: bytes | memoryview, meta: bytes | memoryview, default_ms: int, settled: list[str]
    ) -> IdempotencyTable: ...

def price_to_tick(price: _PriceLike) -> int: ...
def tick_to_price_str(tick: int) -> str: ...
def ladder_prices() -> list[str]: ...
def reject_codes() -> list[tuple[int, str]]: ...
def tote_error_codes() -> list[str]: ...
def event_kinds() -> list[tuple[int, str]]: ...
def cancel_reasons() -> list[tuple[int, str]]: ...
def _raise_core_error(code: str) -> None: ...
