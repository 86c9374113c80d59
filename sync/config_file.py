"""The config file's part of the settings: groups, fields, sync parameters, the rules.

Read with the rules' reader (``rules.config_reader.Section``), so that the worker's own
sections and the ``rules:`` section report problems alike; each problem's key path is
prefixed with the file's name (``zdsync.yaml: partners[1].colour: unknown key; ...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from rules.config import RulesConfig
from rules.config_reader import Problems, Section, shown
from rules.rules_section import parse_rules_config
from sync.errors import ConfigProblem

#: The day ISPnext moved its support to Zendesk (seed 004): nothing older can matter.
DEFAULT_BACKFILL_SINCE = datetime(2024, 12, 16, tzinfo=UTC)
_SECTIONS = ("ispnext", "partners", "fields", "sync", "rules")
_SYNC_KEYS = (
    "backfill_since",
    "page_size",
    "export_requests_per_minute",
    "request_timeout_seconds",
    "max_attempts",
    "interval_seconds",
    "audit_concurrency",
    "stale_after_intervals",
    "notify_after_failed_cycles",
    "cycle_deadline_seconds",
)
#: Zendesk serves at most this many tickets per incremental-export page.
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class GroupRef:
    id: int
    name: str


@dataclass(frozen=True)
class SyncSettings:
    backfill_since: datetime = DEFAULT_BACKFILL_SINCE
    #: Tickets per export page (Zendesk's default and maximum is 1000).
    page_size: int = MAX_PAGE_SIZE
    #: Zendesk allows 10 incremental-export requests a minute (30 with High Volume).
    export_requests_per_minute: int = 10
    request_timeout_seconds: float = 30.0
    #: Attempts per request before a transient failure is reported.
    max_attempts: int = 6
    #: The daemon runs a cycle this often; time-based rules act within one interval.
    interval_seconds: float = 60.0
    #: Audit listings fetched at the same time (they are latency-bound; Zendesk's
    #: account-wide limit still applies and is honoured through 429 + Retry-After).
    audit_concurrency: int = 4
    #: ``/healthz`` turns unhealthy (503) when no cycle succeeded for this many intervals.
    stale_after_intervals: int = 3
    #: The webhook is told once when this many cycles in a row failed (and on recovery).
    notify_after_failed_cycles: int = 3
    #: A cycle still running after this long stops at its next safe boundary and is
    #: reported incomplete (``sync.stopping``); the next cycle resumes where it stopped.
    cycle_deadline_seconds: float = 300.0


@dataclass(frozen=True)
class FileSettings:
    """What the config file says, every section read (defaults where it says nothing)."""

    ispnext_groups: tuple[GroupRef, ...] = ()
    partner_groups: tuple[GroupRef, ...] = ()
    system_field: int | str | None = None
    sync: SyncSettings = field(default_factory=SyncSettings)
    rules: RulesConfig = field(default_factory=RulesConfig)


def read_config_file(path: Path, text: str | None, problems: list[ConfigProblem]) -> FileSettings:
    """Read the file at ``path`` (or ``text``, for tests), adding every problem found."""
    document = _read_document(path, text, problems)
    # A file that could not be read is one problem, not one per missing section.
    required = document is not None
    found: Problems = []
    top = Section(document or {}, "", _SECTIONS, found)
    ispnext = _ispnext_groups(top, required=required)
    partners = _group_list(top, "partners", "group_id", required=required)
    _check_disjoint(top, ispnext, partners)
    settings = FileSettings(
        ispnext_groups=ispnext,
        partner_groups=partners,
        system_field=_system_field(top.child("fields", ("system",))),
        sync=_sync_settings(top.child("sync", _SYNC_KEYS)),
        rules=_rules_section(top, partners),
    )
    problems.extend(
        ConfigProblem(f"{path}: {where}" if where else str(path), message)
        for where, message in found
    )
    return settings


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that an impossible date (``2025-02-30``) stays a text, for
    the reader to report with its key path instead of the load ending in a ValueError, and
    that a key given twice in one mapping is remembered (YAML would let the last one win
    in silence: a second ``rules:`` section would drop the first)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        #: (line, key) of every key repeated in its mapping.
        self.repeated: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    self.repeated.append((key_node.start_mark.line + 1, key_node.value))
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _read_document(
    path: Path, text: str | None, problems: list[ConfigProblem]
) -> Mapping[str, Any] | None:
    """The file's top mapping ({} for an empty file); None, with a problem, if unusable."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(
                ConfigProblem(
                    str(path),
                    "config file not found (pass --config FILE or set ZDSYNC_CONFIG; "
                    "zdsync.example.yaml shows every key)",
                )
            )
            return None
        except OSError as exc:
            problems.append(ConfigProblem(str(path), f"cannot read: {exc.strerror}"))
            return None
    loader = _Loader(text)  # a SafeLoader: builds no objects
    try:
        document = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problems.append(ConfigProblem(where, f"not valid YAML: {exc}"))
        return None
    finally:
        loader.dispose()
    for line, key in loader.repeated:
        problems.append(
            ConfigProblem(f"{path}:{line}", f"{key!r} is given twice here (the last would win)")
        )
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        problems.append(ConfigProblem(str(path), "expected a mapping of sections at the top"))
        return None
    return document


