"""Leases: which process owns a background job, and how any process tells it died.

A job row (a batch run, an import's staged rows) names its ``owner`` (:func:`process_owner`)
and carries a ``heartbeat_at`` the owner renews while it works. A job whose heartbeat is older
than the lease (:func:`expired_before`) is dead: its process was killed or is stuck, and any
process may fail it and clean up after it. A live process's jobs are never touched by another
process starting up, which is what failing every unfinished job at start-up did.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta

from api.models import utcnow

_OWNERS: dict[int, str] = {}
_OWNERS_LOCK = threading.Lock()


def process_owner() -> str:
    """This process's name in ``owner`` columns: host, pid and when it first asked (a recycled
    pid, or a forked child, is a different owner)."""
    pid = os.getpid()
    with _OWNERS_LOCK:
        if pid not in _OWNERS:
            _OWNERS[pid] = f"{socket.gethostname()[:80]}:{pid}:{utcnow():%Y%m%d%H%M%S%f}"
        return _OWNERS[pid]


def expired_before(lease_seconds: float, *, now: datetime | None = None) -> datetime:
    """The heartbeat time before which a job's lease has run out."""
    return (now or utcnow()) - timedelta(seconds=lease_seconds)


def dead_owner(owner: str | None) -> bool:
    """True if ``owner`` names a process of this host that no longer runs (a SIGKILLed
    server), so its jobs need not wait for the lease to run out. Other hosts' owners, and pids
    that exist, are not known dead (the lease decides)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:80] or not pid_text.isdigit():
        return False
    if owner == process_owner():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # this pid, another start: an earlier process that had our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
