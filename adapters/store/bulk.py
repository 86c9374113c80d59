"""Bulk upserts: one compiled ``INSERT .. ON CONFLICT DO UPDATE`` per table, fed with
driver-ready rows in one executemany.

Pull writes a thousand tickets per export page, and SQLAlchemy's per-row parameter
processing cost more than the database itself (about 55 of 80 ms per page on SQLite).
So the statement is compiled once by SQLAlchemy and the values are converted here, the
same way the column types would: ``UtcDateTime`` to what the dialect stores, ``JSON``
through orjson. Reads still go through SQLAlchemy's result processing, which is why the
conversions must match the types' own; the contract tests read back what this writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnElement, Connection, Table, func
from sqlalchemy.dialects import postgresql, sqlite

from adapters.store.codec import dumps
from adapters.store.schema import UtcDateTime

Convert = Callable[[Any], Any]
#: (the table, its ``excluded`` pseudo-table) -> the condition of an upsert's update.
Condition = Callable[[Table, Any], ColumnElement[bool]]


class BulkUpserts:
    """Compiled upserts, per dialect, table, inserted columns and updated columns."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}

    def upsert(
        self,
        conn: Connection,
        table: Table,
        rows: Sequence[dict[str, Any]],
        *,
        update: Sequence[str],
        only_if: Condition | None = None,
        keep_when_null: Sequence[str] = (),
    ) -> None:
        """Insert ``rows``; rows whose key exists get the ``update`` columns overwritten.

        ``only_if(table, excluded)``: overwrite only where this holds (else the stored row
        stays as it is); ``keep_when_null``: of the ``update`` columns, those that keep the
        stored value when the incoming one is NULL. Every row must have a value for every
        column of the statement (the keys of the first row)."""
        if not rows:
            return
        names = tuple(rows[0])
        key = (conn.dialect.name, table.name, names, tuple(update), only_if, tuple(keep_when_null))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = _compile(
                conn, table, list(names), update, only_if=only_if, keep_when_null=keep_when_null
            )
            self._compiled[key] = compiled
        conn.exec_driver_sql(compiled.sql, [compiled.parameters(row) for row in rows])


class _Compiled:
    """A statement's SQL and how to turn a row dict into its driver parameters."""

    def __init__(
        self, sql: str, names: list[str], converters: list[Convert | None], positional: bool
    ) -> None:
        self.sql = sql
        self._names = names
        self._pick = itemgetter(*names)
        # Only the columns that need it are converted: most values go to the driver as-is.
        self._conversions = [(i, c) for i, c in enumerate(converters) if c is not None]
        self._positional = positional

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        picked = self._pick(row)
        values = list(picked) if len(self._names) > 1 else [picked]
        for index, convert in self._conversions:
            values[index] = convert(values[index])
        if self._positional:
            return tuple(values)
        return dict(zip(self._names, values, strict=True))


def _compile(
    conn: Connection,
    table: Table,
    names: list[str],
    update: Sequence[str],
    *,
    only_if: Condition | None,
    keep_when_null: Sequence[str],
) -> _Compiled:
    dialect = conn.dialect
    if dialect.name == "sqlite":
        stmt: Any = sqlite.insert(table)
    elif dialect.name == "postgresql":
        stmt = postgresql.insert(table)
    else:
        raise NotImplementedError(f"the store supports sqlite and postgresql, not {dialect.name}")
    keys = [c.name for c in table.primary_key.columns]
    excluded = stmt.excluded
    values = {
        name: func.coalesce(excluded[name], table.c[name])
        if name in keep_when_null
        else excluded[name]
        for name in update
    }
    where = only_if(table, excluded) if only_if is not None else None
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=values, where=where)
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    order = list(compiled.positiontup or []) if dialect.positional else list(compiled.params)
    converters = [_converter(table.c[name].type, dialect.name) for name in order]
    return _Compiled(compiled.string, order, converters, dialect.positional)


def _converter(column_type: Any, dialect: str) -> Convert | None:
    if isinstance(column_type, UtcDateTime):
        return _SqliteUtc() if dialect == "sqlite" else _aware_utc
    if isinstance(column_type, JSON):
        return _json_or_null if column_type.none_as_null else _json
    return None


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} given for a UTC column")
    return value


class _SqliteUtc:
    """Datetimes as the text SQLAlchemy's SQLite DATETIME writes and parses back: naive
    UTC with microseconds. Remembers the last value, since a page's rows share their
    ``mirrored_at`` and formatting is the costliest step of a row."""

    def __init__(self) -> None:
        self._last: tuple[datetime | None, str | None] = (None, None)

    def __call__(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        last, text = self._last
        if value is last and text is not None:
            return text
        if value.tzinfo is UTC:
            text = value.isoformat(" ", "microseconds")[:26]
        else:
            _aware_utc(value)
            text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        self._last = (value, text)
        return text


def _json(value: Any) -> str:
    return dumps(value)


def _json_or_null(value: Any) -> str | None:
    return None if value is None else dumps(value)
