"""Stable reject codes: the strings in reports' ``reject_code``, events and ``Reject`` frames,
and the small integers the numpy batch calls use for them."""

from __future__ import annotations

from enum import StrEnum

from pybet import _core


class RejectCode(StrEnum):
    """Why a command was rejected (compares equal to its string)."""

    INVALID_PRICE = "INVALID_PRICE"
    INVALID_SIZE = "INVALID_SIZE"
    BELOW_MIN_STAKE = "BELOW_MIN_STAKE"
    UNKNOWN_MARKET = "UNKNOWN_MARKET"
    UNKNOWN_RUNNER = "UNKNOWN_RUNNER"
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    MARKET_NOT_OPEN = "MARKET_NOT_OPEN"
    NOT_OWNER = "NOT_OWNER"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    ORDER_NOT_ACTIVE = "ORDER_NOT_ACTIVE"
    RUNNER_REMOVED = "RUNNER_REMOVED"
    ALREADY_SETTLED = "ALREADY_SETTLED"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    MARKET_EXISTS = "MARKET_EXISTS"
    INVALID_STATE = "INVALID_STATE"
    AMOUNT_OVERFLOW = "AMOUNT_OVERFLOW"


#: numeric code (numpy batch results; 0 = accepted) -> RejectCode
REJECT_CODES: dict[int, RejectCode] = {n: RejectCode(s) for n, s in _core.reject_codes()}

#: ``events_arrays`` ``kind`` column: event name -> numeric code (from the engine)
EVENT_KINDS: dict[str, int] = {name: n for n, name in _core.event_kinds()}
#: ``events_arrays`` ``code`` column of an ``OrderCancelled`` row: numeric code -> reason
CANCEL_REASONS: dict[int, str] = dict(_core.cancel_reasons())
