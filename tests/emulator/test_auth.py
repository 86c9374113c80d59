"""Authentication and the error shapes of unknown paths."""

from __future__ import annotations

from typing import Any

import requests

from emulator import Emulator
from tests.emulator.conftest import WORKER_EMAIL, Api, basic


def test_api_token_authenticates_as_its_user(api: Api) -> None:
    response = api.get("/api/v2/users/me.json")
    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["id"], user["role"], user["role_type"]) == (1, "admin", 4)


def test_oauth_bearer_token_authenticates(emulator: Emulator) -> None:
    response = requests.get(
        emulator.base_url + "/api/v2/users/me.json",
        headers={"Authorization": "Bearer oauth-secret"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == 1


def test_bad_credentials_get_zendesks_401(emulator: Emulator) -> None:
    attempts = [
        {},
        {"Authorization": basic(WORKER_EMAIL, "wrong-token")},
        {"Authorization": basic("someone@else.example", "test-token")},
        {"Authorization": "Bearer not-a-token"},
        # Password authentication ("email:password") is not accepted.
        {"Authorization": "Basic d29ya2VyQGlzcG5leHQuZXhhbXBsZTp0ZXN0LXRva2Vu"},
    ]
    for headers in attempts:
        response = requests.get(
            emulator.base_url + "/api/v2/tickets/1.json", headers=headers, timeout=10
        )
        assert response.status_code == 401, headers
        assert response.json() == {"error": "Couldn't authenticate you"}


def test_requests_are_made_as_the_authenticated_user(emulator: Emulator, api: Api) -> None:
    api.session.headers["Authorization"] = basic("ivy@ispnext.example", "agent-token")
    response = api.put("/api/v2/tickets/2.json", {"ticket": {"priority": "high"}})
    assert response.status_code == 200
    audit = response.json()["audit"]
    assert audit["author_id"] == 11
    assert audit["via"]["channel"] == "api"


def test_incremental_export_is_for_admins_only(emulator: Emulator, api: Api) -> None:
    api.session.headers["Authorization"] = basic("ivy@ispnext.example", "agent-token")
    response = api.get("/api/v2/incremental/tickets/cursor.json?start_time=0")
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"


def test_unknown_paths_and_records_are_404_in_zendesk_shape(api: Api) -> None:
    unknown = api.get("/api/v2/no_such_thing.json")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "InvalidEndpoint", "description": "Not found"}
    missing = api.get("/api/v2/tickets/999.json")
    assert missing.status_code == 404
    assert missing.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_paths_work_with_and_without_json_suffix(api: Api) -> None:
    with_suffix = api.get("/api/v2/tickets/2.json").json()
    without = api.get("/api/v2/tickets/2").json()
    assert with_suffix == without


def test_zenpy_talks_to_the_emulator_through_its_env_overrides(zenpy_client: Any) -> None:
    me = zenpy_client.users.me()
    assert me.id == 1
    assert me.email == WORKER_EMAIL
