"""Snapshots written by a forked child: the event loop pays for ``fork()`` only (page tables,
about 10 ms per GB resident), never for the encode and the write, which at a million live orders
take seconds. The child sees the engine exactly as it was at the fork (copy-on-write), encodes it,
writes it through the store's synchronous child path and reports on a pipe; the parent waits for
that in a thread. Like Redis's BGSAVE; docs/decisions.md says why not a copy on the loop.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import signal
import sys
from dataclasses import dataclass
from typing import NoReturn

from pybet.errors import StoreError
from pybet.gateway.engine import EngineCore
from pybet.store.base import SnapshotRecord, Store

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class ChildSnapshot:
    """A snapshot being written by child ``pid``; it reports on the pipe ``fd``."""

    pid: int
    fd: int
    seq: int


@dataclass(frozen=True, slots=True)
class Written:
    seq: int
    nbytes: int
    state_hash: int


def can_fork(store: Store) -> bool:
    return sys.platform == "linux" and store.forkable_snapshots


def fork_snapshot(engine: EngineCore, store: Store, seq: int) -> ChildSnapshot:
    """Fork a child that writes the snapshot of ``engine`` (the state at journal ``seq``)."""
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        raise
    if pid == 0:
        os.close(read_fd)
        _child(engine, store, seq, write_fd, parent)
    os.close(write_fd)
    return ChildSnapshot(pid, read_fd, seq)


def _child(engine: EngineCore, store: Store, seq: int, fd: int, parent: int) -> NoReturn:
    """Never returns and never runs the parent's code: no event loop, no logging (its locks
    may have been held by another thread at the fork), ``os._exit`` at the end."""
    status = 1
    report: dict[str, object]
    try:
        _detach(parent, fd)
        gc.disable()  # nothing here makes cycles; a collection would only copy pages
        os.nice(10)  # background work: on a small machine the engine loop gets the cores first
        state, state_hash = engine.snapshot_and_hash()
        store.write_snapshot_in_child(SnapshotRecord(seq, state, state_hash))
        report = {"ok": True, "bytes": len(state), "hash": state_hash}
        status = 0
    except BaseException as exc:
        report = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    with contextlib.suppress(BaseException):
        os.write(fd, json.dumps(report).encode())
    os._exit(status)


def _detach(parent: int, keep_fd: int) -> None:
    # Killed with the parent; and holding none of its descriptors (the store's lock, the
    # listening socket, client connections) even for the moment that takes, so that a
    # restarted gateway can take them over at once.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    # The parent's loop reads signals from a wakeup fd the child shares: a Ctrl-C to the
    # process group must not reach the parent twice, and the child just dies of it.
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, os.sysconf("SC_OPEN_MAX"))


def wait_child(child: ChildSnapshot) -> Written:
    """Blocking (run it in a thread): the child's report, once it has exited."""
    chunks = []
    try:
        while chunk := os.read(child.fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(child.fd)
    _pid, status = os.waitpid(child.pid, 0)
    try:
        report = json.loads(b"".join(chunks)) if chunks else {}
    except ValueError:
        report = {}
    if not report.get("ok"):
        code = os.waitstatus_to_exitcode(status)
        why = report.get("error") or f"the child exited with {code} (negative: killed by signal)"
        raise StoreError(f"snapshot at seq {child.seq} failed in the child: {why}")
    return Written(child.seq, int(report["bytes"]), int(report["hash"]))
