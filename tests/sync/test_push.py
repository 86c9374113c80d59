"""Push on fakes: merged updates, the re-check before sending, and every outcome.

The world (tests/sync/push_world.py) is Zendesk as FakeZendesk + FakeWriter and the mirror
as FakeStore, filled by the real pull and decide. Assertions are on state: the tickets,
audits and notes in the fake Zendesk, the outbox and the mirror.
"""

from __future__ import annotations

import dataclasses

from sync.errors import ZendeskRejected, ZendeskUnavailable
from sync.push.follow_ups import idempotency_key
from sync.push.merge import entry_ref
from sync.push.step import MAX_ATTEMPTS, MAX_ROUNDS
from sync.records import FOLLOW_UP_REQUESTED, OutboxEntry
from tests.sync.push_world import ACME, ALICE, INES, ISPNEXT, LEO, WORKER, World


def test_every_pending_entry_of_a_ticket_goes_out_as_one_safe_update() -> None:
    world = World()
    world.handed(7)
    world.later(hours=2, minutes=10)
    world.edit(7, by=LEO, status="pending", note="Waiting for the vendor.")
    # No internal note with it nor after it (a later one would answer it).
    world.time_entry(7, 600, reply="Still working on it.")
    pending = world.pull_and_decide()
    assert sorted(e.rule for e in pending) == ["hand_back", "submit_as_open", "time_entry_note"]
    before = world.writer.ticket(7)

    report = world.push()

    assert world.writer.calls["update"] == 1
    after = world.writer.ticket(7)
    assert (after.group_id, after.assignee_id, after.status) == (ISPNEXT, INES, "open")
    assert "time_note_missing" in after.tags
    (note,) = world.writer.notes(7)
    assert note.index("[zdsync: hand back]") < note.index("[zdsync: Submit as Open]")
    assert note.index("[zdsync: Submit as Open]") < note.index("[zdsync: time entry]")
    for entry in pending:
        assert f"{entry_ref(entry.key)} ({entry.rule})" in note.splitlines()[-1]
    audit = world.zendesk.audits[7][-1]
    assert (audit.author_id, audit.via_channel) == (WORKER, "api")
    assert {e.state for e in world.store.outbox()} == {"applied"}
    assert {e.audit_id for e in world.store.outbox()} == {audit.id}
    assert report.outcomes == {"applied": 3}
    assert before.updated_at < after.updated_at


def test_the_answer_goes_into_the_mirror_so_the_next_decide_sees_our_change() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    exported = world.store.get_ticket(7)

    world.push()

    mirrored, account = world.store.get_ticket(7), world.writer.ticket(7)
    assert exported is not None and mirrored is not None
    # The answer carries no generated_timestamp: the export's stays until the next export.
    assert mirrored == dataclasses.replace(
        account, generated_timestamp=exported.generated_timestamp
    )
    assert mirrored.updated_at > exported.updated_at
    assert world.store.get_audits(7)[-1].author_id == WORKER
    again = world.decide()
    assert (again.candidates, again.lines) == (1, [])  # evaluated, and nothing to do


# -- the re-check: settled without a request ------------------------------------------------


def test_a_ticket_closed_since_the_decision_is_skipped_without_a_request() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.edit(7, by=INES, status="closed")
    world.pull()

    report = world.push()

    assert world.writer.calls["update"] == 0
    (entry,) = world.store.outbox()
    assert entry.state == "skipped" and "closed" in (entry.last_error or "")
    assert report.outcomes == {"skipped": 1}


def test_a_deleted_ticket_is_skipped() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.edit(7, by=INES, delete=True)
    world.pull()

    world.push()

    (entry,) = world.store.outbox()
    assert (entry.state, entry.last_error) == ("skipped", "the ticket was deleted in Zendesk")
    assert world.writer.calls["update"] == 0


