"""Merging the entries of one ticket into one change: precedence, tags, the note and its
references; and the update_many path for identical additive changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync.clock import FixedClock
from sync.errors import ZendeskUnavailable
from sync.push.breaker import Breaker
from sync.push.merge import (
    NOT_CREATED_YET,
    applied_refs,
    entry_ref,
    merge,
    needs_safe_update,
    precedence,
    refs_in,
)
from sync.push.outcomes import PushReport
from sync.push.recheck import Settlement
from sync.push.sending import BULK_MIN, Sender
from sync.records import AuditRecord, EventRecord, OutboxEntry, TicketRecord
from tests.fakes.store import FakeStore
from tests.fakes.writer import FakeWriter
from tests.fakes.zendesk import FakeZendesk

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
STAMP = "2025-03-03T08:59:58Z"


def ticket(ticket_id: int = 7, tags: tuple[str, ...] = ("vip", "old")) -> TicketRecord:
    raw = {"id": ticket_id, "updated_at": STAMP, "tags": list(tags)}
    return TicketRecord(ticket_id, "pending", 201, 21, None, None, None, "s", None, tags,
                        T0, T0, 1, raw)  # fmt: skip


def entry(rule: str, *actions: dict[str, Any], minute: int = 0, ticket_id: int = 7) -> OutboxEntry:
    return OutboxEntry(
        key=f"{rule}:{ticket_id}:{minute}",
        ticket_id=ticket_id,
        rule=rule,
        actions=actions,
        facts={},
        decided_at=T0 + timedelta(minutes=minute),
    )


def note(body: str) -> dict[str, Any]:
    return {"type": "add_note", "body": body}


HAND_BACK = entry(
    "hand_back", {"type": "assign", "group_id": 100, "assignee_id": None}, note("back")
)
SUBMIT = entry("submit_as_open", {"type": "set_status", "status": "open"}, note("open"))
TIME = entry("time_entry_note", note("time"), {"type": "add_tags", "tags": ["time_note_missing"]})


def test_entries_merge_in_rule_order_then_oldest_first() -> None:
    late_hand_back = dataclasses.replace(HAND_BACK, key="hand_back:7:late", decided_at=T0 + HOUR)
    early_time = dataclasses.replace(TIME, decided_at=T0 - HOUR)
    ordered = precedence([early_time, SUBMIT, late_hand_back, HAND_BACK])
    assert [e.key for e in ordered] == [
        HAND_BACK.key,
        "hand_back:7:late",
        SUBMIT.key,
        TIME.key,
    ]


def test_one_change_carries_every_field_tag_and_note_with_the_mirrors_stamp() -> None:
    merged = merge(ticket(), [TIME, SUBMIT, HAND_BACK], author_id=1)
    change = merged.change
    assert change.fields == {
        "group_id": 100,
        "assignee_id": None,  # a group alone clears the assignee
        "status": "open",
        "tags": ["old", "time_note_missing", "vip"],
    }
    assert change.updated_stamp == STAMP  # exactly as Zendesk sent it
    assert (change.author_id, change.additional_tags, change.remove_tags) == (1, (), ())
    assert change.note is not None
    texts, refs = change.note.rsplit("\n\n", 1)
    assert texts.split("\n\n") == ["back", "open", "time"]
    assert refs == (
        f"zdsync ref {entry_ref(HAND_BACK.key)} (hand_back), "
        f"{entry_ref(SUBMIT.key)} (submit_as_open), {entry_ref(TIME.key)} (time_entry_note)"
    )
    assert merged.keys == (HAND_BACK.key, SUBMIT.key, TIME.key)
    assert merged.dropped == ()


def test_a_field_two_entries_set_keeps_the_value_of_the_first_in_precedence() -> None:
    other = entry("custom_rule", {"type": "set_status", "status": "pending"})
    agent = entry("later_rule", {"type": "assign", "assignee_id": 31}, minute=1)
    merged = merge(ticket(), [other, agent, SUBMIT, HAND_BACK], author_id=1)
    assert merged.change.fields["status"] == "open"
    assert merged.change.fields["assignee_id"] is None
    assert "group_id" in merged.change.fields
    assert merged.dropped == (
        f"status='pending' of {other.key} (kept {SUBMIT.key})",
        f"assignee_id=31 of {agent.key} (kept {HAND_BACK.key})",
    )


def test_an_agent_without_a_group_keeps_the_tickets_group() -> None:
    assign = entry("hand_back", {"type": "assign", "group_id": None, "assignee_id": 11})
    assert merge(ticket(), [assign], author_id=1).change.fields == {"assignee_id": 11}


def test_tags_added_and_removed_apply_to_the_mirrors_set_first_entry_deciding() -> None:
    add = entry("hand_back", {"type": "add_tags", "tags": ["x", "gone"]})
    remove = entry("submit_as_open", {"type": "remove_tags", "tags": ["vip", "x"]})
    assert merge(ticket(), [remove, add], author_id=1).change.fields == {
        "tags": ["gone", "old", "x"]
    }
    same = entry("hand_back", {"type": "add_tags", "tags": ["vip"]})
    assert merge(ticket(), [same], author_id=1).change.fields == {}


def test_an_additive_change_sends_relative_tags_and_no_stamp() -> None:
    add = entry("hand_back", {"type": "add_tags", "tags": ["x"]})
    remove = entry("submit_as_open", {"type": "remove_tags", "tags": ["vip"]})
    change = merge(ticket(), [add, remove], author_id=1, additive=True).change
    assert (change.fields, change.updated_stamp, change.note) == ({}, None, None)
    assert (change.additional_tags, change.remove_tags) == (("x",), ("vip",))
    with pytest.raises(ValueError, match="sets \\['status'\\], so it is not additive"):
        merge(ticket(), [SUBMIT], author_id=1, additive=True)


def test_a_follow_up_note_names_the_new_ticket_or_says_it_is_new() -> None:
    create = entry(
        "follow_up_ticket",
        {"type": "create_follow_up", "source_ticket_id": 7, "kind": "maintenance",
         "subject": "s", "body": "b", "group_id": 100, "note": "created #{new_ticket}",
         "tags": ["zdsync_follow_up"]},
    )  # fmt: skip
    created = merge(ticket(), [create], author_id=1, follow_ups={create.key: 9001}).change
    assert created.note is not None and created.note.startswith("created #9001\n\n")
    planned = merge(ticket(), [create], author_id=1).change
    assert planned.note is not None and planned.note.startswith(f"created #{NOT_CREATED_YET}")
    assert needs_safe_update([create]) and needs_safe_update([HAND_BACK])
    assert not needs_safe_update([TIME])


def test_unreadable_actions_are_an_error_naming_the_entry() -> None:
    bad = entry("hand_back", {"type": "teleport"})
    with pytest.raises(ValueError, match="hand_back:7:0: unknown action type 'teleport'"):
        merge(ticket(), [bad], author_id=1)


def test_the_worker_finds_its_references_in_its_own_notes_only() -> None:
    text = merge(ticket(), [HAND_BACK, TIME], author_id=1).change.note or ""
    assert refs_in(text) == {entry_ref(HAND_BACK.key), entry_ref(TIME.key)}
    assert refs_in("quoted: zdsync ref 0123456789ab") == set()  # only lines that start so

    def comment(audit_id: int, author: int) -> AuditRecord:
        event = EventRecord(audit_id * 10, audit_id, 7, 0, "Comment", public=False,
                            author_id=author, body=text)  # fmt: skip
        return AuditRecord(audit_id, 7, author, T0, "api", (event,), {})

    assert applied_refs([comment(1, 21), comment(2, 1)], worker_id=1) == {
        entry_ref(HAND_BACK.key): 2,
        entry_ref(TIME.key): 2,
    }


# -- update_many -------------------------------------------------------------------------------


def tagged(ticket_id: int) -> OutboxEntry:
    return entry("tagging", {"type": "add_tags", "tags": ["audited"]}, ticket_id=ticket_id)


def test_an_identical_note_less_additive_change_on_many_tickets_goes_through_update_many() -> None:
    clock = FixedClock(T0)
    zendesk = FakeZendesk()
    writer = FakeWriter(zendesk, clock=clock)
    count = BULK_MIN + 2
    for ticket_id in range(1, count + 1):
        writer.add_ticket(ticket_id, by=11, group_id=201)
    writer.edit(count, by=11, delete=True)  # gone before the job ran
    settled: list[Settlement] = []
    report = PushReport(now=T0, dry_run=False)
    sender = Sender(store=FakeStore(clock=clock), zendesk=writer, system_field_id=None,
                    report=report, settle=settled.append, again=lambda *a: None,
                    breaker=Breaker(report))  # fmt: skip
    sendable = [(zendesk.tickets[i], [tagged(i)]) for i in range(1, count + 1)]
    sendable.append((ticket(99), [SUBMIT]))

    singles, bulk = sender.split_bulk(sendable, worker=1)
    sender.send_bulk(bulk)

    assert [t.id for t, _ in singles] == [99]
    (group,) = bulk
    assert group.change.additional_tags == ("audited",)
    assert writer.calls["update_many"] == 1 and writer.calls["update"] == 0
    assert all("audited" in zendesk.tickets[i].tags for i in range(1, count))
    states = {s.key: s.state for s in settled}
    assert states == {tagged(i).key: "applied" for i in range(1, count)} | {
        tagged(count).key: "skipped"
    }


def test_fewer_tickets_than_the_threshold_are_updated_one_by_one() -> None:
    clock = FixedClock(T0)
    writer = FakeWriter(FakeZendesk(), clock=clock)
    report = PushReport(now=T0, dry_run=False)
    sender = Sender(store=FakeStore(clock=clock), zendesk=writer, system_field_id=None,
                    report=report, settle=lambda s: None, again=lambda *a: None,
                    breaker=Breaker(report))  # fmt: skip
    sendable = [(ticket(i), [tagged(i)]) for i in range(1, BULK_MIN)]
    singles, bulk = sender.split_bulk(sendable, worker=1)
    assert (len(singles), bulk) == (BULK_MIN - 1, [])


def test_update_many_meeting_an_outage_stops_the_push_and_settles_nothing() -> None:
    clock = FixedClock(T0)
    zendesk = FakeZendesk()
    writer = FakeWriter(zendesk, clock=clock)
    for ticket_id in range(1, BULK_MIN + 1):
        writer.add_ticket(ticket_id, by=11, group_id=201)
    writer.fail_next["update_many"] = [ZendeskUnavailable("503 after every retry")]
    settled: list[Settlement] = []
    report = PushReport(now=T0, dry_run=False)
    sender = Sender(store=FakeStore(clock=clock), zendesk=writer, system_field_id=None,
                    report=report, settle=settled.append, again=lambda *a: None,
                    breaker=Breaker(report))  # fmt: skip
    sendable = [(zendesk.tickets[i], [tagged(i)]) for i in range(1, BULK_MIN + 1)]
    _, bulk = sender.split_bulk(sendable, worker=1)

    sender.send_bulk(bulk)

    assert report.stopped and "503 after every retry" in (report.stopped_by or "")
    assert settled == []  # every entry stays as it was: the outage is not theirs
