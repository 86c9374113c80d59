"""Decide figures: the whole decide step (load from the store, evaluate, enqueue) over a
SQLite mirror of 100,000 tickets with a few audits each (``--quick``: 10,000).

The mirror is filled through the store, as pull fills it: export pages, then each
ticket's audits. Nine tickets in ten are closed; the tenth is open in a partner group,
handed over 0 to 99 minutes before ``NOW``, with a time entry and its internal note. So
after a first decide nothing is due for 20 minutes, which is what the figures need:

- ``nothing_changed_ms``: a cycle with nothing changed and nothing due (target < 50 ms);
- ``changed_1000_ms``: 1,000 tickets changed since the last cycle (a partner set them to
  pending, so each gets a Submit as Open decision to enqueue; target < 1 s);
- ``due_1000_ms``: 1,000 tickets whose hand back came due, nothing changed;
- ``first_decide_s``: the first decide, which evaluates every ticket once.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.store import SqlStore, open_store, rows, schema
from adapters.store.bulk import BulkUpserts
from sync.clock import FixedClock
from sync.config import GroupRef, Settings, SyncSettings
from sync.decide.step import DecideReport, decide
from sync.pull.directory import WORKER_ID_KEY
from sync.records import (
    AuditBatch,
    AuditRecord,
    Directory,
    EventRecord,
    MembershipRecord,
    TicketFieldRecord,
    TicketRecord,
    UserRecord,
)

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
ISPNEXT, PARTNERS, TOTAL = 100, (201, 202, 203, 204, 205), 360002
WORKER, ISPNEXT_AGENTS = 1, range(11, 21)
PAGE, ROUNDS = 1_000, 3
SETTINGS = Settings(
    config_path=Path("bench.yaml"),
    database_url="sqlite://",
    log_level="WARNING",
    ispnext_groups=(GroupRef(ISPNEXT, "ISPnext Support"),),
    partner_groups=tuple(GroupRef(g, f"Partner {g}") for g in PARTNERS),
    system_field=None,
    sync=SyncSettings(),
    zendesk=None,
)


def run(quick: bool) -> dict[str, object]:
    total = 10_000 if quick else 100_000
    changed = total // 100
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'decide.db'}")
        try:
            return _measure(store, total, changed)
        finally:
            store.close()


def _measure(store: SqlStore, total: int, changed: int) -> dict[str, object]:
    started = time.perf_counter()
    _fill(store, total)
    figures: dict[str, object] = {
        "tickets": total,
        "open_in_partner_groups": total // 10,
        "audits": store.counts()["audits"],
        "fill_s": round(time.perf_counter() - started, 1),
    }
    first = _decide(store, NOW)
    figures["first_decide_s"] = round(first.seconds, 2)
    later = NOW + timedelta(minutes=1)
    idle = [_decide(store, later) for _ in range(20)]
    _check(all(r.candidates == 0 for r in idle), "a cycle with nothing new had candidates")
    figures["nothing_changed_ms_median"] = _ms(statistics.median(r.seconds for r in idle))
    figures["nothing_changed_ms_max"] = _ms(max(r.seconds for r in idle))
    rounds = []
    for number in range(ROUNDS):
        _change(store, _open_ids(total)[number * changed : (number + 1) * changed], later)
        report = _decide(store, later)
        _check(report.evaluated == changed, f"evaluated {report.evaluated}, not {changed}")
        _check(report.new == changed, f"enqueued {report.new}, not {changed}")
        rounds.append(report.seconds)
    figures[f"changed_{changed}_ms_median"] = _ms(statistics.median(rounds))
    figures[f"changed_{changed}_ms_max"] = _ms(max(rounds))
    due = _decide(store, NOW + timedelta(minutes=30))  # handed over 90-99 minutes before NOW
    _check(due.new >= changed, f"only {due.new} hand backs came due")
    figures[f"due_{due.candidates}_ms"] = _ms(due.seconds)
    figures["outbox"] = store.counts()["outbox"]
    return figures


def _decide(store: SqlStore, now: datetime) -> DecideReport:
    return decide(store, SETTINGS, FixedClock(now))


def _fill(store: SqlStore, total: int) -> None:
    """Tickets through ``save_export_page``, a page at a time. Their audits go in with the
    store's own row conversion and bulk upsert, a page per transaction: ``save_audits``
    takes one transaction per ticket (about 2 ms), which for 100,000 tickets would be
    minutes spent on something this suite does not measure."""
    store.save_directory(_directory())
    store.write_state(WORKER_ID_KEY, str(WORKER))
    bulk = BulkUpserts()
    for start in range(0, total, PAGE):
        page = [_ticket(i) for i in range(start, min(start + PAGE, total))]
        store.save_export_page(page, needs_audits=(), cursor_key="bench", cursor=str(start))
        audits = [audit for i in range(start, start + len(page)) for audit in _history(i)]
        with store.engine.begin() as conn:
            audit_rows = [rows.audit_row(audit) for audit in audits]
            bulk.upsert(conn, schema.audits, audit_rows, update=("raw",))
            event_rows = [rows.event_row(event) for audit in audits for event in audit.events]
            bulk.upsert(conn, schema.audit_events, event_rows, update=("value",))


def _change(store: SqlStore, indexes: list[int], when: datetime) -> None:
    """A partner agent sets each ticket to pending with a public reply, as pull stores it."""
    tickets = [_ticket(i, status="pending", updated=when) for i in indexes]
    store.save_export_page(tickets, needs_audits=[t.id for t in tickets], cursor_key="bench",
                           cursor=f"changed-{indexes[0]}")  # fmt: skip
    for i in indexes:
        extra = _audit(i, 9, _partner(i), when, [_change_event("status", "pending", "open")])
        store.save_audits(AuditBatch(_id(i), (*_history(i), _with_reply(extra, i))))


def _open_ids(total: int) -> list[int]:
    return [i for i in range(total) if i % 10 == 0]


def _directory() -> Directory:
    users = [_user(WORKER, "admin", 4)] + [_user(u) for u in ISPNEXT_AGENTS]
    members = [MembershipRecord(u, u, ISPNEXT) for u in (WORKER, *ISPNEXT_AGENTS)]
    for group in PARTNERS:
        for n in range(10):
            agent = group * 100 + n
            users.append(_user(agent, role_type=1 if n >= 5 else 0))
            members.append(MembershipRecord(agent, agent, group))
    field = TicketFieldRecord(TOTAL, "Total time spent (sec)", None, "integer", True, {})
    return Directory(users=tuple(users), memberships=tuple(members), ticket_fields=(field,))


def _user(user_id: int, role: str = "agent", role_type: int | None = 0) -> UserRecord:
    return UserRecord(user_id, f"Agent {user_id}", None, role, role_type, True, False, None, None,
                      {"id": user_id})  # fmt: skip


def _id(i: int) -> int:
    return 1_000_000 + i


def _partner(i: int) -> int:
    return PARTNERS[i % 5] * 100 + i % 5


def _handed_over(i: int) -> datetime:
    return NOW - timedelta(minutes=(i // 10) % 100) if i % 10 == 0 else NOW - timedelta(days=9)


def _ticket(i: int, *, status: str | None = None, updated: datetime | None = None) -> TicketRecord:
    is_open = i % 10 == 0
    status = status or ("open" if is_open else "closed")
    updated = updated or (
        _handed_over(i) + timedelta(minutes=1) if is_open else NOW - timedelta(days=2)
    )
    created = _handed_over(i) - timedelta(hours=1)
    raw: dict[str, Any] = {
        "id": _id(i),
        "subject": f"Printer on floor {i % 9} does not respond (case {i})",
        "description": "The customer reports that the device stopped responding. " * 4,
        "status": status,
        "group_id": PARTNERS[i % 5],
        "tags": ["partner", f"system_{i % 40}"],
        "custom_fields": [{"id": TOTAL, "value": "600"}]
        + [{"id": 360_100 + f, "value": None} for f in range(5)],
        "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
    }
    return TicketRecord(
        _id(i), status, PARTNERS[i % 5], _partner(i), 5_000_000 + i % 3000, None, None,
        raw["subject"], None, tuple(raw["tags"]), created, updated, int(updated.timestamp()), raw,
    )  # fmt: skip


def _history(i: int) -> tuple[AuditRecord, ...]:
    """Created in ISPnext's group, handed to a partner with a note, a time entry with its
    note; closed tickets were then solved by ISPnext."""
    handed = _handed_over(i)
    agent = ISPNEXT_AGENTS[i % 10]
    created = [_create_event("status", "new"), _create_event("group_id", str(ISPNEXT))]
    moved = [
        _change_event("group_id", str(PARTNERS[i % 5]), str(ISPNEXT)),
        _change_event("assignee_id", str(_partner(i)), None),
        _change_event("status", "open", "new"),
    ]
    audits = [
        _audit(i, 0, agent, handed - timedelta(hours=1), created),
        _with_note(_audit(i, 1, agent, handed, moved), agent, "Please analyse."),
        _with_note(
            _audit(i, 2, _partner(i), handed + timedelta(minutes=1),
                   [_change_event(str(TOTAL), "600", None)]),
            _partner(i), "Checked the logs.",
        ),
    ]  # fmt: skip
    if i % 10:
        solved = [_change_event("status", "solved", "open")]
        audits.append(_audit(i, 3, agent, handed + timedelta(days=1), solved))
    return tuple(audits)


def _audit(
    i: int, n: int, author: int, at: datetime, events: list[Callable[[int, int], EventRecord]]
) -> AuditRecord:
    audit_id = _id(i) * 10 + n
    built = tuple(make(audit_id, position) for position, make in enumerate(events))
    return AuditRecord(audit_id, _id(i), author, at, "web", built,
                       {"id": audit_id, "events": [], "via": {"channel": "web"}})  # fmt: skip


def _with_note(audit: AuditRecord, author: int, body: str, *, public: bool = False) -> AuditRecord:
    position = len(audit.events)
    comment = EventRecord(audit.id * 10 + position, audit.id, audit.ticket_id, position, "Comment",
                          public=public, author_id=author, body=body)  # fmt: skip
    return AuditRecord(audit.id, audit.ticket_id, audit.author_id, audit.created_at,
                       audit.via_channel, (*audit.events, comment), audit.raw)  # fmt: skip


def _with_reply(audit: AuditRecord, i: int) -> AuditRecord:
    return _with_note(audit, _partner(i), "We are waiting for the customer.", public=True)


def _create_event(field: str, value: str) -> Callable[[int, int], EventRecord]:
    return lambda audit_id, position: EventRecord(
        audit_id * 10 + position, audit_id, audit_id // 10, position, "Create", field, value
    )


def _change_event(field: str, value: str, old: str | None) -> Callable[[int, int], EventRecord]:
    return lambda audit_id, position: EventRecord(
        audit_id * 10 + position, audit_id, audit_id // 10, position, "Change", field, value, old
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _check(condition: bool, problem: str) -> None:
    # A figure measured on the wrong workload is worse than none.
    if not condition:
        raise RuntimeError(f"bench/decide.py: {problem}")
