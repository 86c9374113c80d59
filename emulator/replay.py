"""Building a world from a scenario: create every ticket and replay every history edit
in time order, through the same operations the API uses, then queue the script.

Tickets are taken in creation order and their history edits wait in a heap until their
time comes, so a generated 100,000-ticket scenario streams through without ever holding
all its specs at once. Creation audits are made lazily (see
:class:`~emulator.tickets.Ticket`), which keeps such a world quick to build and
small in memory.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime

from emulator.errors import ApiError, EmulatorError
from emulator.specs import Edit, ScenarioData, TicketSpec, resolve
from emulator.world import World

#: (time, ticket order, position in its history, ticket id, edit)
Pending = tuple[int, int, int, int, Edit]


def populate(world: World, scenario: ScenarioData) -> None:
    """Create the scenario's tickets and histories, queue its script, fire what is due."""
    # Building 100,000 tickets allocates millions of long-lived objects; the cyclic
    # collector would rescan them over and over while nothing here is garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _replay(world, scenario)
    finally:
        if collecting:
            gc.enable()
    world.scenario_ticket_ids = frozenset(world.tickets)
    for entry in scenario.script:
        world.schedule(entry, _stamp(resolve(entry.edit.at, world.clock.start)))
    world.run_due(world.clock.now())


def _replay(world: World, scenario: ScenarioData) -> None:
    start = world.clock.start
    users = world.directory.users
    pending: list[Pending] = []
    for order, created, spec in _in_creation_order(scenario, start):
        while pending and pending[0][:2] <= (created, order):
            _apply(world, heapq.heappop(pending))
        if spec.id in world.tickets:
            raise EmulatorError(f"scenario {scenario.name!r}: ticket id {spec.id} appears twice")
        try:
            world.create_ticket(
                spec.payload,
                users[spec.by],
                channel=spec.channel,
                at=created,
                ticket_id=spec.id,
                keep_audit=False,
            )
        except ApiError as exc:
            raise EmulatorError(f"scenario ticket {spec.id}: {exc}") from exc
        previous = created
        for position, edit in enumerate(spec.history, start=1):
            at = _stamp(resolve(edit.at, start))
            if at < previous:
                raise EmulatorError(
                    f"scenario {scenario.name!r}: ticket {spec.id} history[{position - 1}] "
                    "is older than what comes before it"
                )
            heapq.heappush(pending, (at, order, position, spec.id, edit))
            previous = at
    while pending:
        _apply(world, heapq.heappop(pending))


def _in_creation_order(
    scenario: ScenarioData, start: datetime
) -> Iterator[tuple[int, int, TicketSpec]]:
    """(order, creation time, spec). Tuples (scenario files) are sorted here; lazy
    sequences (generated worlds) must already be in creation order, which is checked."""
    tickets: Iterable[TicketSpec] = scenario.tickets
    if isinstance(tickets, tuple | list):
        timed = [(_stamp(resolve(t.created, start)), n, t) for n, t in enumerate(tickets)]
        yield from ((n, created, t) for created, n, t in sorted(timed, key=lambda x: x[:2]))
        return
    latest = None
    for order, spec in enumerate(tickets):
        created = _stamp(resolve(spec.created, start))
        if latest is not None and created < latest:
            raise EmulatorError(f"generated ticket {spec.id} is out of creation order")
        latest = created
        yield order, created, spec


def _apply(world: World, step: Pending) -> None:
    at, _, _, ticket_id, edit = step
    try:
        world.apply_edit(ticket_id, edit, at)
    except (ApiError, EmulatorError) as exc:
        raise EmulatorError(f"scenario ticket {ticket_id}: {exc}") from exc


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())
