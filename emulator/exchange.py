"""One request and its answer, as the routes see them (no sockets here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from emulator import errors
from emulator.specs import UserSpec

JSON_TYPE = "application/json; charset=utf-8"


@dataclass(slots=True)
class Request:
    method: str
    #: Path without a trailing ``.json`` (zenpy adds it; other clients may not).
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    user: UserSpec | None = None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def params(self) -> dict[str, str]:
        return {key: values[-1] for key, values in self.query.items() if values}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The JSON body; 400 when it is not JSON, as Zendesk answers a parse error."""
        if not self.body:
            return {}
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise errors.bad_request("InvalidJSON", f"The request body is not JSON: {exc}") from exc

    @property
    def acting_user(self) -> UserSpec:
        if self.user is None:
            raise errors.unauthorized()
        return self.user


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE

    @classmethod
    def of(cls, status: int, document: Any, headers: dict[str, str] | None = None) -> Response:
        return cls(status, orjson.dumps(document), dict(headers or {}))

    @classmethod
    def error(cls, error: errors.ApiError) -> Response:
        return cls(error.status, orjson.dumps(error.body), dict(error.headers))
