"""The parsers do not demand what Zendesk may omit (issue 9, item 2).

For each record parser, ``SHAPES`` declares the keys it reads without (``optional``); the
keys it cannot do without are ``ESSENTIAL`` in adapters/zendesk/parse.py, each with its
reason. The declarations are checked against Zendesk's official spec (the committed subset,
tests/conformance/zendesk-openapi.subset.json, as published: no override): no key the spec
marks required is declared optional, no key the spec lets be null is demanded, and every
key a parser reads is declared one way or the other. Then, from valid records (the spec's
own examples and what the emulator sends), each optional key is dropped in turn and each
optional or nullable key set to null, and the record must still be read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from adapters.zendesk.parse import (
    ESSENTIAL,
    BadRecord,
    parse_audit,
    parse_custom_status,
    parse_event,
    parse_group,
    parse_job_status,
    parse_membership,
    parse_organization,
    parse_ticket,
    parse_ticket_field,
    parse_user,
)
from adapters.zendesk.session import json_body
from tests.conformance.patches import resolve
from tests.conformance.spec import official, shared_patched
from tests.contract.worlds import EmulatorWorld, emulator_world

#: A field id of the spec's ticket example, so that its custom_fields are read too.
SYSTEM_FIELD = 27642


@dataclass(frozen=True)
class Shape:
    #: The record kind, as BadRecord and ESSENTIAL name it.
    kind: str
    parse: Callable[[Any], Any]
    #: Where the spec describes the record: "#/components/schemas/X", or a JSON pointer
    #: into one (audit events are described inline in AuditObject).
    schemas: tuple[str, ...]
    #: Keys the parser reads without (a default stands in); none of them spec-required.
    optional: frozenset[str]
    #: The spec's examples holding such records: (example name, key of the list/object).
    examples: tuple[tuple[str, str], ...] = ()
    #: Optional keys the spec does not list at all (for such a record: seen in recordings).
    not_in_spec: frozenset[str] = field(default_factory=frozenset)


def _audit(raw: Any) -> Any:
    return parse_audit(raw, ticket_id=666)[0]


def _event(raw: Any) -> Any:
    return parse_event(raw, audit_id=900, ticket_id=666, position=0)


SHAPES = (
    Shape(
        "ticket",
        lambda raw: parse_ticket(raw, SYSTEM_FIELD),
        ("#/components/schemas/TicketObject",),
        frozenset({
            "created_at", "generated_timestamp", "group_id", "assignee_id", "organization_id",
            "custom_status_id", "subject", "raw_subject", "tags", "custom_fields",
        }),
        (("TicketResponseExample", "ticket"), ("TicketsResponseExample", "tickets"),
         ("CursorBasedExportIncrementalTicketsResponseExample", "tickets")),
    ),
    Shape(
        "audit",
        _audit,
        ("#/components/schemas/TicketAuditObject", "#/components/schemas/AuditObject"),
        frozenset({"author_id", "via"}),
        (("TicketAuditsForTicketResponseExample", "audits"),),
    ),
    Shape(
        "event",
        _event,
        ("#/components/schemas/AuditObject/properties/events/items",),
        frozenset({"field_name", "value", "previous_value", "public", "body", "author_id"}),
        not_in_spec=frozenset({"previous_value", "public", "author_id"}),
    ),
    Shape(
        "user",
        parse_user,
        ("#/components/schemas/UserObject",),
        frozenset({
            "role", "role_type", "email", "active", "suspended", "organization_id",
            "default_group_id",
        }),
        (("UserResponseExample", "user"), ("UsersResponseExample", "users"),
         ("ShowManyUsersResponseExample", "users"), ("CurrentUserResponseExample", "user")),
    ),
    Shape(
        "group",
        parse_group,
        ("#/components/schemas/GroupObject",),
        frozenset({"deleted"}),
        (("GroupsResponseExample", "groups"), ("GroupResponseExample", "group")),
    ),
    Shape(
        "group membership",
        parse_membership,
        ("#/components/schemas/GroupMembershipObject",),
        frozenset({"default"}),
        (("GroupMembershipsResponseExample", "group_memberships"),),
    ),
    Shape(
        "organization",
        parse_organization,
        ("#/components/schemas/OrganizationObject",),
        frozenset(),
        (("OrganizationsResponseExample", "organizations"),),
    ),
    Shape(
        "ticket field",
        parse_ticket_field,
        ("#/components/schemas/TicketFieldObject",),
        frozenset({"raw_title", "active"}),
        (("TicketFieldsResponseExample", "ticket_fields"),),
    ),
    Shape(
        "custom status",
        parse_custom_status,
        ("#/components/schemas/CustomStatusObject",),
        frozenset({"active", "default"}),
        (("CustomStatusesResponseExample", "custom_statuses"),),
    ),
    Shape(
        "job status",
        parse_job_status,
        ("#/components/schemas/JobStatusObject",),
        frozenset({"message", "results"}),
        (("ShowJobStatusResponseExample", "job_status"),
         ("JobStatusesResponseExample", "job_statuses")),
    ),
)  # fmt: skip
BY_KIND = {shape.kind: shape for shape in SHAPES}


# -- the spec --------------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    """What the spec says of a record: its properties, the required and the nullable ones."""

    properties: frozenset[str]
    required: frozenset[str]
    nullable: frozenset[str]


def described(document: Mapping[str, Any], pointers: tuple[str, ...]) -> Described:
    properties: set[str] = set()
    required: set[str] = set()
    nullable: set[str] = set()
    for schema in (node for pointer in pointers for node in _branches(document, pointer)):
        properties |= set(schema.get("properties", {}))
        required |= set(schema.get("required", []))
        nullable |= {
            name
            for name, prop in schema.get("properties", {}).items()
            if resolve(document, prop).get("nullable") is True  # type: ignore[arg-type]
        }
    return Described(frozenset(properties), frozenset(required), frozenset(nullable))


def _branches(document: Mapping[str, Any], pointer: str) -> Iterator[Mapping[str, Any]]:
    """The object schemas at ``pointer``: a union's (anyOf/oneOf/allOf) branches, all of
    them, so a key required or nullable in any branch counts as such."""
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part]
    pending = [node]
    while pending:
        schema = resolve(document, pending.pop())  # type: ignore[arg-type]
        branches = [b for key in ("anyOf", "oneOf", "allOf") for b in schema.get(key, [])]
        pending += branches
        if "properties" in schema or "required" in schema:
            yield schema


def spec_of(shape: Shape) -> Described:
    """Required keys from the spec as published; nullable ones also from the documented
    overrides (tests/conformance/overrides.py: the nulls real answers carry)."""
    published = described(official(), shape.schemas)
    patched = described(shared_patched(), shape.schemas)
    return Described(published.properties, published.required,
                     published.nullable | patched.nullable)  # fmt: skip


# -- valid records ---------------------------------------------------------------------


def spec_examples(shape: Shape) -> list[dict[str, Any]]:
    examples = official()["components"]["examples"]
    records: list[dict[str, Any]] = []
    for name, key in shape.examples:
        value = examples[name]["value"][key]
        records += value if isinstance(value, list) else [value]
    if shape.kind == "event":
        for audit in spec_examples(BY_KIND["audit"]):
            records += audit["events"]
    return records


@pytest.fixture(scope="module")
def emulator_records() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """What the emulator sends of each kind, read over HTTP from the contract world."""
    with emulator_world() as world:
        yield _read_emulator(world)


def _read_emulator(world: EmulatorWorld) -> dict[str, list[dict[str, Any]]]:
    session = world.reader.session
    base = session.base_url + "/api/v2"

    def get(path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        body = json_body(session.get(base + path, params=params))
        value = body[key]
        return value if isinstance(value, list) else [value]

    world.touch(1)  # an agent's internal note: a Comment event beside the Create ones
    job = json_body(session.put(
        base + "/tickets/update_many.json", params={"ids": "2,3"},
        data=json.dumps({"ticket": {"additional_tags": ["seen"]}}),
        headers={"Content-Type": "application/json"},
    ))["job_status"]  # fmt: skip
    audits = get("/tickets/1/audits.json", "audits")
    export = get("/incremental/tickets/cursor.json", "tickets", start_time=world.start_time())
    return {
        "ticket": get("/tickets/1.json", "ticket") + export,
        "audit": audits,
        "event": [event for audit in audits for event in audit["events"]],
        "user": get("/users/show_many.json", "users", ids="1,11,22,601")
        + get("/users/me.json", "user"),
        "group": get("/groups.json", "groups"),
        "group membership": get("/group_memberships.json", "group_memberships"),
        "organization": get("/organizations.json", "organizations"),
        "ticket field": get("/ticket_fields.json", "ticket_fields"),
        "custom status": get("/custom_statuses.json", "custom_statuses"),
        "job status": [job, *get(f"/job_statuses/{job['id']}.json", "job_status")],
    }


def records_of(shape: Shape, emulator: Mapping[str, list[dict[str, Any]]]) -> list[Any]:
    return spec_examples(shape) + emulator[shape.kind]


# -- the declarations against the spec -------------------------------------------------


class Reads(dict[str, Any]):
    """A record that notes every key a parser looks at."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        super().__init__(raw)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.kind)
