"""One cycle on fakes: pull -> decide -> push, as ``zdsync once`` and the daemon run it."""

from __future__ import annotations

from sync.cycle import run_cycle
from sync.errors import ZendeskRejected, ZendeskUnavailable
from sync.push.step import MAX_ATTEMPTS
from tests.sync.push_world import ALICE, ISPNEXT, World


def test_a_cycle_pulls_decides_and_pushes_and_the_next_has_nothing_to_do() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)

    first = run_cycle(world.writer, world.store, world.settings, world.clock)
    second = run_cycle(world.writer, world.store, world.settings, world.clock)

    assert not first.failed and first.push.outcomes == {"applied": 1}
    assert world.writer.ticket(7).group_id == ISPNEXT
    assert (second.decide.new, second.push.tickets, second.failed) == (0, 0, False)
    assert "cycle ok" in first.summary()


def test_a_dry_run_cycle_plans_what_it_would_decide_and_writes_nothing() -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, status="pending", note="Waiting.")
    world.later(hours=3)

    report = run_cycle(world.writer, world.store, world.settings, world.clock, dry_run=True)

    assert world.store.outbox() == []
    assert world.writer.calls["update"] == 0 and len(world.writer.notes(7)) == 0
    ((planned),) = report.push.planned
    assert planned.change.fields["status"] == "open"
    assert sorted(key.split(":")[0] for key in planned.keys) == ["hand_back", "submit_as_open"]


def test_a_cycle_with_a_failed_entry_reports_failure_until_the_entry_is_applied() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.writer.fail_next["update"] = [ZendeskRejected("422 invalid", status=422, body="x")]

    report = run_cycle(world.writer, world.store, world.settings, world.clock)

    assert report.failed and report.push.failed == 1 and report.failed_entries == 1
    assert report.summary().startswith("cycle failed")
    again = run_cycle(world.writer, world.store, world.settings, world.clock)
    assert not again.failed and again.failed_entries == 0


def test_an_entry_failed_for_good_fails_every_cycle_that_does_not_touch_it() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.writer.fail_next["update"] = [ZendeskRejected("422", status=422, body="x")] * 9
    for _ in range(MAX_ATTEMPTS):
        run_cycle(world.writer, world.store, world.settings, world.clock)
    calls = world.writer.calls["update"]

    report = run_cycle(world.writer, world.store, world.settings, world.clock)

    assert world.writer.calls["update"] == calls  # no attempts left: not sent again
    assert report.push.failed == 0 and report.failed_entries == 1 and report.failed


def test_a_cycle_whose_push_met_an_outage_reports_failure() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.writer.fail_next["update"] = [ZendeskUnavailable("503 after every retry")]

    report = run_cycle(world.writer, world.store, world.settings, world.clock)

    assert report.failed and report.push.stopped and report.failed_entries == 0
    assert report.summary().startswith("cycle failed")


def test_a_cycle_before_any_directory_says_so_and_fails() -> None:
    world = World()
    world.writer.zendesk.fail_next["directory"] = [ZendeskUnavailable("down")]

    report = run_cycle(world.writer, world.store, world.settings, world.clock)

    assert report.failed and report.push.problem is not None
    assert report.pull.errors
