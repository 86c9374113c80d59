"""The incremental export's stream: tickets ordered by (generated_timestamp, id).

Zendesk's cursor export walks this order [rec, reference notes section 1]. The index is a
sorted list of keys kept up to date as tickets change, so a page is a bisect plus a slice
however large the world. Cursors use the format seen in real recordings:
``base64("<generated_timestamp>.0||<ticket_id>|")``, meaning "after this key".
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right, insort
from collections.abc import Callable, Iterable

Key = tuple[int, int]
_LAST_ID = 2**63


class StreamIndex:
    """Sorted (generated_timestamp, id) keys of every ticket, deleted ones included."""

    def __init__(self) -> None:
        self._keys: list[Key] = []

    def load(self, keys: Iterable[Key]) -> None:
        self._keys = sorted(keys)

    def add(self, key: Key) -> None:
        insort(self._keys, key)

    def move(self, old: Key, new: Key) -> None:
        if old == new:
            return
        position = bisect_right(self._keys, old) - 1
        if position < 0 or self._keys[position] != old:
            raise KeyError(f"stream index has no key {old}")
        del self._keys[position]
        insort(self._keys, new)

    def __len__(self) -> int:
        return len(self._keys)

    def page(
        self, after: Key, horizon: int, limit: int, skip: Callable[[int], bool] | None = None
    ) -> tuple[list[int], Key | None, bool]:
        """Up to ``limit`` ticket ids after ``after`` with generated_timestamp <= horizon.

        Returns the ids, the last key examined (skipped ones included, so a cursor moves
        past them) and whether more keys remain before the horizon.
        """
        start = bisect_right(self._keys, after)
        end = bisect_right(self._keys, (horizon, _LAST_ID))
        if skip is None:
            chosen = self._keys[start : min(end, start + limit)]
            last = chosen[-1] if chosen else None
            return [key[1] for key in chosen], last, start + len(chosen) < end
        ids: list[int] = []
        last = None
        position = start
        while position < end and len(ids) < limit:
            last = self._keys[position]
            position += 1
            if not skip(last[1]):
                ids.append(last[1])
        return ids, last, position < end


def encode_cursor(key: Key) -> str:
    return base64.b64encode(f"{key[0]}.0||{key[1]}|".encode()).decode()


def decode_cursor(cursor: str) -> Key:
    """The key a cursor points after; ValueError when it is not one of ours."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        stamp, rest = text.split("||", 1)
        return int(float(stamp)), int(rest.rstrip("|"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not an export cursor: {cursor!r}") from exc
