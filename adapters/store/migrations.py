"""The schema's version: where the database stands against the Alembic scripts.

Alembic owns the schema; the scripts live in ``alembic/`` at the project root. A normal
(non-editable) install ships them as data files under ``<prefix>/share/zdsync/alembic``
(pyproject.toml, ``[tool.setuptools.data-files]``); a checkout or an editable install uses
the project's folder. These functions run Alembic in-process on a connection we open, so
the user's logging setup is left alone and the URL (with its password) never passes
through an ini file.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from adapters.store import schema

#: Where a non-editable install puts the scripts, below its data prefix.
INSTALLED_SCRIPTS = Path("share", "zdsync", "alembic")


def locate_scripts(checkout: Path | None = None, data_dirs: Sequence[Path] | None = None) -> Path:
    """The Alembic directory (env.py, versions/): the checkout's, else the installed copy
    below one of ``data_dirs`` (the install schemes' data prefixes: the venv's or the
    system's, and the user's).

    Falls back to the checkout's path, so a missing copy fails with Alembic's own message
    naming it.
    """
    checkout = checkout or Path(__file__).resolve().parents[2] / "alembic"
    if data_dirs is None:
        schemes = (sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user"))
        data_dirs = [Path(sysconfig.get_path("data", scheme)) for scheme in schemes]
    for candidate in (checkout, *(data / INSTALLED_SCRIPTS for data in data_dirs)):
        # Both files, not just a folder named alembic: beside an installed package,
        # parents[2] is site-packages, where the alembic library itself lives.
        if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
            return candidate
    return checkout


#: The Alembic directory this process uses.
SCRIPTS = locate_scripts()

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


def run_upgrade(conn: Connection, scripts: Path = SCRIPTS) -> None:
    """Run every pending migration on ``conn`` inside its transaction (both SQLite and
    PostgreSQL have transactional DDL); the caller commits."""
    config = alembic_config(scripts)
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
