"""A partner's own note texts (its language): every template may be given per partner,
checked like the rest of the configuration, and used for that partner's tickets only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.actions import AddNote, CreateFollowUp
from rules.config import RulesConfig
from rules.decision import Decision
from rules.engine import decide
from rules.notes import NOTE_TEMPLATES
from rules.rules_section import parse_rules_config
from tests.rules.builders import (
    ACCOUNT,
    ACME,
    ANNA,
    BETA,
    BOB,
    PIET,
    REQUESTER,
    STRANGER,
    WORKER,
    Ticket,
    at,
    handed_to_partner,
)

ROOT = Path(__file__).resolve().parents[2]
PARTNERS = ("Acme IT", "Beta Networks")
DUTCH = """
Beta Networks:
  hand_back:
    note: >-
      [zdsync: terug naar ISPnext] {partner} had dit ticket {duration} (sinds {since}).
      Toegewezen aan {agent}.
    no_agent: "de groep {group}"
  submit_as_open:
    note: "[zdsync: Submit as Open] {user} zette de status op {new}; weer op Open gezet."
  time_entry_note:
    note: "[zdsync: tijdregistratie] {user} schreef {duration} op ({time}) zonder notitie."
    tag_removed_note: "[zdsync: tijdregistratie] {user} voegde op {time} een notitie toe."
  follow_up:
    subject: "{label} voor #{ticket}: {subject}"
    body: "Vervolgticket van #{ticket} voor {requester} ({organization}), van {marked_by}."
    note: "[zdsync: vervolgticket] Ticket #{new_ticket} is aangemaakt voor {customer}."
    no_requester: "een onbekende aanvrager"
    no_organization: "geen organisatie"
    no_marker: "onbekend"
"""


def dutch_config() -> RulesConfig:
    config, problems = parse_rules_config(
        {"partner_notes": yaml.safe_load(DUTCH)}, partners=PARTNERS
    )
    assert problems == [] and config is not None
    return config.with_account(ACCOUNT)


def notes(decision: Decision) -> list[str]:
    return [a.body for a in decision.actions if isinstance(a, AddNote)] + [
        a.note for a in decision.actions if isinstance(a, CreateFollowUp)
    ]


def at_partner(group: int, agent: int) -> Ticket:
    return Ticket(by=ANNA, group=group, assignee=agent, status="open")


# (case, the ticket, when to decide, the partner's note: Dutch for Beta, English for Acme)
CASES: list[tuple[str, Ticket, Any, str]] = [
    (
        "hand back, Beta",
        handed_to_partner(group=BETA, assignee=BOB),
        at(hours=3),
        "[zdsync: terug naar ISPnext] Beta Networks had dit ticket 3h 00m "
        "(sinds 2025-01-06 09:00 UTC).",
    ),
    (
        "Submit as Open, Beta",
        at_partner(BETA, BOB).update(BOB, at(5), status="pending"),
        at(6),
        "[zdsync: Submit as Open] Bob Beta zette de status op Pending; weer op Open gezet.",
    ),
    (
        "time entry, Beta",
        at_partner(BETA, BOB).track(600, by=BOB, when=at(5)),
        at(6),
        "[zdsync: tijdregistratie] Bob Beta schreef 10m op (2025-01-06 09:05 UTC) zonder notitie.",
    ),
    (
        "tag removed, Beta",
        at_partner(BETA, BOB)
        .track(600, by=BOB, when=at(5))
        .update(WORKER, at(6), comment="reminder", tags=("time_note_missing",))
        .update(BOB, at(9), comment="spent on the switch", public=False),
        at(10),
        "[zdsync: tijdregistratie] Bob Beta voegde op 2025-01-06 09:09 UTC een notitie toe.",
    ),
    (
        "follow-up, Beta",
        at_partner(BETA, BOB).set(requester_id=REQUESTER).tag("change_request", by=BOB, when=at(5)),
        at(6),
        "[zdsync: vervolgticket] Ticket #{new_ticket} is aangemaakt voor Carla Customer.",
    ),
    (
        "Submit as Open, Acme keeps the rule's text",
        at_partner(ACME, PIET).update(PIET, at(5), status="pending"),
        at(6),
        "[zdsync: Submit as Open] Piet Acme (Acme IT) changed the status from Open to Pending;",
    ),
]


@pytest.mark.parametrize(
    ("ticket", "now", "note"), [row[1:] for row in CASES], ids=[row[0] for row in CASES]
)
def test_each_partner_reads_its_own_texts(ticket: Ticket, now: Any, note: str) -> None:
    (decision,) = decide([ticket.view()], dutch_config(), now)
    (written,) = notes(decision)
    assert written.startswith(note)


def test_a_follow_up_for_a_dutch_partner_has_its_subject_and_body() -> None:
    ticket = at_partner(BETA, BOB).tag("maintenance", by=BOB, when=at(5))
    (decision,) = decide([ticket.view()], dutch_config(), at(6))
    create = decision.actions[0]
    assert isinstance(create, CreateFollowUp)
    assert create.subject == "Maintenance voor #4001: Router at the customer's office is down"
    assert create.body.startswith("Vervolgticket van #4001 voor ")


def test_the_words_for_nobody_to_name_are_the_partners_too() -> None:
    """A hand back to a group alone, a follow-up without requester, organization or the
    update that marked it: the placeholders get the partner's words, not English ones."""
    back = handed_to_partner(group=BETA, assignee=BOB, by=STRANGER, before=None)
    (decision,) = decide([back.view()], dutch_config(), at(hours=3))
    (note,) = notes(decision)
    assert note.endswith("Toegewezen aan de groep ISPnext Support.")
    marked = at_partner(BETA, BOB).set(tags=frozenset({"maintenance"}))
    (decision,) = decide([marked.view()], dutch_config(), at(6))
    create = decision.actions[0]
    assert isinstance(create, CreateFollowUp)
    assert create.body == (
        "Vervolgticket van #4001 voor een onbekende aanvrager (geen organisatie), van onbekend."
    )