def test_the_declared_optional_keys_agree_with_the_spec(
    shape: Shape, emulator_records: Mapping[str, list[dict[str, Any]]]
) -> None:
    spec = spec_of(shape)
    essential = set(ESSENTIAL[shape.kind])
    assert not shape.optional & spec.required, "the spec requires these: not optional"
    assert not shape.optional & essential, "declared both optional and essential"
    assert not essential & spec.nullable, "the spec lets these be null: not essential"
    assert all(ESSENTIAL[shape.kind].values()), "an essential key needs its reason"
    # Every optional key is the spec's (or known not to be), so a misspelt one is caught.
    assert shape.optional - spec.properties == shape.not_in_spec
    # Every key the parser reads is declared: optional, essential, or required by the spec.
    records = records_of(shape, emulator_records)
    read: set[str] = set()
    for raw in records:
        tracked = Reads(raw)
        shape.parse(tracked)
        read |= tracked.read
    assert read - shape.optional - essential - spec.required == set()
    # A nullable key the parser reads is one it reads without.
    assert (read & spec.nullable) - shape.optional - spec.required == set()
    # Each optional key is in some valid record, so dropping it tests something.
    present = {key for raw in records for key in raw}
    assert shape.optional - present == set()


OPTIONAL_CASES = [
    pytest.param(shape, key, id=f"{shape.kind}-{key}")
    for shape in SHAPES
    for key in sorted(shape.optional)
]


