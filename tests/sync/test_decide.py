"""The decide step on FakeStore with a FixedClock: what is evaluated (only what changed or
is due), when a hand back fires (at its threshold minute), what is enqueued (once per
key), and what a dry run or a mirror without a pull writes (nothing).

Tickets are written the way pull writes them: an export page, then every audit of the
ticket, with events as Zendesk sends them (ids as strings, the Total as a string).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rules.config import HandBackConfig, RulesConfig
from sync.clock import FixedClock
from sync.config import GroupRef, Settings, SyncSettings
from sync.decide.step import CONTEXT_KEY, NotMirrored, NotPulledYet, decide, explain
from sync.pull.directory import WORKER_ID_KEY
from sync.records import (
    AuditBatch,
    AuditRecord,
    Directory,
    EventRecord,
    MembershipRecord,
    TicketBundle,
    TicketFieldRecord,
    TicketRecord,
    UserRecord,
)
from tests.fakes.store import FakeStore

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
WORKER, INES, ALICE, LEO = 1, 11, 21, 22
ISPNEXT, ACME = 100, 201
TOTAL = 360002

SETTINGS = Settings(
    config_path=None,  # type: ignore[arg-type]
    database_url="sqlite://",
    log_level="INFO",
    ispnext_groups=(GroupRef(ISPNEXT, "ISPnext Support"),),
    partner_groups=(GroupRef(ACME, "Acme Networks"),),
    system_field=None,
    sync=SyncSettings(),
    zendesk=None,
)


class CountingStore(FakeStore):
    """FakeStore that remembers which tickets were loaded for evaluation."""

    def __init__(self, *, clock: FixedClock) -> None:
        super().__init__(clock=clock)
        self.loaded: list[int] = []

    def load_bundles(self, ids: Collection[int]) -> list[TicketBundle]:
        self.loaded.extend(sorted(ids))
        return super().load_bundles(ids)


class Mirror:
    """Zendesk tickets as a pull leaves them in the store; ``update`` is an agent's edit."""

    def __init__(self, store: FakeStore, clock: FixedClock) -> None:
        self.store, self.clock = store, clock
        self.tickets: dict[int, TicketRecord] = {}
        self.audits: dict[int, list[AuditRecord]] = {}
        self.next_id = 5000

    def pulled(self) -> None:
        """What the first pull stores besides tickets: the directory and the worker id."""
        self.store.save_directory(
            Directory(
                users=(
                    _user(WORKER, "admin", 4),
                    _user(INES),
                    _user(ALICE),
                    _user(LEO, role_type=1),
                ),
                memberships=(
                    MembershipRecord(1, WORKER, ISPNEXT),
                    MembershipRecord(2, INES, ISPNEXT),
                    MembershipRecord(3, ALICE, ACME),
                    MembershipRecord(4, LEO, ACME),
                ),
                ticket_fields=(
                    TicketFieldRecord(TOTAL, "Total time spent (sec)", None, "integer", True, {}),
                ),
            )
        )
        self.store.write_state(WORKER_ID_KEY, str(WORKER))

    def create(self, ticket_id: int, *, group: int = ISPNEXT) -> None:
        fields = {"status": "open", "group_id": group}
        self.tickets[ticket_id] = _ticket(ticket_id, self.clock.now(), group)
        self.audits[ticket_id] = []
        self._audit(
            ticket_id, INES, [("Create", name, value, None) for name, value in fields.items()]
        )

    def update(
        self,
        ticket_id: int,
        *,
        by: int,
        note: str | None = None,
        reply: str | None = None,
        **changes: Any,
    ) -> int:
        """An edit by ``by`` now: ``group_id``, ``assignee_id``, ``status``, ``total``."""
        before = self.tickets[ticket_id]
        total = _total(before)
        events = []
        for name, value in changes.items():
            old = total if name == "total" else getattr(before, name)
            if value != old:
                field = str(TOTAL) if name == "total" else name
                events.append(("Change", field, _wire(value), _wire(old)))
        fields = {k: v for k, v in changes.items() if k != "total"}
        raw = {
            **before.raw,
            "custom_fields": [{"id": TOTAL, "value": _wire(changes.get("total", total))}],
        }
        self.tickets[ticket_id] = dataclasses.replace(
            before, updated_at=self.clock.now(), raw=raw, **fields
        )
        comments = [(False, note)] if note else []
        comments += [(True, reply)] if reply else []
        return self._audit(ticket_id, by, events, comments)

    def _audit(
        self,
        ticket_id: int,
        by: int,
        changes: list[tuple[str, str, Any, Any]],
        comments: Sequence[tuple[bool, str]] = (),
    ) -> int:
        self.next_id += 1
        audit_id = self.next_id
        events = [
            EventRecord(audit_id * 10 + i, audit_id, ticket_id, i, kind, name, value, old)
            for i, (kind, name, value, old) in enumerate(changes)
        ]
        for public, body in comments:
            position = len(events)
            events.append(
                EventRecord(audit_id * 10 + position, audit_id, ticket_id, position, "Comment",
                            public=public, author_id=by, body=body)
            )  # fmt: skip
        audit = AuditRecord(audit_id, ticket_id, by, self.clock.now(), "web", tuple(events), {})
        self.audits[ticket_id].append(audit)
        ticket = self.tickets[ticket_id]
        self.store.save_export_page([ticket], needs_audits=[ticket_id], cursor_key="c", cursor="x")
        self.store.save_audits(AuditBatch(ticket_id, tuple(self.audits[ticket_id])))
        return audit_id


