"""A database URL that cannot work is told apart from a server that is down (issue 8
defect 6): ``StoreUnusable`` (the configuration is wrong: exit 2) or ``StoreUnreachable``
(it may come back), each naming the URL without its password and never a traceback's
worth of SQLAlchemy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from adapters.store import open_store, schema_status, upgrade, url_problems
from sync.errors import StoreUnreachable, StoreUnusable


def not_a_database(tmp_path: Path) -> str:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://u:pw-secret@host/db", "mysql is not supported"),
        ("not a url at all", "not a database URL"),
        ("postgresql+nodriver://u:pw-secret@h/db", "driver 'postgresql+nodriver' is not installed"),
        ("postgresql+psycopg://u:pw-secret@/db", "no server host"),
    ],
)
def test_a_url_that_cannot_work_is_found_without_connecting(url: str, said: str) -> None:
    (problem,) = url_problems(url)
    assert said in problem and "pw-secret" not in problem
    with pytest.raises(StoreUnusable) as raised:
        open_store(url)
    assert said in str(raised.value) and "pw-secret" not in str(raised.value)


def test_a_sqlite_folder_that_cannot_be_created_is_said_before_trying(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    url = f"sqlite:///{blocker / 'sub' / 'zdsync.db'}"

    (problem,) = url_problems(url)

    assert f"the folder {blocker / 'sub'} cannot be created: {blocker} is not a folder" in problem
    with pytest.raises(StoreUnusable, match="cannot be created"):
        open_store(url)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_sqlite_folder_below_one_not_writable_is_said(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        (problem,) = url_problems(f"sqlite:///{locked / 'new' / 'zdsync.db'}")
    finally:
        locked.chmod(0o700)
    assert f"{locked} is not writable" in problem


def test_a_sqlite_url_naming_a_folder_is_unusable(tmp_path: Path) -> None:
    (problem,) = url_problems(f"sqlite:///{tmp_path}")
    assert "is a folder, not a SQLite file" in problem


def test_a_file_that_is_not_a_database_is_unusable_for_every_entry(tmp_path: Path) -> None:
    url = not_a_database(tmp_path)
    assert url_problems(url) == []  # only opening it tells
    for entry in (open_store, schema_status, upgrade):
        with pytest.raises(StoreUnusable) as raised:
            entry(url)
        assert "cannot be opened as a SQLite database: file is not a database" in str(raised.value)


def test_a_good_sqlite_url_has_no_problem(tmp_path: Path) -> None:
    assert url_problems(f"sqlite:///{tmp_path / 'new' / 'zdsync.db'}") == []
    assert url_problems("sqlite://") == []


def test_a_server_that_is_down_is_unreachable_not_unusable() -> None:
    url = "postgresql+psycopg://zdsync:s3cr3t@127.0.0.1:9/mirror"
    assert url_problems(url) == []
    for entry in (open_store, schema_status, upgrade):
        with pytest.raises(StoreUnreachable) as raised:
            entry(url)
        assert "s3cr3t" not in str(raised.value) and "connecting failed" in str(raised.value)


@pytest.mark.postgres
def test_a_database_the_server_does_not_have_is_unusable(postgres_server: URL) -> None:
    url = postgres_server.set(database="zdsync_no_such_database").render_as_string(False)

    with pytest.raises(StoreUnusable) as raised:
        open_store(url)

    assert 'database "zdsync_no_such_database" does not exist' in str(raised.value)
