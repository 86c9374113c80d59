"""JSON text of the store's JSON columns, through orjson (the fastest encoder we have)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


def dumps(value: Any) -> str:
    """``value`` as JSON text; read-only mappings (records' ``raw``) become objects."""
    return orjson.dumps(value, default=_plain).decode()


def loads(value: str | float) -> Any:
    """The JSON text a column holds, parsed."""
    # SQLite gives a JSON column NUMERIC affinity, so a bare JSON number such as an event's
    # value 3600 is stored and returned as a number, not as text.
    if isinstance(value, int | float):
        return value
    return orjson.loads(value)


def _plain(value: Any) -> Any:
    # orjson knows dict but not other mappings such as MappingProxyType.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