def _group_list(section: Section, key: str, id_key: str, *, required: bool) -> tuple[GroupRef, ...]:
    if not section.given(key):
        if required:
            section.report(section.at(key), "missing: list at least one group (name and id)")
        return ()
    groups: list[GroupRef] = []
    for entry in section.entries(key, ("name", id_key), what="groups") or ():
        group_id = entry.whole_number(id_key)
        name = entry.required_text("name")
        if group_id is not None and name is not None:
            groups.append(GroupRef(group_id, name))
    seen: set[int] = set()
    for group in groups:
        if group.id in seen:
            section.report(section.at(key), f"group id {group.id} is listed twice")
        seen.add(group.id)
    return tuple(groups)


def _ispnext_groups(top: Section, *, required: bool) -> tuple[GroupRef, ...]:
    if not top.given("ispnext"):
        if required:
            top.report("ispnext", "missing: the ISPnext group(s) tickets are handed back to")
        return ()
    section = top.child("ispnext", ("groups",))
    return _group_list(section, "groups", "id", required=True)


def _check_disjoint(
    top: Section, ispnext: tuple[GroupRef, ...], partners: tuple[GroupRef, ...]
) -> None:
    for group_id in sorted({g.id for g in ispnext} & {g.id for g in partners}):
        top.report("partners", f"group {group_id} is both an ISPnext and a partner group")


def _system_field(section: Section) -> int | str | None:
    system = section.values.get("system")
    if system is None:
        return None
    if isinstance(system, bool) or not isinstance(system, int | str) or system == "":
        message = f"expected the custom field's id or its title, got {shown(system)}"
        section.report(section.at("system"), message)
        return None
    return system if isinstance(system, int) else str(system)


def _sync_settings(section: Section) -> SyncSettings:
    defaults = SyncSettings()
    page_size = section.whole_number("page_size", defaults.page_size)
    if page_size > MAX_PAGE_SIZE:
        section.report(
            section.at("page_size"),
            f"Zendesk serves at most {MAX_PAGE_SIZE} tickets per export page",
        )
    return SyncSettings(
        backfill_since=section.instant("backfill_since", defaults.backfill_since),
        page_size=page_size,
        export_requests_per_minute=section.whole_number(
            "export_requests_per_minute", defaults.export_requests_per_minute
        ),
        request_timeout_seconds=section.seconds(
            "request_timeout_seconds", defaults.request_timeout_seconds
        ),
        max_attempts=section.whole_number("max_attempts", defaults.max_attempts),
        interval_seconds=section.seconds("interval_seconds", defaults.interval_seconds),
        audit_concurrency=section.whole_number("audit_concurrency", defaults.audit_concurrency),
        stale_after_intervals=section.whole_number(
            "stale_after_intervals", defaults.stale_after_intervals
        ),
        notify_after_failed_cycles=section.whole_number(
            "notify_after_failed_cycles", defaults.notify_after_failed_cycles
        ),
        cycle_deadline_seconds=section.seconds(
            "cycle_deadline_seconds", defaults.cycle_deadline_seconds
        ),
    )


def _rules_section(top: Section, partners: tuple[GroupRef, ...]) -> RulesConfig:
    # Without readable partners, their problem is reported already: names go unchecked.
    names = [group.name for group in partners] or None
    config, problems = parse_rules_config(top.values.get("rules"), partners=names)
    top.problems.extend(problems)
    return config or RulesConfig()
