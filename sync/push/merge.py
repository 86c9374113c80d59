"""Merge: the pending outbox entries of one ticket -> the one change that applies them.

A ticket gets one update per push, whatever number of rules acted on it (one request, one
audit, one note for the agent to read). The entries are merged in a defined precedence:

- the engine's rule order (``rules.engine.RULES``: hand back, Submit as Open, time entry
  note, follow-up; rules it does not know come last), then the oldest decision first;
- a field set by two entries (the assignment, the status) keeps the value of the first in
  that order; the later value is dropped and reported. Hand back wins over Submit as Open
  because it moves the ticket out of the partner's hands, which the agreement puts first;
- tags: every add and remove applied to the mirror's tags, the first entry in order
  deciding a tag that one adds and another removes. For a safe update the full set is sent
  (``tags``): it is computed from the version the ``updated_stamp`` names, so it cannot
  overwrite a newer agent change. An additive change sends ``additional_tags`` and
  ``remove_tags`` instead;
- notes: one internal note, the entries' texts in order separated by a blank line, ending
  with a reference line ``zdsync ref <ref> (<rule>), ...``: one short reference per entry
  (a digest of its key). The rules write what acted, on which facts and what the agent
  should do; the reference lets the worker find its own note again in the ticket's audits,
  which is how a write that may have been applied is recognised before it is sent again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rules.actions import (
    NEW_TICKET,
    Action,
    AddNote,
    AddTags,
    Assign,
    CreateFollowUp,
    RemoveTags,
    SetStatus,
    action_from_dict,
)
from rules.engine import RULES
from sync.records import AuditRecord, OutboxEntry, TicketChange, TicketRecord

REF_PREFIX = "zdsync ref"
#: Shown for a follow-up ticket that does not exist yet (dry runs).
NOT_CREATED_YET = "(new)"
_RULE_ORDER = {rule.name: position for position, rule in enumerate(RULES)}
_REF = re.compile(r"\b[0-9a-f]{12}\b")


def entry_ref(key: str) -> str:
    """The short reference of an outbox entry that its note carries."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def refs_in(text: str) -> set[str]:
    """The references on the ``zdsync ref`` lines of a note."""
    found: set[str] = set()
    for line in text.splitlines():
        if line.startswith(REF_PREFIX):
            found.update(_REF.findall(line[len(REF_PREFIX) :]))
    return found


def applied_refs(audits: Iterable[AuditRecord], worker_id: int | None) -> dict[str, int]:
    """Reference -> id of the audit in which the worker's note carried it."""
    found: dict[str, int] = {}
    for audit in audits:
        for event in audit.events:
            if event.type != "Comment" or not event.body or REF_PREFIX not in event.body:
                continue
            if worker_id is not None and worker_id not in {event.author_id, audit.author_id}:
                continue
            for ref in refs_in(event.body):
                found.setdefault(ref, audit.id)
    return found


def precedence(entries: Iterable[OutboxEntry]) -> list[OutboxEntry]:
    """``entries`` in merge order: rule order, then the oldest decision first."""
    last = len(_RULE_ORDER)
    return sorted(entries, key=lambda e: (_RULE_ORDER.get(e.rule, last), e.decided_at))


def read_actions(entry: OutboxEntry) -> tuple[Action, ...]:
    """The entry's actions; ValueError naming the entry for anything unreadable."""
    try:
        return tuple(action_from_dict(action) for action in entry.actions)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"outbox entry {entry.key}: {exc}") from exc


@dataclass(frozen=True)
class Merged:
    change: TicketChange
    #: The merged entries' keys, in precedence order.
    keys: tuple[str, ...]
    #: What precedence overruled, e.g. "status open of submit_as_open:..." (for the log).
    dropped: tuple[str, ...] = ()


@dataclass
class _Merge:
    ticket: TicketRecord
    fields: dict[str, Any] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    tags: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def set(self, key: str, name: str, value: Any) -> None:
        if name in self.owners:
            if self.fields[name] != value:
                self.dropped.append(f"{name}={value!r} of {key} (kept {self.owners[name]})")
            return
        self.fields[name], self.owners[name] = value, key

    def tag(self, tags: Iterable[str], present: bool) -> None:
        for tag in tags:
            self.tags.setdefault(tag, present)


