"""The journal's records: what a batch of state-changing commands looks like on disk.

A record is one batch, ``[now_ms, [[account, body], ...]]``, where ``body`` is the MessagePack
body of a state-changing command exactly as the client sent it (or an internal
:class:`AdvanceTime`). :data:`STATE_CHANGING` names the messages that are journaled; everything
else is a query or a session message and never reaches the journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import msgspec

from pybet import protocol as p


class AdvanceTime(msgspec.Struct, array_like=True, tag=True):
    """Internal command: releases orders waiting in an in-play bet delay."""

    now_ms: int


#: Messages that change state and are journaled; everything else is a query or session message.
STATE_CHANGING: Final[tuple[type, ...]] = (
    p.Place,
    p.Cancel,
    p.Replace,
    p.PoolBet,
    *p.ADMIN_MESSAGES,
    AdvanceTime,
)

JournalCommand = (
    p.Place
    | p.Cancel
    | p.Replace
    | p.PoolBet
    | p.CreateMarket
    | p.MarketAction
    | p.RemoveRunner
    | p.SettleMarket
    | p.Deposit
    | p.Withdraw
    | p.CreatePool
    | p.ClosePool
    | p.ScratchRunner
    | p.SettlePool
    | AdvanceTime
)

_journal_cmd_decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(JournalCommand)

_record_decoder = msgspec.msgpack.Decoder(tuple[int, list[tuple[str, bytes]]])
_encoder = msgspec.msgpack.Encoder()


def encode_record(now_ms: int, cmds: Iterable[tuple[str, bytes]]) -> bytes:
    """The journal record of one batch."""
    return _encoder.encode((now_ms, list(cmds)))


def decode_record(record: bytes) -> tuple[int, list[tuple[str, Any]]]:
    """A record's time and its (account, command) pairs, the commands decoded."""
    now_ms, cmds = _record_decoder.decode(record)
    return now_ms, [(account, _journal_cmd_decoder.decode(body)) for account, body in cmds]
