"""What a rule asks Zendesk to do. Frozen and comparable, and JSON-able because they wait
in the outbox and are merged per ticket into one update later.

``to_dict`` gives ``{"type": ..., <fields>}``; ``action_from_dict`` reads it back and
raises ValueError naming the type and field for anything it does not recognise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

#: Statuses a rule may set (closed and deleted are Zendesk's to set).
SETTABLE_STATUSES = frozenset({"new", "open", "pending", "hold", "solved"})
#: Replaced in ``CreateFollowUp.note`` by the new ticket's id once Zendesk created it.
NEW_TICKET = "{new_ticket}"


class _Serialised:
    """``to_dict`` for the flat dataclasses below (tuples become lists)."""

    __slots__ = ()
    type: ClassVar[str]

    def to_dict(self) -> dict[str, Json]:
        out: dict[str, Json] = {"type": self.type}
        for spec in fields(self):  # type: ignore[arg-type]
            value = getattr(self, spec.name)
            out[spec.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, slots=True)
class Assign(_Serialised):
    """Assign the ticket. A group without an agent means the group alone (the assignee is
    cleared); an agent without a group keeps the ticket's group."""

    type: ClassVar[str] = "assign"
    group_id: int | None = None
    assignee_id: int | None = None

    def __post_init__(self) -> None:
        if self.group_id is None and self.assignee_id is None:
            raise ValueError("assign: needs a group_id, an assignee_id or both")


@dataclass(frozen=True, slots=True)
class SetStatus(_Serialised):
    """Set the status; with custom statuses on, ``custom_status_id`` picks one of its
    category (None: the account's default status of that category)."""

    type: ClassVar[str] = "set_status"
    status: str
    custom_status_id: int | None = None

    def __post_init__(self) -> None:
        if self.status not in SETTABLE_STATUSES:
            raise ValueError(
                f"set_status: {self.status!r} is not one of {sorted(SETTABLE_STATUSES)}"
            )


@dataclass(frozen=True, slots=True)
class AddNote(_Serialised):
    """Add an internal note (a comment with ``public: false``) written by the worker."""

    type: ClassVar[str] = "add_note"
    body: str


@dataclass(frozen=True, slots=True)
class AddTags(_Serialised):
    type: ClassVar[str] = "add_tags"
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", _tag_set("add_tags", self.tags))


@dataclass(frozen=True, slots=True)
class RemoveTags(_Serialised):
    type: ClassVar[str] = "remove_tags"
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", _tag_set("remove_tags", self.tags))


@dataclass(frozen=True, slots=True)
class CreateFollowUp(_Serialised):
    """Create a new ticket for ISPnext linked to ``source_ticket_id``, then add ``note``
    (with ``{new_ticket}`` filled in) to the original as an internal note.

    The new ticket is the customer's, as the original is: the original's requester and
    organization, its priority and its value of the "System" field (``system_field_id``).
    """

    type: ClassVar[str] = "create_follow_up"
    source_ticket_id: int
    kind: str
    subject: str
    body: str
    group_id: int | None
    note: str
    tags: tuple[str, ...] = ()
    # Defaults: entries queued before these fields existed still read.
    requester_id: int | None = None
    organization_id: int | None = None
    priority: str | None = None
    system_field_id: int | None = None
    #: Text, or a tuple for a multi-select field.
    system_value: str | tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", _tag_set("create_follow_up", self.tags, empty=True))

    def note_for(self, new_ticket_id: int) -> str:
        """The note for the original ticket once Zendesk gave the new one its id."""
        return self.note.replace(NEW_TICKET, str(new_ticket_id))


Action = Assign | SetStatus | AddNote | AddTags | RemoveTags | CreateFollowUp

ACTION_TYPES: dict[str, type[Action]] = {
    kind.type: kind for kind in (Assign, SetStatus, AddNote, AddTags, RemoveTags, CreateFollowUp)
}


def action_from_dict(data: Mapping[str, Any]) -> Action:
    """The action ``to_dict`` produced; ValueError for an unknown type or a bad field."""
    kind = ACTION_TYPES.get(data.get("type", ""))
    if kind is None:
        raise ValueError(f"unknown action type {data.get('type')!r}")
    arguments: dict[str, Any] = {}
    for spec in fields(kind):
        if spec.name not in data:
            continue  # the dataclass reports a missing required field by name
        value = data[spec.name]
        arguments[spec.name] = tuple(value) if isinstance(value, list) else value
        _check_type(kind.type, spec.name, arguments[spec.name], spec.type)
    extra = set(data) - {"type"} - {spec.name for spec in fields(kind)}
    if extra:
        raise ValueError(f"{kind.type}: unknown field(s) {sorted(extra)}")
    try:
        return kind(**arguments)
    except TypeError as error:
        raise ValueError(f"{kind.type}: {error}") from None


_EXPECTED: dict[str, tuple[type, ...]] = {
    "int | None": (int, type(None)),
    "int": (int,),
    "str": (str,),
    "str | None": (str, type(None)),
    "tuple[str, ...]": (tuple,),
    "str | tuple[str, ...] | None": (str, tuple, type(None)),
}


def _check_type(kind: str, name: str, value: object, annotation: object) -> None:
    expected = _EXPECTED.get(str(annotation), (object,))
    if isinstance(value, bool) or not isinstance(value, expected):
        raise ValueError(f"{kind}.{name}: expected {annotation}, got {value!r}")


def is_tag(value: object) -> bool:
    """A Zendesk tag is one word: no spaces anywhere."""
    return isinstance(value, str) and value.split() == [value]


def _tag_set(kind: str, tags: tuple[str, ...], *, empty: bool = False) -> tuple[str, ...]:
    if not tags and not empty:
        raise ValueError(f"{kind}: needs at least one tag")
    for tag in tags:
        if not is_tag(tag):
            raise ValueError(f"{kind}: {tag!r} is not a Zendesk tag")
    return tuple(sorted(set(tags)))
