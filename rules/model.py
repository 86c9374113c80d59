"""What the rules read: a ticket view, its audits in order, and the user directory.

Everything is a frozen dataclass built by the caller (sync/decide/views.py maps the mirror's
records into it). Audit events arrive as Zendesk sends them, with ids as strings and
tags as arrays; ``event_from_zendesk`` normalises them here, in one place, so a rule
compares ``group_id`` changes as ints and tags as tuples whatever the wire format was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rules.config import Account

#: A normalised field value: ids as int, tags as a tuple, anything else as text.
Value = int | str | tuple[str, ...] | None

#: Ticket fields whose values are ids (sent as strings in audit events).
ID_FIELDS = frozenset(
    {"group_id", "assignee_id", "requester_id", "submitter_id", "organization_id"}
    | {"custom_status_id", "brand_id", "ticket_form_id", "problem_id"}
)
#: Statuses after which a ticket is resolved as far as the partner agreement goes.
RESOLVED = frozenset({"solved", "closed", "deleted"})
#: Statuses Zendesk will not let anyone change (422 on closed, 404 on deleted).
FINAL = frozenset({"closed", "deleted"})


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A ``Create`` or ``Change`` event: ``field`` is the field name, or a custom field's id."""

    field: str
    old: Value
    new: Value
    #: The event's own via channel when it differs from its audit's (``rule``: a trigger).
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``Comment`` event; ``public=False`` is an internal note."""

    author_id: int | None
    public: bool
    body: str = ""


Event = FieldChange | Comment


@dataclass(frozen=True, slots=True)
class Audit:
    """One update of a ticket: who made it, when, and its events in order."""

    id: int
    author_id: int | None
    created_at: datetime
    events: tuple[Event, ...] = ()
    via: str | None = None
    # Derived once when the audit is built: the rules ask for them again and again.
    #: The last change of each field in this audit, by field name.
    changes: Mapping[str, FieldChange] = field(init=False, repr=False, compare=False)
    #: The audit holds a comment with ``public: false``.
    has_internal_note: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        changes: dict[str, FieldChange] = {}
        internal = False
        for event in self.events:
            if type(event) is FieldChange:
                changes[event.field] = event
            elif type(event) is Comment and not event.public:
                internal = True
        object.__setattr__(self, "changes", changes)
        object.__setattr__(self, "has_internal_note", internal)

    def change(self, field_name: str) -> FieldChange | None:
        """The last change of ``field_name`` in this audit, if any."""
        return self.changes.get(field_name)


class UserKind(StrEnum):
    WORKER = "worker"
    ISPNEXT = "ispnext"
    PARTNER = "partner"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    #: "end-user", "agent" or "admin".
    role: str
    #: 1 is a light agent (role "agent"); see zendesk-api.md §9.
    role_type: int | None = None
    group_ids: frozenset[int] = frozenset()
    #: False for suspended or deactivated users: they cannot take tickets.
    active: bool = True

    @property
    def is_light_agent(self) -> bool:
        return self.role == "agent" and self.role_type == 1

    @property
    def assignable(self) -> bool:
        """Zendesk lets only full agents and admins be assignees."""
        return self.active and self.role in {"agent", "admin"} and not self.is_light_agent


@dataclass(frozen=True, slots=True)
class CustomStatus:
    id: int
    #: new, open, pending, hold or solved.
    category: str
    label: str


@dataclass(frozen=True, slots=True)
class Directory:
    """Who is who for the rules: ISPnext staff, partner agents, light agents, the worker.

    ISPnext staff are members of a configured ISPnext group; partner users are members of
    a configured partner group (the first one, in configuration order, is theirs). A user
    in both counts as ISPnext staff, so ISPnext's own admins are never corrected.
    """

    account: Account
    users: Mapping[int, User] = field(default_factory=dict)
    custom_statuses: Mapping[int, CustomStatus] = field(default_factory=dict)
    #: Organization names by id (the customers, seed 000's "Entity").
    organizations: Mapping[int, str] = field(default_factory=dict)
    _kinds: dict[int, UserKind] = field(init=False, repr=False, compare=False)
    _partner_group: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ispnext = self.account.ispnext_group_ids
        kinds: dict[int, UserKind] = {}
        partner_group: dict[int, int] = {}
        for user in self.users.values():
            if user.group_ids & ispnext:
                kinds[user.id] = UserKind.ISPNEXT
                continue
            for group in self.account.partner_groups:
                if group.id in user.group_ids:
                    kinds[user.id] = UserKind.PARTNER
                    partner_group[user.id] = group.id
                    break
        if self.account.worker_id is not None:
            kinds[self.account.worker_id] = UserKind.WORKER  # whatever its groups
        object.__setattr__(self, "_kinds", kinds)
        object.__setattr__(self, "_partner_group", partner_group)

    @classmethod
    def build(
        cls,
        account: Account,
        users: Iterable[User] = (),
        statuses: Iterable[CustomStatus] = (),
        *,
        organizations: Mapping[int, str] | None = None,
    ) -> Directory:
        return cls(
            account, {u.id: u for u in users}, {s.id: s for s in statuses}, organizations or {}
        )

    def kind(self, user_id: int | None) -> UserKind:
        return self._kinds.get(user_id, UserKind.OTHER)  # type: ignore[arg-type]  # None: OTHER

    def partner_group_of(self, user_id: int | None) -> int | None:
        return None if user_id is None else self._partner_group.get(user_id)

    def is_light_agent(self, user_id: int | None) -> bool:
        user = self.users.get(user_id) if user_id is not None else None
        return user is not None and user.is_light_agent

    def name(self, user_id: int | None) -> str:
        """How notes name a user: their name in Zendesk; ``user #<id>`` when the directory
        does not know them (agents can look that up), ``an unknown user`` without an id."""
        if user_id is None:
            return "an unknown user"
        if user_id == self.account.worker_id:
            return "zdsync"
        user = self.users.get(user_id)
        return user.name if user else f"user #{user_id}"

    def organization_name(self, organization_id: int | None) -> str | None:
        if organization_id is None:
            return None
        return self.organizations.get(organization_id, f"organization {organization_id}")

    def status_label(self, status: str | None, custom_status_id: int | None) -> str:
        """How agents see a status: the custom status's label, else the status capitalised."""
        custom = self.custom_statuses.get(custom_status_id) if custom_status_id else None
        return custom.label if custom else (status or "unknown").capitalize()

    def category(self, status: str | None, custom_status_id: int | None) -> str | None:
        """The status category, judged by the custom status when there is one."""
        custom = self.custom_statuses.get(custom_status_id) if custom_status_id else None
        return custom.category if custom else status


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as the rules see it; ``status`` is Zendesk's (the category when custom
    statuses are on, ``deleted`` from the export) and ``custom_status_id`` picks the status."""

    id: int
    status: str
    group_id: int | None
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime
    directory: Directory = field(repr=False, compare=False)
    tags: frozenset[str] = frozenset()
    audits: tuple[Audit, ...] = ()
    custom_status_id: int | None = None
    subject: str | None = None
    #: "Total time spent (sec)" of the Time Tracking app, now.
    time_spent_total: int | None = None
    #: Other custom field values by field id (normalised like events: text or tuple).
    custom_fields: Mapping[int, Value] = field(default_factory=dict)
    #: The customer: who asked, and their organization (seed 000's "Entity").
    requester_id: int | None = None
    organization_id: int | None = None
    #: urgent, high, normal, low or None.
    priority: str | None = None

    @property
    def category(self) -> str:
        if self.status in FINAL:
            return self.status
        return self.directory.category(self.status, self.custom_status_id) or self.status


def event_from_zendesk(
    type_: str,
    *,
    field_name: str | None = None,
    value: object = None,
    previous_value: object = None,
    public: bool | None = None,
    author_id: int | None = None,
    body: str | None = None,
    via: str | None = None,
) -> Event | None:
    """One audit event as Zendesk sends it, normalised; None for types the rules ignore
    (Notification, Cc, ...). Raises ValueError naming the field for an unreadable id."""
    if type_ in {"Create", "Change"} and field_name:
        old = None if type_ == "Create" else normalise_value(field_name, previous_value)
        return FieldChange(field_name, old, normalise_value(field_name, value), via)
    if type_ == "Comment":
        return Comment(author_id, bool(public), body or "")
    return None


def normalise_value(field_name: str, raw: object) -> Value:
    """A field value from an event or a ticket: ids to int, tags to a tuple, else text."""
    if field_name == "tags":
        return _tags(raw)
    if raw is None or raw == "":
        return None
    if field_name in ID_FIELDS:
        try:
            return int(str(raw))
        except ValueError:
            raise ValueError(f"field {field_name}: {raw!r} is not an id") from None
    if isinstance(raw, list | tuple):
        return tuple(str(item) for item in raw)
    return _text(raw)


def _text(raw: object) -> str:
    """Text as Zendesk would show it: ``true``, ``3600`` rather than Python's True, 3600.0."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def as_seconds(value: Value) -> int | None:
    """A Time Tracking value (``"3600"``, ``3600``) as whole seconds; None if not a number."""
    if type(value) is int:
        return value
    if not isinstance(value, str):
        return None
    if value.isdigit():  # the usual case, without the cost of float()
        return int(value)
    try:
        return int(float(value))
    except (ValueError, OverflowError):  # "abc", "nan", "inf"
        return None


def _tags(raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = raw.split() if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise ValueError(f"field tags: {raw!r} is not a list of tags")
    return tuple(sorted(str(item) for item in items))
