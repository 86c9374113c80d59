"""The local mirror on SQLAlchemy: SQLite by default, PostgreSQL by URL.

``open_store(url)`` gives a ready ``SqlStore`` (the ``MirrorStore`` port of
``sync.ports``); ``upgrade(url)`` runs the Alembic migrations (``zdsync db upgrade``);
``schema_status(url)`` tells where a database's schema stands.
"""

from adapters.store.engine import open_store, schema_status, store_engine, upgrade, url_problems
from adapters.store.migrations import SchemaStatus
from adapters.store.repository import SqlStore

__all__ = [
    "SchemaStatus",
    "SqlStore",
    "open_store",
    "schema_status",
    "store_engine",
    "upgrade",
    "url_problems",
]