@pytest.mark.parametrize(("shape", "key"), OPTIONAL_CASES)
def test_a_record_without_an_optional_key_is_read(
    shape: Shape, key: str, emulator_records: Mapping[str, list[dict[str, Any]]]
) -> None:
    tried = 0
    for raw in records_of(shape, emulator_records):
        if key in raw:
            record = shape.parse({k: v for k, v in raw.items() if k != key})
            assert record.id == raw["id"]
            tried += 1
    assert tried


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.kind)
def test_a_record_with_its_optional_and_nullable_keys_null_is_read(
    shape: Shape, emulator_records: Mapping[str, list[dict[str, Any]]]
) -> None:
    spec = spec_of(shape)
    nullable = (shape.optional | spec.nullable) - set(ESSENTIAL[shape.kind])
    for raw in records_of(shape, emulator_records):
        for key in sorted(nullable & set(raw)):
            assert shape.parse({**raw, key: None}).id == raw["id"], key
        # All of them at once, too: the barest record Zendesk could send.
        bare = {k: v for k, v in raw.items() if k not in shape.optional}
        assert shape.parse({**bare, **dict.fromkeys(nullable & set(bare))}).id == raw["id"]


@pytest.mark.parametrize(
    ("shape", "key"),
    [pytest.param(BY_KIND[kind], key, id=f"{kind}-{key}")
     for kind, keys in ESSENTIAL.items() for key in keys],
)  # fmt: skip
def test_a_record_without_an_essential_key_is_refused_naming_it(
    shape: Shape, key: str, emulator_records: Mapping[str, list[dict[str, Any]]]
) -> None:
    raw = next(r for r in records_of(shape, emulator_records) if key in r)
    with pytest.raises(BadRecord) as caught:
        shape.parse({k: v for k, v in raw.items() if k != key})
    assert caught.value.kind == shape.kind
    assert f"missing {key!r}" in caught.value.reason
