"""The HTTP session every request to Zendesk goes through, zenpy's and our own.

One place turns what requests and Zendesk answer into the error tree of ``sync.errors``
(chained with ``from``), so neither zenpy's exceptions nor requests' ever leave this
adapter:

    connection refused, DNS, connect timeout      -> ZendeskUnavailable
    read timeout / reset after a write was sent   -> ZendeskUnavailable(maybe_applied=True)
    429                                           -> ZendeskRateLimited(retry_after)
    5xx, a 2xx body that is not JSON              -> ZendeskUnavailable (maybe_applied after
                                                     a write: Zendesk said yes to it)
    401 / 403                                     -> ZendeskAccessDenied
    409 / 404                                     -> TicketConflict / TicketNotFound
    other 4xx                                     -> ZendeskRejected

zenpy builds ``https://{subdomain}.{domain}/api/v2/...`` URLs and only deserialises an
answer whose URL contains its ``{subdomain}.{domain}``. ``zenpy_origin`` splits the
configured host into those two parts; this session then rebases zenpy's ``https://`` origin
onto the configured base URL, so ``http://127.0.0.1:8080`` (the emulator) works without
process-global environment variables. Absolute URLs the server returns (pagination links)
pass through untouched.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import urllib3

from sync.errors import (
    TicketConflict,
    TicketNotFound,
    ZendeskAccessDenied,
    ZendeskRateLimited,
    ZendeskRejected,
    ZendeskUnavailable,
)
from sync.ports import ApiObserver

#: Zendesk's documented default when a 429 carries no usable Retry-After.
DEFAULT_RETRY_AFTER = 60.0
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HINTS = {
    401: " (Zendesk refused the credentials: check ZENDESK_EMAIL and ZENDESK_TOKEN, or "
    "ZENDESK_OAUTH_TOKEN)",
    403: " (the worker's user lacks a permission: the export needs an admin)",
}
_BODY_PREVIEW = 500
_ERRORS: dict[int, type[ZendeskRejected]] = {
    401: ZendeskAccessDenied,
    403: ZendeskAccessDenied,
    404: TicketNotFound,
    409: TicketConflict,
}


class ZendeskSession(requests.Session):
    """A requests session bound to one Zendesk base URL with a default timeout."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        user_agent: str,
        observer: ApiObserver | None = None,
    ) -> None:
        super().__init__()
        self.observer = observer
        self.base_url = base_url.rstrip("/")
        self.zenpy_origin = "https://" + urlsplit(self.base_url).netloc
        self.timeout = timeout
        #: Requests sent (each attempt counts), for reports and benchmarks.
        self.requests_sent = 0
        self.headers["User-Agent"] = user_agent
        self.headers["Accept"] = "application/json"

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        method = method.decode() if isinstance(method, bytes) else method
        url = url.decode() if isinstance(url, bytes) else url
        if url.startswith(self.zenpy_origin) and not url.startswith(self.base_url):
            url = self.base_url + url[len(self.zenpy_origin) :]
        kwargs.setdefault("timeout", self.timeout)
        self.requests_sent += 1
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            self._observe(method, url, "error")
            raise _unavailable(method.upper(), url, exc) from exc
        self._observe(method, url, str(response.status_code))
        check_response(response)
        return response

    def _observe(self, method: str, url: str, status: str) -> None:
        if self.observer is not None:
            self.observer.api_request(method.upper(), endpoint_of(url), status)


#: Path segments that name one object: numbers, and the ids of job statuses.
_ID_SEGMENT = re.compile(r"^\d+$")


def endpoint_of(url: str) -> str:
    """The endpoint a URL asks, with its ids as ``{id}`` (a metric label of bounded
    cardinality): ``/api/v2/tickets/{id}/audits``."""
    segments = urlsplit(url).path.removesuffix(".json").split("/")
    named = [
        "{id}" if _ID_SEGMENT.match(part) or (n and segments[n - 1] == "job_statuses") else part
        for n, part in enumerate(segments)
    ]
    return "/".join(named) or "/"


def zenpy_account(base_url: str) -> tuple[str, str] | None:
    """``(subdomain, domain)`` whose ``subdomain.domain`` is the host of ``base_url``, or
    None for a host without a dot (``localhost``, a docker service name), which zenpy can
    only reach through its ZENPY_FORCE_NETLOC override."""
    netloc = urlsplit(base_url).netloc
    subdomain, dot, domain = netloc.partition(".")
    return (subdomain, domain) if dot and subdomain and domain else None


def _unavailable(method: str, url: str, exc: requests.RequestException) -> ZendeskUnavailable:
    never_sent = isinstance(exc, requests.ConnectTimeout) or _is_connect_failure(exc)
    maybe_applied = method not in _SAFE_METHODS and not never_sent
    kind = type(exc).__name__
    return ZendeskUnavailable(f"{method} {url}: {kind}: {exc}", maybe_applied=maybe_applied)


def _is_connect_failure(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so a write cannot have reached Zendesk."""
    if not isinstance(exc, requests.ConnectionError) or not exc.args:
        return False
    # requests wraps urllib3's MaxRetryError, whose reason says what failed; name
    # resolution errors are NewConnectionErrors too.
    reason = getattr(exc.args[0], "reason", exc.args[0])
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def check_response(response: requests.Response) -> None:
    """Raise the error a non-2xx answer (or an unreadable 2xx body) stands for.

    A good JSON body is parsed once here and kept on the response (``json_body``), so the
    hot path does not parse it twice.
    """
    status = response.status_code
    where = f"{response.request.method} {response.url}"
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise ZendeskRateLimited(f"{where}: 429 rate limited", retry_after=retry_after)
    if status >= 500:
        raise ZendeskUnavailable(f"{where}: {status} {_preview(response)}")
    if status >= 400:
        body = _preview(response)
        error_class = _ERRORS.get(status, ZendeskRejected)
        hint = _HINTS.get(status, "")
        raise error_class(f"{where}: {status} {body}{hint}", status=status, body=body)
    if status != 204 and response.content:
        try:
            response.json_body = orjson.loads(response.content)  # type: ignore[attr-defined]
        except orjson.JSONDecodeError as exc:
            # Zendesk said yes to a write but we cannot read what it did: it may be applied.
            wrote = (response.request.method or "GET").upper() not in _SAFE_METHODS
            raise ZendeskUnavailable(
                f"{where}: {status} with a body that is not JSON ({len(response.content)} "
                f"bytes, {response.headers.get('Content-Type', 'no content type')})",
                maybe_applied=wrote,
            ) from exc


def json_body(response: requests.Response) -> Any:
    """The body ``check_response`` parsed (None for an empty body)."""
    return getattr(response, "json_body", None)


def parse_retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header; Zendesk sends whole seconds, be lenient anyway."""
    if value is None:
        return DEFAULT_RETRY_AFTER
    try:
        seconds = float(value.strip())
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return seconds if seconds >= 0 else DEFAULT_RETRY_AFTER


def _preview(response: requests.Response) -> str:
    text = response.text
    return text if len(text) <= _BODY_PREVIEW else text[:_BODY_PREVIEW] + "…"
