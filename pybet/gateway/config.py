"""Gateway configuration: a TOML file for ports, limits, the store, accounts and the markets to
create on a fresh journal. Every field has a default so that ``pybet serve`` runs with none.

```toml
[server]
host = "127.0.0.1"
port = 7878
http_port = 7879              # /metrics and /healthz; 0 = any free port, -1 = off
store = "file:./pybet-data"   # `pybet serve` default; memory: | file:PATH | redis://...
snapshot_every = 100000       # journaled commands between snapshots (0 = never)
snapshot_interval_s = 60.0    # or seconds between snapshots (0 = never)
snapshot_fork = true          # written by a forked child, off the event loop (Linux)
feed = true                   # the history feed of every batch's events (pybet.feed)
feed_retention = 20000        # batches the feed keeps at least
idempotency_window_s = 86400  # client order ids remembered at least this long (and until settled)
settled_retention_s = 604800  # a settled market's result is purged after this (0 = never)

[limits]
rate = 2000                   # orders per second per account (token bucket)
burst = 4000

[[accounts]]
name = "alice"
key_hash = "sha256:..."       # `pybet hash-key KEY` prints it; plaintext keys are never stored
deposit = 100000              # initial deposit in minor units, journaled on a fresh store
admin = false

[[markets]]
market_id = "1.1"
runners = [1, 2, 3]
```
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import msgspec

from pybet.errors import InvalidArgument


def hash_key(api_key: str) -> str:
    """The stored form of an API key."""
    return "sha256:" + hashlib.sha256(api_key.encode()).hexdigest()


def check_key(stored: str, api_key: str) -> bool:
    return hmac.compare_digest(stored, hash_key(api_key))


def hmac_login(stored: str, nonce: str) -> str:
    """The HMAC a client sends to log in without sending its key: HMAC-SHA256 of the server's
    nonce keyed by SHA-256(api key), i.e. by the stored hash's digest."""
    digest = bytes.fromhex(stored.removeprefix("sha256:"))
    return hmac.new(digest, nonce.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AccountConfig:
    name: str
    key_hash: str
    admin: bool = False
    deposit: int = 0
    rate: float | None = None  # overrides [limits] rate
    burst: float | None = None


@dataclass(frozen=True, slots=True)
class MarketConfig:
    market_id: str
    runners: list[int]
    places: int = 1
    bet_delay_ms: int = 0
    min_stake: int = 1


@dataclass(slots=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 7878
    http_port: int = 7879
    store: str = "memory:"
    commission_rate: float = 0.0
    max_frame: int = 64 * 1024
    max_connections: int = 1024
    max_connections_per_account: int = 16
    idle_timeout_s: float = 30.0
    heartbeat_s: float = 5.0
    login_timeout_s: float = 10.0
    max_login_failures: int = 3  # failed logins on one connection before it is closed
    book_depth: int = 5
    # bounded send buffer: above `send_high` market data is conflated; above `send_max`, or
    # above `send_high` for `slow_consumer_s`, the connection is dropped as a slow consumer
    send_high: int = 256 * 1024
    send_max: int = 4 * 1024 * 1024
    socket_sndbuf: int = 0  # SO_SNDBUF of client sockets; 0 = the OS default (autotuned)
    slow_consumer_s: float = 5.0  # paused (above send_high) longer than this: disconnected
    rate: float = 2000.0
    burst: float = 4000.0
    snapshot_every: int = 100_000  # journaled commands between snapshots; 0 = never
    snapshot_interval_s: float = 60.0  # seconds between snapshots (if anything changed); 0 = never
    trim_journal: bool = True  # drop journal records behind the oldest kept snapshot
    # snapshots encoded and written by a forked copy-on-write child (Linux, file: and redis://),
    # so the event loop stalls only for the fork; false: encoded and written from the loop
    snapshot_fork: bool = True
    # the history feed (pybet.feed): every journaled batch's engine events, kept at least
    # feed_retention batches (redis: XADD MAXLEN ~; file: whole segments)
    feed: bool = True
    feed_retention: int = 20_000
    # a client order id is remembered until its market settles and for at least this long
    idempotency_window_s: float = 86_400.0
    # a settled market's result is purged this long after its settlement (journal time; at
    # least the idempotency window); 0 = kept for ever
    settled_retention_s: float = 7 * 86_400.0
    snapshot_memory: bool = False  # also snapshot periodically on memory: (tests)
    accounts: dict[str, AccountConfig] = field(default_factory=dict)
    markets: list[MarketConfig] = field(default_factory=list)
    dev_accounts: bool = False

    def account(self, name: str) -> AccountConfig | None:
        return self.accounts.get(name)


#: Development accounts used when no config names any (documented, loopback only): the
#: admin key "admin-key", traders "trader0".."trader15" with key "dev-key", funded.
DEV_ADMIN_KEY = "admin-key"
DEV_TRADER_KEY = "dev-key"
DEV_TRADERS = 16
DEV_DEPOSIT = 10**12


def dev_accounts() -> dict[str, AccountConfig]:
    out = {"admin": AccountConfig("admin", hash_key(DEV_ADMIN_KEY), admin=True)}
    trader_hash = hash_key(DEV_TRADER_KEY)
    for i in range(DEV_TRADERS):
        name = f"trader{i}"
        out[name] = AccountConfig(name, trader_hash, deposit=DEV_DEPOSIT, rate=1e6, burst=1e6)
    return out


def load_config(path: str | Path | None, *, default_store: str = "memory:") -> GatewayConfig:
    """Read a TOML config (``None``: all defaults with the development accounts).
    ``default_store`` is the store when the file names none (``pybet serve``: ``file:``)."""
    cfg = GatewayConfig(store=default_store)
    if path is not None:
        with open(path, "rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise InvalidArgument(f"{path}: {exc}") from None
        try:
            _apply(cfg, data)
        except InvalidArgument as exc:
            raise InvalidArgument(f"{path}: {exc}") from None
    if not cfg.accounts:
        cfg.accounts = dev_accounts()
        cfg.dev_accounts = True
    return cfg


# -- the file's schema: msgspec Structs that refuse unknown keys, converted from the TOML ------
SHA256_HASH = Annotated[str, msgspec.Meta(pattern=r"^sha256:[0-9a-f]{64}$")]


class _AccountEntry(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    key_hash: SHA256_HASH
    admin: bool = False
    deposit: Annotated[int, msgspec.Meta(ge=0)] = 0
    rate: Annotated[float, msgspec.Meta(gt=0)] | None = None
    burst: Annotated[float, msgspec.Meta(gt=0)] | None = None


class _MarketEntry(msgspec.Struct, forbid_unknown_fields=True):
    market_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    runners: list[int]
    places: Annotated[int, msgspec.Meta(ge=1)] = 1
    bet_delay_ms: Annotated[int, msgspec.Meta(ge=0)] = 0
    min_stake: Annotated[int, msgspec.Meta(ge=1)] = 1


_NOT_SETTINGS = {"accounts", "markets", "dev_accounts"}
# [server] and [limits] take any GatewayConfig setting; a key left out stays UNSET (its default).
_Settings = msgspec.defstruct(
    "_Settings",
    [
        (name, hint | msgspec.UnsetType, msgspec.UNSET)
        for name, hint in get_type_hints(GatewayConfig).items()
        if name not in _NOT_SETTINGS
    ],
    forbid_unknown_fields=True,
)


class _ConfigFile(msgspec.Struct, forbid_unknown_fields=True):
    server: _Settings = msgspec.field(default_factory=_Settings)  # type: ignore[valid-type]
    limits: _Settings = msgspec.field(default_factory=_Settings)  # type: ignore[valid-type]
    accounts: list[_AccountEntry] = msgspec.field(default_factory=list)
    markets: list[_MarketEntry] = msgspec.field(default_factory=list)


def _apply(cfg: GatewayConfig, data: dict[str, Any]) -> None:
    for raw in data.get("accounts", []):
        if isinstance(raw, dict) and "api_key" in raw:
            raise InvalidArgument("accounts take key_hash (see `pybet hash-key`), not api_key")
    try:
        parsed = msgspec.convert(data, _ConfigFile)
    except msgspec.ValidationError as exc:
        raise InvalidArgument(f"bad config: {exc}") from None
    for section in (parsed.server, parsed.limits):
        for name, value in msgspec.structs.asdict(section).items():
            if value is not msgspec.UNSET:
                setattr(cfg, name, value)
    for a in parsed.accounts:
        cfg.accounts[a.name] = AccountConfig(
            a.name, a.key_hash, admin=a.admin, deposit=a.deposit, rate=a.rate, burst=a.burst
        )
    for m in parsed.markets:
        cfg.markets.append(
            MarketConfig(m.market_id, m.runners, m.places, m.bet_delay_ms, m.min_stake)
        )
