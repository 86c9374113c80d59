"""Who a ticket belongs to: requester, organization, group and assignee, with Zendesk's
rules for them [reference notes sections 4 and 9]. Light agents and end users cannot be
assignees; an assignee outside the group given in the same update is refused; an
assignee alone moves the ticket to their default group; a group change drops an
assignee who is not a member of the new group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator import errors
from emulator.directory import Directory
from emulator.specs import UserSpec

Values = dict[str, Any]
_UNSET: Any = object()


def set_people(
    directory: Directory, before: Values, after: Values, payload: Mapping[str, Any]
) -> None:
    if payload.get("requester_id") is not None:
        requester = as_int(payload["requester_id"], "requester_id")
        if requester not in directory.users:
            raise errors.record_invalid("requester", "Requester is invalid")
        after["requester_id"] = requester
    if payload.get("organization_id") is not None:
        after["organization_id"] = as_int(payload["organization_id"], "organization_id")
        check_organization(directory, after)
    if "group_id" in payload:
        group = payload["group_id"]
        if group is not None and as_int(group, "group_id") not in directory.groups:
            raise errors.record_invalid("group", "Group is invalid")
        after["group_id"] = group
    assignee = _assignee_in(directory, payload)
    if assignee is not _UNSET:
        after["assignee_id"] = assignee
        if assignee is not None:
            _place_assignee(directory, after, assignee, group_given="group_id" in payload)
    elif after["group_id"] != before["group_id"] and not _still_member(directory, after):
        after["assignee_id"] = None


def requester_of(
    directory: Directory, payload: Mapping[str, Any], actor: UserSpec, at: int | None = None
) -> int:
    """Who asks: ``requester_id``, a ``requester`` by email (a new end user if unknown,
    created ``at``), else the authenticated user."""
    if payload.get("requester_id") is not None:
        try:
            requester = int(payload["requester_id"])
        except (TypeError, ValueError) as exc:
            raise errors.record_invalid("requester", "Requester is invalid") from exc
        if requester not in directory.users:
            raise errors.record_invalid("requester", "Requester is invalid")
        return requester
    given = payload.get("requester")
    if isinstance(given, Mapping) and given.get("email"):
        found = directory.user_by_email(str(given["email"]))
        if found is None:
            found = directory.add_end_user(str(given["email"]), given.get("name"), at)
        return found.id
    return actor.id


def submitter_of(directory: Directory, payload: Mapping[str, Any], actor: UserSpec) -> UserSpec:
    """Who submits a new ticket: ``submitter_id`` (an agent creating it on a customer's
    behalf), else the authenticated user. The submitter authors the first comment [spec
    TicketCreateInput.submitter_id]."""
    if payload.get("submitter_id") is None:
        return actor
    user = directory.users.get(as_int(payload["submitter_id"], "submitter_id"))
    if user is None:
        raise errors.record_invalid("submitter", "Submitter is invalid")
    return user


def check_organization(directory: Directory, values: Values) -> None:
    """A new ticket's organization must be one of the requester's [spec
    TicketUpdateInput.organization_id: "You can only specify the ID of an organization
    associated with the requester"]; the emulator's users have one organization each."""
    organization = values["organization_id"]
    requester = directory.users.get(values["requester_id"])
    if organization not in directory.organizations:
        raise errors.record_invalid("organization", "Organization is invalid")
    if requester is None or requester.organization != organization:
        raise errors.record_invalid(
            "organization", "Organization: the requester is not a member of it"
        )


def _still_member(directory: Directory, after: Values) -> bool:
    assignee, group = after["assignee_id"], after["group_id"]
    return assignee is None or (group is not None and directory.is_member(assignee, group))


def _assignee_in(directory: Directory, payload: Mapping[str, Any]) -> Any:
    if payload.get("assignee_email"):
        user = directory.user_by_email(str(payload["assignee_email"]))
        if user is None:
            raise errors.record_invalid("assignee", "Assignee: no user with that email")
        return _check_assignable(user)
    if "assignee_id" not in payload:
        return _UNSET
    if payload["assignee_id"] is None:
        return None
    user = directory.users.get(as_int(payload["assignee_id"], "assignee_id"))
    if user is None:
        raise errors.record_invalid("assignee", "Assignee is invalid")
    return _check_assignable(user)


def _check_assignable(user: UserSpec) -> int:
    if user.is_light_agent:
        raise errors.record_invalid(
            "assignee", f"Assignee: {user.name} is a light agent and cannot be assigned tickets"
        )
    if not user.can_be_assigned:
        raise errors.record_invalid("assignee", f"Assignee: {user.name} is not an agent")
    return user.id


def _place_assignee(
    directory: Directory, after: Values, assignee: int, *, group_given: bool
) -> None:
    group = after["group_id"]
    if group is not None and directory.is_member(assignee, group):
        return
    if group_given and group is not None:
        raise errors.record_invalid(
            "assignee", "Assignee is not a member of the group the ticket is assigned to"
        )
    default = directory.default_group_of(assignee)
    if default is None:
        raise errors.record_invalid("assignee", "Assignee is not a member of any group")
    after["group_id"] = default


def as_int(value: Any, name: str) -> int:
    """An id from a payload; 422 naming the field when it is not one."""
    if type(value) is int:  # the common case, and this runs several times per update
        return value
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise errors.record_invalid(name, f"{name}: {value!r} is not an id") from exc
