"""Note templates: text with named placeholders such as ``{partner}`` or ``{minutes}``.

Templates come from the configuration file, so they are checked once when the
configuration is read (``template_problem``) and rendered without surprises later.
Only plain names are allowed: no attribute access, indexing or conversions, which would
let a configuration file reach into our objects.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_FORMATTER = string.Formatter()


def placeholders(template: str) -> set[str]:
    """The placeholder names used in ``template``; raises ValueError when it is malformed."""
    names: set[str] = set()
    for _literal, name, spec, conversion in _FORMATTER.parse(template):
        if name is None:
            continue
        if not name.isidentifier() or conversion is not None or spec:
            raise ValueError(f"placeholder {{{name}}} must be a plain name like {{partner}}")
        names.add(name)
    return names


def template_problem(template: str, allowed: Collection[str]) -> str | None:
    """Why ``template`` cannot be used with the ``allowed`` placeholders, or None if it can."""
    try:
        used = placeholders(template)
    except ValueError as error:
        return str(error)
    unknown = sorted(used - set(allowed))
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        offered = ", ".join("{" + name + "}" for name in sorted(allowed))
        return f"unknown placeholder {names}; available: {offered}"
    return None


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill a template that ``template_problem`` accepted with ``values``."""
    return template.format_map(values)


def format_duration(duration: timedelta) -> str:
    """A duration as support staff write it: ``45m``, ``2h 05m``; from a day on in days and
    hours, ``3 d 4 h``: nobody reads ``76h 10m`` at a glance."""
    minutes = max(0, duration.days * 1440 + duration.seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        return "%d d %d h" % divmod(hours, 24)  # noqa: UP031 (faster)
    return "%dh %02dm" % (hours, minutes) if hours else "%dm" % minutes  # noqa: UP031 (faster)


def format_time(moment: datetime, zone: str = "UTC") -> str:
    """An instant as the notes show it, in ``zone`` and labelled with it:
    ``2025-01-06 10:00 CET``."""
    local = moment.astimezone(UTC if zone == "UTC" else ZoneInfo(zone))
    return f"{local.isoformat(' ', 'minutes')[:16]} {local.tzname()}"  # strftime is slower
