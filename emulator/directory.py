"""The account's directory inside a running emulator: users, groups, memberships,
organizations, ticket fields and custom statuses, with the lookups updates need.

Built once from a scenario; the only change at run time is a new end user created by a
``POST /tickets`` with an unknown requester email (as Zendesk does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from emulator.specs import (
    DEFAULT_STATUSES,
    FieldSpec,
    GroupSpec,
    OrganizationSpec,
    ScenarioData,
    StatusSpec,
    UserSpec,
)

#: Titles the Time Tracking app gives its two fields (reference notes, section 10).
TOTAL_TIME_TITLE = "Total time spent (sec)"
LAST_TIME_TITLE = "Time spent last update (sec)"


@dataclass(frozen=True, slots=True)
class Membership:
    id: int
    user_id: int
    group_id: int
    default: bool


class Directory:
    """Lookups over the scenario's directory records."""

    def __init__(self, scenario: ScenarioData) -> None:
        self.users: dict[int, UserSpec] = {u.id: u for u in scenario.users}
        self.groups: dict[int, GroupSpec] = {g.id: g for g in scenario.groups}
        self.organizations: dict[int, OrganizationSpec] = {o.id: o for o in scenario.organizations}
        self.fields: dict[int, FieldSpec] = {f.id: f for f in scenario.ticket_fields}
        self.user_fields = scenario.user_fields
        self.organization_fields = scenario.organization_fields
        statuses = scenario.custom_statuses or DEFAULT_STATUSES
        self.statuses: dict[int, StatusSpec] = {s.id: s for s in statuses}
        self._default_statuses = _defaults(statuses)
        self.memberships = list(_memberships(scenario.users))
        self.custom_field_ids = tuple(sorted(self.fields))
        self._by_email = {u.email.lower(): u for u in scenario.users if u.email}
        self._members = {(m.user_id, m.group_id) for m in self.memberships}
        self.total_time_field = self._field_titled(TOTAL_TIME_TITLE)
        self.last_time_field = self._field_titled(LAST_TIME_TITLE)
        #: When each user added at run time was created (unix seconds); the scenario's
        #: users date from the account's creation.
        self.joined_at: dict[int, int] = {}

    def user_by_email(self, email: str) -> UserSpec | None:
        return self._by_email.get(email.lower())

    def is_member(self, user_id: int, group_id: int) -> bool:
        return (user_id, group_id) in self._members

    def groups_of(self, user_id: int) -> list[int]:
        return [m.group_id for m in self.memberships if m.user_id == user_id]

    def default_group_of(self, user_id: int) -> int | None:
        user = self.users.get(user_id)
        if user is not None and user.default_group is not None:
            return user.default_group
        groups = self.groups_of(user_id)
        return groups[0] if groups else None

    def default_status(self, status: str) -> StatusSpec | None:
        """The default custom status a plain ``status`` picks. A closed ticket belongs to
        the "solved" category [doc custom ticket statuses: 'Tickets with a "Closed" status
        belong to the "solved" status category'], so it keeps a custom status too."""
        return self._default_statuses.get("solved" if status == "closed" else status)

    def add_end_user(self, email: str, name: str | None, at: int | None = None) -> UserSpec:
        """A requester Zendesk has not seen yet becomes an end user (created ``at``)."""
        user = UserSpec(
            id=max(self.users, default=0) + 1,
            name=name or email.split("@", maxsplit=1)[0],
            email=email,
            role="end-user",
            role_type=None,
        )
        self.users[user.id] = user
        self._by_email[email.lower()] = user
        if at is not None:
            self.joined_at[user.id] = at
        return user

    def _field_titled(self, title: str) -> int | None:
        return next((f.id for f in self.fields.values() if f.title == title), None)


def _memberships(users: Iterable[UserSpec]) -> Iterable[Membership]:
    next_id = 1
    for user in sorted(users, key=lambda u: u.id):
        for group in user.groups:
            yield Membership(next_id, user.id, group, default=group == user.default_group)
            next_id += 1


def _defaults(statuses: Iterable[StatusSpec]) -> dict[str, StatusSpec]:
    """Per category: the active status marked default, else the first active one."""
    chosen: dict[str, StatusSpec] = {}
    for status in statuses:
        if not status.active:
            continue
        current = chosen.get(status.category)
        if current is None or (status.default and not current.default):
            chosen[status.category] = status
    return chosen
