"""Type stubs for the compiled module ``pybet._core`` (checked with ``mypy.stubtest``)."""

__all__: list[str]
__version__: str

# -- pari-mutuel pools and quant kernels (issue 4) -------------------------------------------
from typing import Any as _Any
from typing import ClassVar as _ClassVar
from typing import final as _final

import numpy as _np
import numpy.typing as _npt

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
