"""Opening the store: engines tuned per database, schema checks, upgrades.

``open_store`` is what the CLI calls: it connects, creates the schema on an empty
database (so a first ``zdsync sync`` on the default SQLite file just works) and refuses a
schema that is behind or unknown, telling the user what to run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)

from adapters.store.codec import dumps, loads
from adapters.store.failures import cause_of, masked, translated
from adapters.store.isolation import for_reading, for_writing, sqlite_begin
from adapters.store.locks import advisory_lock_in_transaction
from adapters.store.migrations import SCRIPTS, SchemaStatus, read_status, run_upgrade
from adapters.store.repository import SqlStore
from sync.errors import StoreError, StoreUnreachable, StoreUnusable
from sync.ports import Clock

log = logging.getLogger(__name__)

#: How long SQLite waits for another process's write lock before giving up (ms).
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: How long PostgreSQL gets to accept a connection (s): fail fast on a wrong host.
PG_CONNECT_TIMEOUT_S = 10
#: What the PostgreSQL server answers when it is up but the URL names what it does not
#: have (a database, a role) or refuses the user: waiting will not help.
_PG_REFUSALS = (
    "does not exist",
    "password authentication failed",
    "no pg_hba.conf entry",
    "authentication failed",
    "no password supplied",
)
#: The URL shapes zdsync takes, for messages.
URL_SHAPES = "sqlite:///PATH or postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/DATABASE"


class _SystemClock:
    """The real time, timezone-aware UTC (adapters may not import ``sync.clock``)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def open_store(url: str, *, clock: Clock | None = None, scripts: Path = SCRIPTS) -> SqlStore:
    """A ready store on ``url`` (a SQLite file or a ``postgresql+psycopg`` URL).

    Creates the schema on a database without our tables. Raises ``StoreUnusable`` when
    the URL or what it names cannot be the store, ``StoreUnreachable`` when the server does
    not answer, ``StoreError`` when the schema is not at head.
    """
    engine = store_engine(url)
    try:
        with connecting(engine), for_reading(engine).connect() as conn:
            status = read_status(conn, scripts)
        if status.state != "current":
            # Looked at again under the schema lock: another worker may be creating the
            # schema right now, and only after its commit is what we saw the whole truth.
            with translated(url, "creating the schema"):
                status = migrate(engine, scripts, only_fresh=True)
        if status.state != "current":
            raise StoreError(_refusal(url, status))
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine, clock=clock or _SystemClock())


def upgrade(url: str, *, scripts: Path = SCRIPTS) -> SchemaStatus:
    """Run the pending migrations on ``url`` (``zdsync db upgrade``); the status after."""
    engine = store_engine(url)
    try:
        with connecting(engine), engine.connect():
            pass  # a URL that cannot work says so as such, not as a failed upgrade
        with translated(url, "upgrading the schema"):
            return migrate(engine, scripts, only_fresh=False)
    finally:
        engine.dispose()


def migrate(engine: Engine, scripts: Path, *, only_fresh: bool) -> SchemaStatus:
    """Bring the schema to head in one transaction under the schema lock, so that several
    processes starting on one database at once (replicas, a migrate job beside the
    workers) migrate it once: the others wait, then find it current. ``only_fresh``: touch
    only a database without our tables (what ``open_store`` may do by itself)."""
    with for_writing(engine).begin() as conn:  # BEGIN IMMEDIATE on SQLite
        advisory_lock_in_transaction(conn, "schema")
        status = read_status(conn, scripts)
        if status.state in {"ahead", "foreign"} and not only_fresh:
            raise StoreError(_refusal(engine.url.render_as_string(), status))
        if status.state == "fresh" or (status.state == "behind" and not only_fresh):
            run_upgrade(conn, scripts)
            status = read_status(conn, scripts)
        if status.state == "current" and only_fresh:
            log.info("database %s: created the schema (revision %s)", masked(engine.url),
                     status.head)  # fmt: skip
    return status


def schema_status(url: str, *, scripts: Path = SCRIPTS) -> SchemaStatus:
    """Where the schema of ``url`` stands against the migrations; changes nothing."""
    engine = store_engine(url)
    try:
        with connecting(engine), for_reading(engine).connect() as conn:
            return read_status(conn, scripts)
    finally:
        engine.dispose()


