"""The push step's side of ``FakeStore`` (follow-up progress, the outbox summary): the
in-memory twin of ``adapters/store/pushes.py``; the contract suite in tests/store runs
both. ``FakeStore.save_ticket`` itself lives with the other mirror writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from sync.records import (
    FOLLOW_UP_REQUESTED,
    OUTBOX_STATES,
    OutboxSummary,
)

if TYPE_CHECKING:
    from tests.fakes.store import FakeState


def note_follow_up(
    books: FakeState, key: str, *, created_ticket_id: int | None, now: datetime
) -> None:
    entry = books.outbox.get(key)
    if entry is None:
        raise LookupError(f"note_follow_up: no outbox entry has the key {key!r}")
    if created_ticket_id is None:
        marked = entry.last_error == FOLLOW_UP_REQUESTED
        books.outbox[key] = dataclasses.replace(
            entry, last_error=FOLLOW_UP_REQUESTED, updated_at=entry.updated_at if marked else now
        )
    else:
        books.outbox[key] = dataclasses.replace(
            entry, created_ticket_id=created_ticket_id, last_error=None, updated_at=now
        )


def requeue_failed(books: FakeState, keys: Collection[str] | None, *, now: datetime) -> list[str]:
    failed = [
        entry
        for entry in books.outbox.values()
        if entry.state == "failed" and (keys is None or entry.key in keys)
    ]
    failed.sort(key=lambda entry: entry.decided_at)
    for entry in failed:
        books.outbox[entry.key] = dataclasses.replace(
            entry, state="pending", attempts=0, last_error=None, updated_at=now
        )
    return [entry.key for entry in failed]


def summary(books: FakeState, *, errors: int) -> OutboxSummary:
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    for entry in books.outbox.values():
        counts[entry.state] += 1
    pending = [e.decided_at for e in books.outbox.values() if e.state == "pending"]
    order = {key: position for position, key in enumerate(books.outbox)}
    erring = sorted(
        (e for e in books.outbox.values() if e.last_error is not None),
        key=lambda e: (e.updated_at, order[e.key]),
        reverse=True,
    )
    return OutboxSummary(counts, min(pending, default=None), tuple(erring[:errors]))