def test_every_template_can_be_given_per_partner() -> None:
    given = yaml.safe_load(DUTCH)["Beta Networks"]
    assert {s: set(keys) for s, keys in given.items()} == {
        s: set(keys) for s, keys in NOTE_TEMPLATES.items()
    }
    assert set(dutch_config().partner_notes["Beta Networks"]) == {
        f"{s}.{k}" for s, keys in NOTE_TEMPLATES.items() for k in keys
    }


PROBLEMS: list[tuple[str, Any, str, str]] = [
    # (case, partner_notes, key path, the message)
    (
        "a partner not under partners:",
        {"Gamma": {"hand_back": {"note": "x"}}},
        "rules.partner_notes.Gamma",
        "unknown partner; known partners: Acme IT, Beta Networks",
    ),
    (
        "an unknown rule",
        {"Beta Networks": {"handback": {"note": "x"}}},
        "rules.partner_notes.Beta Networks.handback",
        "unknown key; known keys: follow_up, hand_back, submit_as_open, time_entry_note",
    ),
    (
        "an unknown template",
        {"Beta Networks": {"time_entry_note": {"tag": "x"}}},
        "rules.partner_notes.Beta Networks.time_entry_note.tag",
        "unknown key; known keys: note, tag_removed_note",
    ),
    (
        "an unknown placeholder",
        {"Beta Networks": {"submit_as_open": {"note": "{gebruiker} zette {new}"}}},
        "rules.partner_notes.Beta Networks.submit_as_open.note",
        "unknown placeholder {gebruiker}; available: {exempt_tag}, {new}, {old}, {partner}, {user}",
    ),
    (
        "a placeholder of another template",
        {"Beta Networks": {"follow_up": {"subject": "#{new_ticket}"}}},
        "rules.partner_notes.Beta Networks.follow_up.subject",
        "unknown placeholder {new_ticket}; available:",
    ),
    (
        "an empty text",
        {"Beta Networks": {"hand_back": {"note": " "}}},
        "rules.partner_notes.Beta Networks.hand_back.note",
        "expected a non-empty text, got ' '",
    ),
    (
        "not a mapping",
        ["Beta Networks"],
        "rules.partner_notes",
        "expected a mapping, got ['Beta Networks']",
    ),
    (
        "a partner's texts not a mapping",
        {"Beta Networks": "Dutch"},
        "rules.partner_notes.Beta Networks",
        "expected a mapping, got 'Dutch'",
    ),
]


@pytest.mark.parametrize(
    ("given", "path", "message"), [row[1:] for row in PROBLEMS], ids=[row[0] for row in PROBLEMS]
)
def test_each_problem_is_named_with_its_path(given: Any, path: str, message: str) -> None:
    config, problems = parse_rules_config({"partner_notes": given}, partners=PARTNERS)
    assert config is None
    assert [p for p in problems if p[0] == path and p[1].startswith(message)], problems


def test_every_problem_of_every_partner_at_once() -> None:
    given = {
        "Gamma": {"hand_back": {"note": "{x}"}},
        "Beta Networks": {"hand_back": {"note": "{y}"}, "follow_up": {"body": ""}},
    }
    _, problems = parse_rules_config({"partner_notes": given}, partners=PARTNERS)
    assert [path for path, _ in problems] == [
        "rules.partner_notes.Gamma",
        "rules.partner_notes.Gamma.hand_back.note",
        "rules.partner_notes.Beta Networks.hand_back.note",
        "rules.partner_notes.Beta Networks.follow_up.body",
    ]


def test_a_template_given_in_code_is_checked_too() -> None:
    with pytest.raises(ValueError, match=r"partner_notes\.Beta Networks\.hand_back\.note: unknown"):
        RulesConfig(partner_notes={"Beta Networks": {"hand_back.note": "{klant}"}})
    with pytest.raises(ValueError, match=r"hand_back\.text: not a note template"):
        RulesConfig(partner_notes={"Beta Networks": {"hand_back.text": "x"}})


def test_the_example_configuration_shows_a_dutch_partner() -> None:
    document = yaml.safe_load((ROOT / "zdsync.example.yaml").read_text(encoding="utf-8"))
    names = [partner["name"] for partner in document["partners"]]
    config, problems = parse_rules_config(document["rules"], partners=names)
    assert problems == [] and config is not None
    (dutch,) = config.partner_notes.values()
    assert "tijd" in dutch["time_entry_note.note"]
