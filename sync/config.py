"""Settings: the YAML file (groups, fields, parameters) plus the environment (secrets, endpoints).

``load_settings`` is a pure function of a mapping of environment variables and the text of the
config file; it reports every problem at once, each with the key path or variable it came
from, as a ``ConfigError``. Secrets are wrapped in ``Secret`` so that no repr, log line or
error message can show them.

Environment:
    ZENDESK_URL            base URL of the Zendesk account (https://acme.zendesk.com) or of an
                           emulator (http://127.0.0.1:8080)
    ZENDESK_EMAIL          the worker's Zendesk user, with ZENDESK_TOKEN (API token) ...
    ZENDESK_TOKEN
    ZENDESK_OAUTH_TOKEN    ... or an OAuth access token instead
    ZDSYNC_DATABASE_URL    SQLAlchemy URL; default sqlite:///zdsync.db
    ZDSYNC_CONFIG          path of the YAML file; default zdsync.yaml (``--config`` wins)
    ZDSYNC_LOG_LEVEL       DEBUG, INFO (default), WARNING, ERROR
    ZDSYNC_ALLOW_INSECURE_HTTP=1   allow an http:// ZENDESK_URL on another host (an emulator
                           in docker-compose); otherwise only loopback may use plain http
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from rules.config import Account, Group, RulesConfig, parse_rules_config
from sync.errors import ConfigError, ConfigProblem

DEFAULT_CONFIG_PATH = Path("zdsync.yaml")
DEFAULT_DATABASE_URL = "sqlite:///zdsync.db"
#: The day ISPnext moved its support to Zendesk (seed 004): nothing older can matter.
DEFAULT_BACKFILL_SINCE = datetime(2024, 12, 16, tzinfo=UTC)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class Secret:
    """A string that never shows itself: repr and str print ``'***'``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class GroupRef:
    id: int
    name: str


@dataclass(frozen=True)
class ZendeskSettings:
    url: str
    email: str | None
    token: Secret | None
    oauth_token: Secret | None


@dataclass(frozen=True)
class SyncSettings:
    backfill_since: datetime = DEFAULT_BACKFILL_SINCE
    #: Tickets per export page (Zendesk's default and maximum is 1000).
    page_size: int = 1000
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


@dataclass(frozen=True)
class Settings:
    config_path: Path
    database_url: str
    log_level: str
    ispnext_groups: tuple[GroupRef, ...]
    partner_groups: tuple[GroupRef, ...]
    #: Custom field shown as "System" in the List Mode: its id, or its title to look up.
    system_field: int | str | None
    sync: SyncSettings
    zendesk: ZendeskSettings | None
    #: The ``rules:`` section, parsed; the account's ids are added at run time.
    rules: RulesConfig = field(default_factory=RulesConfig)

    def rules_for(
        self, *, worker_id: int | None, total_time: int | None, last_update_time: int | None
    ) -> RulesConfig:
        """The rules' configuration with this account's ids resolved."""
        account = Account(
            worker_id=worker_id,
            ispnext_groups=tuple(Group(g.id, g.name) for g in self.ispnext_groups),
            partner_groups=tuple(Group(g.id, g.name) for g in self.partner_groups),
            total_time_field_id=total_time,
            last_update_time_field_id=last_update_time,
        )
        return self.rules.with_account(account)

    @property
    def mirrored_group_ids(self) -> frozenset[int]:
        return frozenset(g.id for g in self.partner_groups)

    def require_zendesk(self) -> ZendeskSettings:
        if self.zendesk is None:  # load_settings(need_zendesk=False) was used
            raise ConfigError([ConfigProblem("environment", "Zendesk settings not loaded")])
        return self.zendesk


def load_settings(
    env: Mapping[str, str],
    *,
    config_path: Path | None = None,
    config_text: str | None = None,
    need_zendesk: bool = True,
) -> Settings:
    """Build Settings from the environment and the config file; raise ConfigError listing
    every problem. ``config_text`` (for tests) replaces reading ``config_path``."""
    problems: list[ConfigProblem] = []
    path = config_path or Path(env.get("ZDSYNC_CONFIG") or DEFAULT_CONFIG_PATH)
    document = _read_document(path, config_text, problems)
    # A file that could not be read is one problem, not one per missing section.
    required = not problems
    reader = _Reader(str(path), problems)
    known = {"ispnext", "partners", "fields", "sync", "rules"}
    reader.reject_unknown(document, known, "")
    ispnext = _ispnext_groups(reader, document.get("ispnext"), required=required)
    partners = _partner_groups(reader, document.get("partners"), required=required)
    _check_disjoint(reader, ispnext, partners)
    settings = Settings(
        config_path=path,
        database_url=env.get("ZDSYNC_DATABASE_URL") or DEFAULT_DATABASE_URL,
        log_level=_log_level(env, problems),
        ispnext_groups=ispnext,
        partner_groups=partners,
        system_field=_system_field(reader, document.get("fields")),
        sync=_sync_settings(reader, document.get("sync")),
        zendesk=_zendesk_settings(env, problems) if need_zendesk else None,
        rules=_rules_section(reader, document.get("rules")),
    )
    if problems:
        raise ConfigError(problems)
    return settings


