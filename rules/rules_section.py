"""The ``rules:`` section of zdsync.yaml read into a ``RulesConfig`` (its keys are
documented in ``rules/config.py``), every problem recorded with its key path."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from rules.actions import is_tag
from rules.business_hours_config import read_business_hours
from rules.config import (
    DEFAULT_KINDS,
    FollowUpConfig,
    FollowUpKind,
    HandBackConfig,
    RulesConfig,
    SubmitAsOpenConfig,
    TimeNoteConfig,
)
from rules.config_reader import Problems, Section, parse_instant, shown
from rules.notes import (
    FOLLOW_UP_NOTE_PLACEHOLDERS,
    FOLLOW_UP_PLACEHOLDERS,
    HAND_BACK_PLACEHOLDERS,
    NO_AGENT_PLACEHOLDERS,
    NO_PLACEHOLDERS,
    NOTE_TEMPLATES,
    SUBMIT_AS_OPEN_PLACEHOLDERS,
    TIME_NOTE_DONE_PLACEHOLDERS,
    TIME_NOTE_PLACEHOLDERS,
)

#: ``act_on_changes_since``'s default: the instant the first pull of an empty mirror began.
FIRST_RUN = "first-run"


def parse_rules_config(
    mapping: Mapping[str, Any] | None,
    *,
    where: str = "rules",
    partners: Collection[str] | None = None,
) -> tuple[RulesConfig | None, list[tuple[str, str]]]:
    """Read the ``rules:`` section of zdsync.yaml (None or absent: every default).

    ``partners``: the partners' names (``partners:``), which ``partner_notes`` must use;
    None: not checked.

    Returns the configuration, or None when anything is wrong, and every problem found as
    (key path, message), e.g. ``("rules.hand_back.after", "expected a duration like '2h'…")``.
    The account ids stay empty: add them with ``with_account``.
    """
    problems: Problems = []
    top = Section(mapping, where, _SECTIONS, problems)
    since, at_first_pull = _read_go_live(top)
    hand_back = _read_hand_back(top.child("hand_back", _HAND_BACK_KEYS))
    submit = _read_submit_as_open(top.child("submit_as_open", _SUBMIT_KEYS))
    time_note = _read_time_note(top.child("time_entry_note", _TIME_NOTE_KEYS))
    follow_up = _read_follow_up(top.child("follow_up", _FOLLOW_UP_KEYS))
    partner_notes = _read_partner_notes(top, partners)
    if problems:
        return None, problems
    config = RulesConfig(
        hand_back=hand_back,
        submit_as_open=submit,
        time_entry_note=time_note,
        follow_up=follow_up,
        act_on_changes_since=since,
        go_live_at_first_pull=at_first_pull,
        partner_notes=partner_notes,
    )
    return config, problems


_SECTIONS = (
    "act_on_changes_since",
    "hand_back",
    "submit_as_open",
    "time_entry_note",
    "follow_up",
    "partner_notes",
)
_HAND_BACK_KEYS = (
    "enabled", "after", "tracked_limit", "tracked_scope", "business_hours", "note", "no_agent",
)  # fmt: skip
_SUBMIT_KEYS = ("enabled", "exempt_tags", "open_custom_status_id", "note")
_TIME_NOTE_KEYS = ("enabled", "tag", "note", "tag_removed_note")
_FOLLOW_UP_KEYS = (
    "enabled", "group_id", "subject", "body", "note", "kinds",
    "no_requester", "no_organization", "no_marker",
)  # fmt: skip
_KIND_KEYS = ("label", "tags", "field_id", "field_value", "created_tag")


def _read_go_live(top: Section) -> tuple[datetime | None, bool]:
    """(the configured instant, whether it is the first pull's instead)."""
    value = top.values.get("act_on_changes_since", FIRST_RUN)
    if value == FIRST_RUN:
        return None, True
    moment = parse_instant(value)
    if moment is None:
        message = f"expected {FIRST_RUN} or an ISO-8601 date or time, got {shown(value)}"
        top.report(top.at("act_on_changes_since"), message)
        return None, True
    return moment, False


def _read_hand_back(section: Section) -> HandBackConfig:
    default = HandBackConfig()
    return HandBackConfig(
        enabled=section.boolean("enabled", default.enabled),
        after=section.duration("after", default.after),
        tracked_limit=section.optional_duration("tracked_limit", default.tracked_limit),
        tracked_scope=section.choice("tracked_scope", default.tracked_scope, {"episode", "ticket"}),
        business_hours=read_business_hours(section, "business_hours"),
        note=section.text("note", default.note, HAND_BACK_PLACEHOLDERS),
        no_agent=section.text("no_agent", default.no_agent, NO_AGENT_PLACEHOLDERS),
    )


def _read_submit_as_open(section: Section) -> SubmitAsOpenConfig:
    default = SubmitAsOpenConfig()
    return SubmitAsOpenConfig(
        enabled=section.boolean("enabled", default.enabled),
        exempt_tags=section.tags("exempt_tags", default.exempt_tags),
        open_custom_status_id=section.optional_id("open_custom_status_id"),
        note=section.text("note", default.note, SUBMIT_AS_OPEN_PLACEHOLDERS),
    )


def _read_time_note(section: Section) -> TimeNoteConfig:
    default = TimeNoteConfig()
    return TimeNoteConfig(
        enabled=section.boolean("enabled", default.enabled),
        tag=section.tag("tag", default.tag),
        note=section.text("note", default.note, TIME_NOTE_PLACEHOLDERS),
        tag_removed_note=section.text(
            "tag_removed_note", default.tag_removed_note, TIME_NOTE_DONE_PLACEHOLDERS
        ),
    )


def _read_follow_up(section: Section) -> FollowUpConfig:
    default = FollowUpConfig()
    kinds = default.kinds
    if section.given("kinds"):
        listed = section.child("kinds", section.values["kinds"] or ())
        kinds = tuple(_read_kind(listed, name) for name in listed.values)
        if not kinds and isinstance(section.values["kinds"], Mapping):
            section.report(section.at("kinds"), "expected at least one kind")
    return FollowUpConfig(
        enabled=section.boolean("enabled", default.enabled),
        kinds=kinds or default.kinds,
        group_id=section.optional_id("group_id"),
        subject=section.text("subject", default.subject, FOLLOW_UP_PLACEHOLDERS),
        body=section.text("body", default.body, FOLLOW_UP_PLACEHOLDERS),
        note=section.text("note", default.note, FOLLOW_UP_NOTE_PLACEHOLDERS),
        no_requester=section.text("no_requester", default.no_requester, NO_PLACEHOLDERS),
        no_organization=section.text("no_organization", default.no_organization, NO_PLACEHOLDERS),
        no_marker=section.text("no_marker", default.no_marker, NO_PLACEHOLDERS),
    )


def _read_kind(kinds: Section, name: str) -> FollowUpKind:
    section = kinds.child(name, _KIND_KEYS)
    preset = {kind.name: kind for kind in DEFAULT_KINDS}.get(name)
    if not is_tag(name):
        section.report(section.path, "a kind's name must be one word, like change_request")
    tags = section.tags("tags", preset.tags if preset else ())
    field_id = section.optional_id("field_id", preset.field_id if preset else None)
    value = section.values.get("field_value")
    if (field_id is None) != (value is None):
        section.report(section.path, "field_id and field_value go together")
    if not tags and field_id is None and not section.given("tags"):
        section.report(section.path, "expected tags or a field_id with a field_value")
    return FollowUpKind(
        name=name,
        label=section.text("label", preset.label if preset else name.replace("_", " ").title()),
        tags=tags,
        field_id=field_id,
        field_value=None if value is None else str(value),
        created_tag=section.tag("created_tag", f"zdsync_{name}_ticket"),
    )


def _read_partner_notes(
    top: Section, partners: Collection[str] | None
) -> dict[str, dict[str, str]]:
    """``partner_notes``: per partner name, its own texts of any note template, checked
    like the rules' own (every problem of every partner reported)."""
    given = top.values.get("partner_notes")
    listed = top.child("partner_notes", given if isinstance(given, Mapping) else ())
    found: dict[str, dict[str, str]] = {}
    for name in listed.values:
        if partners is not None and name not in partners:
            known = ", ".join(sorted(partners)) or "none"
            listed.report(listed.at(name), f"unknown partner; known partners: {known}")
        partner = listed.child(name, NOTE_TEMPLATES)
        texts: dict[str, str] = {}
        for section_name, keys in NOTE_TEMPLATES.items():
            section = partner.child(section_name, keys)
            for key, allowed in keys.items():
                if key in section.values:
                    text = section.text(key, "", allowed)
                    if text:
                        texts[f"{section_name}.{key}"] = text
        if texts:
            found[str(name)] = texts
    return found
