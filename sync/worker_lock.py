"""The worker lock: one process at a time works on a database.

Every command that pulls, decides or pushes (``once``, each cycle of ``run``, ``sync``,
``decide``, ``push``) holds the store's lock ``worker`` while it works. Two daemons on one
database (replicas), a daemon and an operator's ``zdsync once``, or cron runs that
overlap therefore never work at the same time: the second one is refused at once
(``LockHeld``), says who holds the lock, and does nothing. The daemon skips that cycle and
tries again at the next interval; a command exits 3. So two workers cost the Zendesk
requests of one, and nothing is sent twice because two pushes read the same outbox.

Why one lock for the whole run rather than one per step: a second worker's pull right
after the first one's push would only re-read the tickets the first one just changed;
a cycle is seconds of work each interval, so a standby replica loses nothing by waiting.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sync.errors import LockHeld
from sync.ports import Clock, Lease, LockStore

WORKER_LOCK = "worker"


def holder(command: str, clock: Clock) -> str:
    """How this process names itself to whoever finds the lock taken."""
    since = clock.now().strftime("%Y-%m-%d %H:%M:%SZ")
    return f"zdsync {command} (pid {os.getpid()} on {socket.gethostname()}) since {since}"


@contextmanager
def worker_lock(store: LockStore, command: str, clock: Clock) -> Iterator[Lease]:
    """Hold the worker lock for the block; ``LockHeld`` when another process has it."""
    lease = store.try_lock(WORKER_LOCK, holder=holder(command, clock))
    if lease is None:
        who = store.lock_holder(WORKER_LOCK) or "a process that has just let go of it"
        raise LockHeld(f"another zdsync run holds the worker lock of this database: {who}")
    try:
        yield lease
    finally:
        lease.release()