def _read_document(
    path: Path, text: str | None, problems: list[ConfigProblem]
) -> Mapping[str, Any]:
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
            return {}
        except OSError as exc:
            problems.append(ConfigProblem(str(path), f"cannot read: {exc.strerror}"))
            return {}
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problems.append(ConfigProblem(where, f"not valid YAML: {exc}"))
        return {}
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        problems.append(ConfigProblem(str(path), "expected a mapping of sections at the top"))
        return {}
    return document


class _Reader:
    """Typed access to the YAML document that records a problem instead of raising."""

    def __init__(self, file: str, problems: list[ConfigProblem]) -> None:
        self.file = file
        self.problems = problems

    def problem(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(f"{self.file}: {key}" if key else self.file, message))

    def reject_unknown(self, section: Mapping[str, Any], known: set[str], prefix: str) -> None:
        for key in section:
            if key not in known:
                path = f"{prefix}.{key}" if prefix else str(key)
                self.problem(path, f"unknown key (expected one of: {', '.join(sorted(known))})")

    def mapping(self, value: Any, key: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(key, f"expected a mapping, got {type(value).__name__}")
            return {}
        return value

    def positive_int(self, value: Any, key: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.problem(key, f"expected a positive whole number, got {value!r}")
            return None
        return int(value)

    def seconds(self, value: Any, key: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.problem(key, f"expected a number of seconds > 0, got {value!r}")
            return None
        return float(value)

    def text(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"expected a non-empty text, got {value!r}")
            return None
        return value.strip()


def _group_list(
    reader: _Reader, value: Any, key: str, id_key: str, *, required: bool
) -> tuple[GroupRef, ...]:
    if value is None:
        if required:
            reader.problem(key, "missing: list at least one group (name and id)")
        return ()
    if not isinstance(value, list) or not value:
        reader.problem(key, "expected a non-empty list of groups")
        return ()
    groups: list[GroupRef] = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        entry = reader.mapping(item, where)
        reader.reject_unknown(entry, {"name", id_key}, where)
        group_id = reader.positive_int(entry.get(id_key), f"{where}.{id_key}")
        name = reader.text(entry.get("name"), f"{where}.name")
        if group_id is not None and name is not None:
            groups.append(GroupRef(group_id, name))
    seen: set[int] = set()
    for group in groups:
        if group.id in seen:
            reader.problem(key, f"group id {group.id} is listed twice")
        seen.add(group.id)
    return tuple(groups)


def _ispnext_groups(reader: _Reader, value: Any, *, required: bool) -> tuple[GroupRef, ...]:
    section = reader.mapping(value, "ispnext")
    if value is None:
        if required:
            reader.problem("ispnext", "missing: the ISPnext group(s) tickets are handed back to")
        return ()
    reader.reject_unknown(section, {"groups"}, "ispnext")
    return _group_list(reader, section.get("groups"), "ispnext.groups", "id", required=True)


def _partner_groups(reader: _Reader, value: Any, *, required: bool) -> tuple[GroupRef, ...]:
    return _group_list(reader, value, "partners", "group_id", required=required)


def _check_disjoint(
    reader: _Reader, ispnext: tuple[GroupRef, ...], partners: tuple[GroupRef, ...]
) -> None:
    for group_id in sorted({g.id for g in ispnext} & {g.id for g in partners}):
        reader.problem("partners", f"group {group_id} is both an ISPnext and a partner group")


def _system_field(reader: _Reader, value: Any) -> int | str | None:
    section = reader.mapping(value, "fields")
    reader.reject_unknown(section, {"system"}, "fields")
    system = section.get("system")
    if system is None:
        return None
    if isinstance(system, bool) or not isinstance(system, int | str) or system == "":
        reader.problem("fields.system", "expected the custom field's id or its title")
        return None
    return system if isinstance(system, int) else str(system)


def _sync_settings(reader: _Reader, value: Any) -> SyncSettings:
    section = reader.mapping(value, "sync")
    defaults = SyncSettings()
    reader.reject_unknown(
        section,
        {
            "backfill_since",
            "page_size",
            "export_requests_per_minute",
            "request_timeout_seconds",
            "max_attempts",
            "interval_seconds",
            "audit_concurrency",
        },
        "sync",
    )
    since = _instant(reader, section.get("backfill_since"), "sync.backfill_since")
    page_size = reader.positive_int(section.get("page_size", defaults.page_size), "sync.page_size")
    if page_size is not None and page_size > 1000:
        reader.problem("sync.page_size", "Zendesk serves at most 1000 tickets per export page")
    per_minute = reader.positive_int(
        section.get("export_requests_per_minute", defaults.export_requests_per_minute),
        "sync.export_requests_per_minute",
    )
    attempts = reader.positive_int(
        section.get("max_attempts", defaults.max_attempts), "sync.max_attempts"
    )
    timeout = reader.seconds(
        section.get("request_timeout_seconds", defaults.request_timeout_seconds),
        "sync.request_timeout_seconds",
    )
    concurrency = reader.positive_int(
        section.get("audit_concurrency", defaults.audit_concurrency), "sync.audit_concurrency"
    )
    interval = reader.seconds(
        section.get("interval_seconds", defaults.interval_seconds), "sync.interval_seconds"
    )
    return SyncSettings(
        backfill_since=since or defaults.backfill_since,
        page_size=page_size or defaults.page_size,
        export_requests_per_minute=per_minute or defaults.export_requests_per_minute,
        request_timeout_seconds=timeout or defaults.request_timeout_seconds,
        max_attempts=attempts or defaults.max_attempts,
        interval_seconds=interval or defaults.interval_seconds,
        audit_concurrency=concurrency or defaults.audit_concurrency,
    )


def _instant(reader: _Reader, value: Any, key: str) -> datetime | None:
    """YAML gives dates and datetimes natively; strings are accepted as ISO-8601 too."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            reader.problem(key, f"expected an ISO-8601 date or time, got {value!r}")
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    reader.problem(key, f"expected an ISO-8601 date or time, got {value!r}")
    return None


def _rules_section(reader: _Reader, value: Any) -> RulesConfig:
    config, problems = parse_rules_config(reader.mapping(value, "rules"))
    for where, message in problems:
        reader.problem(where, message)
    return config or RulesConfig()


def _log_level(env: Mapping[str, str], problems: list[ConfigProblem]) -> str:
    level = (env.get("ZDSYNC_LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        problems.append(
            ConfigProblem("ZDSYNC_LOG_LEVEL", f"expected one of {', '.join(LOG_LEVELS)}")
        )
        return "INFO"
    return level


def _zendesk_settings(env: Mapping[str, str], problems: list[ConfigProblem]) -> ZendeskSettings:
    url = (env.get("ZENDESK_URL") or "").strip().rstrip("/")
    url_problem = _url_problem(url, allow_http=env.get("ZDSYNC_ALLOW_INSECURE_HTTP") == "1")
    if url_problem:
        problems.append(ConfigProblem("ZENDESK_URL", url_problem))
    email = (env.get("ZENDESK_EMAIL") or "").strip() or None
    token = env.get("ZENDESK_TOKEN") or None
    oauth = env.get("ZENDESK_OAUTH_TOKEN") or None
    if token and oauth:
        problems.append(
            ConfigProblem("ZENDESK_TOKEN", "set ZENDESK_TOKEN or ZENDESK_OAUTH_TOKEN, not both")
        )
    elif not token and not oauth:
        problems.append(
            ConfigProblem(
                "ZENDESK_TOKEN",
                "missing: set ZENDESK_EMAIL and ZENDESK_TOKEN (API token) or ZENDESK_OAUTH_TOKEN",
            )
        )
    elif token and not email:
        problems.append(ConfigProblem("ZENDESK_EMAIL", "missing: an API token needs the email"))
    if email is not None and "@" not in email:
        problems.append(ConfigProblem("ZENDESK_EMAIL", f"not an email address: {email!r}"))
    return ZendeskSettings(
        url=url,
        email=email,
        token=Secret(token) if token else None,
        oauth_token=Secret(oauth) if oauth else None,
    )


def _url_problem(url: str, *, allow_http: bool) -> str | None:
    if not url:
        return "missing: the Zendesk base URL, e.g. https://acme.zendesk.com"
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"expected an http(s) URL such as https://acme.zendesk.com, got {url!r}"
    if parts.query or parts.fragment:
        return "a base URL takes no query or fragment"
    if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        # The API token travels in every request: plain HTTP only to this machine.
        return (
            "plain http is only allowed for 127.0.0.1/localhost (an emulator); use https, "
            "or set ZDSYNC_ALLOW_INSECURE_HTTP=1 for an emulator on another host"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
