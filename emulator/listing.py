"""Pagination of list endpoints (users, groups, memberships, audits, comments ...).

Cursor pagination when the request has ``page[...]`` parameters [reference notes section
7]: ``page[size]`` <= 100, ``page[after]`` / ``page[before]`` (never both);
``meta: {has_more, after_cursor, before_cursor}``, ``links: {prev, next}`` as absolute
URLs. Real quirk kept on purpose: ``links.next`` is present even when ``has_more`` is
false. Cursors look like the recorded ones: base64 JSON ``{"o": "id", "v": ...}``.
Without ``page[...]``, offset pagination: ``page``, ``per_page`` (<= 100), ``next_page``,
``previous_page``, ``count``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson

from emulator import errors
from emulator.exchange import Request

MAX_PAGE = 100


Position = Callable[[dict[str, Any]], int]


def by_id(item: dict[str, Any]) -> int:
    position: int = item["id"]
    return position


def paginate(
    request: Request, key: str, items: list[dict[str, Any]], position: Position = by_id
) -> dict[str, Any]:
    """``items`` in increasing ``position`` (by default their id: cursors hold it);
    answers one page of them."""
    if any(name.startswith("page[") for name in request.query):
        return _cursor_page(request, key, items, position)
    return _offset_page(request, key, items)


def encode(item_id: int) -> str:
    value = base64.b64encode(item_id.to_bytes(8, "little")).decode()
    return base64.b64encode(orjson.dumps({"o": "id", "v": value})).decode()


def decode(cursor: str) -> int:
    try:
        inner = orjson.loads(base64.b64decode(cursor, validate=True))
        return int.from_bytes(base64.b64decode(inner["v"], validate=True), "little")
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise errors.bad_pagination("page[after] / page[before] is not a valid cursor") from exc


def _cursor_page(
    request: Request, key: str, items: list[dict[str, Any]], position: Position
) -> dict[str, Any]:
    size = _size(request.param("page[size]"))
    after, before = request.param("page[after]"), request.param("page[before]")
    if after and before:
        raise errors.bad_pagination("page[before] and page[after] cannot be used together")
    if before:
        bound = decode(before)
        earlier = [item for item in items if position(item) < bound]
        page, has_more = earlier[-size:], len(earlier) > size
    else:
        floor = decode(after) if after else None
        later = [item for item in items if floor is None or position(item) > floor]
        page, has_more = later[:size], len(later) > size
    after_cursor = encode(position(page[-1])) if page else None
    before_cursor = encode(position(page[0])) if page else None
    return {
        key: page,
        "meta": {
            "has_more": has_more,
            "after_cursor": after_cursor,
            "before_cursor": before_cursor,
        },
        "links": {
            "prev": _link(request, "page[before]", before_cursor, size),
            "next": _link(request, "page[after]", after_cursor, size),
        },
    }


def _size(value: str | None) -> int:
    if value is None:
        return MAX_PAGE
    try:
        size = int(value)
    except ValueError as exc:
        raise errors.bad_pagination(f"page[size] {value!r} is not a number") from exc
    if not 1 <= size <= MAX_PAGE:
        raise errors.bad_pagination(f"page[size] is limited to {MAX_PAGE}")
    return size


def _link(request: Request, name: str, cursor: str | None, size: int) -> str | None:
    if cursor is None:
        return None
    kept = {k: v for k, v in request.params().items() if not k.startswith("page[")}
    query = urlencode({**kept, name: cursor, "page[size]": size})
    return f"{request.base_url}{request.path}.json?{query}"


def _offset_page(request: Request, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        per_page = min(int(request.param("per_page") or MAX_PAGE), MAX_PAGE)
        number = int(request.param("page") or 1)
    except ValueError as exc:
        raise errors.bad_pagination("page and per_page are numbers") from exc
    if per_page < 1 or number < 1:
        raise errors.bad_pagination("page and per_page start at 1")
    start = (number - 1) * per_page
    kept = {k: v for k, v in request.params().items() if k not in {"page", "per_page"}}

    def url(page: int) -> str:
        query = urlencode({**kept, "page": page, "per_page": per_page})
        return f"{request.base_url}{request.path}.json?{query}"

    return {
        key: items[start : start + per_page],
        "next_page": url(number + 1) if start + per_page < len(items) else None,
        "previous_page": url(number - 1) if number > 1 else None,
        "count": len(items),
    }