def test_a_ticket_that_left_the_partner_groups_is_skipped() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.edit(7, by=ALICE, group_id=ISPNEXT, assignee_id=INES, note="Back to you.")
    world.pull()

    world.push()

    (entry,) = world.store.outbox()
    assert entry.state == "skipped"
    assert "left the partner groups" in (entry.last_error or "")
    assert world.writer.notes(7) == []


def test_an_entry_whose_rule_no_longer_holds_is_skipped_with_the_rules_reason() -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, status="pending", note="Waiting.")
    world.pull_and_decide()
    world.edit(7, by=ALICE, status="open", note="Sorry, Submit as Open.")
    world.pull()

    world.push()

    (entry,) = world.store.outbox()
    assert entry.state == "skipped"
    assert entry.last_error == "rule no longer holds: the status is Open"
    assert world.writer.notes(7) == []


def test_an_entry_already_applied_is_recognised_by_its_reference_and_not_sent_again() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    (entry,) = world.pull_and_decide()
    world.push()
    applied = world.store.outbox()[0]
    # A crash after the update, before the outcome was recorded: the entry is pending again.
    world.store.settle(entry.key, state="pending", error="crashed")

    world.push()

    assert world.writer.calls["update"] == 1
    (again,) = world.store.outbox()
    assert (again.state, again.audit_id) == ("applied", applied.audit_id)
    assert len(world.writer.notes(7)) == 1


# -- races and lost answers ------------------------------------------------------------------


def test_a_409_re_pulls_decides_again_and_pushes_on_top_of_the_agents_change() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    raced: list[int] = []

    def agent_edits_first(ticket_id: int) -> None:
        if not raced:
            raced.append(ticket_id)
            world.edit(ticket_id, by=ALICE, note="Found the cause, writing it up.")

    world.writer.before_update = agent_edits_first

    report = world.push()

    assert world.writer.calls["update"] == 2 and report.repulled == 1
    comments = [e.body for a in world.zendesk.audits[7] for e in a.events if e.type == "Comment"]
    assert comments[-2] == "Found the cause, writing it up."  # the agent's note is kept
    assert comments[-1] is not None and "[zdsync: hand back]" in comments[-1]
    (settled,) = world.store.outbox()
    assert settled.state == "applied"
    assert world.writer.ticket(7).group_id == ISPNEXT


def test_a_409_whose_change_makes_the_rule_moot_ends_as_conflict_and_the_agent_wins() -> None:
    world = World()
    world.handed(7)
    world.edit(7, by=ALICE, status="pending", note="Waiting.")
    world.pull_and_decide()
    world.writer.before_update = lambda ticket_id: world.edit(
        ticket_id, by=INES, add_tags=["status_change_allowed"], note="Pending is fine here."
    )

    report = world.push()

    (settled,) = world.store.outbox()
    assert settled.state == "conflict"
    assert settled.last_error is not None
    assert settled.last_error.startswith("409")
    assert "exempt by tag status_change_allowed" in settled.last_error
    assert world.writer.ticket(7).status == "pending"
    assert world.writer.notes(7) == []
    assert report.outcomes == {"conflict": 1}


def test_a_409_decides_again_and_sends_the_new_decision_with_the_old_one() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.writer.before_update = lambda ticket_id: (
        world.edit(ticket_id, by=ALICE, status="pending", note="Waiting.")
        if world.writer.calls["update"] == 0
        else None
    )

    world.push()

    assert sorted(world.entries(7)) == ["hand_back", "submit_as_open"]
    assert world.states() == dict.fromkeys(world.states(), "applied")
    (note,) = world.writer.notes(7)
    assert "[zdsync: hand back]" in note and "[zdsync: Submit as Open]" in note
    assert world.writer.ticket(7).status == "open"


def test_an_update_whose_answer_was_lost_is_found_in_the_audits_and_never_sent_twice() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.writer.lose_answer["update"] = 1

    report = world.push()

    assert world.writer.calls["update"] == 1
    assert len(world.writer.notes(7)) == 1
    (entry,) = world.store.outbox()
    assert entry.state == "applied"
    assert entry.audit_id == world.zendesk.audits[7][-1].id
    assert (report.repulled, report.outcomes) == (1, {"applied": 1})


