"""update_many and job statuses: queued -> working -> completed, results per ticket."""

from __future__ import annotations

from typing import Any

from emulator import Emulator
from tests.emulator.conftest import Api

MANY = "/api/v2/tickets/update_many.json"


def poll(api: Api, job: dict[str, Any]) -> dict[str, Any]:
    response = api.get(job["url"])
    assert response.status_code == 200
    polled: dict[str, Any] = response.json()["job_status"]
    return polled


def test_same_change_by_ids_is_applied_when_the_job_completes(api: Api) -> None:
    response = api.put(MANY + "?ids=1,2", {"ticket": {"additional_tags": ["bulk"]}})
    assert response.status_code == 200
    job = response.json()["job_status"]
    assert (job["status"], job["total"], job["progress"], job["results"]) == (
        "queued",
        2,
        None,
        None,
    )
    assert job["id"].startswith("V3-")
    assert job["url"] == f"{api.base_url}/api/v2/job_statuses/{job['id']}.json"
    assert "bulk" not in api.ticket(1)["tags"]  # still queued: nothing applied yet
    assert poll(api, job)["status"] == "working"
    done = poll(api, job)
    assert done["status"] == "completed"
    assert done["message"].startswith("Completed at ")
    assert done["results"] == [
        {"id": 1, "action": "update", "status": "Updated", "success": True},
        {"id": 2, "action": "update", "status": "Updated", "success": True},
    ]
    assert "bulk" in api.ticket(1)["tags"] and "bulk" in api.ticket(2)["tags"]


def test_per_ticket_failures_are_in_the_results(api: Api) -> None:
    body = {"tickets": [{"id": 2, "priority": "high"}, {"id": 3, "priority": "high"}]}
    job = api.put(MANY, body).json()["job_status"]
    poll(api, job)
    results = poll(api, job)["results"]
    assert results[0]["success"] is True
    assert results[1]["success"] is False and results[1]["id"] == 3
    assert results[1]["error"] == "RecordInvalid"
    assert api.ticket(2)["priority"] == "high"


def test_more_than_100_tickets_is_too_many_values(api: Api) -> None:
    ids = ",".join(str(n) for n in range(1, 102))
    response = api.put(MANY + f"?ids={ids}", {"ticket": {"status": "open"}})
    assert response.status_code == 400
    assert response.json()["error"] == "TooManyValues"
    assert response.json()["max_count"] == 100
    listed = api.put(MANY, {"tickets": [{"id": n} for n in range(1, 102)]})
    assert listed.json()["error"] == "TooManyValues"


def test_jobs_complete_as_time_passes(emulator: Emulator, api: Api) -> None:
    api.put(MANY + "?ids=2", {"ticket": {"priority": "urgent"}})
    assert emulator.snapshot()["tickets"]["2"]["priority"] is None
    emulator.clock.advance(2)
    assert emulator.snapshot()["tickets"]["2"]["priority"] == "urgent"


def test_show_many_job_statuses(api: Api) -> None:
    first = api.put(MANY + "?ids=1", {"ticket": {"priority": "low"}}).json()["job_status"]
    second = api.put(MANY + "?ids=2", {"ticket": {"priority": "low"}}).json()["job_status"]
    response = api.get(f"/api/v2/job_statuses/show_many.json?ids={first['id']},{second['id']}")
    assert [j["id"] for j in response.json()["job_statuses"]] == [first["id"], second["id"]]
    assert api.get("/api/v2/job_statuses/V3-unknown.json").status_code == 404


def test_zenpy_bulk_update_and_job_status(zenpy_client: Any) -> None:
    tickets = [zenpy_client.tickets(id=1), zenpy_client.tickets(id=2)]
    for ticket in tickets:
        ticket.priority = "normal"
    job = zenpy_client.tickets.update(tickets)
    assert job.status == "queued"
    zenpy_client.job_status(id=job.id)
    completed = zenpy_client.job_status(id=job.id)
    assert completed.status == "completed"
    assert zenpy_client.tickets(id=1).priority == "normal"
