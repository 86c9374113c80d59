"""SqlStore between processes that share one database: the worker lock across real
processes, schema creation by processes starting at once, writers that meet, and reads
that must agree while someone writes.

The races are made to happen, not hoped for: a statement hook runs the other writer at
the exact point where the two meet, and waits for what PostgreSQL reports (a session
waiting for a lock) rather than for time to pass.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from adapters.store import SqlStore, migrations, open_store, schema_status, store_engine
from adapters.store.locks import advisory_lock_in_transaction
from adapters.store.migrations import run_upgrade
from sync.clock import FixedClock
from sync.records import AuditBatch, AuditRecord
from tests.store.builders import audit, directory, ticket, user

LOCK_HOLDER = """
import sys
from adapters.store import open_store
store = open_store(sys.argv[1])
lease = store.try_lock("worker", holder="the other process")
print("held" if lease else "refused", flush=True)
sys.stdin.read()
"""
#: Bound on every wait for another process or session to reach a state.
PATIENCE = 30.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'zdsync.db'}"
    found: str = request.getfixturevalue("scratch_postgres")
    return found


@pytest.fixture
def holder_process(url: str) -> Iterator[subprocess.Popen[str]]:
    open_store(url).close()  # the schema first: this test is about the lock
    process = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        yield process
    finally:
        process.kill()
        process.wait()


def test_a_lock_held_by_another_process_is_refused_until_that_process_dies(
    url: str, holder_process: subprocess.Popen[str], clock: FixedClock
) -> None:
    store = open_store(url, clock=clock)
    try:
        assert store.try_lock("worker", holder="this test") is None
        assert store.lock_holder("worker") == "the other process"
        holder_process.kill()  # as kill -9 or a crash would: no release
        holder_process.wait()
        lease = until(lambda: store.try_lock("worker", holder="this test"))
        assert store.lock_holder("worker") == "this test"
        lease.release()
    finally:
        store.close()


@pytest.mark.postgres
def test_a_lease_whose_session_was_cut_is_no_longer_held(scratch_postgres: str) -> None:
    store = open_store(scratch_postgres)
    try:
        lease = store.try_lock("worker", holder="zdsync run (pid 1 on a)")
        assert lease is not None and lease.held()
        with psycopg.connect(_libpq(scratch_postgres), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'zdsync run (pid 1 on a)'"
            )
        assert not lease.held()
        lease.release()  # harmless on a lost session
        assert store.lock_holder("worker") is None
    finally:
        store.close()


@pytest.mark.postgres
def test_processes_starting_on_an_empty_database_create_the_schema_once(
    scratch_postgres: str,
) -> None:
    """Replicas starting at once used to die with UniqueViolation on pg_type's index."""
    starting = 4
    barrier = threading.Barrier(starting)
    failures: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            open_store(scratch_postgres).close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starting)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert schema_status(scratch_postgres).state == "current"


