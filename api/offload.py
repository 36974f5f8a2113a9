"""CPU-heavy work in a forked child, so that it never competes with request handling for this
process's interpreter lock.

Why: the service is one Python process; every thread in it (20 clients' submissions, a batch
run, the reverse matching of a 300,000-row import) takes turns on one interpreter lock, so on
2 cores a batch run or an import's matching made every submission wait (issue 15: p99 of 5 s
under load). A forked child has an interpreter of its own and works on a second core, on a
copy-on-write snapshot of everything the parent holds (the live matching index) at the moment
of the fork; the parent's thread only waits on a pipe, which holds no lock.

Contract of :func:`forked`:
- ``work(conn)`` runs in the child with a :class:`~multiprocessing.connection.Connection` to
  the parent; whatever it ``send``s the parent ``recv``s, in order, and the parent may answer
  (a conversation: e.g. the child asks which candidates are stored, the parent reads the
  database). The child touches no database, socket or file it inherited: every inherited
  descriptor but its end of the pipe (and those the caller names in ``keep``, e.g. an upload
  the child reads) is closed first, so a child can never write to the
  database, answer an HTTP client or keep the server's port bound. All writes stay in the
  parent, under its transactions and leases (:mod:`api.lease`): a crash of either side leaves
  what the parent had committed, nothing half-written.
- The fork happens under ``hold`` (a context manager, e.g. the index's read lock), so the child
  sees a consistent snapshot; the lock is released as soon as the child exists.
- If the child raises, the parent's ``recv`` raises :class:`OffloadError` naming the exception's
  type (never its message: it could quote record values). If the child dies (killed, out of
  memory), ``recv`` raises :class:`OffloadError` too. If the parent dies, the child is killed by
  the kernel (Linux ``PR_SET_PDEATHSIG``) or, elsewhere, ends at its next ``send``.
- The child runs at a lower scheduling priority (:data:`CHILD_NICENESS`): background work
  gives way to request handling when they want the same core.
- :func:`can_fork` says whether this platform forks; callers fall back to in-process work.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1

#: How much lower the child's scheduling priority is than the server's. A child takes no
#: interpreter lock from the requests, but on a busy machine it still takes a core from them;
#: at niceness 10 the kernel gives the server's threads about ten times its share when both
#: want the same core, so the requests come first and the child has whatever is left.
CHILD_NICENESS = 10


class OffloadError(RuntimeError):
    """The forked child failed or died; the message names only the exception's type."""


class _Failed:
    """What a child sends when its work raised: the exception's type name only."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


class _Done:
    """What a child sends when its work returned."""


def can_fork() -> bool:
    """True where :func:`forked` can run (POSIX ``fork``)."""
    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _close_inherited(keep: Collection[int]) -> None:
    """Close every descriptor above stderr but ``keep``."""
    top = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096
    low = 3
    for fd in sorted(k for k in keep if k >= low):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, top)


def _child(
    conn: Connection, work: Callable[[Connection], None], parent: int, keep: Collection[int]
) -> None:
    """The forked child's whole life; never returns."""
    code = 1
    try:
        _die_with_parent(parent)
        _close_inherited({conn.fileno(), *keep})
        with contextlib.suppress(OSError):
            os.nice(CHILD_NICENESS)
        # The snapshot's objects are never freed here: keep the collector from walking (and
        # so copying) every shared page.
        gc.freeze()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            work(conn)
            conn.send(_Done())
            code = 0
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                conn.send(_Failed(type(exc).__name__))
    finally:
        os._exit(code)


class Child:
    """The parent's side of a forked child: ``send``, ``recv``, and the child's end."""

    def __init__(self, conn: Connection, pid: int) -> None:
        self._conn = conn
        self.pid = pid
        self._finished = False

    def send(self, obj: Any) -> None:
        """Send ``obj`` to the child's work (pickled)."""
        try:
            self._conn.send(obj)
        except OSError:
            raise OffloadError("the forked child stopped") from None

    def recv(self) -> Any:
        """The child's next message (its end is a private marker: use :meth:`messages` to stop
        there); :class:`OffloadError` if it failed or died."""
        try:
            obj = self._conn.recv()
        except (EOFError, OSError):
            raise OffloadError("the forked child died") from None
        if isinstance(obj, _Failed):
            self._finished = True
            raise OffloadError(f"the forked child failed: {obj.kind}")
        if isinstance(obj, _Done):
            self._finished = True
        return obj

    def messages(self) -> Iterator[Any]:
        """The child's messages until its work returned."""
        while True:
            obj = self.recv()
            if isinstance(obj, _Done):
                return
            yield obj

    def close(self) -> None:
        """End the conversation: an unfinished child is killed; the child is reaped."""
        with contextlib.suppress(OSError):
            self._conn.close()
        if not self._finished:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


@contextlib.contextmanager
def forked(
    work: Callable[[Connection], None],
    *,
    hold: AbstractContextManager[Any] | None = None,
    keep: Collection[int] = (),
) -> Iterator[Child]:
    """Fork a child that runs ``work`` (see the module docstring); yields the parent's side.
    ``keep``: descriptors the child reads (an upload's file), left open in it. Leaving the
    block ends the child (killed if its work has not returned)."""
    parent_end, child_end = multiprocessing.Pipe(duplex=True)
    parent = os.getpid()
    with hold if hold is not None else contextlib.nullcontext():
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; its work is what the tests check
            parent_end.close()
            _child(child_end, work, parent, keep)
    child_end.close()
    log.debug("forked child %d", pid)
    child = Child(parent_end, pid)
    try:
        yield child
    finally:
        child.close()
