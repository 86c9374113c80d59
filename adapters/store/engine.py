"""Opening the store: engines tuned per database, schema checks, upgrades.

``open_store`` is what the CLI calls: it connects, creates the schema on an empty
database (so a first ``zdsync sync`` on the default SQLite file just works) and refuses a
schema that is behind or unknown, telling the user what to run.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from adapters.store.codec import dumps, loads
from adapters.store.failures import cause_of, masked, translated
from adapters.store.migrations import SCRIPTS, SchemaStatus, read_status, run_upgrade
from adapters.store.repository import SqlStore
from sync.errors import StoreError
from sync.ports import Clock

log = logging.getLogger(__name__)

#: How long SQLite waits for another process's write lock before giving up (ms).
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: How long PostgreSQL gets to accept a connection (s): fail fast on a wrong host.
PG_CONNECT_TIMEOUT_S = 10


class _SystemClock:
    """The real time, timezone-aware UTC (adapters may not import ``sync.clock``)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def open_store(url: str, *, clock: Clock | None = None, scripts: Path = SCRIPTS) -> SqlStore:
    """A ready store on ``url`` (a SQLite file or a ``postgresql+psycopg`` URL).

    Creates the schema on a database without our tables. Raises ``StoreError`` when the
    database is unreachable or its schema is not at head.
    """
    engine = store_engine(url)
    try:
        with translated(url, "connecting"), engine.connect() as conn:
            status = read_status(conn, scripts)
        if status.state == "fresh":
            with translated(url, "creating the schema"):
                run_upgrade(engine, scripts)
            log.info("database %s: created the schema (revision %s)", masked(url), status.head)
        elif status.state != "current":
            raise StoreError(_refusal(url, status))
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine, clock=clock or _SystemClock())


def upgrade(url: str, *, scripts: Path = SCRIPTS) -> SchemaStatus:
    """Run the pending migrations on ``url`` (``zdsync db upgrade``); the status after."""
    engine = store_engine(url)
    try:
        with translated(url, "upgrading the schema"):
            with engine.connect() as conn:
                before = read_status(conn, scripts)
            if before.state in {"ahead", "foreign"}:
                raise StoreError(_refusal(url, before))
            run_upgrade(engine, scripts)
            with engine.connect() as conn:
                return read_status(conn, scripts)
    finally:
        engine.dispose()


def schema_status(url: str, *, scripts: Path = SCRIPTS) -> SchemaStatus:
    """Where the schema of ``url`` stands against the migrations; changes nothing."""
    engine = store_engine(url)
    try:
        with translated(url, "reading the schema version"), engine.connect() as conn:
            return read_status(conn, scripts)
    finally:
        engine.dispose()


def store_engine(url: str | URL) -> Engine:
    """An engine for ``url`` with the store's settings: orjson for JSON columns; on
    SQLite WAL, a busy timeout, foreign keys and real transactions; on PostgreSQL a
    connect timeout and a liveness check on checkout (the daemon outlives connections)."""
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        options: dict[str, Any] = {"json_serializer": dumps, "json_deserializer": loads}
        if backend == "sqlite":
            _create_parent(parsed)
            engine = create_engine(parsed, **options)
            _tune_sqlite(engine)
            return engine
        if backend == "postgresql":
            timeout = (
                {}
                if "connect_timeout" in parsed.query
                else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
            )
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=timeout, **options)
            _tune_postgresql(engine)
            return engine
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreError(
            f"database URL {masked(url)} cannot be used: {cause_of(exc, url)}"
        ) from exc
    raise StoreError(f"database URL {masked(url)}: only sqlite and postgresql are supported")


def _refusal(url: str, status: SchemaStatus) -> str:
    where = f"database {masked(url)}: {status.describe()}"
    if status.state == "behind":
        return f"{where}; run `zdsync db upgrade` to migrate it"
    if status.state == "ahead":
        return f"{where}; it was migrated by a newer zdsync, upgrade zdsync"
    return f"{where}; it holds zdsync tables but no Alembic revision, so zdsync will not touch it"


def _create_parent(url: URL) -> None:
    # A first run on the default file should not fail because its folder is missing.
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _tune_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Times then come back as UTC without a conversion per value (see UtcDateTime).
        # A SET rather than the "options" startup parameter, which pgbouncer refuses.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()  # else the pool's reset-on-return rolls the SET back


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite would only BEGIN before DML, leaving DDL and leading reads outside the
        # transaction; take control and BEGIN ourselves (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL is crash-safe with WAL (a killed process loses no committed transaction).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")
