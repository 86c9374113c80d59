"""Matching a request path to an endpoint.

Paths are matched without a trailing ``.json``; ``{id}`` segments are numbers and reach
the handler as ints (``{key}`` segments stay strings, e.g. job status ids).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.exchange import Request, Response

Handler = Callable[..., Response]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]
    #: Counted against the incremental-export rate limit.
    export: bool = False
    #: Counted against the Update Ticket and per-ticket limits.
    ticket_update: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


def route(method: str, template: str, handler: Handler, **flags: bool) -> Route:
    regex = re.sub(r"\{(\w+)\}", lambda m: _segment(m.group(1)), template)
    return Route(method, template, handler, re.compile(f"^{regex}$"), **flags)


def _segment(name: str) -> str:
    return rf"(?P<{name}>\d+)" if name.endswith("id") else rf"(?P<{name}>[^/]+)"


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes

    def find(self, method: str, path: str) -> tuple[Route, dict[str, Any]] | None:
        """The route and its path parameters; None when no endpoint has that path and
        method (Zendesk answers 404 for both)."""
        for candidate in self.routes:
            if candidate.method != method:
                continue
            match = candidate.pattern.match(path)
            if match:
                params = {
                    k: int(v) if k.endswith("id") else v for k, v in match.groupdict().items()
                }
                return candidate, params
        return None


def dispatch(found: tuple[Route, dict[str, Any]], request: Request) -> Response:
    target, params = found
    return target.handler(request, **params)
