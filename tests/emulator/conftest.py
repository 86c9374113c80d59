"""Fixtures for the emulator's tests: a small scenario, a running emulator with a frozen
clock, an authenticated HTTP client, and zenpy pointed at the emulator the documented
way (ZENPY_FORCE_SCHEME / ZENPY_FORCE_NETLOC)."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulator import Emulator, RateLimits, Scenario

WORKER_EMAIL = "worker@ispnext.example"
WORKER_TOKEN = "test-token"
START = "2025-03-03T09:00:00Z"

SMALL: dict[str, Any] = {
    "name": "small",
    "account": {"start": START, "frozen": True},
    "organizations": [{"id": 500, "name": "Entity One"}],
    "groups": [
        {"id": 10, "name": "ISPnext Support"},
        {"id": 20, "name": "Acme Networks"},
        {"id": 30, "name": "Billing"},
    ],
    "users": [
        {"id": 1, "name": "Worker", "email": WORKER_EMAIL, "role": "admin", "groups": [10]},
        {"id": 11, "name": "Ivy", "email": "ivy@ispnext.example", "role": "agent", "groups": [10]},
        {"id": 21, "name": "Alice", "email": "alice@acme.example", "role": "agent", "groups": [20]},
        {
            "id": 22,
            "name": "Leo",
            "email": "leo@acme.example",
            "role": "agent",
            "light": True,
            "groups": [20],
        },
        {
            "id": 31,
            "name": "Bella",
            "email": "bella@ispnext.example",
            "role": "agent",
            "groups": [30],
        },
        {"id": 100, "name": "Carl", "email": "carl@entity.example", "organization": 500},
    ],
    "credentials": [
        {"user": 1, "token": WORKER_TOKEN},
        {"user": 1, "oauth_token": "oauth-secret"},
        {"user": 11, "token": "agent-token"},
    ],
    "ticket_fields": [
        {
            "id": 900,
            "title": "System",
            "type": "tagger",
            "options": {"Mail": "system_mail", "DNS": "system_dns"},
        },
        {"id": 901, "title": "Total time spent (sec)", "type": "integer", "app": "Time Tracking"},
        {
            "id": 902,
            "title": "Time spent last update (sec)",
            "type": "integer",
            "app": "Time Tracking",
        },
    ],
    "tickets": [
        {
            "id": 1,
            "created": "-2d",
            "requester": 100,
            "subject": "Mail down",
            "description": "No mail since 9:00.",
            "group": 10,
            "fields": {"System": "Mail"},
            "history": [
                {"at": "-3h", "by": 11, "group": 20, "assignee": 21, "note": "Please check."},
            ],
        },
        {
            "id": 2,
            "created": "-1d",
            "requester": 100,
            "subject": "DNS question",
            "description": "Is the record there?",
            "group": 10,
            "assignee": 11,
            "status": "open",
        },
        {
            "id": 3,
            "created": "-3d",
            "requester": 100,
            "subject": "Old issue",
            "description": "Long ago.",
            "group": 10,
            "assignee": 11,
            "history": [
                {"at": "-2d", "by": 11, "status": "solved", "reply": "Done."},
                {"at": "-1d", "by": 11, "status": "closed"},
            ],
        },
        {
            "id": 4,
            "created": "-3d",
            "requester": 100,
            "subject": "Deleted one",
            "description": "Sent twice.",
            "group": 20,
            "assignee": 21,
            "history": [{"at": "-2d", "by": 11, "delete": True}],
        },
        {
            "id": 5,
            "created": "-1d",
            "requester": 100,
            "subject": "Billing",
            "description": "Invoice?",
            "group": 30,
            "assignee": 31,
            "status": "pending",
        },
    ],
}


def small_scenario(**changes: Any) -> Scenario:
    """The small scenario, with top-level sections replaced by ``changes``."""
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return Scenario.from_mapping(data, source="small")


def basic(email: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()


class Api:
    """requests against one emulator, authenticated as the worker unless told otherwise."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = basic(WORKER_EMAIL, WORKER_TOKEN)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=10, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.session.put(self.url(path), json=body, timeout=10, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.session.post(self.url(path), json=body, timeout=10, **kwargs)

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        response = self.get(f"/api/v2/tickets/{ticket_id}.json")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()["ticket"]
        return found

    def audits(self, ticket_id: int) -> list[dict[str, Any]]:
        response = self.get(f"/api/v2/tickets/{ticket_id}/audits.json")
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["audits"]
        return found


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(small_scenario(), rate_limits=RateLimits.disabled()) as emu:
        yield emu


@pytest.fixture
def api(emulator: Emulator) -> Iterator[Api]:
    client = Api(emulator.base_url)
    yield client
    client.session.close()


@pytest.fixture
def zenpy_client(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    from zenpy import Zenpy

    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", emulator.base_url.removeprefix("http://"))
    return Zenpy(subdomain="emulator", email=WORKER_EMAIL, token=WORKER_TOKEN, disable_cache=True)
