"""The overrides of the spec stay few, documented and load-bearing.

For every override there is one real-shaped sample (taken from the recordings its source
names, trimmed). With every *other* override applied, the sample shows why this one exists:
an override that relaxes the spec turns a rejection of a real shape into acceptance; one
that tightens it turns acceptance of a broken shape into a rejection. An override no
sample needs, or a new one without a sample, fails here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import pytest

from tests.conformance.checker import Conformance
from tests.conformance.overrides import OVERRIDES, apply_overrides
from tests.conformance.spec import SpecMissing, official, shared_patched, spec_path
from tests.conformance.traffic import Exchange

HOST = "https://acme.zendesk.com"

#: Ticket 28 of zenpy's cassette TicketsIncrementalTest.test_get_values.json, trimmed.
TICKET: dict[str, Any] = {
    "url": f"{HOST}/api/v2/tickets/28.json", "id": 28, "external_id": None,
    "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
    "created_at": "2023-09-18T15:57:42Z", "updated_at": "2023-09-18T15:57:42Z",
    "type": None, "subject": "test", "raw_subject": "test", "description": "test",
    "priority": None, "status": "new", "recipient": None, "requester_id": 6130907993114,
    "submitter_id": 6130907993114, "assignee_id": None, "organization_id": 6130869157658,
    "group_id": None, "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [],
    "forum_topic_id": None, "problem_id": None, "has_incidents": False, "is_public": True,
    "due_at": None, "tags": [], "custom_fields": [], "satisfaction_rating": None,
    "sharing_agreement_ids": [], "custom_status_id": 6130830355738, "fields": [],
    "followup_ids": [], "ticket_form_id": 6130830344474, "brand_id": 6130830354842,
    "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
    "generated_timestamp": 1695052663,
}  # fmt: skip
#: A non-null variant of it, so a sample shows one fault at a time.
FILLED = {
    **TICKET, "external_id": "x-28", "type": "question", "priority": "normal",
    "recipient": "support@acme.example", "assignee_id": 21, "group_id": 201,
    "forum_topic_id": 1, "problem_id": 1, "satisfaction_rating": {"score": "unoffered"},
}  # fmt: skip
CURSOR = "MTcwNzI3MTc0MS4wfHw0MDQ1fA=="
EXPORT_PAGE = {
    "tickets": [FILLED],
    "after_url": f"{HOST}/api/v2/incremental/tickets/cursor.json?cursor={CURSOR}",
    "after_cursor": CURSOR,
    "before_url": None,
    "before_cursor": None,
    "end_of_stream": True,
}  # fmt: skip
#: End user as the emulator sends one; phone/photo/shared_phone_number as in TestUserMe.
END_USER = {
    "id": 601, "url": f"{HOST}/api/v2/users/601.json", "name": "Carla", "email": "c@x.example",
    "created_at": "2024-03-03T09:00:00Z", "updated_at": "2024-03-03T09:00:00Z",
    "phone": None, "shared_phone_number": None, "photo": None, "role": "end-user",
    "role_type": None, "last_login_at": None, "default_group_id": None, "active": True,
}  # fmt: skip
MEMBERSHIP = {"id": 3, "url": f"{HOST}/api/v2/group_memberships/3.json", "user_id": 21,
              "group_id": 201, "default": True, "created_at": "2024-03-03T09:00:00Z",
              "updated_at": "2024-03-03T09:00:00Z"}  # fmt: skip
FIELD = {
    "url": f"{HOST}/api/v2/ticket_fields/360001.json", "id": 360001, "type": "tagger",
    "title": "System", "raw_title": "System", "description": "", "raw_description": "",
    "position": 9, "active": True, "required": False, "collapsed_for_agents": False,
    "regexp_for_validation": None, "tag": None, "removable": True,
    "agent_description": None, "creator_app_name": None,
}  # fmt: skip
FAILED_RESULT = {"index": 1, "id": 1014, "action": "update", "status": "Failed",
                 "success": False, "error": "RecordInvalid", "details": "Closed"}  # fmt: skip
JOB = {"id": "V3-0f", "url": f"{HOST}/api/v2/job_statuses/V3-0f.json", "total": 2,
       "progress": 2, "status": "completed", "message": "Completed at 2025-03-03",
       "results": [{"id": 1001, "action": "update", "status": "Updated", "success": True},
                   FAILED_RESULT]}  # fmt: skip


def answer(method: str, path: str, status: int, body: Any) -> Exchange:
    return Exchange(method, HOST + path, status, response_body=orjson.dumps(body))


def request(method: str, path: str, body: Any = None) -> Exchange:
    return Exchange(
        method, HOST + path, 200,
        request_body=b"" if body is None else orjson.dumps(body),
        request_content_type="application/json", auth_scheme="Basic",
    )  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    effect: Literal["relaxes", "tightens"]
    side: Literal["request", "answer"]
    sample: Exchange


EVIDENCE = {
    "recorded-keys": Evidence("tightens", "answer", answer(
        "GET", "/api/v2/incremental/tickets/cursor.json", 200,
        {k: v for k, v in EXPORT_PAGE.items() if k != "end_of_stream"})),
    "unresolved-path-parameters": Evidence("relaxes", "request", request(
        "GET", "/api/v2/group_memberships.json?page[size]=100")),
    "membership-paths": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/groups/201/memberships.json", 200, {"group_memberships": [MEMBERSHIP]})),
    "cursor-export-parameters": Evidence("relaxes", "request", request(
        "GET", "/api/v2/incremental/tickets/cursor.json?cursor=MTcwNzI3MTc0MS4wfHw0MDQ1fA%3D%3D"
        "&per_page=100")),
    "export-include": Evidence("relaxes", "request", request(
        "GET", f"/api/v2/incremental/tickets/cursor.json?cursor={CURSOR}&include=metric_sets")),
    "export-sideloads": Evidence("tightens", "answer", answer(
        "GET", "/api/v2/incremental/tickets/cursor.json", 200,
        {**EXPORT_PAGE, "metric_sets": [{"id": 7, "ticket_id": 28, "reopens": "twice"}]})),
    "deleted-status": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/incremental/tickets/cursor.json", 200,
        {**EXPORT_PAGE, "tickets": [{**FILLED, "status": "deleted"}]})),
    "ticket-nulls": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/tickets/28.json", 200, {"ticket": TICKET})),
    "custom-field-values": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/tickets/28.json", 200,
        {"ticket": {**FILLED, "custom_fields": [{"id": 360011148551, "value": None}]}})),
    "custom-field-writes": Evidence("relaxes", "request", request(
        "POST", "/api/v2/tickets.json", {"ticket": {
            "comment": {"body": "Follow-up", "public": False},
            "custom_fields": [{"id": 360001, "value": "system_mail"}]}})),
    "user-nulls": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/users/601.json", 200, {"user": END_USER})),
    "ticket-field-nulls": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/ticket_fields.json", 200, {"ticket_fields": [FIELD]})),
    "audit-event-values": Evidence("relaxes", "answer", answer(
        "PUT", "/api/v2/tickets/28.json", 200, {"ticket": FILLED, "audit": {
            "id": 9, "ticket_id": 28, "author_id": 1, "created_at": "2025-03-03T09:00:00Z",
            "events": [
                {"id": 91, "type": "Change", "field_name": "tags", "value": ["vip"],
                 "previous_value": []},
                {"id": 92, "type": "Change", "field_name": "assignee_id", "value": None,
                 "previous_value": "21"},
            ]}})),
    "bulk-tag-keys": Evidence("tightens", "request", request(
        "PUT", "/api/v2/tickets/update_many.json?ids=1,2",
        {"ticket": {"additional_tags": "not-a-list"}})),
    "job-results": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/job_statuses/V3-0f.json", 200, {"job_status": JOB})),
    "ticket-bodies": Evidence("tightens", "request", request("PUT", "/api/v2/tickets/28.json", {})),
    "unassign-by-null": Evidence("relaxes", "request", request(
        "PUT", "/api/v2/tickets/28.json", {"ticket": {"group_id": 100, "assignee_id": None}})),
    "error-answers": Evidence("relaxes", "answer", answer(
        "GET", "/api/v2/tickets/9.json", 404,
        {"error": "RecordNotFound", "description": "Not found"})),
}  # fmt: skip


def problems(conformance: Conformance, evidence: Evidence) -> list[str]:
    if evidence.side == "request":
        return conformance.request_problems(evidence.sample)
    return conformance.response_problems(evidence.sample)


def test_every_override_is_documented_once() -> None:
    names = [o.name for o in OVERRIDES]
    assert len(names) == len(set(names))
    for override in OVERRIDES:
        assert len(override.reason) > 40, override.name
        assert "[" in override.source and "]" in override.source, override.name


def test_every_override_has_its_evidence() -> None:
    assert set(EVIDENCE) == {o.name for o in OVERRIDES}


@pytest.mark.parametrize("name", [o.name for o in OVERRIDES])
def test_each_override_is_needed_by_its_sample(name: str) -> None:
    evidence = EVIDENCE[name]
    without = Conformance(apply_overrides(copy.deepcopy(official()), skip=name))
    with_all = Conformance(shared_patched())
    rejected_without = problems(without, evidence)
    rejected_with = problems(with_all, evidence)
    if evidence.effect == "relaxes":
        assert rejected_without, f"{name}: the spec accepts the sample without the override"
        assert rejected_with == [], f"{name}: still rejected: {rejected_with}"
    else:
        assert rejected_without == [], f"{name}: rejected anyway: {rejected_without}"
        assert rejected_with, f"{name}: the override does not catch the broken sample"


def test_the_spec_location_comes_from_the_environment(tmp_path: Any) -> None:
    given = tmp_path / "spec.yaml"
    given.write_text("openapi: 3.0.3\npaths: {}\n")
    assert spec_path({"ZDSYNC_ZENDESK_OPENAPI": str(given)}) == given


def test_a_missing_spec_is_a_clear_error(tmp_path: Any) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(SpecMissing) as raised:
        spec_path({"ZDSYNC_ZENDESK_OPENAPI": str(missing)})
    message = str(raised.value)
    assert str(missing) in message and "ZDSYNC_ZENDESK_OPENAPI" in message
