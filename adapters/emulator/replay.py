"""Building a world from a scenario: create every ticket and replay every history edit
in time order, through the same operations the API uses, then queue the script.

Creation audits are made lazily (see :class:`~adapters.emulator.tickets.Ticket`), which
keeps a generated 100,000-ticket world quick to build and small in memory.
"""

from __future__ import annotations

import gc
from datetime import datetime

from adapters.emulator.errors import ApiError, EmulatorError
from adapters.emulator.specs import Edit, ScenarioData, TicketSpec, resolve
from adapters.emulator.world import World

Step = tuple[int, int, int, TicketSpec, Edit | None]


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


def _replay(world: World, scenario: ScenarioData) -> None:
    start = world.clock.start
    users = world.directory.users
    for at, _, _, spec, edit in sorted(_steps(scenario, start), key=lambda s: s[:3]):
        if edit is None:
            world.create_ticket(
                spec.payload,
                users[spec.by],
                channel=spec.channel,
                at=at,
                ticket_id=spec.id,
                keep_audit=False,
            )
        else:
            try:
                world.apply_edit(spec.id, edit, at)
            except (ApiError, EmulatorError) as exc:
                raise EmulatorError(f"scenario ticket {spec.id}: {exc}") from exc
    world.scenario_ticket_ids = frozenset(world.tickets)
    for entry in scenario.script:
        world.schedule(entry, _stamp(resolve(entry.edit.at, start)))
    world.run_due(world.clock.now())


def _steps(scenario: ScenarioData, start: datetime) -> list[Step]:
    seen: set[int] = set()
    steps: list[Step] = []
    for order, spec in enumerate(scenario.tickets):
        if spec.id in seen:
            raise EmulatorError(f"scenario {scenario.name!r}: ticket id {spec.id} appears twice")
        seen.add(spec.id)
        previous = _stamp(resolve(spec.created, start))
        steps.append((previous, order, 0, spec, None))
        for position, edit in enumerate(spec.history, start=1):
            at = _stamp(resolve(edit.at, start))
            if at < previous:
                raise EmulatorError(
                    f"scenario {scenario.name!r}: ticket {spec.id} history[{position - 1}] "
                    "is older than what comes before it"
                )
            steps.append((at, order, position, spec, edit))
            previous = at
    return steps


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())
