"""The records a scenario is made of: directory entries, tickets with their histories,
scripted future activity and credentials.

Times are either relative to the emulator clock's start (``timedelta``, written ``-2h30m``
/ ``+5m`` in files) or absolute. Ticket edits are carried as the payload a
``PUT /api/v2/tickets/{id}`` would send, so the emulator replays histories through the
same code path the API uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

#: A scenario time: relative to the clock's start, or absolute (timezone-aware).
When = timedelta | datetime
#: A custom user or organization field value.
FieldValue = str | int | float


def resolve(when: When, start: datetime) -> datetime:
    """The absolute instant of ``when`` for a clock that started at ``start``."""
    return start + when if isinstance(when, timedelta) else when


@dataclass(frozen=True, slots=True)
class OrganizationSpec:
    id: int
    name: str
    tags: tuple[str, ...] = ()
    #: Values of custom organization fields, by field key.
    fields: tuple[tuple[str, FieldValue], ...] = ()


@dataclass(frozen=True, slots=True)
class GroupSpec:
    id: int
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class UserSpec:
    id: int
    name: str
    email: str | None
    #: "end-user", "agent" or "admin".
    role: str
    #: 0 custom agent, 1 light agent, 4 admin; None for end users (UserObject in the spec).
    role_type: int | None
    groups: tuple[int, ...] = ()
    default_group: int | None = None
    organization: int | None = None
    active: bool = True
    suspended: bool = False
    #: Values of custom user fields, by field key.
    fields: tuple[tuple[str, FieldValue], ...] = ()

    @property
    def is_light_agent(self) -> bool:
        return self.role == "agent" and self.role_type == 1

    @property
    def can_be_assigned(self) -> bool:
        """Admins and full agents; light agents and end users cannot be assignees."""
        return self.role in {"agent", "admin"} and not self.is_light_agent


@dataclass(frozen=True, slots=True)
class FieldOption:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    id: int
    title: str
    #: Zendesk's field type: tagger (dropdown), integer, decimal, text, checkbox, date.
    type: str
    options: tuple[FieldOption, ...] = ()
    #: "Time Tracking" for the two fields the Time Tracking app installs.
    creator_app_name: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class CustomFieldSpec:
    """A custom user or organization field (``CustomFieldObject``): its values live on the
    users and organizations, under ``key``."""

    id: int
    key: str
    title: str
    #: text, textarea, integer, decimal, date, regexp or dropdown.
    type: str = "text"
    options: tuple[FieldOption, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True)
class StatusSpec:
    id: int
    #: new, open, pending, hold or solved.
    category: str
    label: str
    default: bool = False
    active: bool = True


@dataclass(frozen=True, slots=True)
class Credential:
    """An API token (with the user's email) or an OAuth access token of one user."""

    user: int
    email: str | None = None
    token: str | None = None
    oauth_token: str | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """One update of a ticket by one user at one time.

    ``payload`` is what ``PUT /api/v2/tickets/{id}.json`` would carry under ``"ticket"``.
    ``time_spent`` is a Time Tracking entry in seconds (the app writes both of its fields);
    ``delete`` soft-deletes the ticket (it then exports with status ``deleted``).
    """

    at: When
    by: int
    payload: Mapping[str, Any] = field(default_factory=dict)
    time_spent: int | None = None
    delete: bool = False
    channel: str = "web"


@dataclass(frozen=True, slots=True)
class TicketSpec:
    """A ticket as created (``payload`` is a ``POST /api/v2/tickets.json`` ticket) and the
    edits that happened to it since, oldest first."""

    id: int
    created: When
    by: int
    payload: Mapping[str, Any]
    history: tuple[Edit, ...] = ()
    channel: str = "web"


@dataclass(frozen=True, slots=True)
class ScriptEntry:
    """Future agent activity: fires when the emulator clock passes ``edit.at``."""

    ticket: int
    edit: Edit


@dataclass(frozen=True)
class ScenarioData:
    """Everything an emulator starts from; the emulator never mutates it."""

    name: str
    organizations: tuple[OrganizationSpec, ...] = ()
    groups: tuple[GroupSpec, ...] = ()
    users: tuple[UserSpec, ...] = ()
    ticket_fields: tuple[FieldSpec, ...] = ()
    user_fields: tuple[CustomFieldSpec, ...] = ()
    organization_fields: tuple[CustomFieldSpec, ...] = ()
    custom_statuses: tuple[StatusSpec, ...] = ()
    credentials: tuple[Credential, ...] = ()
    #: A tuple, or a lazy sequence for generated worlds (specs made on access).
    tickets: Sequence[TicketSpec] = ()
    script: tuple[ScriptEntry, ...] = ()
    #: The clock's start instant; None = real now when the emulator starts.
    start: datetime | None = None
    frozen: bool = False
    subdomain: str = "emulator"


#: Custom statuses an account has before anyone adds one: one default per category
#: (Zendesk creates these when custom statuses are activated).
DEFAULT_STATUSES: tuple[StatusSpec, ...] = (
    StatusSpec(id=1, category="new", label="New", default=True),
    StatusSpec(id=2, category="open", label="Open", default=True),
    StatusSpec(id=3, category="pending", label="Pending", default=True),
    StatusSpec(id=4, category="hold", label="On-hold", default=True),
    StatusSpec(id=5, category="solved", label="Solved", default=True),
)