@pytest.mark.postgres
def test_a_worker_starting_while_another_commits_the_schema_finds_it_current(
    scratch_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI saw ``schema foreign (database at no revision)``: an operator's ``once`` read the
    revision before a starting daemon committed the new schema and listed the tables after
    it. Here the other worker's commit lands exactly between those two reads."""
    engine = store_engine(scratch_postgres)
    creating = engine.connect()
    creator = creating.begin()
    advisory_lock_in_transaction(creating, "schema")
    run_upgrade(creating)
    real_inspect = migrations.inspect
    commits: list[str] = []

    def commit_first(conn: Any) -> Any:
        if not commits:
            creator.commit()
            commits.append("the other worker's schema")
        return real_inspect(conn)

    monkeypatch.setattr(migrations, "inspect", commit_first)
    try:
        open_store(scratch_postgres).close()
    finally:
        creating.close()
        engine.dispose()
    assert commits == ["the other worker's schema"]  # the race did happen
    assert schema_status(scratch_postgres).state == "current"


@pytest.mark.postgres
def test_two_processes_saving_the_same_users_at_once_both_succeed(
    scratch_postgres: str, clock: FixedClock
) -> None:
    """The second insert of a user waits for the first transaction; it must then update
    the row, not fail on the primary key (``UniqueViolation ... pk_users``)."""
    first, second = open_store(scratch_postgres, clock=clock), open_store(scratch_postgres)
    try:
        outcome = _meet_while_first_writes(
            scratch_postgres, first, "INSERT INTO users",
            lambda: second.save_users([user(7, role="end-user")]),
            lambda: first.save_users([user(7, role="end-user")]),
        )  # fmt: skip
        assert outcome == []
        assert first.get_users([7])[7] == user(7, role="end-user")
        # The directory (replaced whole) meets a save of one of its users the same way.
        outcome = _meet_while_first_writes(
            scratch_postgres, first, "INSERT INTO users",
            lambda: second.save_users([user(8)]),
            lambda: first.save_directory(directory(8, 9)),
        )  # fmt: skip
        assert outcome == []
        assert sorted(first.get_users()) == [7, 8, 9]
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_a_ticket_is_read_with_its_audits_from_one_snapshot(
    scratch_postgres: str, clock: FixedClock
) -> None:
    """A pull storing audits while decide loads the ticket must not hand decide an audit
    without its events (the bundle's queries read events first, then audits)."""
    reader, writer = open_store(scratch_postgres, clock=clock), open_store(scratch_postgres)
    try:
        reader.save_export_page([ticket(1)], needs_audits=[1], cursor_key="c", cursor="x")
        before = reader.load_bundles([1])

        def write_between(statement: str) -> None:
            if "FROM audit_events" in statement:
                writer.save_audits(_batch(1, audit(11, 1)))

        with _after_statement(reader, write_between):
            during = reader.load_bundles([1])
        assert during == before
        assert [a.id for a in reader.load_bundles([1])[0].audits] == [11]
    finally:
        reader.close()
        writer.close()


def test_a_sqlite_write_that_reads_first_waits_for_another_writer(
    tmp_path: Path, clock: FixedClock
) -> None:
    """A transaction that reads, then writes, while another connection writes in between:
    deferred, it failed at once with 'database is locked' (SQLite cannot make it wait);
    with the write lock taken at BEGIN the other writer is the one that waits."""
    path = tmp_path / "zdsync.db"
    store = open_store(f"sqlite:///{path}", clock=clock)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    others: list[str] = []

    def write_between(statement: str) -> None:
        if "max(tickets.changed_seq)" in statement and not others:
            try:
                other.execute("INSERT INTO sync_state VALUES ('other', 'x', '2025-03-03')")
                others.append("written")
            except sqlite3.OperationalError as exc:
                others.append(str(exc))  # no wait at all here: timeout=0

    try:
        with _after_statement(store, write_between):
            store.save_export_page([ticket(1)], needs_audits=[], cursor_key="c", cursor="x")
        assert store.get_ticket(1) == ticket(1)
        assert others == ["database is locked"]
    finally:
        other.close()
        store.close()


def _meet_while_first_writes(
    url: str,
    first: SqlStore,
    marker: str,
    second_write: Callable[[], None],
    first_write: Callable[[], None],
) -> list[BaseException]:
    """Run ``first_write``; right after its statement containing ``marker`` (uncommitted),
    start ``second_write`` in a thread and go on once PostgreSQL shows it waiting for the
    first's row lock. The second's failures, if any."""
    failures: list[BaseException] = []
    started: list[threading.Thread] = []

    def second() -> None:
        try:
            second_write()
        except BaseException as exc:
            failures.append(exc)

    def hook(statement: str) -> None:
        if marker in statement and not started:
            thread = threading.Thread(target=second)
            started.append(thread)
            thread.start()
            until(lambda: _someone_waits_for_a_lock(url) or not thread.is_alive())

    with _after_statement(first, hook):
        first_write()
    started[0].join(PATIENCE)
    return failures


def _someone_waits_for_a_lock(url: str) -> bool:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


@contextmanager
def _after_statement(store: SqlStore, hook: Callable[[str], None]) -> Iterator[None]:
    """Call ``hook(statement)`` after every statement ``store`` runs, within the block."""

    def listener(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        hook(statement)

    event.listen(store.engine, "after_cursor_execute", listener)
    try:
        yield
    finally:
        event.remove(store.engine, "after_cursor_execute", listener)


def _batch(ticket_id: int, *audits: AuditRecord) -> AuditBatch:
    return AuditBatch(ticket_id, tuple(audits))


def until(found: Callable[[], Any]) -> Any:
    """Poll ``found`` until it gives something truthy (the event waited for), at most
    ``PATIENCE`` seconds."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not reached within {PATIENCE}s")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
