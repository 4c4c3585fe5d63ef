"""The wire protocol of ``pybet serve`` (SPEC section 7).

Every frame is a 4-byte big-endian length followed by a MessagePack body of at most
``max_frame`` bytes. Bodies are ``msgspec.Struct`` messages encoded as arrays whose first element
is the message tag (the class name), in two tagged unions: :data:`ClientMessage` (client to
server) and :data:`ServerMessage` (server to client). ``Hello``/``Welcome`` agree the protocol
version. Every request carries ``req`` (a client-chosen request id) that its responses echo;
unsolicited messages (fills of resting orders, market data) carry ``req = 0``.

Money is integer minor units; sizes and stakes are validated positive here, prices on the ladder
by the engine. :func:`json_schema` exports the schema of every message.
"""

from __future__ import annotations

import re
import struct
from typing import Annotated, Any, Final, Literal

import msgspec

from pybet.errors import FrameTooLarge, InvalidMessage, ProtocolError

#: The protocol version this module speaks; ``Hello.version`` must equal it.
PROTOCOL_VERSION: Final = 1
#: Default cap on a frame's body.
MAX_FRAME: Final = 64 * 1024
HEADER: Final = 4
#: The frame header: the body's length, big-endian u32 (``HEADER`` bytes).
FRAME_LENGTH: Final = struct.Struct(">I")

_MAX_MONEY = 2**53  # stays exact in every client language (JSON, JS)
ReqId = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Money = Annotated[int, msgspec.Meta(gt=0, le=_MAX_MONEY)]
NonNegMoney = Annotated[int, msgspec.Meta(ge=0, le=_MAX_MONEY)]
OrderId = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
RunnerId = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
Ident = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ClientOrderId = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
# A decimal price as a float or an exact string; the engine rejects off-ladder prices. The float
# bounds also refuse NaN and infinities at the protocol layer.
Price = (
    Annotated[float, msgspec.Meta(ge=1.01, le=1000.0)] | Annotated[str, msgspec.Meta(max_length=16)]
)
SideName = Literal["BACK", "LAY"]
TifName = Literal["GTC", "IOC", "FOK"]
PersistenceName = Literal["LAPSE", "PERSIST", "MARKET_ON_CLOSE"]
OrderTypeName = Literal["LIMIT", "MARKET_ON_CLOSE", "LIMIT_ON_CLOSE"]


class _Msg(
    msgspec.Struct,
    array_like=True,
    tag=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    gc=False,
):
    """Base of every message: array-encoded, tagged with the class name. Not tracked by the
    cyclic GC (messages hold only scalars, strings and lists of messages, never a cycle): the
    idempotency table keeps one reply per client order id, and a million tracked replies made
    every full collection of the live gateway a pause of about 0.4 s (0.1 s untracked) and
    decoding them on recovery three times slower."""


# -- client to server -------------------------------------------------------------------------
class Hello(_Msg):
    version: int
    client: Annotated[str, msgspec.Meta(max_length=64)] = ""
    req: ReqId = 0


class Login(_Msg):
    """Log in with the API key, or with ``hmac`` = hex HMAC-SHA256 of the ``Welcome`` nonce
    keyed by SHA-256(api key)."""

    req: ReqId
    account: Ident
    api_key: Annotated[str, msgspec.Meta(max_length=256)] | None = None
    hmac: Annotated[str, msgspec.Meta(max_length=128)] | None = None


class Ping(_Msg):
    req: ReqId = 0


class Place(_Msg):
    """An order. ``order_type`` MARKET_ON_CLOSE / LIMIT_ON_CLOSE makes it a starting-price
    bet (``price`` None / its limit; a lay's ``size`` is its liability)."""

    req: ReqId
    market_id: Ident
    runner: RunnerId
    side: SideName
    price: Price | None
    size: Money
    client_order_id: ClientOrderId | None = None
    time_in_force: TifName = "GTC"
    persistence: PersistenceName = "LAPSE"
    min_fill_size: Money | None = None
    order_type: OrderTypeName = "LIMIT"


class Cancel(_Msg):
    req: ReqId
    order_id: OrderId
    size_reduction: Money | None = None


class Replace(_Msg):
    req: ReqId
    order_id: OrderId
    price: Price


class PoolBet(_Msg):
    req: ReqId
    pool_id: Ident
    selection: Annotated[list[RunnerId], msgspec.Meta(min_length=1, max_length=4)]
    stake: Money


