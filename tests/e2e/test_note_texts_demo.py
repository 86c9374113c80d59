"""End to end: what agents read in the demo world. The notes and decide's why name people
and times, never audit ids; Fibernet Partners reads its notes in Dutch (the demo config's
``rules.partner_notes``), Acme Networks the rules' English; and over HTTP, the reminder's
tag on 1008 goes once Alice adds the internal note, after which nothing more happens."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from adapters.store import SqlStore, open_store
from adapters.zendesk import ZendeskClient
from emulator import Emulator, RateLimits, Scenario
from rules.actions import AddNote, CreateFollowUp
from sync.cli.demo import DEMO_SCENARIO
from sync.clock import FixedClock
from sync.config import Settings
from sync.cycle import run_cycle
from sync.decide.step import decide
from tests.e2e.conftest import START, demo_settings

WORKER, ALICE, TAG = 1, 21, "time_note_missing"
#: Audit ids of the emulator, which agents never see.
AUDIT_ID = re.compile(r"\b4\d{10}\b")

#: (ticket, rule) -> how its note begins, at START.
NOTES = {
    (1008, "time_entry_note"): "[zdsync: time entry] Alice Acme (Acme Networks) recorded 15m "
    "in the update of 2025-03-03 08:35 UTC without an internal note.",
    (1005, "submit_as_open"): "[zdsync: Submit as Open] Alice Acme (Acme Networks) changed "
    "the status from Open to Pending;",
    (1006, "submit_as_open"): "[zdsync: Submit as Open] Lars Fibernet (Fibernet Partners) "
    "zette de status van Open op Solved; de status staat weer op Open.",
    (1004, "hand_back"): "[zdsync: terug naar ISPnext] Fibernet Partners had dit ticket 2h 30m "
    "(sinds 2025-03-03 06:30 UTC, toegewezen door Bram Jansen).",
    (1001, "hand_back"): "[zdsync: hand back] Acme Networks had this ticket for 3h 00m "
    "(since 2025-03-03 06:00 UTC, assigned by Ines de Vries);",
    (1011, "follow_up_ticket"): "[zdsync: vervolgticket] Gemarkeerd als Change Request: "
    "ticket #{new_ticket} is aangemaakt in ISPnext Support voor Carla Klant (Gemeente Utrecht).",
}
WHY = {
    1005: "Pending set by Alice Acme (Acme Networks, partner user) at 2025-03-03 08:40 UTC",
    1008: "a time entry (Alice Acme, 2025-03-03 08:35 UTC) without an internal note",
    1011: "marked as Change Request by Frank Fibernet at 2025-03-03 08:45 UTC",
}


def test_the_notes_and_the_why_read_as_people_write(store: SqlStore, settings: Settings) -> None:
    report = decide(store, settings, FixedClock(START))
    written: dict[tuple[int, str], str] = {}
    for line in report.lines:
        decision = line.decision
        assert not AUDIT_ID.search(line.why), line.why
        for action in decision.actions:
            text = action.note if isinstance(action, CreateFollowUp) else None
            text = action.body if isinstance(action, AddNote) else text
            if text is not None:
                assert not AUDIT_ID.search(text), text
                written[(decision.ticket_id, decision.rule)] = text
    for key, start in NOTES.items():
        assert written[key].startswith(start), written[key]
    whys = {line.decision.ticket_id: line.why for line in report.lines}
    assert {ticket: whys[ticket] for ticket in WHY} == WHY


def test_the_reminder_tag_goes_once_the_partner_note_came(tmp_path: Path) -> None:
    database = tmp_path / "zdsync.db"
    scenario = Scenario.load(DEMO_SCENARIO)
    with Emulator(scenario, start=START, frozen=True, rate_limits=RateLimits.disabled()) as emu:
        settings = demo_settings(database, emu.base_url, scenario)
        store = open_store(settings.database_url)
        client = ZendeskClient(settings.require_zendesk(), settings.sync)
        try:
            run_cycle(client, store, settings, FixedClock(START))
            assert TAG in emu.world.tickets[1008].tags
            emu.clock.advance(600)  # also fires the script: 1002 gets a time entry from Frank
            emu.act(1008, by=ALICE, note="Renewed the certificate: 15 minutes.")
            emu.clock.advance(120)  # past the export's one-minute lag
            second = run_cycle(client, store, settings, FixedClock(START + timedelta(minutes=12)))
            assert not second.failed
            emu.clock.advance(120)
            third = run_cycle(client, store, settings, FixedClock(START + timedelta(minutes=14)))
            entries = [e for e in store.outbox(ticket_id=1008) if e.rule == "time_entry_note"]
        finally:
            client.close()
            store.close()
        assert TAG not in emu.world.tickets[1008].tags
        assert [e.state for e in entries] == ["applied", "applied"]
        assert not [line for line in third.decide.lines if line.decision.ticket_id == 1008]
        notes = worker_notes(emu, 1008)
        assert len(notes) == 2  # the reminder, then the removal: one update each
        assert notes[-1].startswith(
            "[zdsync: time entry] Alice Acme (Acme Networks) added an internal note at "
            "2025-03-03 09:10 UTC, after the time entry of 2025-03-03 08:35 UTC: the reminder "
            "is answered and the tag time_note_missing is removed."
        )
        (dutch,) = worker_notes(emu, 1002)
        assert dutch.startswith(
            "[zdsync: tijdregistratie] Frank Fibernet (Fibernet Partners) schreef 5m tijd in de "
            "update van 2025-03-03 09:05 UTC, zonder interne notitie."
        )


def worker_notes(emu: Emulator, ticket_id: int) -> list[str]:
    ticket = emu.world.tickets[ticket_id]
    return [
        str(event["body"])
        for audit in emu.world.audits(ticket)
        for event in audit.events
        if event.get("type") == "Comment" and event["author_id"] == WORKER
    ]
