"""Reading scenario files: YAML (or an equivalent mapping) into :mod:`specs` records.

The format is documented in docs/emulator.md. Every problem is reported as a
:class:`ScenarioError` naming the source and the key path (``tickets[3].history[1].by``),
so a developer editing ``demo.yaml`` sees exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from emulator.profile_fields_format import read_custom_field, read_values
from emulator.scenario_values import ScenarioError, Where, absolute_time
from emulator.specs import (
    DEFAULT_STATUSES,
    Credential,
    CustomFieldSpec,
    FieldOption,
    FieldSpec,
    GroupSpec,
    OrganizationSpec,
    ScenarioData,
    StatusSpec,
    UserSpec,
)
from emulator.tickets_format import TicketReader

ROLE_TYPES = {"admin": 4, "agent": 0, "end-user": None}
STATUS_CATEGORIES = ("new", "open", "pending", "hold", "solved")


def load_file(path: Path) -> ScenarioData:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2025-02-30
        raise ScenarioError(f"{path}: cannot read scenario: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{path}: a scenario file is a mapping of sections")
    return parse(data, source=str(path), default_name=path.stem)


def parse(
    data: Mapping[str, Any], *, source: str = "<mapping>", default_name: str = "scenario"
) -> ScenarioData:
    """Validate ``data`` and turn it into records; raises ScenarioError."""
    at = Where(source)
    known = {"name", "account", "organizations", "groups", "users", "credentials"}
    known |= {"ticket_fields", "custom_statuses", "tickets", "script"}
    known |= {"user_fields", "organization_fields"}
    at.reject_unknown(data, known)
    account = at.mapping(data.get("account", {}), "account")
    at.reject_unknown(account, {"subdomain", "start", "frozen"}, "account")
    start = account.get("start")
    user_fields = custom_fields(data, "user_fields", at)
    organization_fields = custom_fields(data, "organization_fields", at)
    users = tuple(read_user(u, where, user_fields) for u, where in entries(data, "users", at))
    fields = tuple(read_field(f, where) for f, where in entries(data, "ticket_fields", at))
    statuses = (
        tuple(read_status(s, where) for s, where in entries(data, "custom_statuses", at))
        or DEFAULT_STATUSES
    )
    reader = TicketReader(users, fields, statuses)
    return ScenarioData(
        name=str(data.get("name", default_name)),
        organizations=tuple(
            read_organization(o, where, organization_fields)
            for o, where in entries(data, "organizations", at)
        ),
        groups=tuple(read_group(g, where) for g, where in entries(data, "groups", at)),
        users=users,
        ticket_fields=fields,
        user_fields=tuple(user_fields.values()),
        organization_fields=tuple(organization_fields.values()),
        custom_statuses=statuses,
        credentials=tuple(
            read_credential(c, where, users) for c, where in entries(data, "credentials", at)
        ),
        tickets=tuple(reader.ticket(t, where) for t, where in entries(data, "tickets", at)),
        script=tuple(reader.script_entry(s, where) for s, where in entries(data, "script", at)),
        start=None if start is None else absolute_time(start, at.key("account.start")),
        frozen=bool(account.get("frozen", False)),
        subdomain=str(account.get("subdomain", "emulator")),
    )


def entries(data: Mapping[str, Any], key: str, at: Where) -> list[tuple[Any, Where]]:
    """The items of a list section, each with its position (``tickets[3]``)."""
    value = data.get(key) or []
    if not isinstance(value, list):
        raise at.key(key).fail(f"expected a list, got {type(value).__name__}")
    return [(item, at.key(f"{key}[{i}]")) for i, item in enumerate(value)]


def custom_fields(data: Mapping[str, Any], key: str, at: Where) -> dict[str, CustomFieldSpec]:
    """A ``user_fields`` / ``organization_fields`` section, by field key."""
    found: dict[str, CustomFieldSpec] = {}
    for item, where in entries(data, key, at):
        spec = read_custom_field(item, where)
        if spec.key in found:
            raise where.key("key").fail(f"{spec.key!r} is declared twice")
        found[spec.key] = spec
    return found


def read_organization(
    data: Any, at: Where, declared: Mapping[str, CustomFieldSpec]
) -> OrganizationSpec:
    data = at.mapping(data)
    at.reject_unknown(data, {"id", "name", "tags", "fields"})
    return OrganizationSpec(
        id=at.integer(data, "id"),
        name=str(data["name"]),
        tags=tuple(data.get("tags", ())),
        fields=read_values(data, at, declared),
    )


def read_group(data: Any, at: Where) -> GroupSpec:
    data = at.mapping(data)
    at.reject_unknown(data, {"id", "name", "description"})
    return GroupSpec(
        id=at.integer(data, "id"),
        name=str(data["name"]),
        description=str(data.get("description", "")),
    )


def read_user(data: Any, at: Where, declared: Mapping[str, CustomFieldSpec]) -> UserSpec:
    data = at.mapping(data)
    keys = {"id", "name", "email", "role", "light", "role_type", "groups", "default_group"}
    at.reject_unknown(data, keys | {"organization", "active", "suspended", "fields"})
    role = at.choice(data, "role", "end-user", ROLE_TYPES)
    light = bool(data.get("light", False))
    if light and role != "agent":
        raise at.key("light").fail("only a role 'agent' user can be a light agent")
    role_type = 1 if light else data.get("role_type", ROLE_TYPES[role])
    groups = tuple(int(g) for g in data.get("groups", ()))
    default_group = at.optional_integer(data, "default_group")
    return UserSpec(
        id=at.integer(data, "id"),
        name=str(data.get("name", f"User {data.get('id')}")),
        email=data.get("email"),
        role=role,
        role_type=role_type,
        groups=groups,
        default_group=default_group if default_group is not None else next(iter(groups), None),
        organization=at.optional_integer(data, "organization"),
        active=bool(data.get("active", True)),
        suspended=bool(data.get("suspended", False)),
        fields=read_values(data, at, declared),
    )


def read_field(data: Any, at: Where) -> FieldSpec:
    data = at.mapping(data)
    at.reject_unknown(data, {"id", "title", "type", "options", "app", "active"})
    options = data.get("options") or []
    if isinstance(options, Mapping):
        parsed = tuple(FieldOption(name=str(k), value=str(v)) for k, v in options.items())
    else:
        parsed = tuple(FieldOption(name=str(o), value=str(o)) for o in options)
    return FieldSpec(
        id=at.integer(data, "id"),
        title=str(data["title"]),
        type=str(data.get("type", "text")),
        options=parsed,
        creator_app_name=data.get("app"),
        active=bool(data.get("active", True)),
    )


def read_status(data: Any, at: Where) -> StatusSpec:
    data = at.mapping(data)
    at.reject_unknown(data, {"id", "category", "label", "default", "active"})
    category = at.choice(data, "category", None, STATUS_CATEGORIES)
    return StatusSpec(
        id=at.integer(data, "id"),
        category=category,
        label=str(data.get("label", category.title())),
        default=bool(data.get("default", False)),
        active=bool(data.get("active", True)),
    )


def read_credential(data: Any, at: Where, users: Sequence[UserSpec]) -> Credential:
    data = at.mapping(data)
    at.reject_unknown(data, {"user", "token", "oauth_token"})
    ref = data.get("user")
    user = next((u for u in users if ref in {u.id, u.email}), None)
    if user is None:
        raise at.key("user").fail(f"no user with id or email {ref!r}")
    if not data.get("token") and not data.get("oauth_token"):
        raise at.fail("give a token (API token) or an oauth_token")
    return Credential(
        user=user.id,
        email=user.email,
        token=data.get("token"),
        oauth_token=data.get("oauth_token"),
    )
