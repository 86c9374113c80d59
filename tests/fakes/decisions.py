"""The decide step's bookkeeping for ``FakeStore``: candidates, the outbox, due times.

The in-memory twin of ``adapters/store/decisions.py``; the contract suite in tests/store
runs both. Functions work on a ``FakeState`` (the working copy of a transaction where
they write). Actions and facts go through JSON on the way in, as they do into a database
column, so a value the database could not store fails here too.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sync.records import OUTBOX_STATES, OutboxEntry

if TYPE_CHECKING:
    from tests.fakes.store import FakeState

#: The same key as the SQL store's, so the contract suite can read the mark of both.
DECIDE_MARK_KEY = "decide.mark"


def candidates(books: FakeState, now: datetime, *, everything: bool) -> tuple[list[int], int]:
    _check_aware(now, "decide_candidates: now")
    recorded = int(books.sync_state.get(DECIDE_MARK_KEY, "0"))
    since = 0 if everything else recorded
    changed = {i: m.changed_seq for i, m in books.tickets.items() if m.changed_seq > since}
    due = {i for i, moment in books.due.items() if moment <= now}
    return sorted(changed.keys() | due), max([recorded, *changed.values()])


def enqueue(books: FakeState, entries: Sequence[OutboxEntry], *, now: datetime) -> list[str]:
    new: list[str] = []
    for entry in entries:
        check_state(entry.state, f"outbox entry {entry.key!r}")
        if entry.key in books.outbox:
            continue
        books.outbox[entry.key] = dataclasses.replace(
            entry,
            actions=tuple(_through_json(action) for action in entry.actions),
            facts=_through_json(entry.facts),
            updated_at=now,
        )
        new.append(entry.key)
    return new


def schedule(books: FakeState, next_due: Mapping[int, datetime | None]) -> None:
    for ticket_id, due in next_due.items():
        if due is None:
            books.due.pop(ticket_id, None)
        else:
            _check_aware(due, f"next due time of ticket {ticket_id}")
            books.due[ticket_id] = due


def read_outbox(
    books: FakeState,
    *,
    states: Collection[str] | None,
    ticket_id: int | None,
    keys: Collection[str] | None = None,
) -> list[OutboxEntry]:
    for wanted in states or ():
        check_state(wanted, "outbox filter")
    found = [
        entry
        for entry in books.outbox.values()
        if (states is None or entry.state in states)
        and (ticket_id is None or entry.ticket_id == ticket_id)
        and (keys is None or entry.key in keys)
    ]
    # A stable sort keeps the enqueue order among decisions of the same instant.
    return sorted(found, key=lambda entry: entry.decided_at)


def settle(
    books: FakeState,
    key: str,
    *,
    state: str,
    error: str | None,
    audit_id: int | None,
    created_ticket_id: int | None,
    attempt: bool = True,
    now: datetime,
) -> None:
    check_state(state, f"settle {key!r}")
    entry = books.outbox.get(key)
    if entry is None:
        raise LookupError(f"settle: no outbox entry has the key {key!r}")
    books.outbox[key] = dataclasses.replace(
        entry,
        state=state,
        attempts=entry.attempts + (1 if attempt else 0),
        last_error=error,
        audit_id=audit_id if audit_id is not None else entry.audit_id,
        created_ticket_id=(
            created_ticket_id if created_ticket_id is not None else entry.created_ticket_id
        ),
        updated_at=now,
    )


def check_state(state: str, where: str) -> None:
    if state not in OUTBOX_STATES:
        raise ValueError(f"{where}: state {state!r} is not one of {', '.join(OUTBOX_STATES)}")


def _through_json(value: Mapping[str, Any]) -> Any:
    return json.loads(json.dumps(value, default=dict))


def _check_aware(moment: datetime, what: str) -> None:
    # The SQL store refuses naive datetimes for its UTC columns; so does the fake.
    if moment.tzinfo is None:
        raise ValueError(f"{what}: naive datetime {moment.isoformat()} given for a UTC value")
