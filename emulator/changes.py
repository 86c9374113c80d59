"""What an update does to a ticket: validate a ticket payload against the directory,
work out the new values (with Zendesk's implicit changes) and the events it records.

One code path for API creates and updates, scenario histories, scripts and ``act``, so
audits look the same whichever way a change arrived. Implicit changes follow Zendesk:
a status picks its category's default custom status and a custom status sets its
category; an assignee outside the ticket's group moves the ticket to the assignee's
default group; a group change drops an assignee who is not a member; a ``new`` ticket
with an assignee becomes ``open``; a dropdown option's tag follows the option.
Nothing is changed when the payload is rejected (all-or-nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator import errors
from emulator.assignment import as_int, set_people
from emulator.comments import Comment, read_comment
from emulator.directory import Directory
from emulator.specs import UserSpec
from emulator.tickets import PRIORITIES, STATUSES, TYPES, Ticket

#: Standard fields in the order their events are recorded.
FIELD_ORDER = (
    "subject",
    "requester_id",
    "organization_id",
    "status",
    "custom_status_id",
    "priority",
    "type",
    "group_id",
    "assignee_id",
    "due_at",
    "tags",
)
Values = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Proposal:
    """The outcome of a valid payload: new values, the comment, and the events."""

    values: Values
    comment: Comment | None
    events: list[dict[str, Any]]


def values_of(ticket: Ticket) -> Values:
    values: Values = {name: getattr(ticket, name) for name in FIELD_ORDER}
    values["tags"] = list(ticket.tags)
    values["fields"] = dict(ticket.fields)
    return values


_BLANK: Values = dict.fromkeys(FIELD_ORDER)


def blank_values() -> Values:
    return {**_BLANK, "tags": [], "fields": {}}


def propose(
    directory: Directory,
    before: Values,
    payload: Mapping[str, Any],
    actor: UserSpec,
    *,
    creating: bool = False,
    time_spent: int | None = None,
    events: bool = True,
) -> Proposal:
    """Validate ``payload`` against ``before``; raise ApiError (422) if Zendesk would.
    ``events=False`` skips working out the events (a lazily audited creation)."""
    after = {**before, "tags": list(before["tags"]), "fields": dict(before["fields"])}
    set_plain_fields(after, payload)
    set_status(directory, after, payload, creating=creating)
    set_people(directory, before, after, payload)
    set_tags(after, payload)
    set_custom_fields(directory, after, payload)
    if time_spent is not None:
        record_time(directory, after, time_spent)
    settle_status(directory, before, after, payload)
    comment = read_comment(directory, payload.get("comment"), actor)
    if not events:
        return Proposal(after, comment, [])
    return Proposal(after, comment, field_events(before, after, "Create" if creating else "Change"))


def set_plain_fields(after: Values, payload: Mapping[str, Any]) -> None:
    for key, allowed in (("priority", PRIORITIES), ("type", TYPES)):
        if key in payload:
            value = payload[key]
            if value is not None and value not in allowed:
                raise errors.record_invalid(key, f"{key.title()}: {value!r} is not valid")
            after[key] = value
    if "subject" in payload:
        after["subject"] = "" if payload["subject"] is None else str(payload["subject"])
    if "due_at" in payload:
        after["due_at"] = payload["due_at"]


def set_status(
    directory: Directory, after: Values, payload: Mapping[str, Any], *, creating: bool
) -> None:
    if payload.get("custom_status_id") is not None:
        status = directory.statuses.get(as_int(payload["custom_status_id"], "custom_status_id"))
        if status is None or not status.active:
            raise errors.record_invalid("custom_status_id", "Custom status is invalid")
        after["custom_status_id"] = status.id
        after["status"] = status.category
    if "status" in payload and payload.get("custom_status_id") is None:
        status_name = payload["status"]
        if status_name not in STATUSES:
            raise errors.record_invalid("status", f"Status: {status_name!r} is not valid")
        if status_name == "new" and after["status"] not in {None, "new"}:
            raise errors.record_invalid("status", "Status: cannot be changed back to new")
        after["status"] = status_name
    if creating and after["status"] is None:
        after["status"] = "open" if payload.get("assignee_id") else "new"


def set_tags(after: Values, payload: Mapping[str, Any]) -> None:
    if "tags" in payload:
        after["tags"] = normalise_tags(payload["tags"])
    if "additional_tags" in payload:
        for tag in normalise_tags(payload["additional_tags"]):
            if tag not in after["tags"]:
                after["tags"].append(tag)
    if "remove_tags" in payload:
        removed = set(normalise_tags(payload["remove_tags"]))
        after["tags"] = [t for t in after["tags"] if t not in removed]


def normalise_tags(value: Any) -> list[str]:
    """Zendesk tags are lower case without spaces: text is split on whitespace."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    words = [word for item in items for word in str(item).split()]
    tags: list[str] = []
    for word in words:
        tag = word.strip().lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def set_custom_fields(directory: Directory, after: Values, payload: Mapping[str, Any]) -> None:
    entries = payload.get("custom_fields") or payload.get("fields") or []
    if isinstance(entries, Mapping):
        entries = [{"id": k, "value": v} for k, v in entries.items()]
    if not isinstance(entries, list):
        raise errors.record_invalid("custom_fields", "Custom fields: expected a list")
    for entry in entries:
        if not isinstance(entry, Mapping) or "id" not in entry:
            raise errors.record_invalid("custom_fields", "Custom fields: expected {id, value}")
        spec = directory.fields.get(as_int(entry["id"], "custom_fields.id"))
        if spec is None:
            continue  # Zendesk ignores ids of fields it does not know
        value = field_value(spec.type, spec.options, entry.get("value"), spec.title)
        if spec.type == "tagger":
            old = after["fields"].get(spec.id)
            after["tags"] = [t for t in after["tags"] if t != old]
            if value is not None and value not in after["tags"]:
                after["tags"].append(value)
        after["fields"][spec.id] = value


