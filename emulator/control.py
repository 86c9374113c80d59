"""Control endpoints under ``/_emulator/``: drive an emulator running in another process
(documented in docs/emulator.md). No authentication, no rate limits, no faults, not in
the request log: they are the test harness, not Zendesk.

- ``GET  /_emulator/clock``      ``{"now", "start", "frozen"}``
- ``POST /_emulator/clock``      ``{"advance": seconds}`` | ``{"set": iso}`` |
  ``{"freeze": true}`` | ``{"unfreeze": true}``
- ``GET  /_emulator/faults``     ``{"faults": [...]}``
- ``POST /_emulator/faults``     ``{"spec": "KIND:key=value,..."}`` or a rule's fields
- ``DELETE /_emulator/faults``   remove all rules
- ``POST /_emulator/act``        ``{"ticket": id, "by": user id, ...edit keys}``
- ``GET  /_emulator/credentials`` ``{"revoked": [token, ...]}``
- ``POST /_emulator/credentials`` ``{"revoke": token}`` | ``{"restore": token}``
- ``GET  /_emulator/snapshot``   the canonical end state
- ``GET  /_emulator/stats``      request counts per endpoint
- ``GET  /_emulator/requests``   the request log
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import orjson

from emulator.clock import EmulatorClock
from emulator.errors import ApiError, EmulatorError
from emulator.exchange import Response
from emulator.faults import FaultBook, FaultRule
from emulator.server import LoggedRequest


class Controlled(Protocol):
    """What the control endpoints drive (the Emulator)."""

    clock: EmulatorClock
    faults: FaultBook

    def act(self, ticket_id: int, *, by: int, **changes: Any) -> dict[str, Any] | None: ...

    def revoke_token(self, token: str) -> None: ...

    def restore_token(self, token: str) -> None: ...

    @property
    def revoked_tokens(self) -> list[str]: ...

    def snapshot(self) -> dict[str, Any]: ...

    def stats(self) -> dict[str, int]: ...

    @property
    def request_log(self) -> list[LoggedRequest]: ...


def handler(target: Controlled) -> Callable[[str, str, dict[str, list[str]], bytes], Response]:
    def handle(method: str, path: str, query: dict[str, list[str]], body: bytes) -> Response:
        action = path.removeprefix("/_emulator/").removesuffix(".json")
        try:
            data = orjson.loads(body) if body else {}
            return _route(target, method, action, data)
        except (EmulatorError, ValueError, TypeError, KeyError, ApiError) as exc:
            detail = exc.body if isinstance(exc, ApiError) else str(exc)
            return Response.of(400, {"error": "EmulatorControlError", "description": detail})

    return handle


def _route(target: Controlled, method: str, action: str, data: Any) -> Response:
    chosen = _ACTIONS.get(action)
    if chosen is None:
        return Response.of(
            404, {"error": "InvalidEndpoint", "description": f"no control {action!r}"}
        )
    return chosen(target, method, data)


def _clock(target: Controlled, method: str, data: Any) -> Response:
    if method == "POST":
        _move_clock(target.clock, data)
    clock = target.clock
    now = {"now": clock.now().isoformat(), "start": clock.start.isoformat()}
    return Response.of(200, {**now, "frozen": clock.frozen})


def _faults(target: Controlled, method: str, data: Any) -> Response:
    if method == "POST":
        rule = FaultRule.parse(data["spec"]) if "spec" in data else FaultRule.from_mapping(data)
        return Response.of(201, {"fault": target.faults.add(rule).describe()})
    if method == "DELETE":
        target.faults.clear()
    return Response.of(200, {"faults": [rule.describe() for rule in target.faults.rules]})


def _act(target: Controlled, method: str, data: Any) -> Response:
    if method != "POST":
        return Response.of(405, {"error": "MethodNotAllowed", "description": "POST an edit"})
    changes = {k: v for k, v in data.items() if k not in {"ticket", "by"}}
    audit = target.act(int(data["ticket"]), by=int(data["by"]), **changes)
    return Response.of(200, {"audit": audit})


def _credentials(target: Controlled, method: str, data: Any) -> Response:
    if method == "POST":
        unknown = set(data) - {"revoke", "restore"}
        if unknown or not data:
            raise EmulatorError(f"credentials: expected revoke or restore, got {sorted(data)}")
        if "revoke" in data:
            target.revoke_token(str(data["revoke"]))
        if "restore" in data:
            target.restore_token(str(data["restore"]))
    return Response.of(200, {"revoked": target.revoked_tokens})


_ACTIONS: dict[str, Callable[[Controlled, str, Any], Response]] = {
    "clock": _clock,
    "faults": _faults,
    "act": _act,
    "credentials": _credentials,
    "snapshot": lambda target, _method, _data: Response.of(200, target.snapshot()),
    "stats": lambda target, _method, _data: Response.of(200, target.stats()),
    "requests": lambda target, _method, _data: Response.of(
        200, {"requests": [r._asdict() for r in target.request_log]}
    ),
}


def _move_clock(clock: EmulatorClock, data: dict[str, Any]) -> None:
    if data.get("freeze"):
        clock.freeze()
    if data.get("unfreeze"):
        clock.unfreeze()
    if "advance" in data:
        clock.advance(float(data["advance"]))
    if "set" in data:
        clock.set(datetime.fromisoformat(str(data["set"]).replace("Z", "+00:00")))
