"""Small builders for rule tests: one account, a cast of users, and tickets with histories.

``Ticket`` writes audits the way Zendesk records them: an event only for a field whose
value changes, old values taken from the ticket as it stands, ids as ints, tags as
tuples and Time Tracking values as the strings Zendesk sends. ``record`` is shared with
the simulator that applies the worker's actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rules.config import Account, Group, RulesConfig
from rules.decision import Check, Verdict
from rules.model import (
    Audit,
    Comment,
    CustomStatus,
    Directory,
    FieldChange,
    TicketView,
    User,
    Value,
)

#: Monday 6 January 2025, 09:00 UTC.
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

WORKER = 1
ISPNEXT, ISPNEXT_2ND = 10, 11
ACME, BETA = 20, 21
TOTAL, LAST_UPDATE = 5001, 5002
SYSTEM_FIELD = 5003

ANNA = 101  # ISPnext agent (ISPnext Support)
BERT = 102  # ISPnext agent, second line only
ISA = 103  # ISPnext light agent
OLGA = 104  # ISPnext agent, deactivated
PIET = 201  # Acme full agent
LIZ = 202  # Acme light agent
BOB = 211  # Beta full agent
ADMIN = 105  # ISPnext admin, also a member of Acme's group
REQUESTER = 301  # end user
STRANGER = 999  # not in the directory

ACCOUNT = Account(
    worker_id=WORKER,
    ispnext_groups=(Group(ISPNEXT, "ISPnext Support"), Group(ISPNEXT_2ND, "ISPnext Second Line")),
    partner_groups=(Group(ACME, "Acme IT"), Group(BETA, "Beta Networks")),
    total_time_field_id=TOTAL,
)

USERS = (
    User(ANNA, "Anna ISPnext", "agent", 0, frozenset({ISPNEXT})),
    User(BERT, "Bert ISPnext", "agent", 0, frozenset({ISPNEXT_2ND})),
    User(ISA, "Isa Light", "agent", 1, frozenset({ISPNEXT})),
    User(OLGA, "Olga Gone", "agent", 0, frozenset({ISPNEXT}), active=False),
    User(ADMIN, "Ada Admin", "admin", 4, frozenset({ISPNEXT, ACME})),
    User(PIET, "Piet Acme", "agent", 0, frozenset({ACME})),
    User(LIZ, "Liz Acme", "agent", 1, frozenset({ACME})),
    User(BOB, "Bob Beta", "agent", 0, frozenset({BETA})),
    User(REQUESTER, "Carla Customer", "end-user"),
)

OPEN_CS, IN_PROGRESS_CS, PENDING_PARTNER_CS = 7001, 7002, 7003
WAITING_CS, HOLD_CS, SOLVED_CS = 7004, 7005, 7006
CUSTOM_STATUSES = (
    CustomStatus(OPEN_CS, "open", "Open"),
    CustomStatus(IN_PROGRESS_CS, "open", "In progress"),
    CustomStatus(PENDING_PARTNER_CS, "pending", "Pending partner"),
    CustomStatus(WAITING_CS, "pending", "Waiting on customer"),
    CustomStatus(HOLD_CS, "hold", "On hold"),
    CustomStatus(SOLVED_CS, "solved", "Solved"),
)

DIRECTORY = Directory.build(ACCOUNT, USERS, CUSTOM_STATUSES)
CONFIG = RulesConfig().with_account(ACCOUNT)


def at(minutes: float = 0, *, hours: float = 0, days: float = 0) -> datetime:
    """An instant relative to T0."""
    return T0 + timedelta(minutes=minutes, hours=hours, days=days)


def current(view: TicketView, field: str) -> Value:
    """A field's value on the ticket as an audit event would show it."""
    if field == "tags":
        return tuple(sorted(view.tags))
    if field in {"status", "group_id", "assignee_id", "custom_status_id", "subject"}:
        value: Value = getattr(view, field)
        return value
    if field == str(TOTAL):
        return None if view.time_spent_total is None else str(view.time_spent_total)
    return view.custom_fields.get(int(field))


def record(
    view: TicketView,
    author: int | None,
    when: datetime,
    changes: Mapping[str, Value],
    comments: Iterable[Comment] = (),
    *,
    via: str | None = None,
) -> TicketView:
    """``view`` after one audit by ``author`` setting ``changes`` and adding ``comments``."""
    events: list[FieldChange | Comment] = []
    for field, new in changes.items():
        old = current(view, field)
        if new != old:
            events.append(FieldChange(field, old, new, via))
    events.extend(comments)
    audit_id = max((audit.id for audit in view.audits), default=view.id * 1000) + 1
    audit = Audit(audit_id, author, when, tuple(events), "web")
    fields = dict(view.custom_fields)
    updated = {
        "audits": (*view.audits, audit),
        "updated_at": when,
    }
    for event in events:
        if not isinstance(event, FieldChange):
            continue
        if event.field == "tags":
            updated["tags"] = frozenset(event.new or ())  # type: ignore[arg-type]
        elif event.field == str(TOTAL):
            updated["time_spent_total"] = int(str(event.new))
        elif event.field.isdigit():
            fields[int(event.field)] = event.new
        else:
            updated[event.field] = event.new
    return replace(view, custom_fields=fields, **updated)  # type: ignore[arg-type]


