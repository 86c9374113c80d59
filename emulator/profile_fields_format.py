"""Reading custom user and organization fields from a scenario, and the values users and
organizations give them (docs/emulator.md, "Scenario files").

A field is ``{id, key, title, type, options, active}``; ``type`` is one whose values are
text or numbers (the spec types organization field values as string or number only, so
checkbox, multiselect and lookup fields are not emulated). A user's or organization's
``fields`` maps declared keys to values; a dropdown's value must be one of its options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.scenario_values import Where
from emulator.specs import CustomFieldSpec, FieldOption, FieldValue

TYPES = ("text", "textarea", "integer", "decimal", "date", "regexp", "dropdown")


def read_custom_field(data: Any, at: Where) -> CustomFieldSpec:
    data = at.mapping(data)
    at.reject_unknown(data, {"id", "key", "title", "type", "options", "active"})
    key = data.get("key")
    if not isinstance(key, str) or not key.replace("_", "").isalnum() or key.isdigit():
        raise at.key("key").fail(f"expected letters, digits and underscores, got {key!r}")
    kind = at.choice(data, "type", "text", TYPES)
    options = data.get("options") or {}
    if not isinstance(options, Mapping):
        raise at.key("options").fail("expected a mapping of option names to values")
    if bool(options) != (kind == "dropdown"):
        raise at.key("options").fail("a dropdown field needs options; other types take none")
    return CustomFieldSpec(
        id=at.integer(data, "id"),
        key=key,
        title=str(data.get("title", key)),
        type=kind,
        options=tuple(FieldOption(name=str(k), value=str(v)) for k, v in options.items()),
        active=bool(data.get("active", True)),
    )


def read_values(
    data: Mapping[str, Any], at: Where, declared: Mapping[str, CustomFieldSpec]
) -> tuple[tuple[str, FieldValue], ...]:
    """The ``fields`` of a user or organization, checked against the declared fields."""
    given = at.mapping(data.get("fields") or {}, "fields")
    values: list[tuple[str, FieldValue]] = []
    for key, value in given.items():
        where = at.key(f"fields.{key}")
        spec = declared.get(str(key))
        if spec is None:
            known = ", ".join(sorted(declared)) or "none declared"
            raise where.fail(f"no such custom field; known keys: {known}")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise where.fail(f"expected text or a number, got {value!r}")
        if spec.type == "dropdown" and value not in {o.value for o in spec.options}:
            listed = ", ".join(o.value for o in spec.options)
            raise where.fail(f"expected one of the options' values ({listed}), got {value!r}")
        values.append((str(key), value))
    return tuple(values)
