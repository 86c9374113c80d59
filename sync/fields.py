"""Which custom ticket fields zdsync reads, resolved to this account's field ids.

Field ids differ per account, so they are looked up by title in the stored directory: the
field configured as "System" (seed 000's List Mode column; given by id or title) and the two
fields the Time Tracking app installs (zendesk-api.md §10).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync.records import TicketFieldRecord

TOTAL_TIME_TITLES = ("Total time spent (sec)", "Total time spent")
LAST_UPDATE_TIME_TITLES = ("Time spent last update (sec)", "Time spent last update")


@dataclass(frozen=True)
class FieldIds:
    system: int | None = None
    total_time: int | None = None
    last_update_time: int | None = None


def resolve_fields(fields: Iterable[TicketFieldRecord], system_field: int | str | None) -> FieldIds:
    """Field ids by title (exact first, then case-insensitive); None where not found."""
    fields = tuple(fields)
    if isinstance(system_field, int):
        system = system_field if any(f.id == system_field for f in fields) else None
    elif system_field is None:
        system = None
    else:
        system = find_field(fields, (system_field,))
    return FieldIds(
        system=system,
        total_time=find_field(fields, TOTAL_TIME_TITLES),
        last_update_time=find_field(fields, LAST_UPDATE_TIME_TITLES),
    )


def find_field(fields: tuple[TicketFieldRecord, ...], titles: tuple[str, ...]) -> int | None:
    for title in titles:
        for candidate in fields:
            if title in (candidate.title, candidate.raw_title):
                return candidate.id
    lowered = {t.casefold() for t in titles}
    for candidate in fields:
        names = {candidate.title.casefold(), (candidate.raw_title or "").casefold()}
        if names & lowered:
            return candidate.id
    return None
