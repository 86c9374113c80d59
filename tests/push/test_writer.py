"""The writer side of the real ZendeskClient against the emulator over HTTP: safe updates
(and the 409, 422 and 404 they meet), the answer's raw JSON, update_many jobs and their
per-ticket results, and ticket creation with an Idempotency-Key, including answers lost
after the write was applied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.zendesk import ZendeskClient
from emulator import Emulator, FaultKind, FaultRule, RateLimits, Scenario
from sync.errors import TicketConflict, TicketNotFound, ZendeskRejected, ZendeskUnavailable
from sync.records import NewTicket, TicketChange
from tests.push.conftest import PUSH_SCENARIO, START, push_settings

SYSTEM = 360001
HANDED, SOLVED = 2000, 2009  # a partner's ticket; one solved, closed in the tests


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    scenario = Scenario.load(PUSH_SCENARIO)
    with Emulator(scenario, start=START, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator, tmp_path: Path) -> Iterator[ZendeskClient]:
    settings = push_settings(emulator.base_url, tmp_path / "unused.db", request_timeout_seconds=2)
    built = ZendeskClient(settings.require_zendesk(), settings.sync, sleep=lambda _: None)
    yield built
    built.close()


def note_change(ticket_id: int, stamp: str | None, body: str = "A note.") -> TicketChange:
    return TicketChange(ticket_id, {"status": "open"}, note=body, author_id=1, updated_stamp=stamp)


def test_a_safe_update_returns_the_ticket_as_zendesk_sent_it_and_its_audit(
    client: ZendeskClient, emulator: Emulator
) -> None:
    before = client.show_ticket(HANDED, system_field_id=SYSTEM)
    change = TicketChange(
        HANDED, {"group_id": 100, "assignee_id": 11, "tags": ["x", *before.tags]},
        note="Back to ISPnext.", author_id=1, updated_stamp=before.raw["updated_at"],
    )  # fmt: skip

    answer = client.update_ticket(change, system_field_id=SYSTEM)

    shown = client.show_ticket(HANDED, system_field_id=SYSTEM)
    assert answer.ticket == shown and answer.ticket.raw == shown.raw  # "from", not zenpy's "from_"
    assert (shown.group_id, shown.assignee_id, shown.system) == (100, 11, "system_mail")
    assert answer.audit is not None and answer.audit.author_id == 1
    comment = answer.audit.events[0]
    assert (comment.type, comment.public, comment.body) == ("Comment", False, "Back to ISPnext.")
    assert answer.audit.id == client.ticket_audits(HANDED).audits[-1].id


def test_a_stale_stamp_is_a_conflict_and_changes_nothing(
    client: ZendeskClient, emulator: Emulator
) -> None:
    before = client.show_ticket(HANDED, system_field_id=SYSTEM)
    emulator.act(HANDED, by=21, note="The agent was first.")

    with pytest.raises(TicketConflict):
        client.update_ticket(note_change(HANDED, before.raw["updated_at"]), system_field_id=None)

    audits = client.ticket_audits(HANDED).audits
    assert [e.body for e in audits[-1].events if e.type == "Comment"] == ["The agent was first."]


def test_a_closed_ticket_is_a_422_and_a_missing_one_a_404(
    client: ZendeskClient, emulator: Emulator
) -> None:
    emulator.act(SOLVED, by=11, status="closed")
    with pytest.raises(ZendeskRejected) as refused:
        client.update_ticket(note_change(SOLVED, None), system_field_id=None)
    assert refused.value.status == 422 and "closed" in refused.value.body
    with pytest.raises(TicketNotFound):
        client.update_ticket(note_change(9999, None), system_field_id=None)
    with pytest.raises(TicketNotFound):
        client.show_ticket(9999, system_field_id=None)


def test_an_update_whose_answer_is_lost_says_it_may_have_been_applied(
    client: ZendeskClient, emulator: Emulator
) -> None:
    emulator.faults.add(FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="PUT", nth=1))
    before = client.show_ticket(HANDED, system_field_id=None)
    with pytest.raises(ZendeskUnavailable) as lost:
        client.update_ticket(note_change(HANDED, before.raw["updated_at"]), system_field_id=None)
    assert lost.value.maybe_applied
    comments = [e for a in client.ticket_audits(HANDED).audits for e in a.events]
    assert [e.body for e in comments if e.author_id == 1] == ["A note."]  # sent once, applied


def test_update_many_runs_jobs_of_at_most_100_and_reads_each_tickets_outcome(
    client: ZendeskClient, emulator: Emulator
) -> None:
    emulator.act(SOLVED, by=11, status="closed")
    ids = [t for t in range(2000, 2060)] * 2  # 120 ids: two jobs (Zendesk dedupes nothing)
    change = TicketChange(0, additional_tags=("audited",))

    results = client.update_many(ids, change)

    assert len(results) == 120 and len({r.job_id for r in results}) == 2
    failed = {r.ticket_id for r in results if not r.success}
    assert failed == {SOLVED}
    assert all("audited" in client.show_ticket(t, system_field_id=None).tags for t in ids
               if t != SOLVED)  # fmt: skip
    assert emulator.stats()["PUT /api/v2/tickets/update_many"] == 2


def test_a_lost_update_many_answer_is_sent_again_when_it_has_no_note(
    client: ZendeskClient, emulator: Emulator
) -> None:
    emulator.faults.add(FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="PUT",
                                  path="update_many", nth=1))  # fmt: skip
    results = client.update_many([2000, 2001], TicketChange(0, additional_tags=("audited",)))
    assert [r.success for r in results] == [True, True]
    assert emulator.stats()["PUT /api/v2/tickets/update_many"] == 2
    added = [
        e
        for a in client.ticket_audits(2000).audits
        for e in a.events
        if e.type == "Change" and e.field_name == "tags" and "audited" in e.value
    ]
    assert len(added) == 1  # the second job found the tag there and changed nothing


def test_a_creation_is_idempotent_even_when_its_answer_is_lost(
    client: ZendeskClient, emulator: Emulator
) -> None:
    emulator.faults.add(FaultRule(FaultKind.TIMEOUT_AFTER_APPLY, method="POST", first=2))
    request = NewTicket("zdsync-k1", "Change Request for #2005", "Body.", 1, 100,
                        ("zdsync_follow_up",), "zdsync:k1")  # fmt: skip

    created = client.create_ticket(request)  # two answers lost, the third is a hit
    again = client.create_ticket(request)

    assert created.replayed and again.replayed and created.ticket_id == again.ticket_id
    assert len(emulator.snapshot()["created_tickets"]) == 1
    new = client.show_ticket(created.ticket_id, system_field_id=None)
    assert (new.group_id, new.tags) == (100, ("zdsync_follow_up",))
    other = client.create_ticket(NewTicket("zdsync-k2", "s", "b", 1, 100))
    assert not other.replayed and other.ticket_id != created.ticket_id


def test_an_unreadable_answer_to_an_update_says_it_may_have_been_applied(
    client: ZendeskClient, emulator: Emulator
) -> None:
    emulator.faults.add(FaultRule(FaultKind.MISSING_FIELDS, method="PUT", nth=1))
    before = client.show_ticket(HANDED, system_field_id=None)
    with pytest.raises(ZendeskUnavailable, match="unreadable") as garbled:
        client.update_ticket(note_change(HANDED, before.raw["updated_at"]), system_field_id=None)
    assert garbled.value.maybe_applied
    assert client.show_ticket(HANDED, system_field_id=None).updated_at > before.updated_at
