"""Parameters of the partner agreement: the ``rules:`` section of zdsync.yaml.

Every key is optional; the defaults come from the seed documents. Durations are written
like ``2h``, ``90m``, ``1h30m`` or a number of seconds. Note texts are templates with
named placeholders (listed per key); a template that names an unknown placeholder is a
configuration error, reported with its key path.

```yaml
rules:
  hand_back:                  # "If resolving an ticket takes more than 2 hours, it should be
    enabled: true             #  returned to ISPnext."
    after: 2h                 # time in the partner group before the ticket goes back
    tracked_limit: 2h         # or when this much time is tracked; null: time in group only
    tracked_scope: episode    # episode: time tracked since the partner got it; ticket: all
    business_hours: null      # count `after` in business hours; a mapping turns it on:
    #   timezone: Europe/Amsterdam
    #   week: {mon: "09:00-17:00", ..., fri: "09:00-17:00"}   # weekdays left out are closed;
    #                                                        # "08:00-12:00, 13:00-17:00" works
    #   holidays: [2025-12-25, 2025-12-26]
    note: <text>              # {partner} {group} {agent} {assigner} {since} {duration}
                              # {minutes} {limit} {tracked} {reason}
  submit_as_open:             # "only use 'Submit as Open' unless instructed otherwise"
    enabled: true
    exempt_tags: [status_change_allowed]   # "instructed otherwise": the rule leaves it alone
    open_custom_status_id: null            # custom status to set; null: the default Open one
    note: <text>              # {user} {partner} {old} {new} {exempt_tag}
  time_entry_note:            # "alle notes related to this should be entered in an internal note"
    enabled: true
    tag: time_note_missing    # added with the reminder
    note: <text>              # {user} {partner} {minutes} {seconds} {audit} {tag}
  follow_up:                  # "If a support ticket results in Maintenance or a Change Request
    enabled: true             #  (CR), a new ticket must be created."
    group_id: null            # ISPnext group of the new ticket; null: the first ISPnext group
    subject: <text>           # {ticket} {subject} {kind} {label} {group} {marked_by}
    body: <text>              # same placeholders
    note: <text>              # on the original: the same plus {new_ticket}
    kinds:                    # a ticket is marked by any of the tags or by the field value
      maintenance:    {label: Maintenance, tags: [maintenance], field_id: null,
                       field_value: null, created_tag: zdsync_maintenance_ticket}
      change_request: {label: Change Request, tags: [change_request], field_id: null,
                       field_value: null, created_tag: zdsync_change_request_ticket}
```

The account's ids are not part of this section: the caller supplies them as an
``Account`` (``config.with_account(account)``): the worker's user id, the ISPnext and
partner groups, the Time Tracking fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from rules.actions import is_tag
from rules.calendar import BusinessHours
from rules.config_reader import Problems, Section, read_business_hours
from rules.notes import (
    DEFAULT_FOLLOW_UP_BODY,
    DEFAULT_FOLLOW_UP_NOTE,
    DEFAULT_FOLLOW_UP_SUBJECT,
    DEFAULT_HAND_BACK_NOTE,
    DEFAULT_SUBMIT_AS_OPEN_NOTE,
    DEFAULT_TIME_NOTE,
    FOLLOW_UP_NOTE_PLACEHOLDERS,
    FOLLOW_UP_PLACEHOLDERS,
    HAND_BACK_PLACEHOLDERS,
    SUBMIT_AS_OPEN_PLACEHOLDERS,
    TIME_NOTE_PLACEHOLDERS,
)
from rules.template import template_problem


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Account:
    """The account's ids, supplied by the caller (config file and Zendesk lookups)."""

    worker_id: int | None = None
    ispnext_groups: tuple[Group, ...] = ()
    partner_groups: tuple[Group, ...] = ()
    #: Custom field ids of the Time Tracking app's "Total time spent (sec)" and
    #: "Time spent last update (sec)".
    total_time_field_id: int | None = None
    last_update_time_field_id: int | None = None
    # Derived once: the rules test membership for every ticket they look at.
    partner_group_ids: frozenset[int] = field(init=False, repr=False, compare=False)
    ispnext_group_ids: frozenset[int] = field(init=False, repr=False, compare=False)
    #: Both: the groups whose tickets zdsync acts on.
    group_ids: frozenset[int] = field(init=False, repr=False, compare=False)
    #: The Total's field id as audit events name it (a string), or None.
    total_time_field: str | None = field(init=False, repr=False, compare=False)
    _names: dict[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        partner = frozenset(group.id for group in self.partner_groups)
        object.__setattr__(self, "partner_group_ids", partner)
        ispnext = frozenset(group.id for group in self.ispnext_groups)
        object.__setattr__(self, "ispnext_group_ids", ispnext)
        object.__setattr__(self, "group_ids", partner | ispnext)
        total = self.total_time_field_id
        object.__setattr__(self, "total_time_field", None if total is None else str(total))
        # Partner names win: the same id in both lists is a configuration mistake anyway.
        names = {g.id: g.name for g in (*self.ispnext_groups, *self.partner_groups)}
        object.__setattr__(self, "_names", names)

    def group_name(self, group_id: int | None) -> str:
        """The configured name of a group, or ``group <id>`` for any other."""
        name = self._names.get(group_id) if group_id is not None else None
        return name if name is not None else f"group {group_id}"


def _check_templates(where: str, checks: Mapping[str, tuple[str, frozenset[str]]]) -> None:
    for key, (template, allowed) in checks.items():
        problem = template_problem(template, allowed)
        if problem:
            raise ValueError(f"{where}.{key}: {problem}")


@dataclass(frozen=True, slots=True)
class HandBackConfig:
    enabled: bool = True
    after: timedelta = timedelta(hours=2)
    tracked_limit: timedelta | None = timedelta(hours=2)
    #: "episode": time tracked since the episode began; "ticket": the whole Total.
    tracked_scope: str = "episode"
    business_hours: BusinessHours | None = None
    note: str = DEFAULT_HAND_BACK_NOTE

    def __post_init__(self) -> None:
        if self.tracked_scope not in {"episode", "ticket"}:
            raise ValueError(f"hand_back.tracked_scope: {self.tracked_scope!r}")
        _check_templates("hand_back", {"note": (self.note, HAND_BACK_PLACEHOLDERS)})


@dataclass(frozen=True, slots=True)
class SubmitAsOpenConfig:
    enabled: bool = True
    exempt_tags: tuple[str, ...] = ("status_change_allowed",)
    open_custom_status_id: int | None = None
    note: str = DEFAULT_SUBMIT_AS_OPEN_NOTE

    def __post_init__(self) -> None:
        _check_templates("submit_as_open", {"note": (self.note, SUBMIT_AS_OPEN_PLACEHOLDERS)})


@dataclass(frozen=True, slots=True)
class TimeNoteConfig:
    enabled: bool = True
    tag: str = "time_note_missing"
    note: str = DEFAULT_TIME_NOTE

    def __post_init__(self) -> None:
        _check_templates("time_entry_note", {"note": (self.note, TIME_NOTE_PLACEHOLDERS)})


@dataclass(frozen=True, slots=True)
class FollowUpKind:
    """One reason for a new ticket: marked by any of ``tags`` or by ``field_id`` = value."""

    name: str
    label: str
    tags: tuple[str, ...] = ()
    field_id: int | None = None
    field_value: str | None = None
    #: Put on the original once the new ticket exists: the rule's memory that it did so.
    created_tag: str = ""

    def __post_init__(self) -> None:
        if not self.created_tag:
            object.__setattr__(self, "created_tag", f"zdsync_{self.name}_ticket")


DEFAULT_KINDS = (
    FollowUpKind("maintenance", "Maintenance", ("maintenance",)),
    FollowUpKind("change_request", "Change Request", ("change_request",)),
)


@dataclass(frozen=True, slots=True)
class FollowUpConfig:
    enabled: bool = True
    kinds: tuple[FollowUpKind, ...] = DEFAULT_KINDS
    group_id: int | None = None
    subject: str = DEFAULT_FOLLOW_UP_SUBJECT
    body: str = DEFAULT_FOLLOW_UP_BODY
    note: str = DEFAULT_FOLLOW_UP_NOTE
    # Derived: every tag that marks some kind, and whether any kind is marked by a field.
    marking_tags: frozenset[str] = field(init=False, repr=False, compare=False)
    marking_fields: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tags = frozenset(tag for kind in self.kinds for tag in kind.tags)
        object.__setattr__(self, "marking_tags", tags)
        fields = any(kind.field_id is not None for kind in self.kinds)
        object.__setattr__(self, "marking_fields", fields)
        _check_templates(
            "follow_up",
            {
                "subject": (self.subject, FOLLOW_UP_PLACEHOLDERS),
                "body": (self.body, FOLLOW_UP_PLACEHOLDERS),
                "note": (self.note, FOLLOW_UP_NOTE_PLACEHOLDERS),
            },
        )


@dataclass(frozen=True, slots=True)
class RulesConfig:
    """Everything the rules read besides the tickets: parameters, note texts, account ids."""

    account: Account = field(default_factory=Account)
    hand_back: HandBackConfig = field(default_factory=HandBackConfig)
    submit_as_open: SubmitAsOpenConfig = field(default_factory=SubmitAsOpenConfig)
    time_entry_note: TimeNoteConfig = field(default_factory=TimeNoteConfig)
    follow_up: FollowUpConfig = field(default_factory=FollowUpConfig)

    def with_account(self, account: Account) -> RulesConfig:
        """This configuration for the account whose ids the caller resolved."""
        return replace(self, account=account)


def parse_rules_config(
    mapping: Mapping[str, Any] | None, *, where: str = "rules"
) -> tuple[RulesConfig | None, list[tuple[str, str]]]:
    """Read the ``rules:`` section of zdsync.yaml (None or absent: every default).

    Returns the configuration, or None when anything is wrong, and every problem found as
    (key path, message), e.g. ``("rules.hand_back.after", "expected a duration like '2h'…")``.
    The account ids stay empty: add them with ``with_account``.
    """
    problems: Problems = []
    top = Section(mapping, where, _SECTIONS, problems)
    hand_back = _read_hand_back(top.child("hand_back", _HAND_BACK_KEYS))
    submit = _read_submit_as_open(top.child("submit_as_open", _SUBMIT_KEYS))
    time_note = _read_time_note(top.child("time_entry_note", _TIME_NOTE_KEYS))
    follow_up = _read_follow_up(top.child("follow_up", _FOLLOW_UP_KEYS))
    if problems:
        return None, problems
    config = RulesConfig(
        hand_back=hand_back, submit_as_open=submit, time_entry_note=time_note, follow_up=follow_up
    )
    return config, problems


_SECTIONS = ("hand_back", "submit_as_open", "time_entry_note", "follow_up")
_HAND_BACK_KEYS = ("enabled", "after", "tracked_limit", "tracked_scope", "business_hours", "note")
_SUBMIT_KEYS = ("enabled", "exempt_tags", "open_custom_status_id", "note")
_TIME_NOTE_KEYS = ("enabled", "tag", "note")
_FOLLOW_UP_KEYS = ("enabled", "group_id", "subject", "body", "note", "kinds")
_KIND_KEYS = ("label", "tags", "field_id", "field_value", "created_tag")


def _read_hand_back(section: Section) -> HandBackConfig:
    default = HandBackConfig()
    return HandBackConfig(
        enabled=section.boolean("enabled", default.enabled),
        after=section.duration("after", default.after),
        tracked_limit=section.optional_duration("tracked_limit", default.tracked_limit),
        tracked_scope=section.choice("tracked_scope", default.tracked_scope, {"episode", "ticket"}),
        business_hours=read_business_hours(section, "business_hours"),
        note=section.text("note", default.note, HAND_BACK_PLACEHOLDERS),
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
