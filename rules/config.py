"""Parameters of the partner agreement: the ``rules:`` section of zdsync.yaml.

Every key is optional; the defaults come from the seed documents. Durations are written
like ``2h``, ``90m``, ``1h30m`` or a number of seconds. Note texts are templates with
named placeholders (listed per key); a template that names an unknown placeholder is a
configuration error, reported with its key path.

```yaml
rules:
  act_on_changes_since: first-run   # go-live: Submit as Open, the time-entry note and the
                              # follow-up act only on changes after this instant: an ISO time
                              # (2025-03-01T08:00:00+01:00), or first-run: when the first pull
                              # of an empty mirror began. The hand back is not bound by it.
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
    no_agent: the group {group}   # {agent} when it goes back to a group alone
  submit_as_open:             # "only use 'Submit as Open' unless instructed otherwise"
    enabled: true
    exempt_tags: [status_change_allowed]   # "instructed otherwise": the rule leaves it alone
    open_custom_status_id: null            # custom status to set; null: the default Open one
    note: <text>              # {user} {partner} {old} {new} {exempt_tag}
  time_entry_note:            # "alle notes related to this should be entered in an internal note"
    enabled: true
    tag: time_note_missing    # added with the reminder, removed once a partner's internal
                              # note follows the time entry (a Zendesk view of open reminders)
    note: <text>              # {user} {partner} {time} {duration} {minutes} {seconds} {tag}
    tag_removed_note: <text>  # with the tag's removal: {user} {partner} {time} {entry_time} {tag}
  follow_up:                  # "If a support ticket results in Maintenance or a Change Request
    enabled: true             #  (CR), a new ticket must be created."
    group_id: null            # ISPnext group of the new ticket; null: the first ISPnext group
    subject: <text>           # {ticket} {subject} {kind} {label} {group} {marked_by}
                              # {new_group} {requester} {organization} {customer}
    body: <text>              # same placeholders
    note: <text>              # on the original: the same plus {new_ticket}
    no_requester: an unknown requester   # the words when there is none to name
    no_organization: no organization
    no_marker: unknown                   # {marked_by} when no mirrored update marked it
    kinds:                    # a ticket is marked by any of the tags or by the field value
      maintenance:    {label: Maintenance, tags: [maintenance], field_id: null,
                       field_value: null, created_tag: zdsync_maintenance_ticket}
      change_request: {label: Change Request, tags: [change_request], field_id: null,
                       field_value: null, created_tag: zdsync_change_request_ticket}
  partner_notes:              # a partner's own note texts (its language), any of the above:
    Fibernet Partners:        # a name from partners:
      hand_back: {note: <text>, no_agent: de groep {group}}
      time_entry_note: {note: <text>, tag_removed_note: <text>}
      # submit_as_open: {note}; follow_up: {subject, body, note, no_requester,
      # no_organization, no_marker}; same placeholders
```

The account's ids are not part of this section: the caller supplies them as an
``Account`` (``config.with_account(account)``): the worker's user id, the ISPnext and
partner groups, the Time Tracking fields. So is the instant of the first pull, for
``act_on_changes_since: first-run`` (``config.with_first_pull(instant)``).

``rules.rules_section.parse_rules_config`` reads the section into a ``RulesConfig``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from rules.calendar import BusinessHours
from rules.notes import (
    DEFAULT_FOLLOW_UP_BODY,
    DEFAULT_FOLLOW_UP_NOTE,
    DEFAULT_FOLLOW_UP_SUBJECT,
    DEFAULT_HAND_BACK_NOTE,
    DEFAULT_NO_AGENT,
    DEFAULT_NO_MARKER,
    DEFAULT_NO_ORGANIZATION,
    DEFAULT_NO_REQUESTER,
    DEFAULT_SUBMIT_AS_OPEN_NOTE,
    DEFAULT_TIME_NOTE,
    DEFAULT_TIME_NOTE_DONE,
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
    #: Custom field id of the Time Tracking app's "Total time spent (sec)" (the rules read
    #: the Total's delta only: "Time spent last update" does not change when the same time
    #: is entered twice).
    total_time_field_id: int | None = None
    #: Custom field id of the "System" column (``fields.system``): a follow-up ticket gets
    #: the original's value.
    system_field_id: int | None = None
    # Derived once: the rules test membership for every ticket they look at.
    partner_group_ids: frozenset[int] = field(init=False, repr=False, compare=False)
    ispnext_group_ids: frozenset[int] = field(init=False, repr=False, compare=False)
    #: Both: the groups whose tickets zdsync acts on.
    group_ids: frozenset[int] = field(init=False, repr=False, compare=False)
    #: The Total's field id as audit events name it (a string), or None.
    total_time_field: str | None = field(init=False, repr=False, compare=False)
    _names: dict[int, str] = field(init=False, repr=False, compare=False)
    _partners: dict[int, str] = field(init=False, repr=False, compare=False)

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
        object.__setattr__(self, "_partners", {g.id: g.name for g in self.partner_groups})

    def partner_name(self, group_id: int | None) -> str | None:
        """The configured name of a partner group; None for any other group."""
        return self._partners.get(group_id) if group_id is not None else None

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
    #: ``{agent}`` of a hand back to a group alone.
    no_agent: str = DEFAULT_NO_AGENT

    def __post_init__(self) -> None:
        if self.tracked_scope not in {"episode", "ticket"}:
            raise ValueError(f"hand_back.tracked_scope: {self.tracked_scope!r}")
        _check_templates(
            "hand_back",
            {
                "note": (self.note, HAND_BACK_PLACEHOLDERS),
                "no_agent": (self.no_agent, NO_AGENT_PLACEHOLDERS),
            },
        )


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
    #: The note that goes with the tag's removal once the partner's internal note came.
    tag_removed_note: str = DEFAULT_TIME_NOTE_DONE

    def __post_init__(self) -> None:
        _check_templates(
            "time_entry_note",
            {
                "note": (self.note, TIME_NOTE_PLACEHOLDERS),
                "tag_removed_note": (self.tag_removed_note, TIME_NOTE_DONE_PLACEHOLDERS),
            },
        )


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
    #: The words for a requester, an organization or a marker there is none of.
    no_requester: str = DEFAULT_NO_REQUESTER
    no_organization: str = DEFAULT_NO_ORGANIZATION
    no_marker: str = DEFAULT_NO_MARKER
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
                "no_requester": (self.no_requester, NO_PLACEHOLDERS),
                "no_organization": (self.no_organization, NO_PLACEHOLDERS),
                "no_marker": (self.no_marker, NO_PLACEHOLDERS),
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

    #: Go-live: audits at or before this instant are history, which Submit as Open, the
    #: time-entry note and the follow-up do not act on (None: they act on every audit).
    act_on_changes_since: datetime | None = None
    #: ``act_on_changes_since: first-run`` (the default): the instant is the first pull's,
    #: which the caller supplies (``with_first_pull``).
    go_live_at_first_pull: bool = True
    #: A partner's own note texts (its language), by partner name (as in ``partners:``),
    #: then by ``<section>.<key>`` (``hand_back.note``); what a partner does not give is
    #: the rule's text.
    partner_notes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for partner, texts in self.partner_notes.items():
            for path, template in texts.items():
                section, _, key = path.partition(".")
                allowed = NOTE_TEMPLATES.get(section, {}).get(key)
                if allowed is None:
                    raise ValueError(f"partner_notes.{partner}.{path}: not a note template")
                _check_templates(f"partner_notes.{partner}.{section}", {key: (template, allowed)})

    def with_account(self, account: Account) -> RulesConfig:
        """This configuration for the account whose ids the caller resolved."""
        return replace(self, account=account)

    def with_first_pull(self, instant: datetime | None) -> RulesConfig:
        """This configuration with the instant the mirror's first pull began, which is the
        go-live instant when the configuration asks for ``first-run``. None (a mirror
        older than this setting): no go-live instant, as before."""
        if not self.go_live_at_first_pull:
            return self
        return replace(self, act_on_changes_since=instant)

    def acts_on(self, moment: datetime) -> bool:
        """A change made at ``moment`` is after go-live (the event rules act on it)."""
        since = self.act_on_changes_since
        return since is None or moment > since

    def template(self, section: str, key: str, partner_group_id: int | None = None) -> str:
        """The note template ``rules.<section>.<key>`` for a note about the partner group
        ``partner_group_id`` (None: not a partner's): the partner's own when it has one."""
        name = self.account.partner_name(partner_group_id)
        own = self.partner_notes.get(name) if name is not None else None
        text = own.get(f"{section}.{key}") if own else None
        if text is None:
            text = getattr(getattr(self, section), key)
        return text

    @property
    def time_zone(self) -> str:
        """The zone notes show times in: the business hours' if set, else UTC."""
        hours = self.hand_back.business_hours
        return hours.timezone if hours is not None else "UTC"
