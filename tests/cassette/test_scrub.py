"""The scrubbers one by one, on answers shaped like Zendesk's (zendesk-api.md): what goes,
what stays, and that a pseudonym is the same wherever its value appears."""

from __future__ import annotations

from typing import Any

from adapters.cassette.scrub import (
    KEPT_RESPONSE_HEADERS,
    PLACEHOLDER_URL,
    PSEUDONYM_DOMAIN,
    SECRET_MARK,
    ScrubPolicy,
    pseudonym,
    scrub_headers,
    scrub_json,
    scrub_text,
    scrub_uri,
)

ACCOUNT = "https://ispnext.zendesk.com"
POLICY = ScrubPolicy(account_url=ACCOUNT, key=b"key one", secrets=("s3cr3t-token",))


def user(**extra: Any) -> dict[str, Any]:
    return {
        "id": 21,
        "url": f"{ACCOUNT}/api/v2/users/21.json",
        "name": "Alice Acme",
        "email": "Alice@Acme.example",
        "phone": "+31 20 555 0101",
        "alias": "Ali",
        "notes": "Prefers mornings",
        "role": "agent",
        "created_at": "2025-03-03T09:00:00Z",
        "default_group_id": 201,
        **extra,
    }


def test_an_email_becomes_the_same_pseudonym_everywhere_and_whatever_its_case() -> None:
    listing = scrub_json(POLICY, {"users": [user()]})
    comment = scrub_text(POLICY, "Mail alice@acme.example or call.")
    pseudo = listing["users"][0]["email"]
    assert pseudo.endswith("@" + PSEUDONYM_DOMAIN) and "alice" not in pseudo.lower()
    assert comment == f"Mail {pseudo} or call."


def test_pseudonyms_depend_on_the_key_so_they_cannot_be_looked_up_without_it() -> None:
    other = ScrubPolicy(account_url=ACCOUNT, key=b"key two")
    assert pseudonym(POLICY, "email", "a@b.example") != pseudonym(other, "email", "a@b.example")
    assert pseudonym(POLICY, "email", "a@b.example") == pseudonym(POLICY, "email", "A@B.example")


def test_a_person_loses_name_phone_alias_and_notes_and_keeps_ids_times_and_role() -> None:
    scrubbed = scrub_json(POLICY, user())
    for key in ("name", "email", "phone", "alias", "notes"):
        assert scrubbed[key] != user()[key], key
    assert scrubbed["name"] == pseudonym(POLICY, "name", "Alice Acme")
    for key in ("id", "role", "created_at", "default_group_id"):
        assert scrubbed[key] == user()[key], key
    assert scrubbed["url"] == f"{PLACEHOLDER_URL}/api/v2/users/21.json"


def test_groups_organizations_and_fields_keep_their_names_the_configuration_uses_them() -> None:
    document = {
        "groups": [{"id": 201, "name": "Acme Networks"}],
        "organizations": [{"id": 401, "name": "Gemeente Utrecht"}],
        "ticket_fields": [{"id": 360001, "title": "System", "type": "tagger"}],
    }
    assert scrub_json(POLICY, document) == document


def test_the_account_host_goes_from_urls_in_bodies_with_or_without_a_scheme() -> None:
    page = {
        "after_url": f"{ACCOUNT}/api/v2/incremental/tickets/cursor.json?cursor=abc",
        "links": {
            "next": "http://ispnext.zendesk.com/api/v2/tickets/1/audits.json?page%5Bafter%5D=x"
        },
        "note": "see ispnext.zendesk.com/agent/tickets/1 (not ispnext.zendesk.com.evil)",
        "support": "support@ispnext.zendesk.com",
    }
    scrubbed = scrub_json(POLICY, page)
    text = repr(scrubbed)
    assert "ispnext.zendesk.com" not in text.replace("ispnext.zendesk.com.evil", "")
    assert (
        scrubbed["after_url"]
        == f"{PLACEHOLDER_URL}/api/v2/incremental/tickets/cursor.json?cursor=abc"
    )
    assert scrubbed["links"]["next"].startswith(f"{PLACEHOLDER_URL}/api/v2/tickets/1/")
    assert scrubbed["support"].endswith("@" + PSEUDONYM_DOMAIN)


