"""Seed 000's two screens as text and JSON: List Mode (``zdsync tickets``) and View Mode
(``zdsync ticket ID``).

List Mode: "ID, Entity, System, Subject, Created at, Last Update, State", latest update
first; State is Open ("the reported issue is still underway") or Closed ("considered to be
resolved"). View Mode: the ticket's details "along with all comments submitted", in order,
internal notes marked, each with who wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync.records import (
    AuditRecord,
    Directory,
    TicketRecord,
    TicketSummary,
    UserRecord,
    list_state,
)

LIST_COLUMNS = ("ID", "Entity", "System", "Subject", "Created at", "Last Update", "State")
_WIDTHS = {"Entity": 22, "System": 18, "Subject": 44}


def when(moment: datetime | str | None) -> str:
    """A time as people read it, with its zone: ``2025-03-03 10:00 UTC`` ("" for none).
    Takes an ISO-8601 text too (the JSON documents hold those)."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:  # the store's times are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def system_labels(directory: Directory, system_field_id: int | None) -> dict[str, str]:
    """Dropdown option tag -> the name agents see, for the System column."""
    for field in directory.ticket_fields:
        if field.id == system_field_id:
            options = field.raw.get("custom_field_options") or []
            return {
                str(o.get("value")): str(o.get("name"))
                for o in options
                if isinstance(o, Mapping) and o.get("value") is not None
            }
    return {}


def list_rows(
    summaries: Sequence[TicketSummary], labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "entity": s.entity,
            "system": labels.get(s.system or "", s.system),
            "subject": s.subject,
            "created_at": s.created_at.isoformat(),
            "updated_at": s.updated_at.isoformat(),
            "state": s.state,
            "status": s.status,
            "group": s.group_name,
        }
        for s in summaries
    ]


def render_list(rows: Sequence[Mapping[str, Any]]) -> str:
    cells = [
        [
            str(r["id"]),
            r["entity"] or "",
            r["system"] or "",
            r["subject"] or "",
            when(r["created_at"]),
            when(r["updated_at"]),
            r["state"],
        ]
        for r in rows
    ]
    return table(LIST_COLUMNS, cells)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table; long cells are cut with an ellipsis."""
    cut = [
        [_cut(cell, _WIDTHS.get(h)) for h, cell in zip(headers, row, strict=True)] for row in rows
    ]
    widths = [max([len(h), *(len(r[i]) for r in cut)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cut]
    return "\n".join(lines)


def _cut(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class CommentLine:
    at: datetime
    author: str
    internal: bool
    body: str
    audit_id: int


def comments_of(
    audits: Sequence[AuditRecord], users: Mapping[int, UserRecord]
) -> list[CommentLine]:
    lines = []
    for audit in audits:
        for event in audit.events:
            if event.type not in {"Comment", "VoiceComment"}:
                continue
            author_id = event.author_id or audit.author_id
            lines.append(
                CommentLine(
                    at=audit.created_at,
                    author=_name(users, author_id),
                    internal=event.public is False,
                    body=event.body or "",
                    audit_id=audit.id,
                )
            )
    return lines


def _name(users: Mapping[int, UserRecord], user_id: int | None) -> str:
    if user_id is None:
        return "unknown"
    user = users.get(user_id)
    return f"{user.name}" if user else f"user {user_id}"


def view_document(
    ticket: TicketRecord,
    comments: Sequence[CommentLine],
    *,
    names: Mapping[str, str | None],
) -> dict[str, Any]:
    """The View Mode as JSON: details plus comments in order."""
    return {
        "id": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status,
        "state": list_state(ticket.status),
        "entity": names.get("entity"),
        "system": names.get("system"),
        "group": names.get("group"),
        "assignee": names.get("assignee"),
        "requester": names.get("requester"),
        "tags": list(ticket.tags),
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "comments": [
            {
                "at": c.at.isoformat(),
                "author": c.author,
                "internal": c.internal,
                "body": c.body,
                "audit_id": c.audit_id,
            }
            for c in comments
        ],
    }


def render_view(doc: Mapping[str, Any]) -> str:
    details = [
        ("Ticket", f"#{doc['id']}  {doc['subject'] or ''}"),
        ("State", f"{doc['state']} ({doc['status']})"),
        ("Entity", doc["entity"] or ""),
        ("System", doc["system"] or ""),
        ("Group", doc["group"] or ""),
        ("Assignee", doc["assignee"] or ""),
        ("Requester", doc["requester"] or ""),
        ("Tags", ", ".join(doc["tags"])),
        ("Created at", when(doc["created_at"])),
        ("Last Update", when(doc["updated_at"])),
    ]
    lines = [f"{label + ':':<13}{value}" for label, value in details]
    lines.append("")
    lines.append(f"Comments ({len(doc['comments'])}):")
    for comment in doc["comments"]:
        kind = "internal note" if comment["internal"] else "public reply"
        stamp = when(comment["at"])
        lines.append(f"\n  [{stamp}] {comment['author']} — {kind}")
        lines += [f"    {line}" for line in comment["body"].splitlines() or [""]]
    return "\n".join(lines)
