"""Settings: the YAML file (groups, fields, parameters) plus the environment (secrets, endpoints).

``load_settings`` is a pure function of a mapping of environment variables and the text of the
config file; it reports every problem at once, each with the key path or variable it came
from, as a ``ConfigError``. The file is read in ``sync/config_file.py`` (with the rules'
reader, ``rules/config_reader.py``), the environment in ``sync/config_env.py``.

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
    ZDSYNC_WEBHOOK_URL     optional: a Slack- or Teams-compatible incoming webhook, told when
                           rules act, when a push fails and when cycles keep failing
    ZDSYNC_WEBHOOK_FORMAT  slack (default: {"text": ...}) or teams (a message card)
    ZDSYNC_DRY_RUN=1       every run is a dry run: nothing is written to Zendesk or the outbox
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rules.config import Account, Group, RulesConfig
from sync.config_env import (
    LOG_LEVELS,
    Secret,
    WebhookSettings,
    ZendeskSettings,
    read_dry_run,
    read_log_level,
    read_webhook_settings,
    read_zendesk_settings,
)
from sync.config_file import DEFAULT_BACKFILL_SINCE, GroupRef, SyncSettings, read_config_file
from sync.errors import ConfigError, ConfigProblem

__all__ = [
    "DEFAULT_BACKFILL_SINCE",
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_DATABASE_URL",
    "LOG_LEVELS",
    "GroupRef",
    "Secret",
    "Settings",
    "SyncSettings",
    "WebhookSettings",
    "ZendeskSettings",
    "database_url",
    "load_settings",
]

DEFAULT_CONFIG_PATH = Path("zdsync.yaml")
DEFAULT_DATABASE_URL = "sqlite:///zdsync.db"


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
    #: Where notifications go (``ZDSYNC_WEBHOOK_URL``); None: no notifications.
    webhook: WebhookSettings | None = None
    #: ``ZDSYNC_DRY_RUN``: every run is a dry run (the kill switch).
    dry_run: bool = False

    def rules_for(
        self, *, worker_id: int | None, total_time: int | None, system: int | None = None
    ) -> RulesConfig:
        """The rules' configuration with this account's ids resolved."""
        account = Account(
            worker_id=worker_id,
            system_field_id=system,
            ispnext_groups=tuple(Group(g.id, g.name) for g in self.ispnext_groups),
            partner_groups=tuple(Group(g.id, g.name) for g in self.partner_groups),
            total_time_field_id=total_time,
        )
        return self.rules.with_account(account)

    @property
    def mirrored_group_ids(self) -> frozenset[int]:
        return frozenset(g.id for g in self.partner_groups)

    def require_zendesk(self) -> ZendeskSettings:
        if self.zendesk is None:  # load_settings(need_zendesk=False) was used
            raise ConfigError([ConfigProblem("environment", "Zendesk settings not loaded")])
        return self.zendesk


def database_url(env: Mapping[str, str]) -> str:
    """The database URL alone: all ``zdsync db`` needs (no config file, no credentials)."""
    return env.get("ZDSYNC_DATABASE_URL") or DEFAULT_DATABASE_URL


def load_settings(
    env: Mapping[str, str],
    *,
    config_path: Path | None = None,
    config_text: str | None = None,
    need_zendesk: bool = True,
    database_problems: Callable[[str], Sequence[str]] | None = None,
) -> Settings:
    """Build Settings from the environment and the config file; raise ConfigError listing
    every problem. ``config_text`` (for tests) replaces reading ``config_path``.
    ``database_problems``: what is wrong with a database URL, found without connecting (the
    store adapter's check, which the CLI passes in), so those are listed with the rest."""
    problems: list[ConfigProblem] = []
    path = config_path or Path(env.get("ZDSYNC_CONFIG") or DEFAULT_CONFIG_PATH)
    file = read_config_file(path, config_text, problems)
    url = database_url(env)
    if database_problems is not None:
        problems += [ConfigProblem("ZDSYNC_DATABASE_URL", p) for p in database_problems(url)]
    settings = Settings(
        config_path=path,
        database_url=url,
        log_level=read_log_level(env, problems),
        ispnext_groups=file.ispnext_groups,
        partner_groups=file.partner_groups,
        system_field=file.system_field,
        sync=file.sync,
        zendesk=read_zendesk_settings(env, problems) if need_zendesk else None,
        rules=file.rules,
        webhook=read_webhook_settings(env, problems),
        dry_run=read_dry_run(env, problems),
    )
    if problems:
        raise ConfigError(problems)
    return settings