def _user(user_id: int, role: str = "agent", role_type: int | None = 0) -> UserRecord:
    return UserRecord(
        user_id, f"User {user_id}", None, role, role_type, True, False, None, None, {}
    )


def _ticket(ticket_id: int, now: datetime, group: int) -> TicketRecord:
    raw = {"id": ticket_id, "custom_fields": [{"id": TOTAL, "value": None}]}
    return TicketRecord(
        ticket_id, "open", group, None, None, None, None, f"Ticket {ticket_id}", None, (),
        now, now, int(now.timestamp()), raw,
    )  # fmt: skip


def _total(ticket: TicketRecord) -> int | None:
    (field,) = ticket.raw["custom_fields"]
    return None if field["value"] is None else int(field["value"])


def _wire(value: Any) -> Any:
    """A value as audit events carry it: ids and numbers as strings."""
    return None if value is None else value if isinstance(value, str) else str(value)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def store(clock: FixedClock) -> CountingStore:
    return CountingStore(clock=clock)


@pytest.fixture
def mirror(store: CountingStore, clock: FixedClock) -> Mirror:
    built = Mirror(store, clock)
    built.pulled()
    return built


def handed_to_acme(mirror: Mirror, ticket_id: int) -> int:
    """Ines creates the ticket and hands it to Acme (Alice) now: the episode's audit id."""
    mirror.create(ticket_id)
    return mirror.update(ticket_id, by=INES, group_id=ACME, assignee_id=ALICE, note="Please look.")


def keys(store: FakeStore) -> list[str]:
    return [entry.key for entry in store.outbox()]


