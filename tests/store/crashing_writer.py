"""A pull that dies: saves export pages into a store and, when told to, kills its own
process with SIGKILL in the middle of one page's transaction, right after its rows.

Run by ``test_crash.py`` as ``python -m tests.store.crashing_writer URL PAGES [KILL_AT]``.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from adapters.store import open_store
from tests.store.builders import ticket

PAGE_SIZE = 50
CURSOR = "export.after_cursor"


def page(number: int) -> list[Any]:
    """Page ``number`` (from 1) of a deterministic export; every fifth ticket is a partner's."""
    first = (number - 1) * PAGE_SIZE + 1
    return [
        ticket(i, group_id=100 if i % 5 == 0 else 300, updated=timedelta(seconds=i))
        for i in range(first, first + PAGE_SIZE)
    ]


def _die_after_ticket_rows(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    # The rows of this page are written but not committed: die as kill -9 would.
    if statement.startswith("INSERT INTO tickets"):
        os.kill(os.getpid(), signal.SIGKILL)


def main(url: str, pages: int, kill_at: int | None) -> None:
    store = open_store(url)
    start = int(store.read_state(CURSOR) or "0") + 1
    for number in range(start, pages + 1):
        if number == kill_at:
            event.listen(store.engine, "after_cursor_execute", _die_after_ticket_rows)
        tickets = page(number)
        flagged = [t.id for t in tickets if t.group_id == 100]
        store.save_export_page(tickets, needs_audits=flagged, cursor_key=CURSOR, cursor=str(number))
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