class Subscribe(_Msg):
    """Subscribe to a market's ladder (``market_id``, the server's ``book_depth`` levels per
    side) or a pool's odds (``pool_id``)."""

    req: ReqId
    market_id: Ident | None = None
    pool_id: Ident | None = None
    virtual: bool = False  # cross-matching offers merged into the ladder (Betfair's virtualise)


class Unsubscribe(_Msg):
    req: ReqId
    market_id: Ident | None = None
    pool_id: Ident | None = None


class GetOrders(_Msg):
    req: ReqId
    market_id: Ident | None = None


class GetBalance(_Msg):
    req: ReqId


# -- admin (admin accounts only) --------------------------------------------------------------
class CreateMarket(_Msg):
    req: ReqId
    market_id: Ident
    runners: Annotated[list[RunnerId], msgspec.Meta(min_length=1, max_length=256)]
    places: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    bet_delay_ms: Annotated[int, msgspec.Meta(ge=0, le=600_000)] = 0
    min_stake: Money = 1
    starting_price: bool = False  # takes SP bets, reconciled at in_play (or "reconcile")
    min_sp_liability: Money | None = None
    cross_matching: bool = False  # virtual offers from the other runners (one winner only)


class MarketAction(_Msg):
    """A market status transition."""

    req: ReqId
    market_id: Ident
    action: Literal["open", "suspend", "resume", "in_play", "close", "void", "reconcile"]


class RemoveRunner(_Msg):
    """``reduction_factor`` in percent, as an exact decimal string (``"12.5"``)."""

    req: ReqId
    market_id: Ident
    runner: RunnerId
    reduction_factor: Annotated[str, msgspec.Meta(max_length=12)] = "0"


class SettleMarket(_Msg):
    """``dead_heat`` maps a winning runner to the fraction of the stake paid as a winner, as
    an exact decimal string (``"0.5"``)."""

    req: ReqId
    market_id: Ident
    winners: Annotated[list[RunnerId], msgspec.Meta(max_length=64)]
    dead_heat: dict[int, Annotated[str, msgspec.Meta(max_length=24)]] | None = None


class Deposit(_Msg):
    req: ReqId
    account: Ident
    amount: Money


class Withdraw(_Msg):
    req: ReqId
    account: Ident
    amount: Money


class CreatePool(_Msg):
    req: ReqId
    pool_id: Ident
    kind: Literal["WIN", "PLACE", "SHOW", "EXACTA", "QUINELLA", "TRIFECTA", "SUPERFECTA"]
    runners: Annotated[int, msgspec.Meta(ge=2, le=24)]
    takeout: Annotated[str, msgspec.Meta(max_length=12)] = "0.15"
    breakage: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    min_payout: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 100


class ClosePool(_Msg):
    req: ReqId
    pool_id: Ident


class ScratchRunner(_Msg):
    """Scratch a runner from a pool: its tickets are refunded at settlement."""

    req: ReqId
    pool_id: Ident
    runner: RunnerId


class SettlePool(_Msg):
    """Settle a pool with the finishing order (positions, each a list of runners: more than one
    where runners dead-heat); every ticket's payout is credited to its account."""

    req: ReqId
    pool_id: Ident
    result: Annotated[
        list[Annotated[list[RunnerId], msgspec.Meta(min_length=1, max_length=24)]],
        msgspec.Meta(min_length=1, max_length=24),
    ]


ADMIN_MESSAGES: Final = (
    CreateMarket,
    MarketAction,
    RemoveRunner,
    SettleMarket,
    Deposit,
    Withdraw,
    CreatePool,
    ClosePool,
    ScratchRunner,
    SettlePool,
)

ClientMessage = (
    Hello
    | Login
    | Ping
    | Place
    | Cancel
    | Replace
    | PoolBet
    | Subscribe
    | Unsubscribe
    | GetOrders
    | GetBalance
    | CreateMarket
    | MarketAction
    | RemoveRunner
    | SettleMarket
    | Deposit
    | Withdraw
    | CreatePool
    | ClosePool
    | ScratchRunner
    | SettlePool
)


# -- server to client -------------------------------------------------------------------------
class Welcome(_Msg):
    version: int
    nonce: str
    server: str = "pybet"
    heartbeat_ms: int = 5000
    max_frame: int = MAX_FRAME
    req: int = 0


class LoggedIn(_Msg):
    req: int
    account: str
    admin: bool = False


class Ack(_Msg):
    """An order accepted by the engine (it may be fully matched already)."""

    req: int
    order_id: int
    market_id: str
    runner: int
    side: str
    price: float
    size: int
    status: str
    size_matched: int
    size_remaining: int
    size_cancelled: int = 0
    client_order_id: str | None = None
    duplicate: bool = False


