"""PUT /api/v2/tickets/{id}: what changes, what Zendesk refuses, the events produced."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import Emulator
from tests.emulator.conftest import Api


def put(api: Api, ticket_id: int, **fields: Any) -> Any:
    return api.put(f"/api/v2/tickets/{ticket_id}.json", {"ticket": fields})


def events(response: Any) -> dict[str, Any]:
    return {
        e["field_name"]: e["value"] for e in response.json()["audit"]["events"] if "field_name" in e
    }


def test_update_returns_ticket_and_audit_made_by_the_api_user(api: Api) -> None:
    before = api.ticket(1)
    response = put(
        api, 1, status="pending", comment={"body": "Asked the customer.", "public": False}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ticket", "audit"}
    assert body["ticket"]["status"] == "pending"
    assert body["ticket"]["custom_status_id"] == 3
    assert body["ticket"]["updated_at"] > before["updated_at"]
    assert body["audit"]["author_id"] == 1
    assert body["audit"]["via"]["channel"] == "api"
    assert events(response) == {"status": "pending", "custom_status_id": "3"}


def test_stale_updated_stamp_under_safe_update_is_409(emulator: Emulator, api: Api) -> None:
    stamp = api.ticket(1)["updated_at"]
    emulator.clock.advance(5)
    emulator.act(1, by=21, note="An agent was quicker.")
    stale = put(api, 1, status="open", safe_update=True, updated_stamp=stamp)
    assert stale.status_code == 409
    assert stale.json()["error"] == "UpdateConflict"
    assert len(api.audits(1)) == 3  # nothing recorded for the refused update
    fresh = put(
        api, 1, priority="high", safe_update=True, updated_stamp=api.ticket(1)["updated_at"]
    )
    assert fresh.status_code == 200


def test_closed_tickets_cannot_be_updated(api: Api) -> None:
    response = put(api, 3, comment={"body": "Reopen?"})
    assert response.status_code == 422
    assert response.json()["details"]["status"][0]["description"] == (
        "Status: closed prevents ticket update"
    )


def test_deleted_tickets_are_gone_for_the_api(api: Api) -> None:
    assert api.get("/api/v2/tickets/4.json").status_code == 404
    assert put(api, 4, status="open").status_code == 404


@pytest.mark.parametrize(("assignee", "why"), [(22, "light agent"), (100, "not an agent")])
def test_light_agents_and_end_users_cannot_be_assignees(api: Api, assignee: int, why: str) -> None:
    response = put(api, 1, assignee_id=assignee)
    assert response.status_code == 422
    assert why in response.json()["details"]["assignee"][0]["description"]
    assert api.ticket(1)["assignee_id"] == 21


def test_assignee_outside_the_given_group_is_refused(api: Api) -> None:
    response = put(api, 1, group_id=20, assignee_id=11)
    assert response.status_code == 422


def test_assignee_alone_moves_the_ticket_to_their_group(api: Api) -> None:
    response = put(api, 1, assignee_id=11)
    assert response.status_code == 200
    assert events(response) == {"group_id": "10", "assignee_id": "11"}


def test_group_change_drops_an_assignee_who_is_not_a_member(api: Api) -> None:
    response = put(api, 1, group_id=10)
    assert response.json()["ticket"]["assignee_id"] is None
    assert events(response) == {"group_id": "10", "assignee_id": None}


def test_tags_can_be_added_removed_and_replaced(api: Api) -> None:
    added = put(api, 1, additional_tags=["zdsync_handed_back", "Mixed Case"])
    assert added.json()["ticket"]["tags"] == ["system_mail", "zdsync_handed_back", "mixed", "case"]
    removed = put(api, 1, remove_tags=["mixed", "case"])
    assert removed.json()["ticket"]["tags"] == ["system_mail", "zdsync_handed_back"]
    replaced = put(api, 1, tags=["only"])
    assert replaced.json()["ticket"]["tags"] == ["only"]
    assert events(replaced)["tags"] == ["only"]


def test_dropdown_value_follows_its_tag(api: Api) -> None:
    response = put(api, 1, custom_fields=[{"id": 900, "value": "system_dns"}])
    ticket = response.json()["ticket"]
    assert "system_dns" in ticket["tags"] and "system_mail" not in ticket["tags"]
    assert {"id": 900, "value": "system_dns"} in ticket["fields"]
    bad = put(api, 1, custom_fields=[{"id": 900, "value": "system_nope"}])
    assert bad.status_code == 422


def test_invalid_values_are_422(api: Api) -> None:
    assert put(api, 1, status="escalated").status_code == 422
    assert put(api, 1, priority="whenever").status_code == 422
    assert put(api, 1, group_id=999).status_code == 422
    assert put(api, 1, custom_fields=[{"id": 901, "value": "ten"}]).status_code == 422


def test_malformed_bodies_are_400(api: Api) -> None:
    not_json = api.session.put(
        api.url("/api/v2/tickets/1.json"),
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert not_json.status_code == 400
    assert put_raw(api, {"status": "open"}).status_code == 400


def put_raw(api: Api, body: Any) -> Any:
    return api.put("/api/v2/tickets/1.json", body)


def test_updated_at_strictly_increases_with_a_frozen_clock(api: Api) -> None:
    stamps = [put(api, 2, priority=p).json()["ticket"]["updated_at"] for p in ("low", "high")]
    assert stamps[0] < stamps[1]


def test_an_update_that_changes_nothing_records_nothing(api: Api) -> None:
    before = api.ticket(2)
    response = put(api, 2, status="open")
    assert response.status_code == 200
    assert response.json()["audit"]["events"] == []
    assert api.ticket(2)["updated_at"] == before["updated_at"]
    assert len(api.audits(2)) == 1


def test_comment_author_can_be_given_and_html_is_kept(api: Api) -> None:
    response = put(api, 2, comment={"html_body": "<p>Hello <b>there</b></p>", "author_id": 11})
    comment = response.json()["audit"]["events"][0]
    assert comment["author_id"] == 11
    assert comment["body"] == "Hello there"
    assert "<b>there</b>" in comment["html_body"]
    assert comment["public"] is True


def test_zenpy_update_and_safe_update(emulator: Emulator, zenpy_client: Any) -> None:
    from zenpy.lib.api_objects import Comment
    from zenpy.lib.exception import APIException

    ticket = zenpy_client.tickets(id=2)
    ticket.status = "pending"
    ticket.comment = Comment(body="Worker note.", public=False)
    ticket.safe_update = True
    ticket.updated_stamp = ticket.updated_at
    result = zenpy_client.tickets.update(ticket)
    assert result.ticket.status == "pending"
    assert result.audit.author_id == 1

    stale = zenpy_client.tickets(id=2)
    emulator.act(2, by=11, note="Meanwhile an agent edits.")
    stale.priority = "urgent"
    stale.safe_update = True
    stale.updated_stamp = stale.updated_at
    with pytest.raises(APIException) as raised:
        zenpy_client.tickets.update(stale)
    assert raised.value.response.status_code == 409


def test_odd_value_types_get_answers_not_server_errors(api: Api) -> None:
    # Found by a fuzzing run: each of these once crashed the handler.
    assert put(api, 2, custom_fields=12.5).status_code == 422
    assert (
        api.post("/api/v2/tickets.json", {"ticket": {"fields": 7, "comment": "x"}}).status_code
        == 422
    )
    numeric_tag = put(api, 2, additional_tags=255834417542)
    assert numeric_tag.status_code == 200
    assert "255834417542" in numeric_tag.json()["ticket"]["tags"]
