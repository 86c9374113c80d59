"""Push: outbox -> Zendesk. Step three of the cycle (pull -> decide -> push).

For every ticket with entries to send (pending ones, and failed ones with fewer than
``MAX_ATTEMPTS`` attempts: a change Zendesk refused is tried again in later cycles up to
that limit; ``zdsync retry`` queues a failed one again):

1. re-check each entry against the mirror and the rules as they are now
   (``sync.push.recheck``): already applied, closed, deleted, left the partner groups, rule no
   longer holds -> settled without a request;
2. create the follow-up tickets the remaining entries ask for (``sync.push.follow_ups``), the
   new ticket's id recorded in the outbox before the original is updated;
3. merge the entries into one change (``sync.push.merge``) and send it as one safe update
   (``safe_update`` + the mirrored ``updated_stamp``). An identical note-less additive
   change (tags only) on ``BULK_MIN`` tickets or more goes through update_many instead: it
   cannot overwrite an agent's change, so it needs no safe update;
4. record the outcome: ``applied`` with the audit id (the answer's ticket and audit are
   stored in the mirror at once, so the next decide sees our change); ``skipped`` for a
   404 or a 422 on a ticket closed meanwhile; ``failed`` (with the error, an attempt
   counted) when Zendesk refused the change (another 4xx).

A 409 (an agent changed the ticket since the mirror read it) and a write that may have been
applied without an answer both lead to the same place: the ticket is re-pulled at once (show
+ audits into the mirror), and after the round decide runs again and the ticket is pushed
again, up to ``MAX_ROUNDS`` rounds in the same run. The re-check then finds our note if the
lost write landed (``applied``, never sent twice), drops what the agent's change made moot
(``conflict``: their change stands), and sends what the rules still want, on top of the
agent's change.

An outage (Zendesk unavailable or throttling us past the retry policy, the worker's access
refused, answers lost in a row) is not the entries' fault: the circuit breaker
(``sync.push.breaker``) stops the push at once, every entry not settled stays as it was,
no attempt counted, and the stop is recorded under ``STOPPED_KEY`` for ``zdsync status``
until a push runs through.
A stop asked for (SIGTERM, the cycle's deadline: ``sync.stopping``) ends the push the same
way, after the ticket being pushed and its outcome recorded; one that comes while a
request waits for its retry leaves that ticket's entries as they were. A dry run sends
nothing and writes nothing: it reports what would be sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Protocol

from sync.config import Settings
from sync.decide.step import DecideContext, NotPulledYet, Store, decide, load_context
from sync.errors import StopRequested, TicketNotFound, ZendeskError, is_outage
from sync.fields import resolve_fields
from sync.ports import Clock, PushStore, Zendesk
from sync.push.breaker import Breaker
from sync.push.follow_ups import FollowUps
from sync.push.merge import merge
from sync.push.outcomes import PlannedChange, PushReport
from sync.push.recheck import Settlement, recheck
from sync.push.sending import Sender
from sync.records import OutboxEntry, TicketRecord
from sync.stopping import Stopping

log = logging.getLogger("sync.push")  # named after the step: what operators filter on

#: Rounds of (push, re-pull the tickets that conflicted, decide, push them again) per run.
MAX_ROUNDS = 3
#: A failed entry is tried again in later cycles until it has this many attempts.
MAX_ATTEMPTS = 5
#: Tickets loaded from the mirror and planned at a time.
BATCH = 200
#: ``sync_state``: why and when the last push stopped early (JSON), "" once one ran through.
STOPPED_KEY = "push.stopped"


class PushingStore(Store, PushStore, Protocol):
    """The store as push uses it: mirror, decisions and the push's own methods."""


def push(
    store: PushingStore,
    zendesk: Zendesk,
    settings: Settings,
    clock: Clock,
    *,
    dry_run: bool = False,
    proposed: Sequence[OutboxEntry] = (),
    stop: Stopping | None = None,
) -> PushReport:
    """Send what the outbox holds. ``proposed``: entries a dry-run decide would have
    enqueued, planned with the pending ones (dry runs only)."""
    started = time.perf_counter()
    report = PushReport(now=clock.now(), dry_run=dry_run)
    try:
        context = load_context(store, settings)
    except NotPulledYet as exc:
        report.problem = str(exc)
        log.warning("push: %s", report.summary(), extra=report.log_fields())
        return report
    fields = resolve_fields(store.load_directory().ticket_fields, settings.system_field)
    pusher = Pusher(
        store=store, zendesk=zendesk, settings=settings, clock=clock, context=context,
        system_field_id=fields.system, report=report, stop=stop,
    )  # fmt: skip
    entries = to_send(store) + (list(proposed) if dry_run else [])
    pusher.run(entries)
    report.seconds = time.perf_counter() - started
    if not dry_run:
        record_stop(store, report)
    level = logging.WARNING if report.failed or report.stopped else logging.INFO
    log.log(level, "push: %s", report.summary(), extra=report.log_fields())
    return report


