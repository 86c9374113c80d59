"""The schema's version: where the database stands against the Alembic scripts.

Alembic owns the schema; the scripts live in ``alembic/`` at the project root. These
functions run Alembic in-process on a connection we open, so the user's logging setup is
left alone and the URL (with its password) never passes through an ini file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from adapters.store import schema

#: The project's Alembic directory (env.py, versions/); the package is installed editable.
SCRIPTS = Path(__file__).resolve().parents[2] / "alembic"

SchemaState = Literal["fresh", "behind", "current", "ahead", "foreign"]


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database's schema stands.

    ``fresh``: none of our tables yet; ``behind``: migrations to run (``zdsync db
    upgrade``); ``current``: at head; ``ahead``: at a revision this code does not know (a
    newer zdsync migrated it); ``foreign``: some of our tables exist but Alembic never
    recorded a revision.
    """

    current: str | None
    head: str
    state: SchemaState

    def describe(self) -> str:
        return (
            f"schema {self.state} (database at {self.current or 'no revision'}, head {self.head})"
        )


def alembic_config(scripts: Path = SCRIPTS) -> Config:
    """An Alembic configuration for ``scripts`` that reads no ini file."""
    config = Config()
    config.set_main_option("script_location", str(scripts))
    return config


def read_status(conn: Connection, scripts: Path = SCRIPTS) -> SchemaStatus:
    """The schema status of the database behind ``conn``."""
    directory = ScriptDirectory.from_config(alembic_config(scripts))
    head = directory.get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revision found in {scripts}")
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        present = set(inspect(conn).get_table_names()) & set(schema.metadata.tables)
        return SchemaStatus(current, head, "foreign" if present else "fresh")
    if current == head:
        return SchemaStatus(current, head, "current")
    known = {script.revision for script in directory.walk_revisions()}
    return SchemaStatus(current, head, "behind" if current in known else "ahead")


def run_upgrade(engine: Engine, scripts: Path = SCRIPTS) -> None:
    """Run every pending migration on ``engine``, in one transaction where the database
    allows it (both SQLite and PostgreSQL have transactional DDL)."""
    config = alembic_config(scripts)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
