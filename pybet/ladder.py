"""The betting price ladder (Betfair's 350 ticks from 1.01 to 1000).

Prices may be given as ``str``, ``float``, ``int`` or :class:`decimal.Decimal`; conversion is
exact and never rounds: a price that is not on the ladder raises :class:`pybet.InvalidPrice`.
"""

from __future__ import annotations

from decimal import Decimal

from pybet import _core
from pybet.errors import InvalidPrice

#: Every ladder price, ascending, as exact decimals.
PRICES: tuple[Decimal, ...] = tuple(Decimal(p) for p in _core.ladder_prices())
#: Number of ticks.
N_TICKS = len(PRICES)
#: The lowest and highest tick.
MIN_TICK = 0
MAX_TICK = N_TICKS - 1

PriceLike = str | float | int | Decimal


def price_to_tick(price: PriceLike) -> int:
    """The tick of ``price``; raises :class:`pybet.InvalidPrice` if it is not on the ladder."""
    return _core.price_to_tick(price)


def tick_to_price(tick: int) -> Decimal:
    """The exact price of ``tick`` (0 = 1.01, 349 = 1000)."""
    if not 0 <= tick < N_TICKS:
        raise InvalidPrice(f"tick {tick} is off the ladder (0..{MAX_TICK})")
    return PRICES[tick]


def is_valid_price(price: PriceLike) -> bool:
    """True when ``price`` is exactly a ladder price."""
    try:
        price_to_tick(price)
    except InvalidPrice:
        return False
    return True


def ticks_between(low: PriceLike, high: PriceLike) -> int:
    """How many ticks ``high`` is above ``low``."""
    return price_to_tick(high) - price_to_tick(low)


__all__ = [
    "MAX_TICK",
    "MIN_TICK",
    "N_TICKS",
    "PRICES",
    "is_valid_price",
    "price_to_tick",
    "tick_to_price",
    "ticks_between",
]