def url_problems(url: str) -> list[str]:
    """What makes ``url`` unusable as the store, found without connecting (so they are
    listed with the configuration's other problems); empty when nothing is known wrong.
    The messages never show the URL's password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [f"not a database URL; expected {URL_SHAPES}"]
    shown = masked(url)
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        return [f"{shown}: {backend} is not supported; expected {URL_SHAPES}"]
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        return [
            f"{shown}: the driver {parsed.drivername!r} is not installed; expected {URL_SHAPES}"
        ]
    if backend == "sqlite":
        problem = _sqlite_folder_problem(parsed)
        return [f"{shown}: {problem}"] if problem else []
    if not parsed.host and not parsed.query.get("host"):
        return [f"{shown}: no server host; expected {URL_SHAPES}"]
    return []


def store_engine(url: str | URL) -> Engine:
    """An engine for ``url`` with the store's settings: orjson for JSON columns; on
    SQLite WAL, a busy timeout, foreign keys and real transactions; on PostgreSQL a
    connect timeout and a liveness check on checkout (the daemon outlives connections).
    Raises ``StoreUnusable`` for a URL that cannot work (``url_problems``)."""
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    problems = url_problems(text)
    if problems:
        raise StoreUnusable(f"database URL {'; '.join(problems)}")
    parsed = make_url(text)
    options: dict[str, Any] = {"json_serializer": dumps, "json_deserializer": loads}
    try:
        if parsed.get_backend_name() == "sqlite":
            _create_parent(parsed)
            engine = create_engine(parsed, **options)
            _tune_sqlite(engine)
            return engine
        timeout = (
            {} if "connect_timeout" in parsed.query else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        )
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=timeout, **options)
        _tune_postgresql(engine)
        return engine
    except (ArgumentError, ValueError) as exc:
        raise StoreUnusable(
            f"database URL {masked(url)} cannot be used: {cause_of(exc, url)}"
        ) from exc


@contextmanager
def connecting(engine: Engine) -> Iterator[None]:
    """Opening a first connection: a failure says whether the URL cannot work
    (``StoreUnusable``: a SQLite file that is not a database, a PostgreSQL database or role
    the server does not have) or the server did not answer (``StoreUnreachable``)."""
    url = engine.url
    sqlite = url.get_backend_name() == "sqlite"
    try:
        yield
    except (DatabaseError, InterfaceError) as exc:
        if not sqlite and not isinstance(exc, (OperationalError, InterfaceError)):
            raise  # the server answered a statement: not about reaching it
        cause = cause_of(exc, url)
        where = f"database {masked(url)}"
        if sqlite:
            raise StoreUnusable(
                f"{where}: {url.database} cannot be opened as a SQLite database: {cause}"
            ) from exc
        if any(refusal in cause for refusal in _PG_REFUSALS):
            raise StoreUnusable(f"{where}: the server refused: {cause}") from exc
        raise StoreUnreachable(
            f"{where}: connecting failed: {cause} (is the server running, and the host and "
            "port right?)"
        ) from exc


def _refusal(url: str, status: SchemaStatus) -> str:
    where = f"database {masked(url)}: {status.describe()}"
    if status.state == "behind":
        return f"{where}; run `zdsync db upgrade` to migrate it"
    if status.state == "ahead":
        return f"{where}; it was migrated by a newer zdsync, upgrade zdsync"
    return f"{where}; it holds zdsync tables but no Alembic revision, so zdsync will not touch it"


def _sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or a ``file:`` URI."""
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        return Path(url.database).expanduser()
    return None


def _sqlite_folder_problem(url: URL) -> str | None:
    """Why the SQLite file's folder cannot be there or be created, without creating it."""
    path = _sqlite_file(url)
    if path is None:
        return None
    if path.is_dir():
        return f"{path} is a folder, not a SQLite file"
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"the folder {folder} cannot be created: {existing} is not a folder"
    if existing != folder and not os.access(existing, os.W_OK | os.X_OK):
        return f"the folder {folder} cannot be created: {existing} is not writable"
    return None


def _create_parent(url: URL) -> None:
    # A first run on the default file should not fail because its folder is missing.
    path = _sqlite_file(url)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StoreUnusable(
            f"database {masked(url)}: the folder {path.parent} of the SQLite file cannot be "
            f"created: {reason}"
        ) from exc


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
        conn.exec_driver_sql(sqlite_begin(conn))  # BEGIN IMMEDIATE for writes