def merge(
    ticket: TicketRecord,
    entries: Sequence[OutboxEntry],
    *,
    author_id: int | None,
    follow_ups: Mapping[str, int | None] | None = None,
    additive: bool = False,
) -> Merged:
    """The one change that applies ``entries`` (all of ``ticket``) to the mirrored ``ticket``.

    ``follow_ups`` maps the key of an entry that creates a follow-up ticket to the new
    ticket's id (None: not created yet, as in a dry run). ``additive``: express tags as
    ``additional_tags``/``remove_tags`` and send no stamp (for update_many).
    Raises ValueError for an entry whose actions cannot be read.
    """
    state = _Merge(ticket)
    ordered = precedence(entries)
    for entry in ordered:
        for action in read_actions(entry):
            _apply(state, entry, action, (follow_ups or {}).get(entry.key))
    note = _note(state.notes, ordered)
    change = (
        _additive(ticket, state, note, author_id)
        if additive
        else _safe(ticket, state, note, author_id)
    )
    return Merged(change, tuple(e.key for e in ordered), tuple(state.dropped))


def _apply(state: _Merge, entry: OutboxEntry, action: Action, new_ticket: int | None) -> None:
    key = entry.key
    if isinstance(action, Assign):
        if action.group_id is not None:
            state.set(key, "group_id", action.group_id)
        # An assignment with a group and no agent means the group alone: clear the assignee.
        state.set(key, "assignee_id", action.assignee_id)
    elif isinstance(action, SetStatus):
        state.set(key, "status", action.status)
        if action.custom_status_id is not None:
            state.set(key, "custom_status_id", action.custom_status_id)
    elif isinstance(action, AddNote):
        state.notes.append(action.body)
    elif isinstance(action, AddTags | RemoveTags):
        state.tag(action.tags, isinstance(action, AddTags))
    elif isinstance(action, CreateFollowUp):
        shown = action.note_for(new_ticket) if new_ticket else action.note
        if not new_ticket:
            shown = shown.replace(NEW_TICKET, NOT_CREATED_YET)
        state.notes.append(shown)


def _note(texts: list[str], entries: Sequence[OutboxEntry]) -> str | None:
    if not texts:
        return None
    refs = ", ".join(f"{entry_ref(e.key)} ({e.rule})" for e in entries)
    return "\n\n".join([*texts, f"{REF_PREFIX} {refs}"])


def _safe(
    ticket: TicketRecord, state: _Merge, note: str | None, author_id: int | None
) -> TicketChange:
    fields = dict(state.fields)
    current = set(ticket.tags)
    wanted = {t for t in current if state.tags.get(t, True)} | {
        t for t, present in state.tags.items() if present
    }
    if wanted != current:
        fields["tags"] = sorted(wanted)
    stamp = ticket.raw.get("updated_at")
    return TicketChange(
        ticket_id=ticket.id,
        fields=fields,
        note=note,
        author_id=author_id,
        updated_stamp=stamp if isinstance(stamp, str) else ticket.updated_at.isoformat(),
    )


def _additive(
    ticket: TicketRecord, state: _Merge, note: str | None, author_id: int | None
) -> TicketChange:
    if state.fields:
        raise ValueError(f"ticket {ticket.id}: sets {sorted(state.fields)}, so it is not additive")
    return TicketChange(
        ticket_id=ticket.id,
        note=note,
        author_id=author_id,
        additional_tags=tuple(sorted(t for t, present in state.tags.items() if present)),
        remove_tags=tuple(sorted(t for t, present in state.tags.items() if not present)),
    )


def needs_safe_update(entries: Iterable[OutboxEntry]) -> bool:
    """Whether merging ``entries`` sets ticket fields (assignment, status) or creates a ticket:
    such a change needs a safe update; only the others may go through update_many."""
    for entry in entries:
        for action in read_actions(entry):
            if isinstance(action, Assign | SetStatus | CreateFollowUp):
                return True
    return False