def test_an_update_lost_before_it_landed_is_sent_again() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.writer.fail_next["update"] = [ZendeskUnavailable("reset", maybe_applied=True)]

    world.push()

    assert world.writer.calls["update"] == 2
    assert len(world.writer.notes(7)) == 1
    assert world.store.outbox()[0].state == "applied"


def test_races_every_round_leave_the_entry_pending_for_the_next_cycle() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.writer.before_update = lambda ticket_id: world.edit(ticket_id, by=ALICE, note="Busy.")

    report = world.push()

    assert world.writer.calls["update"] == MAX_ROUNDS
    (entry,) = world.store.outbox()
    assert entry.state == "pending"
    assert entry.last_error is not None and entry.last_error.endswith("tried again next cycle")
    assert report.outcomes == {"pending": 1}

    world.writer.before_update = None
    world.push()
    assert world.store.outbox()[0].state == "applied"


# -- refusals and failures ---------------------------------------------------------------------


def test_a_ticket_deleted_meanwhile_is_skipped_on_the_404() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.writer.before_update = lambda ticket_id: world.edit(ticket_id, by=INES, delete=True)

    world.push()

    (entry,) = world.store.outbox()
    assert entry.state == "skipped" and "deleted" in (entry.last_error or "")


def test_a_ticket_closed_meanwhile_is_skipped_on_the_422() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.writer.before_update = lambda ticket_id: world.edit(ticket_id, by=INES, status="closed")

    world.push()

    (entry,) = world.store.outbox()
    assert entry.state == "skipped" and "closed meanwhile" in (entry.last_error or "")


def test_another_refusal_fails_the_entry_with_zendesks_answer() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    refusal = ZendeskRejected("PUT ticket 7: 422 assignee is invalid", status=422, body="x")
    world.writer.fail_next["update"] = [refusal]

    report = world.push()

    (entry,) = world.store.outbox()
    assert (entry.state, entry.attempts) == ("failed", 1)
    assert entry.last_error == "PUT ticket 7: 422 assignee is invalid"
    assert report.failed == 1 and report.errors


def test_a_failed_entry_is_retried_in_later_cycles_until_its_attempts_run_out() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    refused = ZendeskRejected("PUT ticket 7: 400 bad body", status=400, body="bad body")
    world.writer.fail_next["update"] = [refused] * MAX_ATTEMPTS

    for attempt in range(1, MAX_ATTEMPTS + 1):
        world.push()
        (entry,) = world.store.outbox()
        assert (entry.state, entry.attempts) == ("failed", attempt)

    world.push()  # no attempts left: not tried again
    assert world.writer.calls["update"] == MAX_ATTEMPTS
    assert world.store.outbox()[0].state == "failed"


def test_a_failed_entry_that_succeeds_later_is_applied() -> None:
    world = World()
    world.handed(7)
    world.later(hours=3)
    world.pull_and_decide()
    world.writer.fail_next["update"] = [ZendeskRejected("422 invalid", status=422, body="x")]
    world.push()

    world.push()

    (entry,) = world.store.outbox()
    assert (entry.state, entry.attempts, entry.last_error) == ("applied", 2, None)


# -- follow-up tickets -----------------------------------------------------------------------


def marked_change_request(world: World) -> OutboxEntry:
    world.handed(7)
    world.edit(7, by=ALICE, add_tags=["change_request"], note="This needs a change.")
    (entry,) = world.pull_and_decide()
    assert entry.rule == "follow_up_ticket"
    return entry


def test_a_follow_up_ticket_is_created_once_and_linked_in_the_original_note() -> None:
    world = World()
    marked_change_request(world)

    report = world.push()

    ((request, new_id),) = world.writer.created.values()
    assert request.group_id == ISPNEXT and "zdsync_follow_up" in request.tags
    assert request.author_id == WORKER
    (entry,) = world.store.outbox()
    assert (entry.state, entry.created_ticket_id) == ("applied", new_id)
    (note,) = world.writer.notes(7)
    assert f"#{new_id}" in note
    assert "zdsync_change_request_ticket" in world.writer.ticket(7).tags
    assert report.follow_ups_created == 1


