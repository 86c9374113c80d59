"""The follow-up tickets of Maintenance / Change Request entries: created exactly once.

Twice guarded, because a second ticket for ISPnext is a real cost and a crash can come
at any moment:

- Zendesk's ``Idempotency-Key`` header, derived from the decision key: asking again with
  the same key and body returns the ticket created the first time (for two hours);
- the outbox: before the request the entry is marked as requested
  (``FOLLOW_UP_REQUESTED``, with the time), and the new ticket's id is recorded as soon as
  Zendesk answers, before the original ticket is updated. An entry with an id never asks
  again; one marked as requested asks again with the same key, which finds the ticket if
  the first request created it; one marked longer ago than Zendesk keeps its keys
  (``IDEMPOTENCY_WINDOW``) is not asked again but fails, naming the ticket to look for.
  The mark keeps the time of the first request: asking again during an outage must not
  stretch the window past what Zendesk remembers.

The new ticket is the customer's (the original's requester, organization, priority and
"System" value, created by the worker on their behalf) and is mirrored as soon as Zendesk
answers, so ``zdsync tickets`` lists it with its Entity.

An outage answer to a creation (``sync.errors.is_outage``) trips the push's breaker and
counts no attempt; a lost answer is counted by it (``sync.push.breaker``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol

from rules.actions import CreateFollowUp
from sync.errors import ZendeskError, ZendeskUnavailable, is_outage
from sync.ports import Clock, DecisionStore, PushStore, ZendeskWriter
from sync.push.breaker import Breaker
from sync.push.merge import read_actions
from sync.push.outcomes import PushReport
from sync.push.recheck import Settlement
from sync.records import FOLLOW_UP_REQUESTED, NewTicket, OutboxEntry

log = logging.getLogger(__name__)

#: Zendesk keeps an idempotency key for two hours; a margin for clocks that disagree.
IDEMPOTENCY_WINDOW = timedelta(hours=2) - timedelta(minutes=10)


def idempotency_key(decision_key: str) -> str:
    """The ``Idempotency-Key`` of the follow-up a decision asks for."""
    return "zdsync-" + hashlib.sha256(decision_key.encode()).hexdigest()[:40]


def follow_up_request(
    entry: OutboxEntry, create: CreateFollowUp, author_id: int | None
) -> NewTicket:
    """The new ticket of a follow-up: the same for every attempt (the idempotency key holds
    only for the same body), built from the queued action alone."""
    system = create.system_value
    custom_fields: tuple[tuple[int, object], ...] = ()
    if create.system_field_id is not None and system is not None:
        value = list(system) if isinstance(system, tuple) else system
        custom_fields = ((create.system_field_id, value),)
    return NewTicket(
        idempotency_key=idempotency_key(entry.key),
        subject=create.subject,
        body=create.body,
        author_id=author_id,
        group_id=create.group_id,
        tags=create.tags,
        external_id=f"zdsync:{entry.key}",
        requester_id=create.requester_id,
        organization_id=create.organization_id,
        priority=create.priority,
        custom_fields=custom_fields,
    )


def follow_up_of(entry: OutboxEntry) -> CreateFollowUp | None:
    for action in read_actions(entry):
        if isinstance(action, CreateFollowUp):
            return action
    return None


class _Store(PushStore, DecisionStore, Protocol):
    """The outbox as follow-ups use it."""


class FollowUps:
    """Creates the follow-up tickets of one push run."""

    def __init__(
        self,
        *,
        store: _Store,
        zendesk: ZendeskWriter,
        clock: Clock,
        report: PushReport,
        settle: Callable[[Settlement], None],
        author_id: int | None,
        system_field_id: int | None = None,
        breaker: Breaker,
    ) -> None:
        self.store = store
        self.zendesk = zendesk
        self.clock = clock
        self.report = report
        self.settle = settle
        self.author_id = author_id
        self.system_field_id = system_field_id
        self.breaker = breaker

    def prepare(self, entries: Sequence[OutboxEntry]) -> list[OutboxEntry]:
        """The entries ready to merge: each follow-up created (its id filled in) or, in a
        dry run, left to show as "(new)". An entry whose creation Zendesk refused is settled
        as failed; one that met an outage or whose request may have landed is left as it
        is (asked again next cycle, with the same key). Nothing is ready once the breaker
        has tripped: the original must not be updated without its follow-up."""
        ready: list[OutboxEntry] = []
        for entry in entries:
            create = follow_up_of(entry)
            if create is None or entry.created_ticket_id is not None or self.report.dry_run:
                ready.append(entry)
                continue
            if self.breaker.tripped:
                return []
            created = self._create(entry, create)
            if created is not None:
                ready.append(dataclasses.replace(entry, created_ticket_id=created))
        return ready

    def _create(self, entry: OutboxEntry, create: CreateFollowUp) -> int | None:
        asked = entry.updated_at if entry.last_error == FOLLOW_UP_REQUESTED else None
        if asked is not None and self.clock.now() - asked > IDEMPOTENCY_WINDOW:
            self.settle(Settlement(entry.key, "failed", _expired(entry, asked.isoformat())))
            return None
        self.store.note_follow_up(entry.key, created_ticket_id=None)
        request = follow_up_request(entry, create, self.author_id)
        try:
            created = self.zendesk.create_ticket(request, system_field_id=self.system_field_id)
        except ZendeskError as exc:
            self._not_created(entry, exc, asked_before=asked is not None)
            return None
        self.breaker.answered()
        self.store.note_follow_up(entry.key, created_ticket_id=created.ticket_id)
        if created.ticket is not None:
            # Mirrored at once (List Mode shows it with its customer); later exports keep it
            # up to date, as every mirrored ticket.
            audits = (created.audit,) if created.audit is not None else ()
            self.store.save_ticket(created.ticket, audits, all_audits=created.audit is not None)
        # A replay is counted too: its request, or the lost one before it, made the ticket.
        self.report.follow_ups_created += 1
        how = "found again by its idempotency key" if created.replayed else "created"
        log.info("%s: follow-up ticket %d %s", entry.key, created.ticket_id, how)
        return created.ticket_id

    def _not_created(self, entry: OutboxEntry, exc: ZendeskError, *, asked_before: bool) -> None:
        where = f"creating the follow-up of {entry.key}"
        if isinstance(exc, ZendeskUnavailable) and exc.maybe_applied:
            # Keep the mark: the next attempt asks again with the same key and finds it.
            self.report.errors.append(f"{entry.key}: follow-up ticket unanswered: {exc}")
            log.error("%s: no answer creating the follow-up ticket: %s", entry.key, exc)
            self.breaker.lost(where, exc)
        elif is_outage(exc):
            if not asked_before:  # this request made nothing: its mark would only mislead
                self.store.settle(
                    entry.key, state=entry.state, error=entry.last_error, attempt=False
                )
            self.breaker.trip(where, exc)
        else:
            self.settle(Settlement(entry.key, "failed", f"creating the follow-up: {exc}"))


def _expired(entry: OutboxEntry, since: str) -> str:
    return (
        f"its follow-up ticket was requested at {since} without a recorded answer, longer "
        "ago than Zendesk keeps idempotency keys: not requested again, to never create a "
        f"second one. Look in Zendesk for the ticket with external_id zdsync:{entry.key} (or "
        "the follow-up's tags) and link it by hand."
    )
