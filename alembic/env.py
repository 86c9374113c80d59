"""Alembic environment of zdsync's store.

In-process (``adapters.store.upgrade`` / ``open_store``) the caller hands over an open
connection in ``config.attributes["connection"]``. From Alembic's command line the URL
comes from ``ZDSYNC_DATABASE_URL``. Offline (``--sql``) mode is not supported: the
schema is always migrated on a live database.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from adapters.store.engine import store_engine
from adapters.store.schema import metadata


def run_on(connection: Connection) -> None:
    """Run the migrations on ``connection`` inside its transaction."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_from_command_line() -> None:
    """``alembic -c alembic/alembic.ini upgrade head`` with ZDSYNC_DATABASE_URL set."""
    config = context.config
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    url = os.environ.get("ZDSYNC_DATABASE_URL")
    if not url:
        raise SystemExit("set ZDSYNC_DATABASE_URL to the database to migrate")
    engine = store_engine(url)
    try:
        with engine.begin() as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("zdsync migrations run on a live database; offline (--sql) mode is off")
given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    run_from_command_line()
