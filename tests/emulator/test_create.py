"""POST /api/v2/tickets.json: creation, idempotency keys, follow-ups."""

from __future__ import annotations

from typing import Any

from emulator import Emulator
from tests.emulator.conftest import Api

CREATE = "/api/v2/tickets.json"
NEW = {
    "ticket": {
        "subject": "Change request for ticket 1",
        "group_id": 10,
        "comment": {"body": "Created by zdsync.", "public": False},
    }
}


def test_create_answers_201_with_ticket_and_creation_audit(api: Api) -> None:
    response = api.post(CREATE, NEW)
    assert response.status_code == 201
    ticket, audit = response.json()["ticket"], response.json()["audit"]
    assert ticket["id"] == 6  # after the scenario's highest id
    assert (ticket["status"], ticket["group_id"], ticket["requester_id"]) == ("new", 10, 1)
    assert ticket["is_public"] is False
    assert {e["type"] for e in audit["events"]} == {"Comment", "Create"}
    assert response.headers["Location"].endswith("/api/v2/tickets/6.json")
    assert api.ticket(6)["subject"] == "Change request for ticket 1"


def test_create_needs_a_comment(api: Api) -> None:
    response = api.post(CREATE, {"ticket": {"subject": "No description"}})
    assert response.status_code == 422
    assert "description" in response.json()["details"]


def test_unknown_requester_email_becomes_an_end_user(api: Api) -> None:
    body = {
        "ticket": {
            "comment": {"body": "Hi"},
            "requester": {"email": "new@x.example", "name": "Nina"},
        }
    }
    ticket = api.post(CREATE, body).json()["ticket"]
    requester = api.get(f"/api/v2/users/{ticket['requester_id']}.json").json()["user"]
    assert (requester["name"], requester["role"]) == ("Nina", "end-user")


def test_same_idempotency_key_gives_the_same_answer_once(emulator: Emulator, api: Api) -> None:
    headers = {"Idempotency-Key": "zdsync-rule4-ticket1"}
    first = api.post(CREATE, NEW, headers=headers)
    again = api.post(CREATE, NEW, headers=headers)
    assert first.headers["x-idempotency-lookup"] == "miss"
    assert again.headers["x-idempotency-lookup"] == "hit"
    assert again.status_code == 201
    assert again.json() == first.json()
    assert len(emulator.snapshot()["created_tickets"]) == 1


def test_idempotency_key_with_another_body_is_refused(api: Api) -> None:
    headers = {"Idempotency-Key": "k1"}
    api.post(CREATE, NEW, headers=headers)
    other = api.post(CREATE, {"ticket": {"comment": {"body": "Different"}}}, headers=headers)
    assert other.status_code == 400
    assert other.json()["error"] == "IdempotentRequestError"


def test_idempotency_keys_expire_after_two_hours(emulator: Emulator, api: Api) -> None:
    headers = {"Idempotency-Key": "k2"}
    first = api.post(CREATE, NEW, headers=headers).json()["ticket"]["id"]
    emulator.clock.advance(2 * 3600)
    later = api.post(CREATE, NEW, headers=headers)
    assert later.headers["x-idempotency-lookup"] == "miss"
    assert later.json()["ticket"]["id"] != first


def test_follow_up_of_a_closed_ticket_is_linked(api: Api) -> None:
    body = {"ticket": {"via_followup_source_id": 3, "comment": {"body": "Follow-up"}}}
    ticket = api.post(CREATE, body).json()["ticket"]
    assert ticket["via"]["source"]["rel"] == "follow_up"
    assert ticket["via"]["source"]["from"]["ticket_id"] == 3
    source = api.get("/api/v2/tickets/3.json").json()["ticket"]
    assert source["followup_ids"] == [ticket["id"]]


def test_follow_up_source_that_is_not_closed_is_ignored(api: Api) -> None:
    body = {"ticket": {"via_followup_source_id": 2, "comment": {"body": "Not a follow-up"}}}
    ticket = api.post(CREATE, body).json()["ticket"]
    assert ticket["via"]["source"]["rel"] is None
    assert api.ticket(2)["followup_ids"] == []


def test_zenpy_creates_a_ticket(zenpy_client: Any) -> None:
    from zenpy.lib.api_objects import Comment, Ticket

    created = zenpy_client.tickets.create(
        Ticket(subject="From zenpy", comment=Comment(body="Hello", public=False), group_id=10)
    )
    assert created.ticket.subject == "From zenpy"
    assert created.audit.events[0]["type"] == "Comment"


def test_created_on_a_customers_behalf(api: Api) -> None:
    body = {
        "ticket": {
            **NEW["ticket"],
            "requester_id": 100,
            "submitter_id": 1,
            "organization_id": 500,
            "priority": "high",
            "comment": {"body": "For the customer's change.", "public": False},
        }
    }
    answer = api.post(CREATE, body).json()
    ticket, audit = answer["ticket"], answer["audit"]
    assert (ticket["requester_id"], ticket["submitter_id"]) == (100, 1)
    assert (ticket["organization_id"], ticket["priority"]) == (500, "high")
    (comment,) = [e for e in audit["events"] if e["type"] == "Comment"]
    # "The submitter always becomes the author of the first comment" [spec].
    assert (comment["author_id"], comment["public"]) == (1, False)


def test_an_organization_that_is_not_the_requesters_is_refused(api: Api) -> None:
    for requester, organization in ((100, 501), (21, 500)):  # unknown; not Alice's
        body = {"ticket": {**NEW["ticket"], "requester_id": requester,
                           "organization_id": organization}}  # fmt: skip
        response = api.post(CREATE, body)
        assert response.status_code == 422, response.json()
        assert "organization" in response.json()["details"]


def test_an_update_to_an_unknown_requester_or_organization_is_refused(api: Api) -> None:
    for change in ({"requester_id": 987654321}, {"organization_id": 2**70}):
        response = api.put("/api/v2/tickets/1.json", {"ticket": change})
        assert response.status_code == 422, response.json()
