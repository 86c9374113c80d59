"""SqlStore's own behaviour on real databases, beyond the port's contract: opening,
failures reported as StoreError without secrets, time zones, SQLite settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.store import SqlStore, open_store, schema_status, store_engine
from adapters.store import schema as tables
from sync.clock import FixedClock
from sync.errors import StoreError, StoreUnreachable
from tests.store.builders import ticket

# A port nothing listens on: connecting is refused at once.
UNREACHABLE = "postgresql+psycopg://zdsync:s3cr3t-pa55@127.0.0.1:9/mirror"


def test_an_unreachable_database_names_the_url_without_its_password() -> None:
    with pytest.raises(StoreError) as raised:
        open_store(UNREACHABLE)
    message = str(raised.value)
    assert "s3cr3t-pa55" not in message
    assert "zdsync:***@127.0.0.1:9/mirror" in message
    assert "connecting failed" in message and "refused" in message.lower()
    assert raised.value.__cause__ is not None


def test_a_database_lost_after_opening_fails_each_call_with_store_error(
    clock: FixedClock,
) -> None:
    store = SqlStore(store_engine(UNREACHABLE), clock=clock)
    with pytest.raises(StoreError, match=r"\*\*\*@127.0.0.1:9/mirror: read_state failed"):
        store.read_state("cursor")
    with pytest.raises(StoreUnreachable, match="connecting failed"):
        schema_status(UNREACHABLE)


@pytest.mark.parametrize(
    "url", ["mysql://u:pw-secret@host/db", "not a url at all", "postgresql+nodriver://h/db"]
)
def test_an_unusable_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError) as raised:
        open_store(url)
    assert "pw-secret" not in str(raised.value)


def test_the_default_sqlite_file_gets_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "not" / "there" / "zdsync.db"
    open_store(f"sqlite:///{path}").close()
    assert path.is_file()
    assert schema_status(f"sqlite:///{path}").state == "current"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        with store.engine.connect() as conn:
            pragmas = [
                conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            ]
    finally:
        store.close()
    assert pragmas == ["wal", 1, 30_000]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> SqlStore:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tz.db'}"
    else:
        url = request.getfixturevalue("scratch_postgres")
    store = open_store(url, clock=clock)
    request.addfinalizer(store.close)
    return store


def test_times_in_other_zones_are_stored_as_the_same_utc_instant(sql_store: SqlStore) -> None:
    amsterdam = timezone(timedelta(hours=2))
    local = datetime(2025, 6, 1, 14, 0, 0, 250, tzinfo=amsterdam)
    sent = dataclasses.replace(ticket(1), updated_at=local)
    sql_store.save_export_page([sent], needs_audits=(), cursor_key="k", cursor="c")

    got = sql_store.get_ticket(1)
    assert got is not None
    assert got.updated_at == local
    assert (got.updated_at.tzinfo, got.updated_at.hour) == (UTC, 12)
    with sql_store.engine.connect() as conn:
        mirrored_at: datetime = conn.execute(select(tables.tickets.c.mirrored_at)).scalar_one()
    assert mirrored_at == datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def test_a_naive_time_is_refused(sql_store: SqlStore) -> None:
    naive = dataclasses.replace(ticket(1), created_at=datetime(2025, 1, 1, 12, 0))
    with pytest.raises(ValueError, match="naive datetime"):
        sql_store.save_export_page([naive], needs_audits=(), cursor_key="k", cursor="c")
    assert sql_store.counts()["tickets"] == 0
