"""``GET /api/v2/incremental/tickets/cursor.json``: the cursor-based ticket export.

Behaviour [reference notes section 1]: ``start_time`` (unix seconds; a float is accepted)
or ``cursor``, never both; ``start_time`` must be at least a minute old; the newest
minute of changes is never returned (one-minute lag); pages of ``per_page`` (default and
maximum 1000), echoed in ``after_url``; deleted tickets included with status
``deleted`` unless ``exclude_deleted=true``; on the last page ``end_of_stream`` is true
and ``after_cursor``/``after_url`` are still present; ``before_*`` are null; URLs are
absolute. Admins only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import orjson

from adapters.emulator import errors
from adapters.emulator.stream import Key, decode_cursor, encode_cursor

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

    def next_url(self, base_url: str, cursor: str) -> str:
        query = {"cursor": cursor}
        if self.per_page_given:
            query["per_page"] = str(self.per_page)
        if self.exclude_deleted:
            query["exclude_deleted"] = "true"
        return f"{base_url}{PATH}?{urlencode(query)}"


def read_request(query: Mapping[str, str], now: int) -> ExportRequest:
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
        after = (_start_time(start, now), 0)
    return ExportRequest(
        after=after,
        per_page=_per_page(query.get("per_page")),
        per_page_given=query.get("per_page") is not None,
        exclude_deleted=query.get("exclude_deleted", "").lower() == "true",
        cursor=cursor,
    )


def _start_time(value: str | None, now: int) -> int:
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


def _per_page(value: str | None) -> int:
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
) -> bytes:
    """The response body; ticket documents are spliced in already serialised."""
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
        }
    )
    return b"".join((head[:-1], b',"tickets":[', b",".join(tickets), b"]}"))
