"""An outage must not burn the decisions (issue 8, defect 1): the push world's decisions
are pending, Zendesk fails for six cycles (the worker's token revoked; or 503 on every
write), then comes back. Every decision is then applied exactly once, none failed, no note
or follow-up ticket twice: the emulator ends as a run without the outage ends.

The emulator's clock and the worker's are frozen at the same instant, so the clean run and
the outage run decide and write the very same things and their snapshots compare whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from emulator import FaultKind, FaultRule
from sync.decide.step import decide
from sync.errors import ZendeskAccessDenied
from sync.pull.step import pull
from sync.push.step import push, read_stop
from sync.records import TicketChange, UpdatedTicket
from tests.push.conftest import DECISIONS, FOLLOW_UPS, TOKEN, Run, push_run, worker_comments

OUTAGE_CYCLES = 6
#: Tickets the push world gives decisions (slots 0 to 7 of six blocks).
CHANGED = 48


def pending_decisions(run: Run) -> None:
    """Pull and decide, push nothing yet: every decision waits in the outbox."""
    assert pull(run.zendesk, run.store, run.settings, run.clock).errors == []
    decide(run.store, run.settings, run.clock)
    assert Counter(e.state for e in run.store.outbox()) == {"pending": DECISIONS}


def assert_applied_once(run: Run, snapshot: Mapping[str, Any]) -> None:
    outbox = run.store.outbox()
    assert len(outbox) == DECISIONS
    assert Counter(e.state for e in outbox) == {"applied": DECISIONS}
    notes = {t: worker_comments(snapshot, t) for t in {e.ticket_id for e in outbox}}
    assert len(notes) == CHANGED and all(len(n) == 1 for n in notes.values()), notes
    assert len(snapshot["created_tickets"]) == FOLLOW_UPS


@pytest.fixture(scope="module")
def clean_end(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with push_run(tmp_path_factory.mktemp("clean"), "clean") as clean:
        pending_decisions(clean)
        clean.until_settled()
        snapshot = clean.emulator.snapshot()
        assert_applied_once(clean, snapshot)
        return snapshot


@pytest.mark.slow
def test_six_cycles_with_a_revoked_token_then_the_right_one(
    tmp_path: Path, clean_end: dict[str, Any]
) -> None:
    with push_run(tmp_path, "revoked") as run:
        pending_decisions(run)
        run.emulator.revoke_token(TOKEN)
        for _ in range(OUTAGE_CYCLES):
            with pytest.raises(ZendeskAccessDenied, match="401"):
                run.cycle()  # the pull meets the 401 and stops the cycle, nothing pushed
        assert {(e.state, e.attempts) for e in run.store.outbox()} == {("pending", 0)}
        writes = [r for r in run.emulator.request_log if r.method in {"PUT", "POST"}]
        assert writes == []

        run.emulator.restore_token(TOKEN)
        run.until_settled()

        snapshot = run.emulator.snapshot()
        assert_applied_once(run, snapshot)
    assert snapshot == clean_end


@pytest.mark.slow
def test_six_cycles_of_503_on_every_write_then_zendesk_is_back(
    tmp_path: Path, clean_end: dict[str, Any]
) -> None:
    rules = [FaultRule(FaultKind.STATUS, method=m, status=503) for m in ("PUT", "POST")]
    with push_run(tmp_path, "503", faults=rules) as run:
        pending_decisions(run)
        for _ in range(OUTAGE_CYCLES):
            report = run.cycle()
            assert report.failed and report.push.stopped and report.push.failed == 0
            assert report.push.left == DECISIONS
        assert {(e.state, e.attempts) for e in run.store.outbox()} == {("pending", 0)}
        stop = read_stop(run.store)
        assert stop is not None and "503" in str(stop["reason"]) and stop["left"] == DECISIONS
        # The breaker: each cycle asked once, under the retry policy, then stopped.
        tries = sum(rule.fired for rule in rules)
        assert tries == OUTAGE_CYCLES * run.settings.sync.max_attempts

        run.emulator.faults.clear()
        run.until_settled()

        snapshot = run.emulator.snapshot()
        assert_applied_once(run, snapshot)
        assert read_stop(run.store) is None
        assert not run.cycles[-1].failed
    assert snapshot == clean_end


class RevokedMidPush:
    """The real client; the token is revoked after ``after`` updates went through."""

    def __init__(self, run: Run, after: int) -> None:
        self.run, self.after, self.updates = run, after, 0

    def update_ticket(self, change: TicketChange, *, system_field_id: int | None) -> UpdatedTicket:
        self.updates += 1
        if self.updates == self.after + 1:
            self.run.emulator.revoke_token(TOKEN)
        return self.run.zendesk.update_ticket(change, system_field_id=system_field_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.run.zendesk, name)


@pytest.mark.slow
def test_a_token_revoked_in_the_middle_of_a_push_stops_it_and_burns_nothing(
    tmp_path: Path, clean_end: dict[str, Any]
) -> None:
    with push_run(tmp_path, "mid-push") as run:
        pending_decisions(run)
        zendesk = RevokedMidPush(run, after=5)

        report = push(run.store, zendesk, run.settings, run.clock)  # type: ignore[arg-type]

        assert report.stopped and "401" in (report.stopped_by or "")
        assert zendesk.updates == 6  # the sixth met the 401; nothing after it was tried
        states = Counter((e.state, e.attempts) for e in run.store.outbox())
        assert states[("failed", 1)] == 0 and sum(states.values()) == DECISIONS
        assert all(state in {"applied", "pending"} for state, _ in states)
        assert all(attempts == 0 for state, attempts in states if state == "pending")

        run.emulator.restore_token(TOKEN)
        run.until_settled()

        snapshot = run.emulator.snapshot()
        assert_applied_once(run, snapshot)
    assert snapshot == clean_end
