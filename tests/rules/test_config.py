"""The ``rules:`` section: defaults from the seeds, and every problem with its key path."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import yaml

from rules.config import RulesConfig
from rules.engine import decide
from rules.rules_section import parse_rules_config
from tests.rules.builders import ACCOUNT, PIET, at, handed_to_partner

FULL = """
rules:
  hand_back:
    after: 90m
    tracked_limit: null
    tracked_scope: ticket
    business_hours:
      timezone: Europe/Amsterdam
      week: {mon: "08:30-12:00, 13:00-17:00", tue: ["08:30-17:00"], fri: "08:30-15:00"}
      holidays: [2025-12-25, "2025-12-26"]
    note: "{partner} had it {minutes} min; back to {agent}"
  submit_as_open:
    exempt_tags: allowed_status
    open_custom_status_id: 7001
    note: "{user} set {new}"
  time_entry_note:
    enabled: false
    tag: needs_note
  follow_up:
    group_id: 11
    subject: "CR {ticket}"
    kinds:
      change_request: {tags: [cr, change_request], created_tag: cr_done}
      upgrade: {label: Upgrade, field_id: 5004, field_value: upgrade}
"""


def test_absent_or_empty_section_gives_the_defaults() -> None:
    empty: list[dict[str, Any] | None] = [None, {}]
    for section in empty:
        config, problems = parse_rules_config(section)
        assert problems == [] and config == RulesConfig()
    defaults = RulesConfig()
    assert defaults.hand_back.after == timedelta(hours=2)  # "more than 2 hours"
    assert defaults.hand_back.tracked_limit == timedelta(hours=2)
    assert defaults.submit_as_open.exempt_tags == ("status_change_allowed",)
    assert [k.name for k in defaults.follow_up.kinds] == ["maintenance", "change_request"]


def test_a_full_section() -> None:
    config, problems = parse_rules_config(yaml.safe_load(FULL)["rules"])
    assert problems == []
    assert config is not None
    hand_back = config.hand_back
    assert hand_back.after == timedelta(minutes=90) and hand_back.tracked_limit is None
    assert hand_back.tracked_scope == "ticket"
    hours = hand_back.business_hours
    assert hours is not None
    assert hours.week[0] == ((510, 720), (780, 1020))
    assert (
        hours.week[1] == ((510, 1020),) and hours.week[2] == () and hours.week[4] == ((510, 900),)
    )
    assert hours.holidays == {date(2025, 12, 25), date(2025, 12, 26)}
    assert config.submit_as_open.exempt_tags == ("allowed_status",)
    assert config.submit_as_open.open_custom_status_id == 7001
    assert not config.time_entry_note.enabled and config.time_entry_note.tag == "needs_note"
    change_request, upgrade = config.follow_up.kinds
    assert (
        change_request.tags == ("cr", "change_request") and change_request.created_tag == "cr_done"
    )
    assert change_request.label == "Change Request"
    assert (upgrade.label, upgrade.field_id, upgrade.field_value) == ("Upgrade", 5004, "upgrade")
    assert upgrade.created_tag == "zdsync_upgrade_ticket"


def test_business_hours_true_means_the_default_calendar() -> None:
    config, problems = parse_rules_config({"hand_back": {"business_hours": True}})
    assert problems == [] and config is not None
    hours = config.hand_back.business_hours
    assert hours is not None and hours.timezone == "Europe/Amsterdam"
    assert hours.week == (((540, 1020),),) * 5 + ((), ())


def test_parsed_templates_render_in_decisions() -> None:
    config, _ = parse_rules_config(yaml.safe_load(FULL)["rules"])
    assert config is not None
    config = config.with_account(ACCOUNT)
    view = handed_to_partner().update(PIET, at(1), comment="hi").view()
    # Handed over on Monday at 10:00 Amsterdam time: 90 business minutes at 11:30.
    (decision,) = decide([view], config, at(hours=1, minutes=30))
    assert decision.actions[1].body == "Acme IT had it 90 min; back to Anna ISPnext"  # type: ignore[union-attr]


PROBLEMS: list[tuple[str, Any, str, str]] = [
    # (case, section, key path, part of the message)
    ("not a mapping", ["hand_back"], "rules", "expected a mapping"),
    ("unknown section", {"handback": {}}, "rules.handback", "unknown key"),
    ("unknown key", {"hand_back": {"afetr": "2h"}}, "rules.hand_back.afetr", "known keys"),
    ("bad duration", {"hand_back": {"after": "soon"}}, "rules.hand_back.after", "like '2h'"),
    ("zero duration", {"hand_back": {"after": 0}}, "rules.hand_back.after", "like '2h'"),
    ("no duration", {"hand_back": {"after": None}}, "rules.hand_back.after", "like '2h'"),
    (
        "bad limit",
        {"hand_back": {"tracked_limit": "2 hrs"}},
        "rules.hand_back.tracked_limit",
        "like '2h'",
    ),
    (
        "bad scope",
        {"hand_back": {"tracked_scope": "month"}},
        "rules.hand_back.tracked_scope",
        "episode, ticket",
    ),
    (
        "scope as a list",
        {"hand_back": {"tracked_scope": ["episode"]}},
        "rules.hand_back.tracked_scope",
        "expected one of episode, ticket, got ['episode']",
    ),
    (
        "not a boolean",
        {"hand_back": {"enabled": "yes"}},
        "rules.hand_back.enabled",
        "true or false",
    ),
    (
        "unknown time zone",
        {"hand_back": {"business_hours": {"timezone": "Mars/Base"}}},
        "rules.hand_back.business_hours.timezone",
        "unknown time zone",
    ),
    (
        "bad opening hours",
        {"hand_back": {"business_hours": {"week": {"mon": "9-17"}}}},
        "rules.hand_back.business_hours.week.mon",
        "09:00-17:00",
    ),
    (
        "overlapping opening hours",
        {"hand_back": {"business_hours": {"week": {"mon": "09:00-13:00, 12:00-17:00"}}}},
        "rules.hand_back.business_hours.week.mon",
        "09:00-17:00",
    ),
    (
        "unknown weekday",
        {"hand_back": {"business_hours": {"week": {"monday": "09:00-17:00"}}}},
        "rules.hand_back.business_hours.week.monday",
        "unknown key",
    ),
    (
        "no opening hours at all",
        {"hand_back": {"business_hours": {"week": {"mon": None}}}},
        "rules.hand_back.business_hours.week",
        "no weekday",
    ),
    (
        "bad holiday",
        {"hand_back": {"business_hours": {"holidays": ["2025-02-30"]}}},
        "rules.hand_back.business_hours.holidays[0]",
        "expected a date",
    ),
    (
        "unknown placeholder",
        {"hand_back": {"note": "Dear {customer}"}},
        "rules.hand_back.note",
        "unknown placeholder {customer}; available: {agent}",
    ),
    (
        "attribute access",
        {"submit_as_open": {"note": "{user.name}"}},
        "rules.submit_as_open.note",
        "plain name",
    ),
    (
        "unbalanced brace",
        {"submit_as_open": {"note": "{user"}},
        "rules.submit_as_open.note",
        "expected",
    ),
    (
        "empty note",
        {"submit_as_open": {"note": " "}},
        "rules.submit_as_open.note",
        "non-empty text",
    ),
    (
        "tag with a space",
        {"submit_as_open": {"exempt_tags": ["ok tag"]}},
        "rules.submit_as_open.exempt_tags",
        "tags",
    ),
    (
        "bad id",
        {"submit_as_open": {"open_custom_status_id": -1}},
        "rules.submit_as_open.open_custom_status_id",
        "id",
    ),
    ("bad tag", {"time_entry_note": {"tag": "two words"}}, "rules.time_entry_note.tag", "one word"),
    ("no kinds", {"follow_up": {"kinds": {}}}, "rules.follow_up.kinds", "at least one kind"),
    (
        "kinds as a list",
        {"follow_up": {"kinds": ["cr"]}},
        "rules.follow_up.kinds",
        "expected a mapping",
    ),
    (
        "kind without a mark",
        {"follow_up": {"kinds": {"cr": {"label": "CR"}}}},
        "rules.follow_up.kinds.cr",
        "tags or",
    ),
    (
        "field without a value",
        {"follow_up": {"kinds": {"cr": {"field_id": 5004}}}},
        "rules.follow_up.kinds.cr",
        "go together",
    ),
    (
        "unknown kind key",
        {"follow_up": {"kinds": {"cr": {"tag": "cr"}}}},
        "rules.follow_up.kinds.cr.tag",
        "unknown",
    ),
    (
        "kind name",
        {"follow_up": {"kinds": {"change request": {"tags": ["cr"]}}}},
        "rules.follow_up.kinds.change request",
        "one word",
    ),
    (
        "note placeholder",
        {"follow_up": {"note": "#{new_tickets}"}},
        "rules.follow_up.note",
        "{new_tickets}",
    ),
    (
        "subject has no new ticket yet",
        {"follow_up": {"subject": "{new_ticket}"}},
        "rules.follow_up.subject",
        "unknown",
    ),
]


@pytest.mark.parametrize(
    ("section", "path", "message"), [row[1:] for row in PROBLEMS], ids=[row[0] for row in PROBLEMS]
)
def test_each_problem_is_reported_with_its_path(section: Any, path: str, message: str) -> None:
    config, problems = parse_rules_config(section)
    assert config is None
    assert [p for p in problems if p[0] == path and message in p[1]], problems


def test_every_problem_is_reported_at_once() -> None:
    section = {
        "hand_back": {"after": "soon", "tracked_scope": "month", "note": "{customer}"},
        "submit_as_open": {"exempt_tags": 5, "note": "{user.name}"},
        "time_entry_note": {"tag": "two words", "extra": 1},
        "follow_up": {"kinds": {"cr": {}}, "group_id": "ISPnext"},
        "bogus": True,
    }
    _, problems = parse_rules_config(section, where="settings.rules")
    assert sorted(path for path, _ in problems) == [
        "settings.rules.bogus",
        "settings.rules.follow_up.group_id",
        "settings.rules.follow_up.kinds.cr",
        "settings.rules.hand_back.after",
        "settings.rules.hand_back.note",
        "settings.rules.hand_back.tracked_scope",
        "settings.rules.submit_as_open.exempt_tags",
        "settings.rules.submit_as_open.note",
        "settings.rules.time_entry_note.extra",
        "settings.rules.time_entry_note.tag",
    ]


def test_the_documented_example_parses() -> None:
    import rules.config

    doc = rules.config.__doc__ or ""
    example = doc.split("```yaml")[1].split("```")[0]
    example = "\n".join(line for line in example.splitlines() if "<text>" not in line)
    config, problems = parse_rules_config(yaml.safe_load(example)["rules"])
    assert problems == [] and config == RulesConfig()
