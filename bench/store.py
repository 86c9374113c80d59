"""Store figures: bulk export pages, version look-ups, audit saves and the List Mode on a
mirror of 100,000 tickets (5,000 of them with 3 audits), on SQLite and on PostgreSQL.

PostgreSQL is the server of ``ZDSYNC_TEST_POSTGRES_URL`` (default the local one); the
suite creates a throw-away database there and drops it. ``--quick`` mirrors 10,000.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from adapters.store import SqlStore, open_store
from sync.records import AuditBatch, AuditRecord, EventRecord, TicketQuery, TicketRecord

PAGE = 1_000
T0 = datetime(2024, 12, 16, tzinfo=UTC)
PARTNER_GROUPS = (1001, 1002, 1003, 1004, 1005)


def run(quick: bool) -> dict[str, object]:
    total, with_audits = (10_000, 500) if quick else (100_000, 5_000)
    figures: dict[str, object] = {"tickets": total, "tickets_with_3_audits": with_audits}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        figures.update(_measure("sqlite", url, total, with_audits))
    try:
        with _scratch_postgres() as url:
            figures.update(_measure("postgresql", url, total, with_audits))
    except psycopg.OperationalError as exc:
        figures["postgresql"] = f"unavailable: {str(exc).splitlines()[0]}"
    return figures


def _measure(name: str, url: str, total: int, with_audits: int) -> dict[str, object]:
    store = open_store(url)
    try:
        pages = [
            [_ticket(i) for i in range(s, min(s + PAGE, total))] for s in range(0, total, PAGE)
        ]
        started = time.perf_counter()
        page_times = [_timed(partial(_save, store, page)) for page in pages]
        mirror_s = time.perf_counter() - started
        ids = [t.id for t in pages[len(pages) // 2]]
        versions_ms = _timed(lambda: store.ticket_versions(ids))
        resave_ms = _timed(lambda: _save(store, pages[0]))
        batches = [_audits(i) for i in range(0, total, total // with_audits)][:with_audits]
        started = time.perf_counter()
        for batch in batches:
            store.save_audits(batch)
        audits_s = time.perf_counter() - started
        partner = TicketQuery(group_ids=PARTNER_GROUPS, state="open", limit=100)
        return {
            f"{name}.mirror_tickets_per_s": round(total / mirror_s),
            f"{name}.save_export_page_1000_ms_median": _median(page_times),
            f"{name}.save_export_page_1000_again_ms": round(resave_ms, 1),
            f"{name}.ticket_versions_1000_ms": round(versions_ms, 1),
            f"{name}.save_audits_ms_per_ticket": round(audits_s * 1000 / len(batches), 2),
            f"{name}.list_tickets_first_100_ms": round(
                _timed(lambda: store.list_tickets(TicketQuery(limit=100))), 1
            ),
            f"{name}.list_tickets_partner_open_100_ms": round(
                _timed(lambda: store.list_tickets(partner)), 1
            ),
            f"{name}.list_tickets_all_ms": round(
                _timed(lambda: store.list_tickets(TicketQuery())), 1
            ),
        }
    finally:
        store.close()


def _save(store: SqlStore, page: list[TicketRecord]) -> None:
    flagged = [t.id for t in page if t.group_id in PARTNER_GROUPS]
    store.save_export_page(page, needs_audits=flagged, cursor_key="bench", cursor=f"c{page[0].id}")


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _median(values: list[float]) -> float:
    return round(sorted(values)[len(values) // 2], 1)


def _ticket(i: int) -> TicketRecord:
    """A ticket shaped like the export's, about 1.5 KB of JSON; one in 20 is a partner's."""
    ticket_id = 100_000 + i
    group = PARTNER_GROUPS[i % 5] if i % 20 == 0 else 2000 + i % 7
    updated = T0 + timedelta(seconds=37 * i)
    stamp = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    tags = ["partner", f"system_{i % 40}"] if group in PARTNER_GROUPS else [f"system_{i % 40}"]
    raw = {
        "url": f"https://example.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "id": ticket_id,
        "external_id": None,
        "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": stamp,
        "updated_at": stamp,
        "generated_timestamp": int(updated.timestamp()),
        "type": "incident",
        "subject": f"Printer on floor {i % 9} does not respond (case {i})",
        "raw_subject": f"Printer on floor {i % 9} does not respond (case {i})",
        "description": "The customer reports that the device stopped responding. " * 4,
        "priority": "normal",
        "status": "open",
        "requester_id": 5_000_000 + i % 3000,
        "submitter_id": 5_000_000 + i % 3000,
        "assignee_id": 7_000_000 + i % 50,
        "organization_id": 9_000 + i % 200,
        "group_id": group,
        "collaborator_ids": [],
        "follower_ids": [],
        "has_incidents": False,
        "is_public": True,
        "tags": tags,
        "custom_fields": [{"id": 360_000 + f, "value": None} for f in range(6)],
        "custom_status_id": 61,
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "brand_id": 1,
        "allow_attachments": True,
    }
    return TicketRecord(
        id=ticket_id,
        status="open",
        group_id=group,
        assignee_id=7_000_000 + i % 50,
        requester_id=5_000_000 + i % 3000,
        organization_id=9_000 + i % 200,
        custom_status_id=61,
        subject=str(raw["subject"]),
        system=f"System {i % 40}",
        tags=tuple(tags),
        created_at=updated,
        updated_at=updated,
        generated_timestamp=int(updated.timestamp()),
        raw=raw,
    )


def _audits(i: int) -> AuditBatch:
    ticket_id = 100_000 + i
    audits = []
    for n in range(3):
        audit_id = ticket_id * 10 + n
        events = (
            EventRecord(
                audit_id * 10, audit_id, ticket_id, 0, "Change", "group_id", "1001", "2001"
            ),
            EventRecord(
                audit_id * 10 + 1,
                audit_id,
                ticket_id,
                1,
                "Comment",
                public=False,
                author_id=7_000_001,
                body="Checked the logs; forwarding.",
            ),
        )
        audits.append(
            AuditRecord(
                id=audit_id,
                ticket_id=ticket_id,
                author_id=7_000_001,
                created_at=T0 + timedelta(minutes=10 * n),
                via_channel="web",
                events=events,
                raw={
                    "id": audit_id,
                    "ticket_id": ticket_id,
                    "events": [],
                    "via": {"channel": "web"},
                },
            )
        )
    return AuditBatch(ticket_id, tuple(audits))


@contextmanager
def _scratch_postgres() -> Iterator[str]:
    server = make_url(
        os.environ.get(
            "ZDSYNC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    )
    libpq = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"zdsync_bench_{secrets.token_hex(4)}"
    with psycopg.connect(libpq, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