def test_the_follow_up_ticket_is_the_customers_and_is_mirrored_at_once() -> None:
    world = World()
    world.writer.add_ticket(9, by=INES, group_id=ACME, requester_id=601, organization_id=401,
                            priority="high", tags=["change_request"])  # fmt: skip
    (entry,) = world.pull_and_decide()
    assert entry.rule == "follow_up_ticket"

    world.push()

    ((request, new_id),) = world.writer.created.values()
    assert (request.requester_id, request.organization_id, request.priority) == (601, 401, "high")
    mirrored = world.store.get_ticket(new_id)
    assert mirrored is not None and (mirrored.requester_id, mirrored.organization_id) == (601, 401)
    assert mirrored.group_id == ISPNEXT and "zdsync_follow_up" in mirrored.tags
    # The export brings it again: kept, and the rules leave the worker's own ticket alone.
    world.later(minutes=5)
    world.pull_and_decide()
    assert [e.ticket_id for e in world.store.outbox()] == [9]


def test_a_creation_whose_answer_was_lost_is_asked_again_with_the_same_key() -> None:
    world = World()
    entry = marked_change_request(world)
    world.writer.lose_answer["create"] = 1

    first = world.push()

    (waiting,) = world.store.outbox()
    assert (waiting.state, waiting.last_error) == ("pending", FOLLOW_UP_REQUESTED)
    assert waiting.created_ticket_id is None and world.writer.notes(7) == []
    assert first.errors

    world.push()

    assert world.writer.calls["create"] == 2 and len(world.writer.created) == 1
    ((request, new_id),) = world.writer.created.values()
    assert request.idempotency_key == idempotency_key(entry.key)
    (done,) = world.store.outbox()
    assert (done.state, done.created_ticket_id) == ("applied", new_id)
    assert f"#{new_id}" in world.writer.notes(7)[0]


def test_a_crash_after_the_creation_never_creates_a_second_ticket() -> None:
    world = World()
    marked_change_request(world)
    world.writer.fail_next["update"] = [ZendeskUnavailable("down")]
    world.push()  # created, then Zendesk went down before the original's update
    (failed,) = world.store.outbox()
    assert failed.state == "pending" and failed.created_ticket_id is not None
    world.writer.created.clear()  # even if Zendesk had forgotten the idempotency key

    world.push()

    assert world.writer.created == {}
    (entry,) = world.store.outbox()
    assert entry.state == "applied"
    assert f"#{failed.created_ticket_id}" in world.writer.notes(7)[0]


def test_a_request_older_than_the_idempotency_window_is_not_asked_again() -> None:
    world = World()
    entry = marked_change_request(world)
    world.store.note_follow_up(entry.key, created_ticket_id=None)  # asked, then the crash
    world.later(hours=3)

    world.push()

    assert world.writer.calls["create"] == 0
    (failed,) = world.store.outbox()
    assert failed.state == "failed"
    assert f"external_id zdsync:{entry.key}" in (failed.last_error or "")


# -- dry run ----------------------------------------------------------------------------------


def test_a_dry_run_sends_nothing_and_writes_nothing() -> None:
    world = World()
    marked_change_request(world)
    world.handed(8)
    world.later(hours=3)
    world.pull_and_decide()
    before = world.store.outbox()
    world.writer.calls.clear()

    report = world.push(dry_run=True)

    assert world.store.outbox() == before
    assert world.writer.calls == {}
    assert [(p.ticket_id, p.via) for p in report.planned] == [(7, "update"), (8, "update")]
    follow_up = report.planned[0].change
    assert follow_up.note is not None and "#(new)" in follow_up.note
    assert report.planned[1].change.fields == {"group_id": ISPNEXT, "assignee_id": INES}
    assert report.outcomes == {"planned": 3}  # 7: follow-up and hand back; 8: hand back
