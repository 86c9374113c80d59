"""``GET /api/v2/incremental/tickets/cursor.json``: the cursor-based ticket export.

Behaviour [reference notes section 1]: ``start_time`` (unix seconds; a float is accepted)
or ``cursor``, never both; ``start_time`` must be at least a minute old; the newest
minute of changes is never returned (one-minute lag); pages of ``per_page`` (default and
maximum 1000), echoed in ``after_url``; deleted tickets included with status
``deleted`` unless ``exclude_deleted=true``; on the last page ``end_of_stream`` is true
and ``after_cursor``/``after_url`` are still present; ``before_*`` are null; URLs are
absolute. Admins only. ``include=`` names sideloads (comma-separated, echoed in
``after_url``); the emulator sideloads ``metric_sets`` and ignores the others.

The users cursor export (:mod:`directory_export`) reads its query the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import orjson

from emulator import errors
from emulator.stream import Key, decode_cursor, encode_cursor

EXPORT_LAG_SECONDS = 60
MAX_PAGE = 1000
PATH = "/api/v2/incremental/tickets/cursor.json"


@dataclass(frozen=True, slots=True)
class ExportRequest:
    after: Key
    per_page: int
    per_page_given: bool
    exclude_deleted: bool
    cursor: str | None
    #: The sideloads asked for with ``include=`` (as given, known or not).
    include: tuple[str, ...] = ()
    path: str = PATH

    def next_url(self, base_url: str, cursor: str) -> str:
        query = {"cursor": cursor}
        if self.per_page_given:
            query["per_page"] = str(self.per_page)
        if self.exclude_deleted:
            query["exclude_deleted"] = "true"
        if self.include:
            query["include"] = ",".join(self.include)
        return f"{base_url}{self.path}?{urlencode(query)}"


def read_request(query: Mapping[str, str], now: int, path: str = PATH) -> ExportRequest:
    """Validate the query string; raise ApiError as Zendesk would."""
    cursor = query.get("cursor")
    start = query.get("start_time")
    if cursor and start:
        raise errors.bad_request(
            "InvalidPaginationParameter", "give start_time or cursor, not both"
        )
    if cursor:
        try:
            after = decode_cursor(cursor)
        except ValueError as exc:
            raise errors.bad_pagination("cursor is invalid") from exc
    else:
        after = (start_time(start, now), 0)
    return ExportRequest(
        after=after,
        per_page=per_page(query.get("per_page")),
        per_page_given=query.get("per_page") is not None,
        exclude_deleted=query.get("exclude_deleted", "").lower() == "true",
        cursor=cursor,
        include=_names(query.get("include")),
        path=path,
    )


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def start_time(value: str | None, now: int) -> int:
    """A ``start_time`` parameter as unix seconds; 422 as Zendesk answers a bad one."""
    if value is None:
        raise errors.invalid_value("start_time is required")
    try:
        start = int(float(value))
    except (ValueError, OverflowError) as exc:
        raise errors.invalid_value(f"start_time {value!r} is not a unix time") from exc
    if start < 0:
        raise errors.invalid_value("start_time must be a positive unix time")
    if start > now - EXPORT_LAG_SECONDS:
        raise errors.invalid_value(
            "Too recent start_time. Use a start_time at least one minute in the past"
        )
    return start


def per_page(value: str | None) -> int:
    if value is None:
        return MAX_PAGE
    try:
        size = int(value)
    except ValueError as exc:
        raise errors.bad_pagination(f"per_page {value!r} is not a number") from exc
    if size < 1:
        raise errors.bad_pagination("per_page must be positive")
    return min(size, MAX_PAGE)


def page_body(
    request: ExportRequest,
    base_url: str,
    tickets: list[bytes],
    last: Key | None,
    more: bool,
    *,
    key: str = "tickets",
    sideloads: Mapping[str, object] | None = None,
) -> bytes:
    """The response body; documents are spliced in already serialised, ``sideloads``
    (e.g. ``metric_sets``) follow them."""
    if last is not None:
        cursor = encode_cursor(last)
    else:
        cursor = request.cursor or encode_cursor(request.after)
    head = orjson.dumps(
        {
            "after_cursor": cursor,
            "after_url": request.next_url(base_url, cursor),
            "before_cursor": None,
            "before_url": None,
            "end_of_stream": not more,
            **(sideloads or {}),
        }
    )
    opening = b',"%s":[' % key.encode()
    return b"".join((head[:-1], opening, b",".join(tickets), b"]}"))
