"""What a recording may keep: pure functions that take the account's identity and personal
data out of one exchange before it is written to a cassette.

- the account's base URL (``https://ispnext.zendesk.com``, an emulator's
  ``http://127.0.0.1:PORT``) and its bare host become ``PLACEHOLDER_URL`` everywhere: in
  request URIs and in bodies (``url``, ``after_url``, ``links.next``);
- secrets (the API or OAuth token) become ``<secret>`` wherever they appear; the
  ``Authorization`` header and every other header but a few harmless ones are dropped;
- email addresses (anywhere, free text included), people's names, aliases, phone numbers
  and notes, and the IP address and location of audits become stable pseudonyms: an
  HMAC of the value under the recording's key, so the same address is the same pseudonym
  in every answer (users still match across answers) but cannot be looked up without the
  key;
- with ``scrub_bodies``, free text too (comment bodies, subjects, descriptions);
- ids, times, statuses, tags and custom field values are kept: the rules need them.

Query strings are put in sorted order: zenpy builds them from a set, so the same request
comes with its parameters in a different order from one process to the next.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Where every recorded request appears to go; ``.invalid`` never resolves (RFC 6761),
#: so a replay cannot reach a network even by mistake.
PLACEHOLDER_URL = "https://recorded.zendesk.invalid"
#: The domain of every pseudonymous email address.
PSEUDONYM_DOMAIN = "example.invalid"
SECRET_MARK = "<secret>"

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: Keys of a person (a dict with an ``email`` or ``address``) that say who they are.
_PERSON_TEXT = frozenset({"name", "alias", "signature", "details", "notes"})
_PHONES = frozenset({"phone", "formatted_phone", "phone_number", "shared_phone_number"})
#: Where an audit was made from (``metadata.system``).
_WHEREABOUTS = frozenset({"location", "latitude", "longitude"})
_FREE_TEXT = frozenset({"body", "html_body", "plain_body", "subject", "raw_subject"})
_FREE_TEXT_FIELDS = frozenset({"subject", "description", "comment"})
#: The worker's reference lines carry no personal data and push reads them back
#: (sync/push/merge.py), so a scrubbed body keeps them.
_WORKER_REFERENCE = "zdsync ref"
#: Headers a cassette keeps; every other (Authorization, cookies, Date, ids) is dropped.
KEPT_REQUEST_HEADERS = frozenset({"content-type", "idempotency-key"})
KEPT_RESPONSE_HEADERS = frozenset({"content-type", "retry-after", "location"})


@dataclass(frozen=True)
class ScrubPolicy:
    """Everything the scrubbers need to know about one recording."""

    #: The account the recording talks to (scheme and host; a path is ignored).
    account_url: str
    #: HMAC key of the pseudonyms: the same key gives the same pseudonyms.
    key: bytes
    #: Strings that must never reach a cassette (tokens).
    secrets: tuple[str, ...] = ()
    #: Also replace free text (comment bodies, subjects, descriptions).
    scrub_bodies: bool = False

    @property
    def account_netloc(self) -> str:
        return urlsplit(self.account_url).netloc


def pseudonym(policy: ScrubPolicy, kind: str, value: str) -> str:
    """A stable stand-in for ``value``: the same value and key always give the same one."""
    normal = value.strip().casefold() if kind == "email" else value.strip()
    digest = hmac.new(policy.key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()
    short = digest[:10]
    if kind == "email":
        return f"person-{short}@{PSEUDONYM_DOMAIN}"
    if kind == "phone":
        return "+0" + str(int(short, 16))[:10]
    if kind == "ip":
        return f"192.0.2.{int(short, 16) % 254 + 1}"  # TEST-NET-1 (RFC 5737)
    if kind == "text":
        return f"[text {short}]"
    return f"Person {short}"


def scrub_text(policy: ScrubPolicy, text: str) -> str:
    """Secrets out, email addresses pseudonymised, the account's host replaced."""
    for secret in policy.secrets:
        if secret:
            text = text.replace(secret, SECRET_MARK)
    text = _EMAIL.sub(lambda found: pseudonym(policy, "email", found.group()), text)
    return replace_host(policy, text)