class Reject(_Msg):
    """A request the engine or the gateway refused; nothing changed."""

    req: int
    code: str
    message: str = ""
    client_order_id: str | None = None
    order_id: int | None = None
    duplicate: bool = False


class Fill(_Msg):
    """One fill of one of the receiver's orders (sent to both sides of a match)."""

    req: int
    order_id: int
    market_id: str
    runner: int
    side: str
    price: float
    size: int
    maker: bool


class Cancelled(_Msg):
    req: int
    order_id: int
    size_cancelled: int
    size_remaining: int
    reason: str = "CANCELLED"


class Level(_Msg):
    price: float
    size: int


class StartingPrices(_Msg):
    """A runner's SP figures: the ``near`` and ``far`` projections before the off, the
    ``actual`` SP after it (None: undefined)."""

    near: float | None = None
    far: float | None = None
    actual: float | None = None


class RunnerBook(_Msg):
    """A runner's ladder: ``back`` = available to back (best highest), ``lay`` = available to
    lay (best lowest). In a delta, a level with size 0 is removed. ``sp``: in a market with
    starting price, its figures (sent whole when they change)."""

    runner: int
    back: list[Level]
    lay: list[Level]
    sp: StartingPrices | None = None


class MarketUpdate(_Msg):
    """A full ``image`` (first after ``Subscribe``, or after conflation), or ladder deltas;
    ``seq`` increases by one per update of the market."""

    req: int
    market_id: str
    seq: int
    image: bool
    status: str
    in_play: bool
    runners: list[RunnerBook]
    virtual: bool = False  # the virtualised feed (Subscribe.virtual), with its own seq


class PoolOdds(_Msg):
    req: int
    pool_id: str
    seq: int
    gross_pool: int
    odds: list[float]


class PoolTicket(_Msg):
    req: int
    pool_id: str
    ticket_id: int
    stake: int


class Balance(_Msg):
    req: int
    account: str
    balance: int
    available: int


class OrderInfo(_Msg):
    order_id: int
    market_id: str
    runner: int
    side: str
    price: float
    size: int
    size_matched: int
    size_remaining: int
    size_cancelled: int
    status: str
    client_order_id: str | None = None


class Orders(_Msg):
    req: int
    orders: list[OrderInfo]


class Done(_Msg):
    """An admin or subscription request that succeeded."""

    req: int
    detail: str = ""


class Error(_Msg):
    """A request or frame that could not be processed; ``code`` is a ``pybet.errors`` code."""

    req: int
    code: str
    message: str = ""


class Pong(_Msg):
    req: int


ServerMessage = (
    Welcome
    | LoggedIn
    | Ack
    | Reject
    | Fill
    | Cancelled
    | MarketUpdate
    | PoolOdds
    | PoolTicket
    | Balance
    | Orders
    | Done
    | Error
    | Pong
)


# -- encoding and framing ---------------------------------------------------------------------
def enc_hook(obj: Any) -> Any:
    """Makes the engine's reports, events, books, orders and enums msgspec-encodable (SPEC
    section 6): objects with ``to_dict()`` encode as that dict, enums as their name."""
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    if hasattr(obj, "__int__") and type(obj).__module__.startswith("pybet"):
        return str(obj).rpartition(".")[2]
    raise TypeError(f"cannot encode {type(obj).__name__}")


_encoder = msgspec.msgpack.Encoder(enc_hook=enc_hook)


def to_builtins(obj: Any) -> Any:
    """``obj`` (a message, report, event, ...) as plain dicts/lists/str/int/float."""
    return msgspec.to_builtins(obj, enc_hook=enc_hook)


def encode(msg: msgspec.Struct) -> bytes:
    """The body of ``msg`` (no length prefix)."""
    return _encoder.encode(msg)


def frame(msg: msgspec.Struct) -> bytes:
    """``msg`` as a complete frame: length prefix and body."""
    body = _encoder.encode(msg)
    return len(body).to_bytes(4, "big") + body


class Encoder:
    """Reusable frame encoder (one per connection or per process)."""

    __slots__ = ("_enc", "encode_into")

    def __init__(self) -> None:
        self._enc = msgspec.msgpack.Encoder(enc_hook=enc_hook)
        #: the underlying ``msgspec`` ``encode_into`` (body only), for hot loops
        self.encode_into = self._enc.encode_into

    def frame(self, msg: msgspec.Struct) -> bytes:
        body = self._enc.encode(msg)
        return len(body).to_bytes(4, "big") + body

    def frame_into(self, buf: bytearray, msg: msgspec.Struct) -> None:
        """Append ``msg`` as a frame to ``buf`` (encoded in place: no intermediate bytes)."""
        start = len(buf)
        buf += b"\0\0\0\0"
        self._enc.encode_into(msg, buf, -1)
        buf[start : start + 4] = (len(buf) - start - 4).to_bytes(4, "big")


