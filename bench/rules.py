"""Pure rule evaluation: ``decide`` over 100,000 ticket views (target >= 50,000 views/s).

The views look like a partner mirror: most tickets sit in a partner group with a few
audits (creation, the move to the partner, a partner update with time tracked), and a
share of them gives each rule something to do. Building the views is not timed.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from rules.config import Account, Group, RulesConfig
from rules.engine import decide, next_due
from rules.model import Audit, Comment, Directory, Event, FieldChange, TicketView, User

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
WORKER, ISPNEXT, ACME, TOTAL = 1, 10, 20, 5001
ANNA, PIET, LIZ = 101, 201, 202


#: Shares of what happened to a ticket since the last cycle. Typical: most partner tickets
#: just got a partner update (with its internal note); one in ten gives a rule something to
#: do. Busy: every ticket fires a rule, the worst case for the engine.
TYPICAL = {"quiet": 90, "due": 4, "status": 2, "time_without_note": 3, "change_request": 1}
BUSY = {"due": 1, "status": 1, "time_without_note": 1, "change_request": 1}


#: Each figure is the best of this many runs, as timeit does: other work on the machine
#: only ever slows a run down, so the fastest run is the closest to the code's own cost.
REPEATS = 3


def run(quick: bool) -> dict[str, object]:
    """Figures for ``python -m bench``."""
    count = 10_000 if quick else 100_000
    config, directory = _setup()
    figures: dict[str, object] = {"views": count, "target_views_per_s": 50_000}
    for name, mix in (("typical", TYPICAL), ("busy", BUSY)):
        views = _views(count, directory, mix, random.Random(1))
        seconds = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            decisions = decide(views, config, NOW)
            seconds.append(time.perf_counter() - started)
        figures[f"{name}_decide_views_per_s"] = round(count / min(seconds))
        figures[f"{name}_decide_views_per_s_slowest_run"] = round(count / max(seconds))
        figures[f"{name}_decisions"] = len(decisions)
    started = time.perf_counter()
    ahead = sum(1 for view in views if next_due(view, config, NOW) is not None)
    figures["next_due_views_per_s"] = round(count / (time.perf_counter() - started))
    figures["views_with_a_time_ahead"] = ahead
    return figures


def _setup() -> tuple[RulesConfig, Directory]:
    account = Account(
        worker_id=WORKER,
        ispnext_groups=(Group(ISPNEXT, "ISPnext Support"),),
        partner_groups=(Group(ACME, "Acme IT"),),
        total_time_field_id=TOTAL,
    )
    users = (
        User(ANNA, "Anna", "agent", 0, frozenset({ISPNEXT})),
        User(PIET, "Piet", "agent", 0, frozenset({ACME})),
        User(LIZ, "Liz", "agent", 1, frozenset({ACME})),
    )
    return RulesConfig().with_account(account), Directory.build(account, users)


def _views(
    count: int, directory: Directory, mix: dict[str, int], rng: random.Random
) -> list[TicketView]:
    kinds = rng.choices(list(mix), weights=list(mix.values()), k=count)
    return [_view(n, kind, directory, rng) for n, kind in enumerate(kinds, start=1)]


def _view(ticket_id: int, kind: str, directory: Directory, rng: random.Random) -> TicketView:
    """One ticket: created by ISPnext, moved to Acme, then one partner update of ``kind``."""
    minutes_ago = rng.randrange(121, 600) if kind == "due" else rng.randrange(5, 115)
    moved = NOW - timedelta(minutes=minutes_ago)
    created = moved - timedelta(hours=1)
    first = ticket_id * 10
    author = LIZ if ticket_id % 2 else PIET
    status, tags, total = "open", frozenset({"router"}), 600
    events: list[Event] = [Comment(author, False, "analysis"), FieldChange(str(TOTAL), "0", "600")]
    if kind == "status":
        events.append(FieldChange("status", "open", "pending"))
        status = "pending"
    elif kind == "time_without_note":
        events[0] = Comment(author, True, "reply to the customer")
    elif kind == "change_request":
        tags = tags | {"change_request"}
        events.append(FieldChange("tags", ("router",), ("change_request", "router")))
    audits = (
        Audit(first, ANNA, created, (FieldChange("status", None, "open"),)),
        Audit(first + 1, ANNA, moved, (FieldChange("group_id", ISPNEXT, ACME),)),
        Audit(first + 2, author, moved + timedelta(minutes=4), tuple(events)),
    )
    return TicketView(
        id=ticket_id,
        status=status,
        group_id=ACME,
        assignee_id=PIET,
        created_at=created,
        updated_at=moved + timedelta(minutes=4),
        directory=directory,
        tags=tags,
        audits=audits,
        subject="Router down",
        time_spent_total=total,
    )


if __name__ == "__main__":
    for key, value in run(quick=False).items():
        print(f"{key:<38} {value}")
