"""HTTP exchanges as the conformance checks read them, and a recorder that collects them.

``TrafficRecorder`` is a requests response hook: installed on a session (our
``ZendeskSession``, where zenpy's calls and our raw pages all pass), it keeps every request
the session sent with the answer it got, without changing either.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer (bodies as bytes; empty when there was none)."""

    method: str
    url: str
    status: int
    request_body: bytes = b""
    request_content_type: str = ""
    response_body: bytes = b""
    response_content_type: str = "application/json"
    response_headers: Mapping[str, str] = field(default_factory=dict)
    #: "Basic", "Bearer" or "" (the credentials themselves are never kept).
    auth_scheme: str = ""

    @classmethod
    def of(cls, response: requests.Response) -> Exchange:
        request = response.request
        body = request.body
        return cls(
            method=(request.method or "GET").upper(),
            url=request.url or response.url,
            status=response.status_code,
            request_body=body.encode() if isinstance(body, str) else (body or b""),
            request_content_type=request.headers.get("Content-Type", ""),
            response_body=response.content,
            response_content_type=response.headers.get("Content-Type", ""),
            response_headers=dict(response.headers),
            auth_scheme=request.headers.get("Authorization", "").partition(" ")[0],
        )

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> {self.status}"


class TrafficRecorder:
    """Collects every exchange of the sessions it is installed on (thread-safe: the pull
    fetches audits from a thread pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    def install(self, session: requests.Session) -> None:
        session.hooks["response"].append(self)

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        exchange = Exchange.of(response)
        with self._lock:
            self._exchanges.append(exchange)

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)
