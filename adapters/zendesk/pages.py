"""The cursor-based incremental ticket export, read as raw JSON pages (the hot path).

Each page is fetched under the retry policy and the export pacer, parsed ticket by ticket
(a bad ticket is logged with its id and skipped; the page goes on) and yielded. The next
request is built from ``after_cursor`` rather than by following ``after_url`` verbatim, so
the configured base URL and page size always apply. A cursor the server already gave us
means it would loop: the export stops there for this cycle, with an error in the log, and
the next cycle resumes from the last stored cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any, TypeVar

from adapters.zendesk.parse import BadRecord, parse_ticket
from adapters.zendesk.retry import RequestPacer
from adapters.zendesk.session import ZendeskSession, json_body
from sync.errors import ZendeskUnavailable
from sync.records import ExportPage, TicketRecord

log = logging.getLogger(__name__)

T = TypeVar("T")
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"


def export_pages(
    session: ZendeskSession,
    *,
    call: Callable[[Callable[[], Any]], Any],
    pacer: RequestPacer,
    cursor: str | None,
    start_time: int,
    per_page: int,
    system_field_id: int | None,
) -> Iterator[ExportPage]:
    params: dict[str, str | int] = {"cursor": cursor} if cursor else {"start_time": start_time}
    params["per_page"] = per_page
    seen_cursors = {cursor} if cursor else set()
    url = session.base_url + EXPORT_PATH
    while True:
        body = call(partial(_fetch, session, pacer, url, dict(params)))
        page = parse_export_page(body, system_field_id)
        yield page
        if page.end_of_stream:
            return
        if not page.after_cursor:
            log.error("export page without after_cursor and not at end_of_stream; stopping")
            return
        if page.after_cursor in seen_cursors:
            log.error(
                "the export repeated cursor %s; stopping this cycle's export to avoid a loop",
                page.after_cursor,
            )
            return
        seen_cursors.add(page.after_cursor)
        params = {"cursor": page.after_cursor, "per_page": per_page}


def _fetch(
    session: ZendeskSession, pacer: RequestPacer, url: str, params: Mapping[str, str | int]
) -> Any:
    pacer.wait_turn()
    response = session.get(url, params=params)
    return json_body(response)


def parse_export_page(body: Any, system_field_id: int | None) -> ExportPage:
    """One export page -> records; raises ZendeskUnavailable if the page itself is unusable."""
    if not isinstance(body, Mapping) or not isinstance(body.get("tickets"), list):
        raise ZendeskUnavailable(
            f"export page without a tickets list (keys: {_keys(body)}); will retry"
        )
    tickets: list[TicketRecord] = []
    skipped = 0
    for raw in body["tickets"]:
        try:
            tickets.append(parse_ticket(raw, system_field_id))
        except BadRecord as exc:
            skipped += 1
            log.warning("skipping exported %s", exc)
    after = body.get("after_cursor")
    return ExportPage(
        tickets=tuple(tickets),
        after_cursor=after if isinstance(after, str) and after else None,
        end_of_stream=body.get("end_of_stream") is True,
        skipped=skipped,
    )


def _keys(body: Any) -> str:
    return ", ".join(sorted(map(str, body))) if isinstance(body, Mapping) else type(body).__name__