def test_a_cycle_with_nothing_changed_and_nothing_due_evaluates_no_ticket(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    for ticket_id in (1, 2, 3):
        mirror.create(ticket_id)
    first = decide(store, SETTINGS, clock)
    assert (first.candidates, first.evaluated, first.everything) == (3, 3, True)

    store.loaded.clear()
    clock.advance(timedelta(hours=5))
    report = decide(store, SETTINGS, clock)
    assert (report.candidates, report.evaluated, report.lines) == (0, 0, [])
    assert store.loaded == []


def test_a_changed_ticket_is_evaluated_once(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    for ticket_id in (1, 2, 3):
        mirror.create(ticket_id)
    decide(store, SETTINGS, clock)
    store.loaded.clear()

    clock.advance(timedelta(minutes=3))
    mirror.update(2, by=INES, note="Any news?")
    assert decide(store, SETTINGS, clock).evaluated == 1
    assert decide(store, SETTINGS, clock).evaluated == 0
    assert store.loaded == [2]


def test_a_hand_back_becomes_due_exactly_at_its_threshold_minute(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    episode = handed_to_acme(mirror, 1001)
    assert decide(store, SETTINGS, clock).lines == []

    clock.advance(timedelta(hours=1, minutes=59))
    early = decide(store, SETTINGS, clock)
    assert (early.candidates, early.lines, keys(store)) == (0, [], [])

    clock.advance(timedelta(minutes=1))
    due = decide(store, SETTINGS, clock)
    assert (due.candidates, due.evaluated) == (1, 1)
    (line,) = due.lines
    assert (line.decision.key, line.new) == (f"hand_back:1001:episode-{episode}", True)
    assert "reached 2h" in line.why
    (entry,) = store.outbox()
    assert (entry.ticket_id, entry.rule, entry.state, entry.decided_at) == (
        1001,
        "hand_back",
        "pending",
        clock.now(),
    )
    assert entry.actions[0] == {"type": "assign", "group_id": ISPNEXT, "assignee_id": INES}
    assert entry.facts["episode_started_by"] == INES


def test_deciding_twice_enqueues_once(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    handed_to_acme(mirror, 1001)
    clock.advance(timedelta(hours=2))
    assert decide(store, SETTINGS, clock).new == 1

    clock.advance(timedelta(minutes=1))
    mirror.update(1001, by=ALICE, note="Still analysing.")  # a change: evaluated again
    again = decide(store, SETTINGS, clock)
    assert (again.evaluated, len(again.lines), again.new, again.already_queued) == (1, 1, 0, 1)
    assert len(store.outbox()) == 1


def test_a_ticket_sent_back_to_a_partner_starts_a_new_episode_and_is_handed_back_again(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    first = handed_to_acme(mirror, 1001)
    clock.advance(timedelta(hours=2))
    decide(store, SETTINGS, clock)
    # push applied the hand back: the worker's own update
    mirror.update(1001, by=WORKER, group_id=ISPNEXT, assignee_id=INES, note="Handed back.")
    clock.advance(timedelta(minutes=1))
    assert decide(store, SETTINGS, clock).lines == []

    clock.advance(timedelta(days=1))
    second = mirror.update(1001, by=INES, group_id=ACME, assignee_id=ALICE, note="Once more.")
    assert decide(store, SETTINGS, clock).lines == []
    clock.advance(timedelta(hours=2))
    assert [line.decision.key for line in decide(store, SETTINGS, clock).lines] == [
        f"hand_back:1001:episode-{second}"
    ]
    assert keys(store) == [f"hand_back:1001:episode-{first}", f"hand_back:1001:episode-{second}"]


def test_a_dry_run_computes_the_decisions_and_writes_nothing(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    handed_to_acme(mirror, 1001)
    clock.advance(timedelta(hours=2))
    before = (store.decide_candidates(clock.now()), store.read_state(CONTEXT_KEY), store.counts())

    dry = decide(store, SETTINGS, clock, dry_run=True)
    assert [(line.decision.rule, line.new) for line in dry.lines] == [("hand_back", True)]
    after = (store.decide_candidates(clock.now()), store.read_state(CONTEXT_KEY), store.counts())
    assert after == before
    assert store.outbox() == []

    real = decide(store, SETTINGS, clock)
    assert [line.decision for line in real.lines] == [line.decision for line in dry.lines]
    assert decide(store, SETTINGS, clock, dry_run=True).lines == []  # nothing changed or due


def test_a_dry_run_tells_what_is_already_queued(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    handed_to_acme(mirror, 1001)
    clock.advance(timedelta(hours=2))
    decide(store, SETTINGS, clock)
    mirror.update(1001, by=ALICE, note="Still here.")
    dry = decide(store, SETTINGS, clock, dry_run=True)
    assert (dry.new, dry.already_queued) == (0, 1)


def test_a_time_entry_without_an_internal_note_is_read_from_the_mirrored_total(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    handed_to_acme(mirror, 1008)
    clock.advance(timedelta(minutes=30))
    audit_id = mirror.update(1008, by=ALICE, total=900, reply="Renewed the certificate.")
    (line,) = decide(store, SETTINGS, clock).lines
    assert line.decision.key == f"time_entry_note:1008:audit-{audit_id}"
    assert line.decision.facts["seconds_added"] == 900


def test_without_a_pull_decide_says_so_and_writes_nothing(clock: FixedClock) -> None:
    store = FakeStore(clock=clock)
    report = decide(store, SETTINGS, clock)
    assert report.problem is not None and "zdsync sync" in report.problem
    assert "nothing decided" in report.summary()
    assert store.counts()["sync_state"] == 0
    store.write_state(WORKER_ID_KEY, "1")  # a worker id but no directory yet
    assert "directory of users" in (decide(store, SETTINGS, clock).problem or "")
    with pytest.raises(NotPulledYet):
        explain(store, SETTINGS, clock, 1001)


def test_a_new_configuration_re_evaluates_every_ticket_with_its_own_threshold(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    handed_to_acme(mirror, 1001)
    mirror.create(1002)
    decide(store, SETTINGS, clock)
    clock.advance(timedelta(hours=1))
    assert decide(store, SETTINGS, clock).everything is False

    sooner = dataclasses.replace(
        SETTINGS, rules=RulesConfig(hand_back=HandBackConfig(after=timedelta(hours=1)))
    )
    report = decide(store, sooner, clock)
    assert (report.everything, report.evaluated) == (True, 2)
    assert [line.decision.rule for line in report.lines] == ["hand_back"]
    assert decide(store, sooner, clock).everything is False


def test_a_ticket_that_cannot_be_viewed_is_skipped_and_the_others_decided(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    handed_to_acme(mirror, 1001)
    handed_to_acme(mirror, 1002)
    broken = dataclasses.replace(mirror.tickets[1002], raw={"custom_fields": "garbled"})
    store.save_export_page([broken], needs_audits=(), cursor_key="c", cursor="y")
    clock.advance(timedelta(hours=2))

    report = decide(store, SETTINGS, clock)
    assert report.skipped == [1002]
    assert [line.decision.ticket_id for line in report.lines] == [1001]
    store.loaded.clear()
    clock.advance(timedelta(hours=1))
    assert decide(store, SETTINGS, clock).candidates == 0  # retried once it changes again
    with pytest.raises(NotMirrored, match="ticket 1002 cannot be read by the rules"):
        explain(store, SETTINGS, clock, 1002)


def test_explain_gives_every_rule_the_next_due_time_and_the_outbox(
    mirror: Mirror, store: CountingStore, clock: FixedClock
) -> None:
    episode = handed_to_acme(mirror, 1001)
    clock.advance(timedelta(minutes=30))
    waiting = explain(store, SETTINGS, clock, 1001)
    assert [v.rule for v in waiting.verdicts] == [
        "hand_back",
        "submit_as_open",
        "time_entry_note",
        "follow_up_ticket",
    ]
    assert not any(v.fired for v in waiting.verdicts)
    assert waiting.next_due == T0 + timedelta(hours=2)
    assert waiting.verdicts[0].facts["episode_audit_id"] == episode
    assert waiting.outbox == []

    clock.advance(timedelta(hours=2))
    decide(store, SETTINGS, clock)
    done = explain(store, SETTINGS, clock, 1001)
    assert done.verdicts[0].fired and done.next_due is None
    assert [(e.rule, e.state) for e in done.outbox] == [("hand_back", "pending")]
    with pytest.raises(NotMirrored, match="ticket 4242 is not in the local mirror"):
        explain(store, SETTINGS, clock, 4242)
