"""The environment's part of the settings: where Zendesk is, the worker's credentials, the
log level. Secrets are wrapped in ``Secret`` so that no repr, log line or error message can
show them. The variables are listed in ``sync/config.py``."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from rules.config_reader import expected_one_of
from sync.errors import ConfigProblem

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: Payload shapes of ``ZDSYNC_WEBHOOK_FORMAT``: Slack's (and Mattermost's) ``{"text"}``, or a
#: Microsoft Teams message card.
WEBHOOK_FORMATS = ("slack", "teams")


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
class ZendeskSettings:
    url: str
    email: str | None
    token: Secret | None
    oauth_token: Secret | None


@dataclass(frozen=True)
class WebhookSettings:
    #: The webhook's URL carries its credential: a Secret, never logged.
    url: Secret
    format: str = "slack"


def read_webhook_settings(
    env: Mapping[str, str], problems: list[ConfigProblem]
) -> WebhookSettings | None:
    """``ZDSYNC_WEBHOOK_URL`` (+ ``ZDSYNC_WEBHOOK_FORMAT``); None when no webhook is set."""
    url = (env.get("ZDSYNC_WEBHOOK_URL") or "").strip()
    given = env.get("ZDSYNC_WEBHOOK_FORMAT") or "slack"
    shape = given.lower()
    if shape not in WEBHOOK_FORMATS:
        problems.append(
            ConfigProblem("ZDSYNC_WEBHOOK_FORMAT", expected_one_of(WEBHOOK_FORMATS, given))
        )
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        # The URL itself is a secret: say what is wrong without repeating it.
        problems.append(ConfigProblem("ZDSYNC_WEBHOOK_URL", "expected an http(s) URL"))
    elif parts.scheme == "http" and not _is_loopback(parts.hostname):
        problems.append(
            ConfigProblem("ZDSYNC_WEBHOOK_URL", "plain http only to this machine; use https")
        )
    return WebhookSettings(Secret(url), shape if shape in WEBHOOK_FORMATS else "slack")


#: Values of ``ZDSYNC_DRY_RUN`` (case-insensitive); unset or empty means off.
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def read_dry_run(env: Mapping[str, str], problems: list[ConfigProblem]) -> bool:
    """``ZDSYNC_DRY_RUN=1``: every run is a dry run (the kill switch: nothing is written to
    Zendesk or the outbox, whatever the command line says)."""
    given = (env.get("ZDSYNC_DRY_RUN") or "").strip()
    if given.lower() in (*_FALSE, ""):
        return False
    if given.lower() in _TRUE:
        return True
    problems.append(ConfigProblem("ZDSYNC_DRY_RUN", expected_one_of((*_TRUE, *_FALSE), given)))
    return True  # when in doubt, do not act


def read_log_level(env: Mapping[str, str], problems: list[ConfigProblem]) -> str:
    given = env.get("ZDSYNC_LOG_LEVEL") or "INFO"
    level = given.upper()
    if level not in LOG_LEVELS:
        problems.append(ConfigProblem("ZDSYNC_LOG_LEVEL", expected_one_of(LOG_LEVELS, given)))
        return "INFO"
    return level


def read_zendesk_settings(env: Mapping[str, str], problems: list[ConfigProblem]) -> ZendeskSettings:
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
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "not a URL; expected the account's base URL, e.g. https://acme.zendesk.com"
    if "@" in parts.netloc:
        # Never repeated, not even in part: it would carry the password into logs.
        return (
            "must not carry a user or password (user:password@host); give the base URL "
            "alone and the credentials in ZENDESK_EMAIL and ZENDESK_TOKEN"
        )
    return _shape_problem(url, parts) or _transport_problem(parts, allow_http=allow_http)


def _shape_problem(url: str, parts: SplitResult) -> str | None:
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"expected an http(s) URL such as https://acme.zendesk.com, got {url!r}"
    if parts.query or parts.fragment:
        return "a base URL takes no query or fragment"
    if "/api/" in f"{parts.path}/":
        # Requests would go to /api/v2/api/v2/...
        return (
            f"{url!r} names the API ({parts.path}); give the account's base URL, e.g. "
            f"{parts.scheme}://{parts.netloc} (zdsync adds /api/v2 itself)"
        )
    return None


def _transport_problem(parts: SplitResult, *, allow_http: bool) -> str | None:
    if parts.hostname is None:
        return None
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
