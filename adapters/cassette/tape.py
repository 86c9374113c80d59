"""Recording a Zendesk session into a vcrpy cassette, and replaying one with no network.

vcrpy patches urllib3's connection classes for the whole process, and while it records
(and whenever it builds a connection, even in playback) it swaps the real classes back in
for a moment (``vcr.patch.force_reset``, ``mock.patch`` on module globals). With the audit
fetches on four threads, another thread that takes or makes a connection inside that
moment gets a real, unpatched one: its request goes to the network unrecorded (or, in a
replay, to a host that does not exist), and two overlapping windows can even restore the
real classes for the rest of the cassette (vcrpy issues #212, #295, #849). A lock around
each whole exchange, from taking a connection to reading the body, makes the cassette see
one request at a time: every request is recorded, every replay is played. Recording is
not a hot path; the pull's threads still overlap everything else (parsing, the store).

Matching (``MATCH_ON``) is on method, scheme, host, port, path, the *parsed* query (zenpy
orders its query parameters at random) and the body: a replay fails, naming the request,
as soon as the adapter asks for something the recording does not hold.
"""

from __future__ import annotations

import copy
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import requests
import vcr
from requests.adapters import HTTPAdapter
from vcr.errors import CannotOverwriteExistingCassetteException

from adapters.cassette import yaml_format
from adapters.cassette.scrub import (
    KEPT_REQUEST_HEADERS,
    KEPT_RESPONSE_HEADERS,
    ScrubPolicy,
    scrub_headers,
    scrub_json,
    scrub_text,
    scrub_uri,
    sorted_query,
)
from sync.errors import NotInCassette

# vcrpy logs every recorded exchange at INFO *before* it is scrubbed (bodies, the real host):
# that must not reach a terminal or a log collector, even with -v.
logging.getLogger("vcr").setLevel(logging.WARNING)

MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
#: One exchange at a time in the whole process while a cassette is in use (see above):
#: vcrpy's patches are process-wide, so the lock is too.
_ONE_EXCHANGE_AT_A_TIME = threading.Lock()


class Tape:
    """A cassette in use: how many exchanges it holds and how many were replayed."""

    def __init__(self, cassette: Any, path: Path) -> None:
        self._cassette = cassette
        self.path = path

    @property
    def exchanges(self) -> int:
        return len(self._cassette.data)

    @property
    def played(self) -> int:
        return int(self._cassette.play_count)

    @property
    def unplayed(self) -> int:
        """Recorded exchanges a replay never asked for (the adapter's requests changed)."""
        return self.exchanges - self.played


class OneExchangeAtATime(HTTPAdapter):
    """requests' adapter with each whole exchange under the cassette lock."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        with _ONE_EXCHANGE_AT_A_TIME:
            try:
                response = super().send(request, *args, **kwargs)
            except CannotOverwriteExistingCassetteException as exc:
                raise NotInCassette(_miss_message(self._path, request, exc)) from None
            response.content  # noqa: B018 - read the body inside the lock
            return response


@contextmanager
def recording(path: Path, session: requests.Session, policy: ScrubPolicy) -> Iterator[Tape]:
    """Record every exchange ``session`` makes into a new cassette at ``path``, scrubbed.

    The cassette is written next to ``path`` and moved over it when the block ends without
    an exception, so a failed recording never leaves half a cassette behind.
    """
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    recorder = _vcr(
        record_mode="all",
        before_record_request=lambda request: scrub_request(policy, request),
        before_record_response=lambda response: scrub_response(policy, response),
    )
    with _serialised(session, path), _in_turn(recorder.use_cassette(str(partial))) as cassette:
        yield Tape(cassette, path)
    if partial.exists():
        partial.replace(path)


@contextmanager
def replaying(path: Path, session: requests.Session) -> Iterator[Tape]:
    """Answer every request ``session`` makes from the cassette at ``path``, never from a
    network; a request the cassette does not hold raises ``NotInCassette``."""
    if not path.is_file():
        raise FileNotFoundError(f"no cassette at {path}")
    player = _vcr(
        record_mode="none",
        # vcrpy applies this to each incoming request before matching: the recorded form.
        before_record_request=normalise_request,
    )
    with _serialised(session, path), _in_turn(player.use_cassette(str(path))) as cassette:
        yield Tape(cassette, path)


def _vcr(**options: Any) -> vcr.VCR:
    player = vcr.VCR(
        serializer=yaml_format.NAME,
        match_on=MATCH_ON,
        decode_compressed_response=True,
        record_on_exception=False,
        **options,
    )
    player.register_serializer(yaml_format.NAME, yaml_format)
    return player


@contextmanager
def _in_turn(cassette: Any) -> Iterator[Any]:
    """vcrpy's patches installed and removed while no exchange is under way: a thread
    still inside one when the cassette is left would put vcrpy's classes back afterwards
    (its force_reset window restores what it saw), for the rest of the process."""
    with _ONE_EXCHANGE_AT_A_TIME:
        entered = cassette.__enter__()
    try:
        yield entered
    except BaseException:
        with _ONE_EXCHANGE_AT_A_TIME:
            if not cassette.__exit__(*sys.exc_info()):
                raise
    else:
        with _ONE_EXCHANGE_AT_A_TIME:
            cassette.__exit__(None, None, None)


@contextmanager
def _serialised(session: requests.Session, path: Path) -> Iterator[None]:
    saved = dict(session.adapters)
    adapter = OneExchangeAtATime(path)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    try:
        yield
    finally:
        session.adapters.clear()
        session.adapters.update(saved)
        adapter.close()


def scrub_request(policy: ScrubPolicy, request: Any) -> Any:
    """A vcrpy request as the cassette keeps it (a copy: vcrpy passes the live one)."""
    kept = copy.copy(request)
    kept.uri = scrub_uri(policy, request.uri)
    kept.headers = scrub_headers(policy, dict(request.headers), KEPT_REQUEST_HEADERS)
    kept.body = _scrub_body(policy, request.body)
    return kept


def normalise_request(request: Any) -> Any:
    """A replayed request in the recorded form, its contents as sent (the placeholder host
    holds no account, and a replay sends no personal data)."""
    kept = copy.copy(request)
    kept.uri = sorted_query(request.uri)
    kept.headers = {
        name: value
        for name, value in dict(request.headers).items()
        if name.lower() in KEPT_REQUEST_HEADERS
    }
    return kept


def scrub_response(policy: ScrubPolicy, response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy response dict as the cassette keeps it (already a copy, decompressed)."""
    response["headers"] = scrub_headers(policy, response["headers"], KEPT_RESPONSE_HEADERS)
    body = response.get("body") or {}
    body["string"] = _scrub_body(policy, body.get("string"))
    response["body"] = body
    return response


def _scrub_body(policy: ScrubPolicy, body: Any) -> Any:
    if not body:
        return body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return scrub_text(policy, text).encode()
    return orjson.dumps(scrub_json(policy, document))


def _miss_message(
    path: Path, request: requests.PreparedRequest, exc: CannotOverwriteExistingCassetteException
) -> str:
    wanted = f"{request.method} {request.url}"
    nearest = exc.cassette.find_requests_with_most_matches(exc.failed_request)
    hint = ""
    if nearest:
        stored, _, failures = nearest[0]
        differs = ", ".join(name for name, _ in failures) or "already replayed"
        hint = f"; nearest recorded: {stored.method} {stored.uri} (differs in: {differs})"
    return (
        f"the cassette {path} has no answer for {wanted}{hint}. The adapter's requests "
        "changed shape, or the configuration differs from the recording's: re-record it"
    )