def replace_host(policy: ScrubPolicy, text: str) -> str:
    """The account's URL (any scheme) and its bare host name -> the placeholder's."""
    netloc = policy.account_netloc
    if not netloc:
        return text
    placeholder = urlsplit(PLACEHOLDER_URL).netloc
    text = re.sub(rf"https?://{re.escape(netloc)}(?![\w.-])", PLACEHOLDER_URL, text)
    text = re.sub(rf"(?<![\w.-]){re.escape(netloc)}(?![\w.-])", placeholder, text)
    host = urlsplit(policy.account_url).hostname or ""
    if host and host != netloc and not _is_address(host):
        # a real account's name without its port; an IP address alone is left alone
        # (audits' ip_address is pseudonymised by key instead).
        text = re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w.-])", placeholder, text)
    return text


def scrub_uri(policy: ScrubPolicy, uri: str) -> str:
    """A request URI on the placeholder host, secrets out, its query in sorted order."""
    return sorted_query(scrub_text(policy, uri))


def sorted_query(uri: str) -> str:
    """The URI with its query parameters in sorted order (and no fragment)."""
    parts = urlsplit(uri)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    return urlunsplit(parts._replace(query=urlencode(sorted(pairs)), fragment=""))


def scrub_headers(
    policy: ScrubPolicy, headers: Mapping[str, Any], kept: frozenset[str]
) -> dict[str, Any]:
    """Only the ``kept`` headers, their values scrubbed like text."""
    return {
        name: _scrub_header_value(policy, value)
        for name, value in headers.items()
        if name.lower() in kept
    }


def _scrub_header_value(policy: ScrubPolicy, value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(policy, value)
    if isinstance(value, (list, tuple)):
        return [scrub_text(policy, v) if isinstance(v, str) else v for v in value]
    return value


def scrub_json(policy: ScrubPolicy, value: Any) -> Any:
    """A JSON document with the personal data replaced (see the module docstring)."""
    if isinstance(value, list):
        return [scrub_json(policy, item) for item in value]
    if isinstance(value, Mapping):
        return _scrub_object(policy, value)
    if isinstance(value, str):
        return scrub_text(policy, value)
    return value


def _scrub_object(policy: ScrubPolicy, obj: Mapping[str, Any]) -> dict[str, Any]:
    person = "email" in obj or "address" in obj
    text_field = obj.get("field_name") in _FREE_TEXT_FIELDS  # a Create/Change event
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if value is None or isinstance(value, bool):
            out[key] = value
        elif key in _PHONES and isinstance(value, str):
            out[key] = pseudonym(policy, "phone", value)
        elif person and key in _PERSON_TEXT and isinstance(value, str):
            out[key] = pseudonym(policy, "name", value) if value else value
        elif key == "ip_address" and isinstance(value, str):
            out[key] = pseudonym(policy, "ip", value)
        elif key in _WHEREABOUTS:
            out[key] = None
        elif policy.scrub_bodies and _is_free_text(key, text_field) and isinstance(value, str):
            out[key] = scrub_free_text(policy, value)
        else:
            out[key] = scrub_json(policy, value)
    return out


def _is_free_text(key: str, text_field: bool) -> bool:
    return (
        key in _FREE_TEXT
        or key == "description"
        or (text_field and key in {"value", "previous_value"})
    )


def scrub_free_text(policy: ScrubPolicy, text: str) -> str:
    """A text replaced by its pseudonym, keeping the worker's reference lines."""
    if not text:
        return text
    kept = [line for line in text.splitlines() if line.strip().startswith(_WORKER_REFERENCE)]
    return "\n".join([pseudonym(policy, "text", text), *kept])


def _is_address(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|\[?[0-9a-fA-F:]+\]?", host))
