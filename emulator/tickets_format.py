"""Reading the ``tickets`` and ``script`` sections of a scenario file.

A ticket entry describes the ticket as it was created plus its ``history``; a script
entry is one future edit. Both use the same edit vocabulary (docs/emulator.md), which is
translated here into the ticket payload Zendesk's API takes, so the emulator replays
scenario histories through the same code as API updates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulator.scenario_values import Where, relative_or_absolute
from emulator.specs import (
    Edit,
    FieldSpec,
    ScriptEntry,
    StatusSpec,
    TicketSpec,
    UserSpec,
)

#: Edit keys and the ticket payload key they become (None: handled specially).
EDIT_KEYS: dict[str, str | None] = {
    "status": "status",
    "custom_status": "custom_status_id",
    "group": "group_id",
    "assignee": "assignee_id",
    "tags": "tags",
    "add_tags": "additional_tags",
    "remove_tags": "remove_tags",
    "priority": "priority",
    "type": "type",
    "subject": "subject",
    "fields": None,
    "reply": None,
    "note": None,
    "comment": None,
    "public": None,
    "author": None,
    "time": None,
    "delete": None,
}
TICKET_KEYS = {"id", "created", "by", "requester", "description", "organization", "channel"}
TICKET_KEYS |= {"history"} | set(EDIT_KEYS) - {
    "delete",
    "time",
    "reply",
    "note",
    "comment",
    "author",
}


class TicketReader:
    """Turns ticket and script entries into specs, checking every reference."""

    def __init__(
        self,
        users: Sequence[UserSpec],
        fields: Sequence[FieldSpec],
        statuses: Sequence[StatusSpec],
    ) -> None:
        self.user_ids = {u.id for u in users}
        self.fields = {f.id: f for f in fields}
        self.field_titles = {f.title: f for f in fields}
        self.status_ids = {s.id for s in statuses}

    def ticket(self, data: Any, at: Where) -> TicketSpec:
        data = at.mapping(data)
        at.reject_unknown(data, TICKET_KEYS)
        requester = self.user(data, "requester", at)
        by = self.user(data, "by", at) if data.get("by") is not None else requester
        payload = self.payload(data, at)
        payload["requester_id"] = requester
        description = str(data.get("description") or "").strip()
        if not description:
            raise at.key("description").fail("a ticket needs a description (its first comment)")
        payload["comment"] = {"body": description, "public": bool(data.get("public", True))}
        if data.get("organization") is not None:
            payload["organization_id"] = at.integer(data, "organization")
        history = tuple(
            self.edit(h, at.key(f"history[{i}]")) for i, h in enumerate(data.get("history") or [])
        )
        return TicketSpec(
            id=at.integer(data, "id"),
            created=relative_or_absolute(data.get("created", "-1d"), at.key("created")),
            by=by,
            payload=payload,
            history=history,
            channel=str(data.get("channel", "web")),
        )

    def script_entry(self, data: Any, at: Where) -> ScriptEntry:
        data = at.mapping(data)
        ticket = at.integer(data, "ticket")
        rest = {k: v for k, v in data.items() if k != "ticket"}
        return ScriptEntry(ticket=ticket, edit=self.edit(rest, at))

    def edit(self, data: Any, at: Where) -> Edit:
        data = at.mapping(data)
        at.reject_unknown(data, set(EDIT_KEYS) | {"at", "by", "channel"})
        if "at" not in data:
            raise at.key("at").fail("every edit needs a time (at: -2h, +5m or ISO-8601)")
        time = data.get("time")
        if time is not None and (isinstance(time, bool) or not isinstance(time, int)):
            raise at.key("time").fail(f"a time entry is whole seconds, got {time!r}")
        return Edit(
            at=relative_or_absolute(data["at"], at.key("at")),
            by=self.user(data, "by", at),
            payload=self.payload(data, at),
            time_spent=time,
            delete=bool(data.get("delete", False)),
            channel=str(data.get("channel", "web")),
        )

    def payload(self, data: Mapping[str, Any], at: Where) -> dict[str, Any]:
        payload: dict[str, Any] = {
            target: data[key]
            for key, target in EDIT_KEYS.items()
            if target is not None and key in data
        }
        for key in ("assignee", "requester"):
            if data.get(key) is not None and key in EDIT_KEYS:
                self.user(data, key, at)
        if data.get("custom_status") is not None and data["custom_status"] not in self.status_ids:
            raise at.key("custom_status").fail(f"no custom status {data['custom_status']!r}")
        if "fields" in data:
            payload["custom_fields"] = self.custom_fields(at.mapping(data["fields"], "fields"), at)
        comment = self.comment(data, at)
        if comment is not None:
            payload["comment"] = comment
        return payload

    def comment(self, data: Mapping[str, Any], at: Where) -> dict[str, Any] | None:
        given = [k for k in ("reply", "note", "comment") if data.get(k) is not None]
        if len(given) > 1:
            raise at.fail(f"one comment per edit, got {given}")
        if not given:
            return None
        key = given[0]
        public = key == "reply" if key != "comment" else bool(data.get("public", True))
        comment: dict[str, Any] = {"body": str(data[key]), "public": public}
        if data.get("author") is not None:
            comment["author_id"] = self.user(data, "author", at)
        return comment

    def custom_fields(self, data: Mapping[Any, Any], at: Where) -> list[dict[str, Any]]:
        values = []
        for key, value in data.items():
            spec = self.fields.get(key) if isinstance(key, int) else self.field_titles.get(key)
            if spec is None:
                raise at.key(f"fields.{key}").fail("no ticket field with that id or title")
            values.append({"id": spec.id, "value": option_value(spec, value)})
        return values

    def user(self, data: Mapping[str, Any], key: str, at: Where) -> int:
        value = at.integer(data, key)
        if value not in self.user_ids:
            raise at.key(key).fail(f"no user with id {value}")
        return value


def option_value(spec: FieldSpec, value: Any) -> Any:
    """A dropdown may be written with its option's name or value; both give the value."""
    if spec.type != "tagger" or value is None:
        return value
    for option in spec.options:
        if value in {option.name, option.value}:
            return option.value
    return value
