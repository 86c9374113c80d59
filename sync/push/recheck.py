"""Re-check: before a ticket's outbox entries are sent, are they still right?

Entries wait in the outbox between the decide that made them and the push that sends
them, and the ticket may have moved on meanwhile (an agent's edit, an earlier push whose
answer was lost). So each entry is held against the mirror as it is now:

1. already applied: the worker's note in the ticket's audits carries the entry's
   reference (``sync.push.merge``) -> ``applied``, with that audit's id; nothing is sent;
2. the ticket is gone from the mirror, deleted or closed (Zendesk refuses changes to closed
   tickets with a 422, so no request is made) -> ``skipped``;
3. the ticket left the partner groups -> ``skipped``: the worker only acts on tickets the
   partners hold;
4. the rules, evaluated for this ticket now, no longer produce the entry's key -> ``skipped``
   with the rule's own reason ("rule no longer holds").

Steps 3 and 4 spare an entry whose follow-up ticket already exists: that ticket is real,
so the original still gets the note that links it (unless closed or deleted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rules import engine
from sync.decide.step import DecideContext
from sync.decide.views import ticket_view
from sync.push.merge import applied_refs, entry_ref, read_actions
from sync.records import OutboxEntry, TicketBundle, TicketRecord


@dataclass(frozen=True)
class Settlement:
    """An entry's outcome, decided without a request (or after one)."""

    key: str
    state: str
    error: str | None = None
    audit_id: int | None = None


@dataclass
class Recheck:
    ticket_id: int
    ticket: TicketRecord | None
    settled: list[Settlement] = field(default_factory=list)
    #: The entries still to send, in the order given.
    send: list[OutboxEntry] = field(default_factory=list)


def recheck(
    ticket_id: int,
    bundle: TicketBundle | None,
    entries: Sequence[OutboxEntry],
    context: DecideContext,
    now: datetime,
) -> Recheck:
    """Sort ``entries`` (all of ``ticket_id``) into settled ones and ones to send."""
    result = Recheck(ticket_id, bundle.ticket if bundle else None)
    if bundle is None:
        gone = f"ticket {ticket_id} is not in the local mirror"
        result.settled = [Settlement(e.key, "skipped", gone) for e in entries]
        return result
    applied = applied_refs(bundle.audits, context.config.account.worker_id)
    rest: list[OutboxEntry] = []
    for entry in entries:
        audit_id = applied.get(entry_ref(entry.key))
        if audit_id is not None:
            result.settled.append(Settlement(entry.key, "applied", None, audit_id))
        elif (problem := _unreadable(entry)) is not None:
            result.settled.append(Settlement(entry.key, "failed", problem))
        else:
            rest.append(entry)
    if rest:
        _hold_against_mirror(result, bundle, rest, context, now)
    return result


def _unreadable(entry: OutboxEntry) -> str | None:
    try:
        read_actions(entry)
    except ValueError as exc:
        return f"its actions cannot be read: {exc}"
    return None


def _hold_against_mirror(
    result: Recheck,
    bundle: TicketBundle,
    entries: list[OutboxEntry],
    context: DecideContext,
    now: datetime,
) -> None:
    ticket = bundle.ticket
    final = _final_reason(ticket)
    if final is not None:
        result.settled += [Settlement(e.key, "skipped", final) for e in entries]
        return
    linked = [e for e in entries if e.created_ticket_id is not None]
    others = [e for e in entries if e.created_ticket_id is None]
    result.send += linked
    partner_groups = context.config.account.partner_group_ids
    if ticket.group_id not in partner_groups:
        left = (
            f"the ticket left the partner groups (it is in group {ticket.group_id} now); "
            "the worker only acts on tickets the partners hold"
        )
        result.settled += [Settlement(e.key, "skipped", left) for e in others]
        return
    try:
        view = ticket_view(bundle, context.directory)
    except (ValueError, TypeError) as exc:
        unreadable = f"the rules cannot read the ticket: {exc}"
        result.settled += [Settlement(e.key, "failed", unreadable) for e in others]
        return
    wanted = {d.key for d in engine.decide([view], context.config, now)}
    reasons: dict[str, str] | None = None
    for entry in others:
        if entry.key in wanted:
            result.send.append(entry)
            continue
        if reasons is None:  # explanations cost more: only when an entry is dropped
            reasons = {v.rule: v.reason for v in engine.explain(view, context.config, now)}
        why = reasons.get(entry.rule, "the rule is not configured any more")
        result.settled.append(Settlement(entry.key, "skipped", f"rule no longer holds: {why}"))


def _final_reason(ticket: TicketRecord) -> str | None:
    if ticket.deleted:
        return "the ticket was deleted in Zendesk"
    if ticket.status == "closed":
        return "the ticket is closed: Zendesk refuses changes to closed tickets"
    return None
