"""One ZendeskReader contract, run against the fake and against the real client talking
to the emulator over HTTP: the fake used by the cycle's unit tests cannot drift from what
the real adapter does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.errors import TicketNotFound
from sync.records import ExportPage
from tests.contract.worlds import (
    ACME,
    BILLING,
    PAGE_SIZE,
    TICKETS,
    FakeWorld,
    World,
    emulator_world,
)


@pytest.fixture(params=["fake", "emulator"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "fake":
        yield FakeWorld()
    else:
        with emulator_world() as real:
            yield real


def read_all(world: World, cursor: str | None = None) -> list[ExportPage]:
    return list(
        world.reader.export_tickets(
            cursor=cursor, start_time=world.start_time(), system_field_id=None
        )
    )


def test_whoami_is_the_worker_an_admin(world: World) -> None:
    me = world.reader.whoami()
    assert (me.id, me.role) == (1, "admin")


def test_the_directory_has_the_groups_and_the_agents_with_their_roles(world: World) -> None:
    directory = world.reader.directory()
    assert {g.id for g in directory.groups} >= {100, ACME, BILLING}
    users = {u.id: u for u in directory.users}
    assert {1, 11, 21, 22} <= set(users)
    assert users[22].is_light_agent and not users[21].is_light_agent
    assert {(m.user_id, m.group_id) for m in directory.memberships} >= {(21, ACME), (22, ACME)}


def test_users_by_id_include_end_users_and_skip_unknown_ids(world: World) -> None:
    found = {u.id: u for u in world.reader.users([21, 601, 999_999])}
    assert set(found) == {21, 601}
    assert (found[601].name, found[601].role) == ("Carla", "end-user")


def test_a_backfill_pages_through_every_ticket_once_in_stream_order(world: World) -> None:
    pages = read_all(world)
    ids = [t.id for page in pages for t in page.tickets]
    assert sorted(ids) == sorted(t for t, _ in TICKETS)
    assert all(len(page.tickets) <= PAGE_SIZE for page in pages)
    assert [p.end_of_stream for p in pages] == [False] * (len(pages) - 1) + [True]
    stream = [(t.generated_timestamp, t.id) for page in pages for t in page.tickets]
    assert stream == sorted(stream)
    groups = {t.id: t.group_id for page in pages for t in page.tickets}
    assert groups == dict(TICKETS)


def test_the_last_cursor_resumes_with_nothing_new_and_then_with_exactly_the_change(
    world: World,
) -> None:
    last = read_all(world)[-1]
    assert last.after_cursor  # present on the last page too
    assert [t.id for p in read_all(world, last.after_cursor) for t in p.tickets] == []
    world.touch(3)
    changed = read_all(world, last.after_cursor)
    assert [t.id for p in changed for t in p.tickets] == [3]
    assert changed[-1].end_of_stream


def test_audits_come_oldest_first_and_include_a_new_note(world: World) -> None:
    world.touch(4)
    batch = world.reader.ticket_audits(4)
    assert batch.ticket_id == 4 and len(batch.audits) >= 2
    assert [a.created_at for a in batch.audits] == sorted(a.created_at for a in batch.audits)
    for audit in batch.audits:
        assert audit.ticket_id == 4
        assert all(e.audit_id == audit.id and e.ticket_id == 4 for e in audit.events)
    notes = [e for e in batch.audits[-1].events if e.type == "Comment"]
    assert [(n.public, n.body, n.author_id) for n in notes] == [(False, "Looked at it.", 11)]


def test_audits_of_an_unknown_ticket_are_not_found(world: World) -> None:
    with pytest.raises(TicketNotFound):
        world.reader.ticket_audits(424242)


def test_a_ticket_shown_on_its_own_is_the_exported_one_without_the_export_stamp(
    world: World,
) -> None:
    exported = {t.id: t for page in read_all(world) for t in page.tickets}
    shown = world.reader.show_ticket(3, system_field_id=None)
    assert (shown.id, shown.group_id, shown.status, shown.updated_at) == (
        3, exported[3].group_id, exported[3].status, exported[3].updated_at)  # fmt: skip
    assert shown.generated_timestamp is None  # only the export sends it


def test_showing_an_unknown_ticket_is_not_found(world: World) -> None:
    with pytest.raises(TicketNotFound):
        world.reader.show_ticket(424242, system_field_id=None)


def test_the_fake_world_is_the_world_of_the_scenario() -> None:
    # Guards the suite itself: both worlds hold the same tickets in the same groups.
    assert {t.id: t.group_id for t in FakeWorld().fake.tickets.values()} == dict(TICKETS)
