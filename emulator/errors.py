"""Errors the emulator answers with, in Zendesk's shapes.

Every 4xx the emulator sends goes through :class:`ApiError`, so the bodies stay in one
place. Sources (see ../shared/reference/zendesk-api.md): 401 ``{"error": "Couldn't
authenticate you"}`` [doc security-and-auth]; 404 RecordNotFound [rec]; 409 UpdateConflict
[3p]; 422 RecordInvalid with ``details`` [3p]; 400 TooManyValues with ``max_count`` [rec];
429 APIRateLimitExceeded [3p: airbyte #11899 quotes the body]. Where no source shows the
exact text (InvalidEndpoint, InvalidPaginationParameter, the export's InvalidValue) the
shape follows the same ``{"error", "description"}`` convention.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer other than 2xx, raised by a route and written by the server."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


class EmulatorError(Exception):
    """Misuse of the emulator's own API (a bad scenario, an act on a missing ticket)."""


def unauthorized() -> ApiError:
    return ApiError(401, {"error": "Couldn't authenticate you"})


def forbidden() -> ApiError:
    return ApiError(
        403,
        {
            "error": "Forbidden",
            "description": "You do not have access to this page. Please contact the "
            "account owner of this help desk for further help.",
        },
    )


def record_not_found() -> ApiError:
    return ApiError(404, {"error": "RecordNotFound", "description": "Not found"})


def invalid_endpoint() -> ApiError:
    return ApiError(404, {"error": "InvalidEndpoint", "description": "Not found"})


def update_conflict() -> ApiError:
    return ApiError(
        409,
        {
            "error": "UpdateConflict",
            "description": "Safe Update prevented the update due to outdated ticket data. "
            "Please fetch the latest ticket data and try again.",
        },
    )


def record_invalid(field: str, description: str, error: str = "InvalidValue") -> ApiError:
    return ApiError(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field: [{"description": description, "error": error}]},
        },
    )


def closed_ticket() -> ApiError:
    return record_invalid("status", "Status: closed prevents ticket update", "ClosedTicket")


def invalid_value(description: str) -> ApiError:
    return ApiError(422, {"error": "InvalidValue", "description": description})


def too_many_values(parameter: str, limit: int = 100) -> ApiError:
    return ApiError(
        400,
        {
            "error": "TooManyValues",
            "description": f"Parameter {parameter} cannot specify more than {limit} values",
            "max_count": limit,
        },
    )


def bad_pagination(description: str) -> ApiError:
    return ApiError(400, {"error": "InvalidPaginationParameter", "description": description})


def bad_request(error: str, description: str) -> ApiError:
    return ApiError(400, {"error": error, "description": description})


def rate_limited(description: str, retry_after: int) -> ApiError:
    return ApiError(
        429,
        {"error": "APIRateLimitExceeded", "description": description},
        {"Retry-After": str(retry_after)},
    )