def record_stop(store: PushingStore, report: PushReport) -> None:
    """Keep the reason of a stop for ``zdsync status``; a push that ran through clears it."""
    if report.stopped:
        stop = {"at": report.now.isoformat(), "reason": report.stopped_by, "left": report.left}
        store.write_state(STOPPED_KEY, json.dumps(stop))
    elif store.read_state(STOPPED_KEY):
        store.write_state(STOPPED_KEY, "")


def read_stop(store: PushingStore) -> dict[str, object] | None:
    """The stop ``record_stop`` kept (at, reason, left), or None."""
    value = store.read_state(STOPPED_KEY)
    return json.loads(value) if value else None


def to_send(store: PushingStore) -> list[OutboxEntry]:
    """Pending entries, and failed ones that have attempts left."""
    found = store.outbox(states=("pending", "failed"))
    return [e for e in found if e.state == "pending" or e.attempts < MAX_ATTEMPTS]


class Pusher:
    """One push run: the rounds described above, sharing the report they fill in."""

    def __init__(
        self,
        *,
        store: PushingStore,
        zendesk: Zendesk,
        settings: Settings,
        clock: Clock,
        context: DecideContext,
        system_field_id: int | None,
        report: PushReport,
        stop: Stopping | None = None,
    ) -> None:
        self.store = store
        self.stop = stop
        self.zendesk = zendesk
        self.settings = settings
        self.clock = clock
        self.context = context
        self.system_field_id = system_field_id
        self.report = report
        #: Key -> the 409 or lost answer that sent its ticket to a re-pull, this run.
        self.unsettled: dict[str, str] = {}
        #: Keys settled this run (the rest is what a stop leaves for the next cycle).
        self.settled: set[str] = set()
        self.breaker = Breaker(report)
        self.sender = Sender(
            store=store, zendesk=zendesk, system_field_id=system_field_id, report=report,
            settle=self._settle, again=self._again, breaker=self.breaker,
        )  # fmt: skip
        self.follow_ups = FollowUps(
            store=store, zendesk=zendesk, clock=clock, report=report, settle=self._settle,
            author_id=context.config.account.worker_id, system_field_id=system_field_id,
            breaker=self.breaker,
        )  # fmt: skip
        #: Tickets re-pulled this round, to push again in the next.
        self._again_ids: set[int] = set()

    def run(self, entries: Sequence[OutboxEntry]) -> None:
        keys = {entry.key for entry in entries}
        try:
            self._rounds(_by_ticket(entries), keys)
        except StopRequested as exc:  # a request waiting for its retry: not sent
            self._halted(str(exc))
        self._leave_unsettled()
        if self.report.stopped:
            self.report.left = len(keys - self.settled)

    def _halted(self, reason: str | None = None) -> bool:
        """At a safe boundary: whether to stop here, for an outage or a stop asked for (a
        signal, the deadline)."""
        reason = reason or (self.stop.reason if self.stop is not None else None)
        if reason is not None and self.report.interrupted is None:
            self.report.interrupted = reason
            log.warning("push: stopping at a safe boundary: %s", reason)
        return self.report.stopped or self.report.interrupted is not None

    def _rounds(self, by_ticket: dict[int, list[OutboxEntry]], keys: set[str]) -> None:
        self.report.tickets = len(by_ticket)
        for round_number in range(1, MAX_ROUNDS + 1):
            self.report.rounds = round_number
            self._push_round(by_ticket)
            again = sorted(self._again_ids)
            self._again_ids.clear()
            if self.report.dry_run or self._halted() or not again:
                break
            if round_number == MAX_ROUNDS:
                break
            decide(self.store, self.settings, self.clock)  # the agent's change may need rules
            by_ticket = {t: self._entries_again(t) for t in again}
            keys.update(e.key for entries_again in by_ticket.values() for e in entries_again)

    def _entries_again(self, ticket_id: int) -> list[OutboxEntry]:
        """A re-pulled ticket's entries: pending ones (decide may have added some) and the
        ones that sent it to the re-pull (a failed entry retried this run is one)."""
        entries = self.store.outbox(ticket_id=ticket_id)
        return [e for e in entries if e.state == "pending" or e.key in self.unsettled]

    def _push_round(self, by_ticket: dict[int, list[OutboxEntry]]) -> None:
        ids = sorted(by_ticket)
        for start in range(0, len(ids), BATCH):
            if self._halted():
                return
            chunk = ids[start : start + BATCH]
            bundles = {b.ticket.id: b for b in self.store.load_bundles(chunk)}
            now = self.clock.now()
            sendable: list[tuple[TicketRecord, list[OutboxEntry]]] = []
            for ticket_id in chunk:
                checked = recheck(
                    ticket_id, bundles.get(ticket_id), by_ticket[ticket_id], self.context, now
                )
                for settlement in checked.settled:
                    self._settle(settlement)
                if checked.send and checked.ticket is not None:
                    sendable.append((checked.ticket, checked.send))
            self._send(sendable)

    def _send(self, sendable: list[tuple[TicketRecord, list[OutboxEntry]]]) -> None:
        worker = self.context.config.account.worker_id
        singles, bulk = self.sender.split_bulk(sendable, worker)
        self.sender.send_bulk(bulk)
        for ticket, waiting in singles:
            if self._halted():
                return
            entries = self.follow_ups.prepare(waiting)
            if not entries:
                continue
            created = {e.key: e.created_ticket_id for e in entries}
            try:
                merged = merge(ticket, entries, author_id=worker, follow_ups=created)
            except ValueError as exc:  # re-checked already; kept so one bad entry never stops all
                for entry in entries:
                    self._settle(Settlement(entry.key, "failed", str(exc)))
                continue
            self.sender.send_one(ticket, merged)

    def _again(self, ticket_id: int, keys: Iterable[str], why: str) -> None:
        """A 409 or a lost answer: re-pull the ticket now (so that even a crash right after
        leaves the mirror knowing what Zendesk has), push it again in the next round."""
        keys = list(keys)
        for key in keys:
            self.unsettled[key] = why
        try:
            ticket = self.zendesk.show_ticket(ticket_id, system_field_id=self.system_field_id)
            batch = self.zendesk.ticket_audits(ticket_id)
        except TicketNotFound:
            for key in keys:
                self._settle(Settlement(key, "skipped", "the ticket was deleted (404)"))
            return
        except ZendeskError as exc:
            self.report.errors.append(f"re-pull of ticket {ticket_id}: {exc}")
            log.error("re-pull of ticket %d failed: %s", ticket_id, exc, extra={
                "step": "push", "ticket_id": ticket_id, "error": type(exc).__name__})  # fmt: skip
            if is_outage(exc):
                self.breaker.trip(f"re-pull of ticket {ticket_id}", exc)
            return
        self.store.save_ticket(ticket, batch.audits, all_audits=True)
        self.report.repulled += 1
        self._again_ids.add(ticket_id)

    def _settle(self, settlement: Settlement) -> None:
        """Record an outcome; an entry that lost a race this run and is now dropped by the
        re-check ends as ``conflict``: the agent's newer change stands."""
        state, error = settlement.state, settlement.error
        lost = self.unsettled.pop(settlement.key, None)
        if lost is not None and state == "skipped":
            state, error = "conflict", f"{lost}; after a re-pull: {error}"
        self.report.outcomes[state] += 1
        self.settled.add(settlement.key)
        if self.report.dry_run:
            return
        if state == "failed":
            self.report.errors.append(f"{settlement.key}: {error}")
        elif state == "applied":
            self.report.applied.append(settlement.key)
        self.store.settle(settlement.key, state=state, error=error, audit_id=settlement.audit_id)
        _log_settled(settlement.key, state, error, settlement.audit_id)

    def _leave_unsettled(self) -> None:
        """Entries still waiting on a race or a lost answer after the last round: pending,
        tried next cycle, no attempt counted (Zendesk has not judged them)."""
        for key, why in sorted(self.unsettled.items()):
            self.report.outcomes["pending"] += 1
            if not self.report.dry_run:
                self.store.settle(
                    key, state="pending", error=f"{why}; tried again next cycle", attempt=False
                )
        self.unsettled.clear()


def _log_settled(key: str, state: str, error: str | None, audit_id: int | None) -> None:
    rule, _, rest = key.partition(":")
    ticket = rest.split(":", 1)[0]
    # Keys are ``rule:ticket:cause`` (rules.decision.decision_key).
    fields: dict[str, object] = {"step": "push", "key": key, "rule": rule, "outcome": state}
    if ticket.isdigit():
        fields["ticket_id"] = int(ticket)
    if state == "failed":
        log.warning("%s: failed: %s", key, error, extra=fields)
    else:
        why = f" (audit {audit_id})" if audit_id else f": {error}" if error else ""
        log.info("%s: %s%s", key, state, why, extra=fields)


def _by_ticket(entries: Iterable[OutboxEntry]) -> dict[int, list[OutboxEntry]]:
    grouped: dict[int, list[OutboxEntry]] = {}
    seen: set[str] = set()
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            grouped.setdefault(entry.ticket_id, []).append(entry)
    return grouped


__all__ = ["MAX_ATTEMPTS", "STOPPED_KEY", "PlannedChange", "PushReport", "push", "read_stop",
           "to_send"]  # fmt: skip
