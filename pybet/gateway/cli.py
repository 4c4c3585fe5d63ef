"""``pybet serve`` and ``pybet hash-key``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable

from pybet.cli import register

#: The store of ``pybet serve`` when neither --store nor the config names one: the embedded,
#: durable file store in the working directory (.gitignore ignores it).
DEFAULT_STORE = "file:./pybet-data"

_SERVE_EPILOG = """\
examples:
  pybet serve                              defaults: 127.0.0.1:7878, metrics :7879, store
                                           file:./pybet-data (recovered on restart),
                                           development accounts (admin/admin-key,
                                           trader0..15/dev-key) when no config names any
  pybet serve --config gw.toml             accounts, key hashes, limits, ports, markets
  pybet serve --port 0 --http-port 0       any free ports (printed on start)
  pybet serve --store memory:              no durability (tests, benchmarks)
  pybet serve --store redis://127.0.0.1:6379/0   Redis Streams (appendonly yes; see
                                           docs/durability.md)
  curl localhost:7879/metrics              Prometheus counters; /healthz is 200 or 503

SIGINT/SIGTERM stop it gracefully: what was received is applied and answered, a snapshot is
written, the store is closed. The config format is documented in pybet/gateway/config.py.
"""


def _port(lowest: int) -> Callable[[str], int]:
    """An argparse type: a TCP port from ``lowest`` (0 = any free, -1 = off) to 65535."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
        if not lowest <= value <= 65_535:
            raise argparse.ArgumentTypeError(f"port {value} is outside {lowest}..65535")
        return value

    return parse


def _serve_args(ap: argparse.ArgumentParser) -> None:
    ap.formatter_class = argparse.RawDescriptionHelpFormatter
    ap.epilog = _SERVE_EPILOG
    ap.add_argument("--host", help="listen address (default 127.0.0.1)")
    ap.add_argument(
        "--port", type=_port(0), help="TCP port for clients (default 7878; 0 = any free)"
    )
    ap.add_argument(
        "--http-port", type=_port(-1), help="/metrics and /healthz port (default 7879; -1 = off)"
    )
    ap.add_argument(
        "--store",
        metavar="URL",
        help=f"memory: | file:PATH | redis://HOST:PORT/DB (default {DEFAULT_STORE})",
    )
    ap.add_argument("--config", metavar="FILE", help="TOML config: accounts, keys, limits, ports")
    ap.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")


def _serve(args: argparse.Namespace) -> int:
    from pybet.gateway import load_config, serve_forever

    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    cfg = load_config(args.config, default_store=DEFAULT_STORE)
    for key in ("host", "port", "http_port", "store"):
        value = getattr(args, key)
        if value is not None:
            setattr(cfg, key, value)
    if cfg.dev_accounts:
        logging.getLogger("pybet.gateway").warning(
            'event=dev_accounts detail="no accounts configured: using the development accounts '
            '(admin/admin-key, trader0..15/dev-key); pass --config for real ones"'
        )
    _run(serve_forever(cfg))
    return 0


def _run(coro: object) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported OS
        asyncio.run(coro)  # type: ignore[arg-type]
        return
    uvloop.run(coro)  # type: ignore[arg-type]


def _hash_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("key", help="the API key to hash for a config file's key_hash")


def _hash(args: argparse.Namespace) -> int:
    from pybet.gateway.config import hash_key

    print(hash_key(args.key))
    return 0


register("serve", "run the gateway: TCP clients, MessagePack frames, uvloop", _serve_args, _serve)
register("hash-key", "print the key_hash of an API key for the config file", _hash_args, _hash)
