"""Sending merged changes and reading what Zendesk answers: the outcomes of ``sync.push.step``.

One safe update per ticket; identical note-less additive changes (tags added or removed,
nothing set) on ``BULK_MIN`` tickets or more through update_many, which has no safe
update: it is used only where skipping it cannot overwrite an agent's change, and where
sending the change twice does nothing more than sending it once.

What an answer means for the ticket's entries:

    200                          applied, with the audit id; ticket + audit into the mirror
    409 (safe update refused)    re-pull and push again (the caller's ``again``)
    no answer to a sent write    re-pull and push again: the re-check finds our note if the
                                 write landed, so it is never sent twice; counted by the
                                 breaker (``sync.push.breaker``)
    404                          skipped: the ticket was deleted
    422 on a closed ticket       skipped: it was closed meanwhile
    other 4xx (400, 422, ...)    failed, with Zendesk's answer: an attempt counted
    401/403, 429 or unavailable  the breaker stops the push; the entries stay as they were
    after retries                (no attempt counted: the account's problem, not theirs)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sync.errors import (
    TicketConflict,
    TicketNotFound,
    ZendeskError,
    ZendeskRejected,
    ZendeskUnavailable,
    is_outage,
)
from sync.ports import PushStore, ZendeskWriter
from sync.push.breaker import Breaker
from sync.push.merge import Merged, merge, needs_safe_update
from sync.push.outcomes import PlannedChange, PushReport
from sync.push.recheck import Settlement
from sync.records import BulkResult, OutboxEntry, TicketChange, TicketRecord

log = logging.getLogger(__name__)

#: update_many is used for an identical additive change on at least this many tickets.
BULK_MIN = 10

Settle = Callable[[Settlement], None]


class Again(Protocol):
    def __call__(self, ticket_id: int, keys: Iterable[str], why: str) -> None: ...


@dataclass
class BulkGroup:
    """Tickets that get the very same additive change."""

    change: TicketChange
    tickets: list[tuple[int, tuple[str, ...]]]


Sendable = list[tuple[TicketRecord, list[OutboxEntry]]]


class Sender:
    def __init__(
        self,
        *,
        store: PushStore,
        zendesk: ZendeskWriter,
        system_field_id: int | None,
        report: PushReport,
        settle: Settle,
        again: Again,
        breaker: Breaker,
    ) -> None:
        self.store = store
        self.zendesk = zendesk
        self.system_field_id = system_field_id
        self.report = report
        self.settle = settle
        self.again = again
        self.breaker = breaker

    def split_bulk(
        self, sendable: Sendable, worker: int | None
    ) -> tuple[Sendable, list[BulkGroup]]:
        """The tickets to update one by one, and the groups for update_many."""
        groups: dict[tuple[tuple[str, ...], tuple[str, ...]], BulkGroup] = {}
        for ticket, entries in sendable:
            change = _additive_change(ticket, entries, worker)
            if change is not None:
                shape = (change.additional_tags, change.remove_tags)
                group = groups.setdefault(shape, BulkGroup(change, []))
                group.tickets.append((ticket.id, tuple(e.key for e in entries)))
        bulk = [group for group in groups.values() if len(group.tickets) >= BULK_MIN]
        in_bulk = {ticket_id for group in bulk for ticket_id, _ in group.tickets}
        return [(t, e) for t, e in sendable if t.id not in in_bulk], bulk

    def send_bulk(self, groups: Sequence[BulkGroup]) -> None:
        for group in groups:
            if self.breaker.tripped:
                return
            ids = [ticket_id for ticket_id, _ in group.tickets]
            keys = dict(group.tickets)
            for ticket_id in ids:
                self.report.planned.append(
                    PlannedChange(ticket_id, keys[ticket_id], group.change, "update_many")
                )
            if self.report.dry_run:
                self.report.outcomes["planned"] += sum(len(k) for k in keys.values())
                continue
            try:
                results = self.zendesk.update_many(ids, group.change)
            except ZendeskError as exc:
                if is_outage(exc):  # tags only: sending them again next cycle is harmless
                    self.breaker.trip(f"update_many of {len(ids)} tickets", exc)
                    return
                for ticket_keys in keys.values():
                    self._settle_all(ticket_keys, "failed", f"update_many: {exc}")
                continue
            self.breaker.answered()
            for result in results:
                self._bulk_outcome(result, keys.get(result.ticket_id, ()))

    def _bulk_outcome(self, result: BulkResult, keys: tuple[str, ...]) -> None:
        if result.success:
            self._settle_all(keys, "applied", None)
            return
        error = f"update_many job {result.job_id}: {result.error}"
        text = (result.error or "").lower()
        if "notfound" in text or "not found" in text:
            self._settle_all(keys, "skipped", f"the ticket was deleted ({error})")
        elif "closed" in text:
            self._settle_all(keys, "skipped", f"the ticket was closed meanwhile ({error})")
        else:
            self._settle_all(keys, "failed", error)

    def send_one(self, ticket: TicketRecord, merged: Merged) -> None:
        change, keys = merged.change, merged.keys
        for dropped in merged.dropped:
            log.info("ticket %d: precedence dropped %s", ticket.id, dropped)
        if not change.fields and change.note is None:
            self._settle_all(keys, "applied", None)  # nothing left to change: it holds already
            return
        self.report.planned.append(PlannedChange(ticket.id, keys, change, "update"))
        if self.report.dry_run:
            self.report.outcomes["planned"] += len(keys)
            return
        try:
            answer = self.zendesk.update_ticket(change, system_field_id=self.system_field_id)
        except ZendeskError as exc:
            self._refused(ticket.id, keys, exc)
            return
        self.breaker.answered()
        audits = [answer.audit] if answer.audit is not None else []
        self.store.save_ticket(answer.ticket, audits)
        audit_id = answer.audit.id if answer.audit is not None else None
        for key in keys:
            self.settle(Settlement(key, "applied", None, audit_id))

    def _refused(self, ticket_id: int, keys: tuple[str, ...], exc: ZendeskError) -> None:
        """What an update's error means for its entries (the table above)."""
        if isinstance(exc, ZendeskUnavailable) and exc.maybe_applied:
            self.breaker.lost(f"PUT ticket {ticket_id}", exc)
            self.again(ticket_id, keys, f"no answer to the update, it may have landed ({exc})")
        elif is_outage(exc):
            self.breaker.trip(f"PUT ticket {ticket_id}", exc)
        elif isinstance(exc, TicketConflict):
            self.again(
                ticket_id, keys, f"409: an agent changed the ticket since it was read ({exc})"
            )
        elif isinstance(exc, TicketNotFound):
            self._settle_all(keys, "skipped", f"the ticket was deleted ({exc})")
        elif (
            isinstance(exc, ZendeskRejected) and exc.status == 422 and "closed" in exc.body.lower()
        ):
            self._settle_all(keys, "skipped", f"the ticket was closed meanwhile ({exc})")
        else:  # Zendesk judged this change: it counts against the entries
            self._settle_all(keys, "failed", str(exc))

    def _settle_all(self, keys: Iterable[str], state: str, error: str | None) -> None:
        for key in keys:
            self.settle(Settlement(key, state, error))


def _additive_change(
    ticket: TicketRecord, entries: list[OutboxEntry], worker: int | None
) -> TicketChange | None:
    """The change as update_many would send it, when it may go that way."""
    try:
        if needs_safe_update(entries):
            return None
        change = merge(ticket, entries, author_id=worker, additive=True).change
    except ValueError:
        return None  # sent alone, where the error is reported
    if change.note is not None:
        return None  # notes carry per-entry references: never identical across tickets
    current = set(ticket.tags)
    if set(change.additional_tags) <= current and current.isdisjoint(change.remove_tags):
        return None  # nothing to send: settled as it holds already
    return change