def field_value(kind: str, options: tuple[Any, ...], value: Any, title: str) -> Any:
    """A custom field value as Zendesk stores and shows it (numbers as strings)."""
    if value is None or value == "":
        return None
    if kind == "checkbox":
        return bool(value)
    if kind == "integer":
        try:
            return str(int(str(value)))
        except ValueError as exc:
            raise errors.record_invalid(title, f"{title}: {value!r} is not a number") from exc
    if kind == "tagger" and str(value) not in {o.value for o in options}:
        raise errors.record_invalid(title, f"{title}: {value!r} is not an option")
    return str(value)


def record_time(directory: Directory, after: Values, seconds: int) -> None:
    """What the Time Tracking app writes: this update's time and the new total."""
    total_id, last_id = directory.total_time_field, directory.last_time_field
    if total_id is None or last_id is None:
        raise errors.EmulatorError("a time entry needs the two Time Tracking ticket fields")
    total = int(after["fields"].get(total_id) or 0) + seconds
    after["fields"][total_id] = str(total)
    after["fields"][last_id] = str(seconds)


def settle_status(
    directory: Directory, before: Values, after: Values, payload: Mapping[str, Any]
) -> None:
    if after["status"] == "new" and after["assignee_id"] is not None:
        after["status"] = "open"
    given = payload.get("custom_status_id") is not None
    if not given and (after["status"] != before["status"] or after["custom_status_id"] is None):
        default = directory.default_status(after["status"])
        after["custom_status_id"] = default.id if default else None


def field_events(before: Values, after: Values, kind: str) -> list[dict[str, Any]]:
    """Change events (with previous_value) or Create events, values as strings."""
    events = []
    names: list[str | int] = [*FIELD_ORDER, *sorted(set(before["fields"]) | set(after["fields"]))]
    for name in names:
        old = before["fields"].get(name) if isinstance(name, int) else before[name]
        new = after["fields"].get(name) if isinstance(name, int) else after[name]
        if old == new or (kind == "Create" and new in (None, [])):
            continue
        event = {"type": kind, "field_name": str(name), "value": event_value(new)}
        if kind == "Change":
            event["previous_value"] = event_value(old)
        events.append(event)
    return events


def event_value(value: Any) -> Any:
    """Audit event values are strings even for ids; tags stay arrays; null stays null."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)
