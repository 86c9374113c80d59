"""Malformed answers for fault injection: the body of a successful answer, spoiled.

Each function takes the parsed body and returns the spoiled one; the world is untouched,
so a client that skips the bad record and re-reads later gets it right.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from emulator.exchange import Request
from emulator.export import PATH as EXPORT_PATH


def repeat_cursor(body: dict[str, Any], given_cursor: str | None, base_url: str) -> dict[str, Any]:
    """The export answers with the cursor it was given, claiming more is to come."""
    if "after_cursor" not in body or not given_cursor:
        return body
    body["after_cursor"] = given_cursor
    body["after_url"] = f"{base_url}{EXPORT_PATH}?cursor={given_cursor}"
    body["end_of_stream"] = False
    return body


def repeat_page(body: dict[str, Any], request: Request) -> dict[str, Any]:
    """A listing links to the page it answered and claims more is to come."""
    query = urlencode([(k, v) for k, values in request.query.items() for v in values])
    this_page = f"{request.base_url}{request.path}.json" + (f"?{query}" if query else "")
    meta, links = body.get("meta"), body.get("links")
    if isinstance(meta, dict) and isinstance(links, dict):  # cursor pagination
        meta["has_more"] = True
        meta["after_cursor"] = request.param("page[after]") or meta.get("after_cursor")
        links["next"] = this_page
    elif "next_page" in body:  # offset pagination
        body["next_page"] = this_page
    return body


def missing_fields(
    body: dict[str, Any], names: tuple[str, ...], ticket: int | None
) -> dict[str, Any]:
    target = _ticket_in(body, ticket)
    if target is not None:
        for name in names:
            target.pop(name, None)
    return body


def unknown_status(body: dict[str, Any], ticket: int | None) -> dict[str, Any]:
    target = _ticket_in(body, ticket)
    if target is not None:
        target["status"] = "escalated"
    return body


def unknown_event(body: dict[str, Any], ticket: int | None) -> dict[str, Any]:
    audits = body.get("audits") or ([body["audit"]] if isinstance(body.get("audit"), dict) else [])
    for audit in audits:
        if ticket is None or audit.get("ticket_id") == ticket:
            audit.setdefault("events", []).append(
                {"id": 1, "type": "HolographicProjection", "value": {"shape": "unexpected"}}
            )
            break
    return body


def _ticket_in(body: dict[str, Any], ticket: int | None) -> dict[str, Any] | None:
    candidates = list(body.get("tickets") or [])
    if isinstance(body.get("ticket"), dict):
        candidates.append(body["ticket"])
    for candidate in candidates:
        if isinstance(candidate, dict) and (ticket is None or candidate.get("id") == ticket):
            found: dict[str, Any] = candidate
            return found
    return None