class Ticket:
    """A ticket's history, written audit by audit; ``view()`` gives what the rules read."""

    def __init__(
        self,
        ticket_id: int = 4001,
        *,
        by: int = REQUESTER,
        when: datetime = T0,
        group: int | None = ISPNEXT,
        assignee: int | None = None,
        status: str = "new",
        custom_status: int | None = None,
        tags: Iterable[str] = (),
        subject: str = "Router at the customer's office is down",
        directory: Directory = DIRECTORY,
    ) -> None:
        creation: dict[str, Value] = {"status": status, "group_id": group, "assignee_id": assignee}
        creation |= {"tags": tuple(sorted(tags)), "subject": subject}
        if custom_status is not None:
            creation["custom_status_id"] = custom_status
        events = tuple(FieldChange(name, None, value) for name, value in creation.items() if value)
        self._view = TicketView(
            id=ticket_id,
            status=status,
            group_id=group,
            assignee_id=assignee,
            created_at=when,
            updated_at=when,
            directory=directory,
            tags=frozenset(tags),
            audits=(Audit(ticket_id * 1000, by, when, events, "web"),),
            custom_status_id=custom_status,
            subject=subject,
        )

    @classmethod
    def continuing(cls, view: TicketView) -> Ticket:
        """Write on after ``view`` (a history the simulator extended)."""
        ticket = cls.__new__(cls)
        ticket._view = view
        return ticket

    def update(
        self,
        by: int | None,
        when: datetime,
        *,
        comment: str | None = None,
        public: bool = False,
        via: str | None = None,
        **changes: Value,
    ) -> Ticket:
        """One audit; ``changes`` use event field names (status, group_id, assignee_id, ...)."""
        return self.change(by, when, changes, comment=comment, public=public, via=via)

    def change(
        self,
        by: int | None,
        when: datetime,
        changes: Mapping[str, Value],
        *,
        comment: str | None = None,
        public: bool = False,
        via: str | None = None,
    ) -> Ticket:
        """One audit changing fields by name, custom fields by their id as text."""
        comments = [Comment(by, public, comment)] if comment is not None else []
        self._view = record(self._view, by, when, changes, comments, via=via)
        return self

    def move(
        self, group: int, *, by: int | None, when: datetime, assignee: int | None = None
    ) -> Ticket:
        """Assign to a group (and agent), as an agent does: one audit."""
        return self.update(by, when, group_id=group, assignee_id=assignee)

    def track(
        self,
        seconds: int,
        *,
        by: int,
        when: datetime,
        comment: str | None = None,
        public: bool = False,
    ) -> Ticket:
        """A Time Tracking entry: the Total rises, "last update" is the entry (no event when
        it equals the previous entry, as in Zendesk)."""
        total = (self._view.time_spent_total or 0) + seconds
        changes: dict[str, Value] = {str(TOTAL): str(total), str(LAST_UPDATE): str(seconds)}
        comments = [Comment(by, public, comment)] if comment is not None else []
        self._view = record(self._view, by, when, changes, comments)
        return self

    def tag(self, *add: str, by: int, when: datetime, remove: Iterable[str] = ()) -> Ticket:
        tags = (set(self._view.tags) | set(add)) - set(remove)
        return self.update(by, when, tags=tuple(sorted(tags)))

    def set(self, **fields: object) -> Ticket:
        """Change the view without an audit (what a mirror shows without the audits)."""
        self._view = replace(self._view, **fields)  # type: ignore[arg-type]
        return self

    def view(self) -> TicketView:
        return self._view


def handed_to_partner(
    ticket_id: int = 4001,
    *,
    by: int | None = ANNA,
    when: datetime = T0,
    group: int = ACME,
    assignee: int | None = PIET,
    before: int | None = ANNA,
    directory: Directory = DIRECTORY,
) -> Ticket:
    """A ticket ISPnext had (assigned to ``before``) that ``by`` gave a partner at ``when``."""
    start = when - timedelta(minutes=30)
    ticket = Ticket(ticket_id, when=start, assignee=before, status="open", directory=directory)
    return ticket.move(group, by=by, when=when, assignee=assignee)


def judge(check: Check, view: TicketView, config: RulesConfig, now: datetime) -> Verdict:
    """One rule's verdict, as ``explain`` gives it, without the engine's other rules."""
    decisions, explanation = check(view, config, now)
    return Verdict(check.__name__, explanation, decisions)
