"""Named locks between processes that share one database: the worker lock (one cycle at a
time, whichever replica or cron run holds it) and the schema lock (one migration at a time).

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection
  taken out of the pool for as long as the lock is held. Whoever holds it is named in
  that connection's ``application_name``, which others read from ``pg_stat_activity``.
  A process that dies, or whose connection is cut, loses the lock with its session.
- SQLite: ``flock`` on a file beside the database (``zdsync.db.lock``) that holds the
  holder's description. The kernel drops the lock when the process dies; SQLite is one
  machine's database, so a file lock covers everyone who can open it.
- An in-memory SQLite database is one process's: a lock table in this process.

A lock is never waited for: ``try_lock`` answers at once, and the caller decides whether
to skip its cycle (the daemon) or to stop (``zdsync once``, exit 3).
"""

from __future__ import annotations

import fcntl
import logging
import threading
import zlib
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from sync.ports import Lease

log = logging.getLogger(__name__)

#: First half of every zdsync advisory lock key ('zdsy'): apart from other applications'.
ADVISORY_SPACE = 0x7A647379 & 0x7FFFFFFF
#: PostgreSQL keeps at most 63 bytes of an application_name.
_NAME_BYTES = 63


def advisory_key(name: str) -> int:
    """The second half of the advisory lock key for ``name``: stable across processes and
    versions (``hash`` is salted per process), and a positive int4."""
    return zlib.crc32(f"zdsync:{name}".encode()) & 0x7FFFFFFF


class Locks(Protocol):
    def try_lock(self, name: str, *, holder: str) -> Lease | None: ...

    def lock_holder(self, name: str) -> str | None: ...


def advisory_lock_in_transaction(conn: Connection, name: str) -> None:
    """On PostgreSQL, wait for the lock ``name`` until the transaction of ``conn`` ends
    (``pg_advisory_xact_lock``). SQLite needs none: its writers take turns already."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": ADVISORY_SPACE, "key": advisory_key(name)},
        )


def locks_for(engine: Engine) -> Locks:
    if engine.dialect.name == "postgresql":
        return AdvisoryLocks(engine)
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return ProcessLocks()
    return FileLocks(Path(database).expanduser())


class AdvisoryLocks:
    """PostgreSQL session-level advisory locks, one pooled connection per held lock."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    def try_lock(self, name: str, *, holder: str) -> Lease | None:
        conn = self._engine.connect()
        try:
            got: bool = conn.execute(
                text("SELECT pg_try_advisory_lock(:space, :key)"),
                {"space": ADVISORY_SPACE, "key": advisory_key(name)},
            ).scalar_one()
            if not got:
                conn.close()
                return None
            label = holder.encode()[:_NAME_BYTES].decode(errors="ignore")
            conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": label})
        except BaseException:
            conn.close()
            raise
        return _AdvisoryLease(conn, name)

    def lock_holder(self, name: str) -> str | None:
        query = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
            "AND l.classid = :space AND l.objid = :key "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        with self._engine.connect() as conn:
            found = conn.execute(query, {"space": ADVISORY_SPACE, "key": advisory_key(name)})
            row = found.first()
        if row is None:
            return None
        return str(row[0]) or "a session without a name"


class _AdvisoryLease:
    def __init__(self, conn: Connection, name: str) -> None:
        self._conn: Connection | None = conn
        self._key = advisory_key(name)

    def held(self) -> bool:
        if self._conn is None:
            return False
        query = text(
            "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND granted "
            "AND locktype = 'advisory' AND classid = :space AND objid = :key AND objsubid = 2"
        )
        try:
            found = self._conn.execute(query, {"space": ADVISORY_SPACE, "key": self._key})
            return bool(found.scalar_one())
        except DBAPIError as exc:
            log.warning("the database session holding a zdsync lock was lost: %s",
                        str(exc.orig).strip())  # fmt: skip
            self._lost()
            return False

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(
                text("SELECT pg_advisory_unlock(:space, :key)"),
                {"space": ADVISORY_SPACE, "key": self._key},
            )
            conn.execute(text("RESET application_name"))
        except SQLAlchemyError:
            # The session is gone, and its locks with it.
            log.debug("releasing a lock on a lost connection", exc_info=True)
            conn.invalidate()
        finally:
            conn.close()

    def _lost(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.invalidate()
            conn.close()


class FileLocks:
    """``flock`` on ``<database>.lock`` (one file per database; the lock name is part of
    the file name for any lock but the worker's)."""

    def __init__(self, database: Path) -> None:
        self._database = database

    def _path(self, name: str) -> Path:
        suffix = ".lock" if name == "worker" else f".{name}.lock"
        return self._database.with_name(self._database.name + suffix)

    def try_lock(self, name: str, *, holder: str) -> Lease | None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        # "a+" creates the file without truncating it: a refused opener must not wipe the
        # holder's description.
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(holder + "\n")
        handle.flush()
        return _FileLease(handle)

    def lock_holder(self, name: str) -> str | None:
        path = self._path(name)
        try:
            handle = path.open(encoding="utf-8")
        except FileNotFoundError:
            return None
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return handle.read().strip() or "a process that has not said who it is"
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return None


class _FileLease:
    def __init__(self, handle: IO[str]) -> None:
        self._handle: IO[str] | None = handle

    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        handle.seek(0)
        handle.truncate()
        handle.close()  # closing the last descriptor drops the flock


class ProcessLocks:
    """Locks of one process (an in-memory database is visible to no other)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders: dict[str, str] = {}

    def try_lock(self, name: str, *, holder: str) -> Lease | None:
        with self._lock:
            if name in self._holders:
                return None
            self._holders[name] = holder
        return _ProcessLease(self, name)

    def lock_holder(self, name: str) -> str | None:
        with self._lock:
            return self._holders.get(name)

    def _release(self, name: str) -> None:
        with self._lock:
            self._holders.pop(name, None)


class _ProcessLease:
    def __init__(self, owner: ProcessLocks, name: str) -> None:
        self._owner: ProcessLocks | None = owner
        self._name = name

    def held(self) -> bool:
        return self._owner is not None

    def release(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner._release(self._name)
