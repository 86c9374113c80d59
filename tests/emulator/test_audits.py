"""Audits as Zendesk records them, and their cursor pagination quirk."""

from __future__ import annotations

from typing import Any

from emulator import Emulator
from tests.emulator.conftest import Api

AUDITS = "/api/v2/tickets/1/audits.json"


def test_links_next_is_present_even_when_has_more_is_false(api: Api) -> None:
    api.put("/api/v2/tickets/1.json", {"ticket": {"priority": "high"}})  # a third audit
    pages = []
    url = AUDITS + "?page[size]=1"
    for _ in range(10):
        page = api.get(url).json()
        pages.append(page)
        if not page["meta"]["has_more"]:
            break
        url = page["links"]["next"]
    assert [p["meta"]["has_more"] for p in pages] == [True, True, False]
    assert [len(p["audits"]) for p in pages] == [1, 1, 1]
    last = pages[-1]
    assert last["links"]["next"] is not None
    assert last["links"]["next"].startswith(api.base_url + AUDITS + "?")
    assert "page%5Bsize%5D=1" in last["links"]["next"]
    # Following the link anyway gives an empty page, not an error.
    beyond = api.get(last["links"]["next"]).json()
    assert beyond["audits"] == [] and beyond["meta"]["has_more"] is False


def test_page_size_is_limited_to_100(api: Api) -> None:
    response = api.get(AUDITS + "?page[size]=101")
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidPaginationParameter"


def test_creation_audit_has_one_create_event_per_field_with_string_values(api: Api) -> None:
    creation = api.audits(1)[0]
    assert set(creation) == {
        "id",
        "ticket_id",
        "created_at",
        "author_id",
        "metadata",
        "via",
        "events",
    }
    assert creation["author_id"] == 100
    comment, *creates = creation["events"]
    assert comment["type"] == "Comment"
    assert {e["type"] for e in creates} == {"Create"}
    values = {e["field_name"]: e["value"] for e in creates}
    assert values["requester_id"] == "100"
    assert values["group_id"] == "10"
    assert values["status"] == "new"
    assert values["tags"] == ["system_mail"]
    assert values["900"] == "system_mail"  # custom field: the field id as field_name
    assert "previous_value" not in creates[0]


def test_change_events_carry_previous_values(api: Api) -> None:
    hand_over = api.audits(1)[1]
    changes = {
        e["field_name"]: (e["previous_value"], e["value"])
        for e in hand_over["events"]
        if e["type"] == "Change"
    }
    assert changes["group_id"] == ("10", "20")
    assert changes["assignee_id"] == (None, "21")
    assert changes["status"] == ("new", "open")
    assert hand_over["author_id"] == 11
    assert hand_over["via"]["channel"] == "web"


def test_comment_events_have_zendesks_fields(api: Api) -> None:
    note = next(e for e in api.audits(1)[1]["events"] if e["type"] == "Comment")
    assert set(note) == {
        "id",
        "type",
        "author_id",
        "body",
        "html_body",
        "plain_body",
        "public",
        "attachments",
        "audit_id",
    }
    assert note["public"] is False
    assert note["body"] == note["plain_body"] == "Please check."
    assert note["audit_id"] == api.audits(1)[1]["id"]


def test_same_time_entered_twice_changes_only_the_total(emulator: Emulator, api: Api) -> None:
    first = emulator.act(1, by=21, time=600, note="First look.")
    second = emulator.act(1, by=21, time=600, reply="Still looking.")
    assert first is not None and second is not None

    def changes(audit: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        return {
            e["field_name"]: (e["previous_value"], e["value"])
            for e in audit["events"]
            if e["type"] == "Change"
        }

    assert changes(first) == {"901": (None, "600"), "902": (None, "600")}
    assert changes(second) == {"901": ("600", "1200")}


def test_comments_endpoint_lists_every_comment_in_order(emulator: Emulator, api: Api) -> None:
    emulator.act(1, by=22, reply="A light agent tries a public reply.")
    comments = api.get("/api/v2/tickets/1/comments.json").json()["comments"]
    assert [(c["author_id"], c["public"]) for c in comments] == [
        (100, True),
        (11, False),
        (22, False),  # light agents can only write internal notes
    ]
    assert all(c["type"] == "Comment" and c["created_at"] for c in comments)


def test_zenpy_reads_every_audit(zenpy_client: Any) -> None:
    audits = list(zenpy_client.tickets.audits(ticket=1))
    assert len(audits) == 2
    assert audits[1].author_id == 11


def test_deleted_and_missing_tickets_have_no_audits(api: Api) -> None:
    assert api.get("/api/v2/tickets/4/audits.json").status_code == 404
    assert api.get("/api/v2/tickets/77/audits.json").status_code == 404
