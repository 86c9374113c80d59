"""How the store's transactions see each other when several processes share the database.

- Reads that must agree (a ticket with its audits and events, the candidates of a decide,
  the directory's tables) come from one snapshot: on PostgreSQL a read-only REPEATABLE
  READ transaction (READ COMMITTED, the default, takes a new snapshot per statement); on
  SQLite every transaction is one snapshot already.
- Writes on SQLite start with ``BEGIN IMMEDIATE``: the write lock is taken up front, so a
  second writer waits for the busy timeout. A deferred transaction that read first and then
  writes cannot wait (SQLite would risk a deadlock) and fails at once with "database is
  locked". PostgreSQL's writes stay READ COMMITTED: row locks and ``ON CONFLICT`` serialise
  them, and the few that need more take an advisory transaction lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

#: Execution option read by the SQLite ``begin`` hook (``adapters.store.engine``).
SQLITE_BEGIN = "zdsync_sqlite_begin"


def for_reading(engine: Engine) -> Engine:
    """``engine`` for read-only transactions that see one snapshot."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return engine


def for_writing(engine: Engine) -> Engine:
    """``engine`` for transactions that write."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})
    return engine


def sqlite_begin(conn: Any) -> str:
    """The BEGIN statement for a SQLite connection's transaction."""
    return str(conn.get_execution_options().get(SQLITE_BEGIN, "BEGIN"))