def test_an_emulator_address_with_its_port_is_the_host_and_the_bare_address_is_not() -> None:
    emulator = ScrubPolicy(account_url="http://127.0.0.1:43210", key=b"k")
    assert (
        scrub_text(emulator, "http://127.0.0.1:43210/api/v2/x.json and 127.0.0.1:43210")
        == f"{PLACEHOLDER_URL}/api/v2/x.json and recorded.zendesk.invalid"
    )
    # 127.0.0.1 alone is an audit's ip_address, pseudonymised by key, never by host.
    assert scrub_json(emulator, {"ip_address": "127.0.0.1"})["ip_address"].startswith("192.0.2.")


def test_secrets_never_survive_in_text_uris_or_headers() -> None:
    assert SECRET_MARK in scrub_text(POLICY, "token=s3cr3t-token&x=1")
    assert "s3cr3t-token" not in scrub_uri(POLICY, f"{ACCOUNT}/api/v2/x.json?token=s3cr3t-token")
    headers = {
        "Authorization": "Basic c29tZW9uZQ==",
        "Cookie": "_zendesk_session=abc",
        "Content-Type": "application/json",
        "Set-Cookie": ["__cfruid=1"],
        "Retry-After": ["7"],
    }
    assert scrub_headers(POLICY, headers, KEPT_RESPONSE_HEADERS) == {
        "Content-Type": "application/json",
        "Retry-After": ["7"],
    }


def test_a_uri_gets_the_placeholder_host_and_its_query_in_sorted_order() -> None:
    one = scrub_uri(
        POLICY, f"{ACCOUNT}/api/v2/users.json?role%5B%5D=agent&role%5B%5D=admin&page%5Bsize%5D=100"
    )
    two = scrub_uri(
        POLICY, f"{ACCOUNT}/api/v2/users.json?page%5Bsize%5D=100&role%5B%5D=admin&role%5B%5D=agent"
    )
    assert (
        one
        == two
        == (
            f"{PLACEHOLDER_URL}/api/v2/users.json?page%5Bsize%5D=100&role%5B%5D=admin&role%5B%5D=agent"
        )
    )


def test_where_an_audit_was_made_from_goes_and_its_client_stays() -> None:
    system = {
        "client": "Mozilla/5.0",
        "ip_address": "203.0.113.9",
        "location": "Utrecht, UT, Netherlands",
        "latitude": 52.09,
        "longitude": 5.12,
    }
    scrubbed = scrub_json(POLICY, {"metadata": {"system": system}})["metadata"]["system"]
    assert scrubbed["client"] == "Mozilla/5.0"
    assert scrubbed["ip_address"] != "203.0.113.9"
    assert (scrubbed["location"], scrubbed["latitude"], scrubbed["longitude"]) == (None,) * 3


def test_a_mail_sender_in_via_loses_address_and_name() -> None:
    via = {
        "channel": "email",
        "source": {"from": {"address": "carla@utrecht.example", "name": "Carla Klant"}},
    }
    sender = scrub_json(POLICY, via)["source"]["from"]
    assert sender["address"] == pseudonym(POLICY, "email", "carla@utrecht.example")
    assert sender["name"] == pseudonym(POLICY, "name", "Carla Klant")


def audit_with_texts() -> dict[str, Any]:
    return {
        "id": 40000000001,
        "events": [
            {
                "id": 50000000001,
                "type": "Comment",
                "body": "Hi Carla, call me at home.\nzdsync ref 3f2a1c (hand_back)",
                "plain_body": "Hi Carla, call me at home.",
                "public": False,
            },
            {
                "id": 50000000002,
                "type": "Change",
                "field_name": "subject",
                "value": "Carla's router",
                "previous_value": "Router",
            },
            {
                "id": 50000000003,
                "type": "Change",
                "field_name": "status",
                "value": "open",
                "previous_value": "new",
            },
        ],
    }


def test_free_text_stays_unless_asked_and_then_goes_keeping_the_workers_references() -> None:
    assert scrub_json(POLICY, audit_with_texts()) == audit_with_texts()
    bodies = ScrubPolicy(account_url=ACCOUNT, key=b"key one", scrub_bodies=True)
    comment, subject, status = scrub_json(bodies, audit_with_texts())["events"]
    assert "Carla" not in comment["body"] and "Carla" not in comment["plain_body"]
    assert comment["body"].splitlines()[-1] == "zdsync ref 3f2a1c (hand_back)"
    assert comment["public"] is False and comment["id"] == 50000000001
    assert "Carla" not in subject["value"] and subject["previous_value"] != "Router"
    assert (status["value"], status["previous_value"]) == ("open", "new")
