"""Fixtures of the store tests: a fixed clock, throw-away PostgreSQL databases, and the
``backend`` fixture that runs the contract suite over SQLite, PostgreSQL and the fake.

PostgreSQL comes from ``ZDSYNC_TEST_POSTGRES_URL``. When that variable is set (as
``make test`` and CI do) an unreachable server fails the tests; without it they skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

from adapters.store import SqlStore, open_store, store_engine
from adapters.store import schema as tables
from sync.clock import FixedClock
from sync.ports import DecisionStore, MirrorStore
from tests.fakes.store import FakeStore

POSTGRES_ENV = "ZDSYNC_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class ContractStore(MirrorStore, DecisionStore, Protocol):
    """Both ports, as both implementations offer them."""


@dataclass
class Backend:
    """One implementation under the contract suite, with a way to break its state writes."""

    name: str
    store: ContractStore
    failing_key: Callable[[str], AbstractContextManager[None]]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 3, 4, 9, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def postgres_server() -> URL:
    """The PostgreSQL server's URL, checked to be reachable."""
    configured = os.environ.get(POSTGRES_ENV)
    url = make_url(configured or DEFAULT_POSTGRES)
    try:
        psycopg.connect(_libpq(url), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        if configured:
            pytest.fail(f"{POSTGRES_ENV} is set but the server is unreachable: {exc}")
        pytest.skip(f"no PostgreSQL at {url.render_as_string()} and {POSTGRES_ENV} unset")
    return url


@pytest.fixture
def scratch_postgres(postgres_server: URL) -> Iterator[str]:
    """A new empty PostgreSQL database, dropped after the test."""
    with scratch_database(postgres_server) as url:
        yield url


@pytest.fixture
def second_scratch_postgres(postgres_server: URL) -> Iterator[str]:
    """Another new empty PostgreSQL database, for tests that compare two."""
    with scratch_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_store_url(postgres_server: URL) -> Iterator[str]:
    """One migrated database for the whole session; each test empties it first."""
    with scratch_database(postgres_server) as url:
        open_store(url).close()
        yield url


@contextmanager
def scratch_database(server: URL) -> Iterator[str]:
    """Create ``zdsync_test_<random>`` on ``server``, yield its URL, drop it."""
    name = f"zdsync_test_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "fake"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Backend]:
    if request.param == "fake":
        fake = FakeStore(clock=clock)
        yield Backend("fake", fake, lambda key: _failing_fake_key(fake, key))
        return
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'mirror.db'}", clock=clock)
    else:
        url = request.getfixturevalue("postgres_store_url")
        _empty(url)
        store = open_store(url, clock=clock)
    try:
        yield Backend(request.param, store, lambda key: _failing_sql_key(store, key))
    finally:
        store.close()


def _empty(url: str) -> None:
    engine = store_engine(url)
    names = ", ".join(t.name for t in tables.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names}")
    engine.dispose()


@contextmanager
def _failing_fake_key(store: FakeStore, key: str) -> Iterator[None]:
    store.failing_keys.add(key)
    try:
        yield
    finally:
        store.failing_keys.discard(key)


class InjectedFault(RuntimeError):
    """The database 'failed' a statement because the test asked it to."""


@contextmanager
def _failing_sql_key(store: SqlStore, key: str) -> Iterator[None]:
    """Make every statement that writes state ``key`` fail, as a lost connection or a
    full disk would, after the statements before it in the transaction succeeded."""

    def fail(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        writes = statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        if writes and "sync_state" in statement and key in repr(parameters):
            raise InjectedFault(f"writing state key {key!r} fails (injected)")

    event.listen(store.engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(store.engine, "before_cursor_execute", fail)


def _libpq(url: URL) -> str:
    """``url`` as a libpq connection string (psycopg does not know the ``+psycopg``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
