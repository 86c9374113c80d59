"""The schema on both databases: migrations from empty, models == migrations, and the
version checks that ``open_store``, ``schema_status`` and ``upgrade`` make."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from adapters.store import open_store, schema_status, store_engine, upgrade
from adapters.store.migrations import SCRIPTS, alembic_config
from adapters.store.schema import metadata
from sync.errors import StoreError

EXTRA_REVISION = '''"""A later migration, for tests: the code is now ahead of the database."""

import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("probe", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("probe")
'''


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("scratch_postgres")
    return url


@pytest.fixture
def newer_scripts(tmp_path: Path) -> Iterator[Path]:
    """A copy of our migrations plus one more revision, as a newer zdsync would ship."""
    scripts = tmp_path / "alembic"
    shutil.copytree(SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = schema_head()
    (scripts / "versions" / "0099_probe.py").write_text(EXTRA_REVISION.format(head=head))
    yield scripts


def schema_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_an_empty_database_is_fresh_and_open_store_creates_the_schema(empty_url: str) -> None:
    assert schema_status(empty_url).state == "fresh"
    store = open_store(empty_url)
    try:
        assert store.counts()["tickets"] == 0
    finally:
        store.close()
    status = schema_status(empty_url)
    assert (status.state, status.current, status.head) == ("current", schema_head(), schema_head())


def test_migrations_match_the_models(empty_url: str) -> None:
    upgrade(empty_url)
    engine = store_engine(empty_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_migrations_go_down_to_empty_and_up_again(empty_url: str) -> None:
    assert upgrade(empty_url).state == "current"
    engine = store_engine(empty_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    assert upgrade(empty_url).state == "current"


def test_a_database_behind_the_code_is_refused_until_upgraded(
    empty_url: str, newer_scripts: Path
) -> None:
    upgrade(empty_url)
    status = schema_status(empty_url, scripts=newer_scripts)
    assert (status.state, status.current, status.head) == ("behind", schema_head(), "0099")
    with pytest.raises(StoreError, match=r"behind.*run `zdsync db upgrade`"):
        open_store(empty_url, scripts=newer_scripts)

    assert upgrade(empty_url, scripts=newer_scripts).state == "current"
    open_store(empty_url, scripts=newer_scripts).close()
    # Seen from the older code, that database is now ahead: refuse it too.
    assert schema_status(empty_url).state == "ahead"
    with pytest.raises(StoreError, match="newer zdsync"):
        open_store(empty_url)
    with pytest.raises(StoreError, match="newer zdsync"):
        upgrade(empty_url)


def test_our_tables_without_a_revision_are_left_alone(empty_url: str) -> None:
    upgrade(empty_url)
    engine = store_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
    finally:
        engine.dispose()
    assert schema_status(empty_url).state == "foreign"
    with pytest.raises(StoreError, match="no Alembic revision"):
        open_store(empty_url)
    with pytest.raises(StoreError, match="no Alembic revision"):
        upgrade(empty_url)
