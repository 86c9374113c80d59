"""A digest of everything the rules read besides the tickets: when it changes (new
parameters, a changed directory, a new go-live instant), decide evaluates every ticket once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass

from rules.config import RulesConfig
from rules.model import Directory as RulesDirectory


def fingerprint(config: RulesConfig, directory: RulesDirectory) -> str:
    """A digest of everything the rules read besides the tickets. Built from a canonical
    form, not ``repr``: sets (holidays, group ids) iterate in an order that differs from
    one process to the next."""
    text = json.dumps(_canonical((config, directory)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: object) -> object:
    """``value`` as plain JSON data with every collection in a fixed order."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value) if f.init}
    if isinstance(value, Mapping):
        return sorted(([_canonical(k), _canonical(v)] for k, v in value.items()), key=repr)
    if isinstance(value, set | frozenset):
        return sorted((_canonical(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # dates, durations, enums
