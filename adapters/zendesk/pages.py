"""The two hot paths, read as raw JSON pages: the cursor-based incremental ticket export
and the audits of changed tickets (one listing per changed partner ticket).

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
from sync.errors import PaginationLoop, ZendeskUnavailable
from sync.records import ExportPage, TicketRecord, UnreadableTicket

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
    unreadable: list[UnreadableTicket] = []
    for raw in body["tickets"]:
        try:
            tickets.append(parse_ticket(raw, system_field_id))
        except BadRecord as exc:
            skipped += 1
            if _readable_id(exc.record_id):
                unreadable.append(UnreadableTicket(exc.record_id, exc.reason))
                log.warning("skipping exported %s; it is read again on its own", exc, extra={
                    "step": "pull", "ticket_id": exc.record_id, "error": "BadRecord"})  # fmt: skip
            else:
                # Nothing to read it again by: say all that is known, so it can be found.
                log.error("skipping exported %s; it cannot be read again (%s)", exc, _known(raw),
                          extra={"step": "pull", "error": "BadRecord"})  # fmt: skip
    after = body.get("after_cursor")
    return ExportPage(
        tickets=tuple(tickets),
        after_cursor=after if isinstance(after, str) and after else None,
        end_of_stream=body.get("end_of_stream") is True,
        skipped=skipped,
        unreadable=tuple(unreadable),
    )


def _readable_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _known(raw: Any) -> str:
    """What a record without a usable id still tells: its keys and when it changed."""
    if not isinstance(raw, Mapping):
        return f"a {type(raw).__name__}, not an object"
    when = {k: raw[k] for k in ("updated_at", "generated_timestamp", "url") if k in raw}
    shown = ", ".join(f"{k}={v!r}" for k, v in when.items())
    return f"keys: {_keys(raw) or 'none'}" + (f"; {shown}" if shown else "")


def _keys(body: Any) -> str:
    return ", ".join(sorted(map(str, body))) if isinstance(body, Mapping) else type(body).__name__


AUDITS_PATH = "/api/v2/tickets/{ticket_id}/audits.json"
#: Zendesk's maximum page size for cursor pagination of audits.
AUDIT_PAGE_SIZE = 100


def audit_pages(
    session: ZendeskSession, *, call: Callable[[Callable[[], Any]], Any], ticket_id: int
) -> list[Any]:
    """Every audit of a ticket as raw JSON, following cursor pagination.

    Zendesk sends ``links.next`` even on the last page: the loop stops on
    ``meta.has_more``, never on a missing link (zendesk-api.md section 7). A cursor the
    server already gave means it would loop: that raises ``PaginationLoop`` (not retried:
    the same request would loop again), and the ticket stays flagged for the next run
    rather than half-read.
    """
    url = session.base_url + AUDITS_PATH.format(ticket_id=ticket_id)
    params: dict[str, str | int] = {"page[size]": AUDIT_PAGE_SIZE}
    audits: list[Any] = []
    seen: set[str] = set()
    while True:
        body = call(partial(_get, session, url, dict(params)))
        if not isinstance(body, Mapping) or not isinstance(body.get("audits"), list):
            raise ZendeskUnavailable(f"ticket {ticket_id}: audits page without an audits list")
        audits.extend(body["audits"])
        meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}
        after = meta.get("after_cursor") if isinstance(meta, Mapping) else None
        if not (isinstance(meta, Mapping) and meta.get("has_more") is True):
            return audits
        if not isinstance(after, str) or not after or after in seen:
            raise PaginationLoop(
                f"ticket {ticket_id}: audits pagination repeats or lacks its cursor ({after!r})"
            )
        seen.add(after)
        params = {"page[size]": AUDIT_PAGE_SIZE, "page[after]": after}


def _get(session: ZendeskSession, url: str, params: Mapping[str, str | int]) -> Any:
    return json_body(session.get(url, params=params))