class FrameReader:
    """Splits a byte stream into frame bodies; checks the length against ``max_frame`` before
    any body is buffered or decoded. ``feed`` raises :class:`FrameTooLarge` on an oversized
    length: the frame boundary is then lost and the connection must close."""

    __slots__ = ("_buf", "max_frame")

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buf = bytearray()
        self.max_frame = max_frame

    def feed(self, data: bytes) -> list[bytes]:
        # Bodies are sliced straight out of `data` (one copy each); only a partial frame at
        # the end is kept, and joined with the next chunk. Three times faster per frame than
        # slicing a bytearray kept for everything (decisions.md, "Frame splitting").
        buf = self._buf
        if buf:
            buf += data
            data = bytes(buf)
            buf.clear()
        elif type(data) is not bytes:
            data = bytes(data)
        out: list[bytes] = []
        pos = 0
        end = len(data)
        unpack = FRAME_LENGTH.unpack_from
        while end - pos >= HEADER:
            (n,) = unpack(data, pos)
            if n > self.max_frame:
                buf += memoryview(data)[pos:]
                raise FrameTooLarge(f"frame length {n} exceeds max_frame {self.max_frame}")
            start = pos + HEADER
            if end - start < n:
                break
            pos = start + n
            out.append(data[start:pos])
        if pos < end:
            buf += memoryview(data)[pos:]
        return out

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a whole frame (a truncated frame at close)."""
        return len(self._buf)


def _fields_by_tag(union: Any) -> dict[str, tuple[str, ...]]:
    """Tag -> the message's field names, in encoded order (after the tag at index 0)."""
    return {cls.__struct_config__.tag: cls.__struct_fields__ for cls in union.__args__}


_ARRAY_PATH = re.compile(r"`\$\[(\d+)\]")


class Decoder:
    """Typed decoder of one direction's union; raises :class:`ProtocolError` (not MessagePack)
    or :class:`InvalidMessage` (MessagePack that does not validate). An invalid message whose
    tag and ``req`` can still be read carries that ``req``, so the error reaches the waiting
    call at once instead of its timeout, and its text names the field (``Place.size``)."""

    __slots__ = ("_dec", "_fields")

    def __init__(self, kind: Literal["client", "server"] = "client") -> None:
        target: Any = ClientMessage if kind == "client" else ServerMessage
        self._dec: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(target)
        self._fields = _fields_by_tag(target)

    def decode(self, body: bytes) -> Any:
        try:
            return self._dec.decode(body)
        except msgspec.ValidationError as exc:
            raise self._invalid(body, str(exc)) from None
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"undecodable body: {exc}") from None

    def _invalid(self, body: bytes, detail: str) -> InvalidMessage:
        """The error for a body that is MessagePack but not a valid message."""
        try:
            raw = msgspec.msgpack.decode(body)
        except msgspec.DecodeError:  # e.g. trailing bytes after a value that did not validate
            return InvalidMessage(detail)
        fields = None
        if isinstance(raw, list) and raw and isinstance(raw[0], str):
            fields = self._fields.get(raw[0])
        if fields is None:
            return InvalidMessage(detail)
        tag = raw[0]

        def name(match: re.Match[str]) -> str:
            i = int(match.group(1))
            return f"`{tag}.{fields[i - 1]}" if 0 < i <= len(fields) else match.group(0)

        err = InvalidMessage(_ARRAY_PATH.sub(name, detail, count=1))
        if "req" in fields:
            at = fields.index("req") + 1
            req = raw[at] if at < len(raw) else 0
            if type(req) is int and 0 < req < 2**63:
                err.req = req
        return err


def json_schema() -> dict[str, Any]:
    """JSON Schema of every message, both directions (``$defs`` holds each message)."""
    schemas, components = msgspec.json.schema_components(
        [ClientMessage, ServerMessage], ref_template="#/$defs/{name}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"pybet wire protocol v{PROTOCOL_VERSION}",
        "description": "Frames: 4-byte big-endian length + MessagePack body (array-encoded "
        "structs, first element the tag).",
        "$defs": components,
        "properties": {"client_to_server": schemas[0], "server_to_client": schemas[1]},
    }
