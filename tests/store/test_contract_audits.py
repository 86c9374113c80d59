"""The MirrorStore contract, part 2: audits and events, the directory, the List Mode.

Runs over SqlStore on SQLite and PostgreSQL and over FakeStore (fixture ``backend``).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from sync.records import AuditBatch, EventRecord, GroupRecord, TicketQuery
from tests.store.builders import audit, directory, ticket, user
from tests.store.conftest import Backend

CURSOR = "export.after_cursor"
TABLES = {
    "tickets",
    "audits",
    "audit_events",
    "users",
    "groups",
    "group_memberships",
    "organizations",
    "ticket_fields",
    "custom_statuses",
    "sync_state",
    "outbox",
    "ticket_due",
    "unreadable_tickets",
}


def mirror(backend: Backend, *ids: int, flagged: tuple[int, ...] = ()) -> None:
    pages = [ticket(i) for i in ids]
    backend.store.save_export_page(pages, needs_audits=flagged, cursor_key=CURSOR, cursor="c")


def test_audits_are_stored_oldest_first_and_clear_the_flag(backend: Backend) -> None:
    store = backend.store
    mirror(backend, 1, 2, flagged=(1, 2))
    newer, older = audit(12, 1, at=timedelta(hours=2)), audit(11, 1, at=timedelta(hours=1))
    store.save_audits(AuditBatch(1, (newer, older)))

    assert store.get_audits(1) == [older, newer]
    assert [a.raw for a in store.get_audits(1)] == [older.raw, newer.raw]
    assert store.get_audits(2) == []
    assert store.tickets_needing_audits() == [2]


def test_saving_the_same_audits_twice_adds_no_rows(backend: Backend) -> None:
    store = backend.store
    mirror(backend, 1, flagged=(1,))
    batch = AuditBatch(1, (audit(11, 1), audit(12, 1, at=timedelta(minutes=5))))
    store.save_audits(batch)
    counts = store.counts()
    store.save_audits(batch)
    assert store.counts() == counts
    assert (counts["audits"], counts["audit_events"]) == (2, 4)


def test_events_keep_zendesk_values_ids_as_strings_arrays_and_nulls(backend: Backend) -> None:
    store = backend.store
    mirror(backend, 1)
    values: list[tuple[object, object]] = [
        ("6130869168922", None),  # an id, as a string, set for the first time
        (["vip", "partner"], ["partner"]),  # tags
        (3600, 1800),  # a number (custom_status_id arrives as an int in some payloads)
        (None, "open"),
        ({"nested": [1, "two", None]}, True),
    ]
    events = tuple(
        EventRecord(
            id=500 + i,
            audit_id=50,
            ticket_id=1,
            position=i,
            type="Change",
            field_name=f"field_{i}",
            value=value,
            previous_value=previous,
        )
        for i, (value, previous) in enumerate(values)
    )
    comment = EventRecord(
        id=599,
        audit_id=50,
        ticket_id=1,
        position=len(values),
        type="Comment",
        public=True,
        author_id=8001,
        body="Hello — ünïcode ✓",
    )
    sent = dataclasses.replace(audit(50, 1), events=(*events, comment))
    store.save_audits(AuditBatch(1, (sent,)))

    (got,) = store.get_audits(1)
    assert got.events == sent.events
    assert [(e.value, e.previous_value) for e in got.events[:-1]] == values
    assert (got.events[-1].public, got.events[-1].field_name) == (True, None)


def test_audits_of_a_ticket_not_mirrored_are_refused(backend: Backend) -> None:
    store = backend.store
    with pytest.raises(LookupError, match="ticket 9 is not mirrored"):
        store.save_audits(AuditBatch(9, (audit(90, 9),)))
    assert store.counts()["audits"] == 0


def test_audits_filed_under_the_wrong_ticket_are_refused(backend: Backend) -> None:
    store = backend.store
    mirror(backend, 1, 2, flagged=(1,))
    with pytest.raises(ValueError, match="audit 20 belongs to ticket 2"):
        store.save_audits(AuditBatch(1, (audit(11, 1), audit(20, 2))))
    stray = dataclasses.replace(audit(11, 1), events=(audit(12, 1).events[0],))
    with pytest.raises(ValueError, match="event 120"):
        store.save_audits(AuditBatch(1, (stray,)))
    assert (store.counts()["audits"], store.tickets_needing_audits()) == (0, [1])


def test_the_directory_is_replaced_whole(backend: Backend) -> None:
    store = backend.store
    store.save_directory(directory(3, 1, 2))
    replacement = dataclasses.replace(
        directory(2, 4), groups=(GroupRecord(300, "Partner B", deleted=True),)
    )
    store.save_directory(replacement)

    loaded = store.load_directory()
    assert loaded == replacement
    assert [u.raw for u in loaded.users] == [u.raw for u in replacement.users]
    assert [f.raw for f in loaded.ticket_fields] == [f.raw for f in replacement.ticket_fields]
    assert store.get_users() == {2: user(2), 4: user(4)}
    assert store.counts()["groups"] == 1


def test_the_directory_reads_back_sorted_by_id(backend: Backend) -> None:
    store = backend.store
    store.save_directory(directory(30, 10, 20))
    loaded = store.load_directory()
    assert [u.id for u in loaded.users] == [10, 20, 30]
    assert [m.id for m in loaded.memberships] == [30, 60, 90]


def test_users_by_id(backend: Backend) -> None:
    store = backend.store
    light = user(2, role="agent", role_type=1)
    store.save_directory(dataclasses.replace(directory(1, 3), users=(user(1), light, user(3))))
    assert store.get_users([2, 3, 99]) == {2: light, 3: user(3)}
    got = store.get_users([2])[2]
    assert (got.role, got.role_type, got.is_light_agent, got.raw) == ("agent", 1, True, light.raw)
    assert store.get_users([]) == {}


def test_end_users_saved_one_by_one_survive_a_directory_refresh(backend: Backend) -> None:
    store = backend.store
    store.save_directory(directory(1, 2))
    customer = user(601, role="end-user", role_type=None)
    promoted = user(602, role="end-user", role_type=None)
    store.save_users([customer, promoted])
    store.save_users([dataclasses.replace(customer, name="Carla Klant")])  # an update
    # A refresh in which 602 became an agent and 2 left.
    store.save_directory(dataclasses.replace(directory(1), users=(user(1), user(602))))
    users = store.get_users()
    assert set(users) == {1, 601, 602}
    assert users[601].name == "Carla Klant" and users[601].role == "end-user"
    assert users[602].role == "agent"


def test_list_mode_latest_update_first_with_entity_and_group_names(backend: Backend) -> None:
    store = backend.store
    store.save_directory(directory(1))
    page = [
        ticket(1, updated=timedelta(hours=1)),
        ticket(2, updated=timedelta(hours=3), organization_id=None),
        ticket(3, updated=timedelta(hours=3), group_id=999),  # same time: higher id first
        ticket(4, updated=timedelta(hours=2), group_id=None, organization_id=4242),
    ]
    store.save_export_page(page, needs_audits=(), cursor_key=CURSOR, cursor="c")

    rows = store.list_tickets(TicketQuery())
    assert [r.id for r in rows] == [3, 2, 4, 1]
    first = rows[0]
    assert (first.entity, first.group_name, first.system, first.subject) == (
        "Acme Housing",
        None,
        "Billing",
        "Ticket 3",
    )
    assert (first.created_at, first.updated_at) == (page[2].created_at, page[2].updated_at)
    by_id = {r.id: r for r in rows}
    assert (by_id[1].group_name, by_id[1].entity) == ("Partner A", "Acme Housing")
    assert (by_id[2].entity, by_id[4].entity, by_id[4].group_name) == (None, None, None)
    assert [r.id for r in store.list_tickets(TicketQuery(limit=2))] == [3, 2]


def test_list_mode_filters_by_group_and_state(backend: Backend) -> None:
    store = backend.store
    statuses = ["new", "open", "pending", "hold", "solved", "closed", "deleted"]
    page = [
        ticket(i + 1, status=s, group_id=100 if i % 2 else 200, updated=timedelta(minutes=i))
        for i, s in enumerate(statuses)
    ]
    store.save_export_page(page, needs_audits=(), cursor_key=CURSOR, cursor="c")

    def ids(query: TicketQuery) -> list[int]:
        return [r.id for r in store.list_tickets(query)]

    assert ids(TicketQuery(state="open")) == [4, 3, 2, 1]
    assert ids(TicketQuery(state="closed")) == [7, 6, 5]
    assert {r.state for r in store.list_tickets(TicketQuery(state="closed"))} == {"Closed"}
    assert ids(TicketQuery(group_ids=(100,))) == [6, 4, 2]
    assert ids(TicketQuery(group_ids=(100, 200), state="closed", limit=2)) == [7, 6]
    assert ids(TicketQuery(group_ids=(300,))) == []
    with pytest.raises(ValueError, match=r"TicketQuery\.state"):
        store.list_tickets(TicketQuery(state="Closed"))


def test_counts_name_every_table(backend: Backend) -> None:
    store = backend.store
    assert store.counts() == dict.fromkeys(TABLES, 0)
    mirror(backend, 1, 2)
    store.save_audits(AuditBatch(1, (audit(11, 1),)))
    store.save_directory(directory(1, 2))
    counts = store.counts()
    assert (counts["tickets"], counts["audits"], counts["audit_events"]) == (2, 1, 2)
    assert (counts["users"], counts["group_memberships"], counts["sync_state"]) == (2, 2, 1)
