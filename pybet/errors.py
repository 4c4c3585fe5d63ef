"""The exception tree of pybet: every error derives from :class:`PybetError` and carries a
stable ``code`` (the same string the engine puts in a report's ``reject_code`` and the gateway in
an ``Error``/``Reject`` frame). The compiled core raises these classes too."""

from __future__ import annotations


class PybetError(Exception):
    """Base of every pybet error. ``code`` is stable across releases; the message is not."""

    code: str = "PYBET_ERROR"

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


# -- input validation -------------------------------------------------------------------------
class InvalidArgument(PybetError, ValueError):
    code = "INVALID_ARGUMENT"


class InvalidPrice(InvalidArgument):
    """A price that is not exactly on the betting ladder (nothing is ever rounded)."""

    code = "INVALID_PRICE"


class InvalidSize(InvalidArgument):
    """An amount that is not an integer number of minor units, or is zero or negative."""

    code = "INVALID_SIZE"


class BelowMinStake(InvalidSize):
    """A stake below the market's minimum."""

    code = "BELOW_MIN_STAKE"


class AmountOverflow(InvalidSize):
    """An amount, or the balance or exposure it would make, beyond the engine's bound
    (``pybet.MAX_AMOUNT`` minor units)."""

    code = "AMOUNT_OVERFLOW"


class DuplicateClientOrderId(InvalidArgument):
    """The account already used this client order id on a live order."""

    code = "DUPLICATE_CLIENT_ORDER_ID"


# -- lookups ----------------------------------------------------------------------------------
class UnknownMarket(PybetError, LookupError):
    code = "UNKNOWN_MARKET"


class UnknownRunner(PybetError, LookupError):
    code = "UNKNOWN_RUNNER"


class UnknownOrder(PybetError, LookupError):
    code = "UNKNOWN_ORDER"


class UnknownAccount(PybetError, LookupError):
    code = "UNKNOWN_ACCOUNT"


class MarketExists(PybetError):
    code = "MARKET_EXISTS"


# -- state and permission ---------------------------------------------------------------------
class InvalidMarketState(PybetError):
    """The market's status does not allow the operation (e.g. opening a closed market)."""

    code = "INVALID_STATE"


class MarketNotOpen(InvalidMarketState):
    """An order or amendment in a market that is not open (suspended, closed, settled)."""

    code = "MARKET_NOT_OPEN"


class OrderNotActive(PybetError):
    """The order has nothing left to cancel or replace."""

    code = "ORDER_NOT_ACTIVE"


class ConcurrentUse(PybetError, RuntimeError):
    """Two threads called one ``Exchange`` or ``Pool`` at once. An engine object is owned by
    one thread at a time (see docs/api.md); the call that found it busy changed nothing."""

    code = "CONCURRENT_USE"


class NotOwner(PybetError, PermissionError):
    """An account tried to act on another account's order."""

    code = "NOT_OWNER"


class InsufficientFunds(PybetError):
    code = "INSUFFICIENT_FUNDS"


class AlreadySettled(PybetError):
    code = "ALREADY_SETTLED"


class RunnerRemoved(PybetError):
    """The runner was removed as a non-runner (settling it as a winner, removing it twice)."""

    code = "RUNNER_REMOVED"


class SnapshotError(PybetError):
    """A snapshot blob that does not decode or fails its checksum."""

    code = "BAD_SNAPSHOT"


# -- pari-mutuel ------------------------------------------------------------------------------
class PoolError(PybetError):
    code = "POOL_ERROR"


class PoolClosed(PoolError):
    code = "POOL_CLOSED"


class InvalidSelection(PoolError, ValueError):
    """A selection with a scratched, unknown or repeated runner, or of the wrong arity."""

    code = "INVALID_SELECTION"


# -- quant kernels ----------------------------------------------------------------------------
class QuantError(PybetError, ValueError):
    """Bad input to a quant kernel: probabilities off, negative values, wrong shapes, depth."""

    code = "INVALID_INPUT"


# -- gateway, protocol and durability ---------------------------------------------------------
class ProtocolError(PybetError):
    """A frame that does not decode or validate. ``req`` is the request id the frame carried
    when it could still be read (so the reply reaches the waiting call), else 0."""

    code = "MALFORMED_FRAME"
    req: int = 0


class FrameTooLarge(ProtocolError):
    code = "FRAME_TOO_LARGE"


class AuthError(PybetError):
    code = "AUTH_FAILED"


class RateLimited(PybetError):
    code = "RATE_LIMITED"


class Unavailable(PybetError):
    """The gateway is fail-closed (its store is down) or shutting down."""

    code = "UNAVAILABLE"


class StoreError(PybetError):
    code = "STORE_ERROR"


class InvalidMessage(ProtocolError):
    """A frame that decoded but does not validate against the message schema."""

    code = "INVALID_MESSAGE"


class UnsupportedVersion(ProtocolError):
    code = "UNSUPPORTED_VERSION"


class NotLoggedIn(AuthError):
    """Anything but ``Hello``, ``Login`` and ``Ping`` before a successful login."""

    code = "NOT_LOGGED_IN"


class Forbidden(AuthError):
    """An admin message from an account that is not an admin."""

    code = "FORBIDDEN"


class TooManyConnections(PybetError):
    """The gateway's connection cap, in all or per account, is reached."""

    code = "TOO_MANY_CONNECTIONS"


class IdleTimeout(PybetError):
    code = "IDLE_TIMEOUT"


class SlowConsumer(PybetError):
    """A connection whose send buffer stayed over its bound: it is disconnected."""

    code = "SLOW_CONSUMER"


class UnknownPool(PybetError, LookupError):
    code = "UNKNOWN_POOL"


class InternalError(PybetError):
    """A bug on the server side; the request changed nothing that was acknowledged."""

    code = "INTERNAL"


def _classes_by_code() -> dict[str, type[PybetError]]:
    out: dict[str, type[PybetError]] = {}
    for obj in list(globals().values()):
        if isinstance(obj, type) and issubclass(obj, PybetError):
            out.setdefault(obj.code, obj)
    return out


_BY_CODE = _classes_by_code()


def error_class(code: str) -> type[PybetError]:
    """The exception class for a stable code (``PybetError`` for a code this release does not
    know)."""
    return _BY_CODE.get(code, PybetError)


def from_code(code: str, message: str = "") -> PybetError:
    """An exception of the class for ``code``, carrying exactly that code."""
    return error_class(code)(message, code=code)
