"""Where Zendesk's official OpenAPI spec is wrong or silent, and what we validate instead.

Every entry says what it changes, why, and where the real shape comes from. Source tags
as in ../shared/reference/zendesk-api.md ("the reference notes"): [rec] a recorded real
answer, [doc] a developer.zendesk.com page, [spec] the spec contradicting itself, [3p] a
real answer quoted by a third party. An override exists only because an answer or request
of ours needs it: tests/conformance/test_overrides.py shows, for each one, a real-shaped
sample that the official spec rejects and the patched spec accepts.

Known faults of the spec that need no override here, because nothing we serve or send
touches them: the item schema of the incremental ticket *events* export points at metric
events (the emulator does not serve that endpoint; see docs/emulator.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]
CURSOR_EXPORT = "/api/v2/incremental/tickets/cursor"
#: The operations the emulator serves (spec paths, no ``.json``), see docs/emulator.md.
SERVED = {
    ("get", CURSOR_EXPORT),
    ("get", "/api/v2/tickets/show_many"),
    ("put", "/api/v2/tickets/update_many"),
    ("get", "/api/v2/tickets/{ticket_id}"),
    ("put", "/api/v2/tickets/{ticket_id}"),
    ("post", "/api/v2/tickets"),
    ("get", "/api/v2/tickets/{ticket_id}/audits"),
    ("get", "/api/v2/tickets/{ticket_id}/comments"),
    ("get", "/api/v2/job_statuses/show_many"),
    ("get", "/api/v2/job_statuses/{job_status_id}"),
    ("get", "/api/v2/users"),
    ("get", "/api/v2/users/me"),
    ("get", "/api/v2/users/show_many"),
    ("get", "/api/v2/users/{user_id}"),
    ("get", "/api/v2/users/{user_id}/group_memberships"),
    ("get", "/api/v2/groups"),
    ("get", "/api/v2/groups/{group_id}"),
    ("get", "/api/v2/groups/{group_id}/memberships"),
    ("get", "/api/v2/group_memberships"),
    ("get", "/api/v2/organizations"),
    ("get", "/api/v2/ticket_fields"),
    ("get", "/api/v2/custom_statuses"),
}
#: The classic error body of the Support API: ``{"error", "description", "details"}``.
ERROR_SCHEMA: Document = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "details": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["description"],
                    "properties": {
                        "description": {"type": "string"},
                        "error": {"type": "string"},
                    },
                },
            },
        },
        "max_count": {"type": "integer"},
    },
}
#: Error statuses the served operations answer with (docs/emulator.md lists which when).
ERROR_STATUSES = ("400", "401", "403", "404", "409", "415", "422", "429")


@dataclass(frozen=True, slots=True)
class Override:
    name: str
    #: What is wrong with the spec, in a sentence or two.
    reason: str
    #: Where the real shape is shown, with its source tag.
    source: str
    apply: Callable[[Document], None]


def apply_overrides(document: Document, skip: str | None = None) -> Document:
    """``document`` with every override applied in place (all but ``skip``)."""
    for override in OVERRIDES:
        if override.name != skip:
            override.apply(document)
    return document


# -- small editing verbs -----------------------------------------------------------------


def schema(document: Document, name: str) -> Document:
    found: Document = document["components"]["schemas"][name]
    return found


def allow_null(target: Document) -> None:
    """OpenAPI 3.0's way to admit null; an enum must list null too."""
    target["nullable"] = True
    if "enum" in target and None not in target["enum"]:
        target["enum"] = [*target["enum"], None]


def nullable(*names: str, schemas: tuple[str, ...]) -> Callable[[Document], None]:
    def patch(document: Document) -> None:
        for schema_name in schemas:
            for name in names:
                allow_null(schema(document, schema_name)["properties"][name])

    return patch


def operations(document: Document) -> Iterator[tuple[str, str, Document, Document]]:
    """(path, method, path item, operation) of every operation."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters" and isinstance(operation, dict):
                yield path, method, item, operation


def resolve(document: Document, node: Document) -> Document:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target: Any = document
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    resolved: Document = target
    return resolved


# -- the overrides -----------------------------------------------------------------------


#: Ticket keys recorded as null when unset.
TICKET_NULLS = (
    "external_id", "type", "priority", "recipient", "assignee_id", "group_id",
    "organization_id", "forum_topic_id", "problem_id", "satisfaction_rating",
)  # fmt: skip


def _unresolved_path_parameters(document: Document) -> None:
    for path, _, item, operation in operations(document):
        for owner in (item, operation):
            kept = [
                p
                for p in owner.get("parameters", [])
                if resolve(document, p).get("in") != "path"
                or "{" + resolve(document, p)["name"] + "}" in path
            ]
            if "parameters" in owner:
                owner["parameters"] = kept


def _membership_paths(document: Document) -> None:
    listing = document["paths"]["/api/v2/group_memberships"]["get"]
    for path, parameter in (
        ("/api/v2/groups/{group_id}/memberships", "GroupId"),
        ("/api/v2/users/{user_id}/group_memberships", "UserId"),
    ):
        operation = {k: v for k, v in listing.items() if k not in {"operationId", "parameters"}}
        operation["operationId"] = "ListGroupMemberships" + parameter.removesuffix("Id")
        document["paths"][path] = {
            "parameters": [{"$ref": f"#/components/parameters/{parameter}"}],
            "get": operation,
        }


def _cursor_export_parameters(document: Document) -> None:
    item = document["paths"][CURSOR_EXPORT]
    start_time = resolve(document, item["parameters"][0])
    item["parameters"][0] = {**start_time, "required": False}
    item["parameters"].append({"$ref": "#/components/parameters/IncrementalPage"})


def _deleted_status(document: Document) -> None:
    status = schema(document, "TicketObject")["properties"]["status"]
    status["enum"] = [*status["enum"], "deleted"]


def _custom_field_values(document: Document) -> None:
    value = schema(document, "TicketObject")["properties"]["custom_fields"]["items"]
    allow_null(value["properties"]["value"])


def _user_nulls(document: Document) -> None:
    nullable("phone", "photo", "shared_phone_number", schemas=("UserForEndUser",))(document)
    nullable("last_login_at", "default_group_id", schemas=("UserForAdmin",))(document)


def _audit_event_values(document: Document) -> None:
    events = schema(document, "AuditObject")["properties"]["events"]["items"]
    events["properties"]["value"] = {
        "anyOf": [
            {"type": "string", "nullable": True},
            {"type": "integer"},
            {"type": "array", "items": {"type": "string"}},
        ],
    }


def _bulk_tag_keys(document: Document) -> None:
    tags = {"type": "array", "items": {"type": "string"}}
    schema(document, "TicketUpdateInput")["properties"].update(
        {"additional_tags": tags, "remove_tags": tags}
    )
    update_many = document["paths"]["/api/v2/tickets/update_many"]["put"]
    one = {"$ref": "#/components/schemas/TicketUpdateInput"}
    each = {
        "allOf": [one, {"type": "object", "required": ["id"], "properties": {"id": {}}}],
    }
    update_many["requestBody"] = {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "ticket": one,
                        "tickets": {"type": "array", "maxItems": 100, "items": each},
                    },
                    "anyOf": [{"required": ["ticket"]}, {"required": ["tickets"]}],
                }
            }
        }
    }


def _job_results(document: Document) -> None:
    result = schema(document, "JobStatusResultObject")
    result["anyOf"] = result.pop("oneOf")


def _ticket_bodies(document: Document) -> None:
    for name in ("TicketUpdateRequest", "TicketCreateRequest"):
        schema(document, name)["required"] = ["ticket"]
    schema(document, "TicketCreateInput")["required"] = ["comment"]


#: Keys every recorded answer carries, required where the spec requires nothing.
RECORDED_KEYS = {
    "CursorBasedExportIncrementalTicketsResponse": [
        "tickets", "after_url", "after_cursor", "before_url", "before_cursor", "end_of_stream",
    ],
    "TicketObject": ["id", "url", "status", "subject", "requester_id", "created_at",
                     "updated_at", "tags", "custom_fields"],
    "TicketAuditObject": ["id", "ticket_id", "created_at", "author_id", "via", "metadata",
                          "events"],
    "JobStatusObject": ["id", "url", "status", "total", "progress", "message", "results"],
}  # fmt: skip


def _recorded_keys(document: Document) -> None:
    for name, keys in RECORDED_KEYS.items():
        target = schema(document, name)
        target["required"] = sorted({*target.get("required", []), *keys})


def _error_answers(document: Document) -> None:
    document["components"]["schemas"]["ZendeskError"] = ERROR_SCHEMA
    answer = {
        "description": "Zendesk's classic error body",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ZendeskError"}}},
    }
    for path, method, _, operation in operations(document):
        if (method, path) in SERVED:
            for status in ERROR_STATUSES:
                operation["responses"].setdefault(status, answer)


OVERRIDES: tuple[Override, ...] = (
    Override(
        "recorded-keys",
        "Tightening, not a fault: the spec requires (almost) no key of the answers we "
        "depend on, so an answer without end_of_stream or a ticket without id would pass. "
        "The keys every recorded answer carries are required.",
        "[rec] zenpy cassettes TicketsIncrementalTest.* (the six export keys, before_* "
        "null), TestTicketAudits.*, ...update-many.json (job_status keys); reference notes "
        "sections 1, 3 and 5.",
        _recorded_keys,
    ),
    Override(
        "unresolved-path-parameters",
        "Some operations declare path parameters their path has no template for (e.g. "
        "ListGroupMemberships declares group_id and user_id on /api/v2/group_memberships), "
        "so no request could satisfy them. Dropped where the path has no such template.",
        "[spec] ../shared/README.md (known faults: unresolved path parameters).",
        _unresolved_path_parameters,
    ),
    Override(
        "membership-paths",
        "List Memberships is also served per group and per user; the spec has only "
        "/api/v2/group_memberships. Added as copies of that operation.",
        "[spec] ListGroupMemberships' group_id/user_id path parameters; reference notes "
        "section 9 (/groups/{id}/memberships.json, /users/{id}/group_memberships.json).",
        _membership_paths,
    ),
    Override(
        "cursor-export-parameters",
        "The cursor export marks start_time required, but later pages send cursor instead "
        "(start_time and cursor are alternatives); per_page is not declared although "
        "Zendesk honours it and echoes it in after_url.",
        "[spec] the IncrementalCursor parameter's own text; [rec] zenpy cassette "
        "TicketsIncrementalTest.test_pagination.json (after_url ...&per_page=1); reference "
        "notes section 1.",
        _cursor_export_parameters,
    ),
    Override(
        "deleted-status",
        "The export lists deleted tickets with status 'deleted', which TicketObject's "
        "status enum lacks.",
        "[rec] zenpy cassette TicketsIncrementalTest.test_get_values.json (ticket 4034, "
        "status 'deleted'); [doc] IEG 'Excluding deleted tickets'.",
        _deleted_status,
    ),
    Override(
        "ticket-nulls",
        "TicketObject forbids null, yet Zendesk sends null for unset scalars: "
        "external_id, type, priority, recipient, assignee_id, group_id, organization_id, "
        "forum_topic_id, problem_id, satisfaction_rating.",
        "[rec] zenpy cassette TicketsIncrementalTest.test_get_values.json (87 exported "
        "tickets, each of the ten null on some: ticket 28 has eight of them null); [rec] "
        "nukosuke/go-zendesk fixture/GET/ticket.json.",
        nullable(*TICKET_NULLS, schemas=("TicketObject",)),
    ),
    Override(
        "custom-field-values",
        "custom_fields[].value is typed string, but an unset custom field is listed with "
        "value null (and checkbox/multiselect values are not strings either).",
        "[3p] exported tickets of a real account (kichink.zendesk.com, 2018) quoted in a "
        "public repository: every custom_fields/fields value null; docs/emulator.md.",
        _custom_field_values,
    ),
    Override(
        "user-nulls",
        "UserObject is anyOf(UserForAdmin, UserForEndUser): the end-user branch forbids "
        "null phone/photo/shared_phone_number (the admin branch allows them), and neither "
        "branch allows null last_login_at (never signed in) or default_group_id (no group).",
        "[rec] zenpy cassette TestUserMe.test_users_me.json (phone, photo, "
        "shared_phone_number null); [spec] the users examples (photo: null, "
        "shared_phone_number: null); [spec] last_login_at's own text.",
        _user_nulls,
    ),
    Override(
        "ticket-field-nulls",
        "TicketFieldObject forbids null agent_description and creator_app_name; Zendesk "
        "sends null when there is none.",
        "[spec] creator_app_name's own text ('or a null value if no app created the "
        "ticket field'); [3p] a saved ticket_fields answer of a real account "
        "(jinmutraining.zendesk.com, 2023): agent_description null.",
        nullable("agent_description", "creator_app_name", schemas=("TicketFieldObject",)),
    ),
    Override(
        "audit-event-values",
        "The audit returned by an update allows event values of string or integer only; "
        "tag events carry arrays and cleared fields null.",
        "[rec] zenpy cassettes TestTicketAudits.* (tags as arrays, null allowed); "
        "reference notes section 3.",
        _audit_event_values,
    ),
    Override(
        "bulk-tag-keys",
        "TicketUpdateInput lacks additional_tags/remove_tags, and update_many declares no "
        "request body at all, although its text documents both forms.",
        "[doc] developer.zendesk.com Update Many Tickets; [spec] TicketsUpdateMany's text "
        "('an array of up to 100 ticket objects, or a comma-separated list of ids'); "
        "../shared/README.md (known faults).",
        _bulk_tag_keys,
    ),
    Override(
        "job-results",
        "A job result is oneOf(CreateResourceResult, UpdateResourceResult, FailedResult), "
        "but the three overlap: a failed update ({id, action, status: 'Failed', success: "
        "false, error, details}) matches Update and Failed at once, which oneOf forbids. "
        "Validated as anyOf.",
        "[spec] the three result schemas; [3p] Zendesk community post 'create_or_update_many "
        "job_status results' (2021): a failed result carries status 'Failed' with error and "
        "details; reference notes section 5.",
        _job_results,
    ),
    Override(
        "ticket-bodies",
        "Tightening, not a fault: the request schemas require nothing, so '{}' passes as "
        "an update and a ticket without its first comment as a creation. Zendesk wants "
        '{"ticket": {...}}, and a new ticket needs a comment (its description).',
        "[doc] developer.zendesk.com Tickets: Create Ticket ('comment' is the one required "
        "property) and 'Creating and updating tickets'; reference notes section 4.",
        _ticket_bodies,
    ),
    Override(
        "error-answers",
        "The served operations declare no error answers at all. Their 4xx bodies are "
        "Zendesk's classic {error, description[, details][, max_count]}.",
        "[rec] 404 RecordNotFound and 400 TooManyValues (zenpy cassettes); [doc] 401 "
        "security-and-auth; [3p] 409 UpdateConflict, 422 RecordInvalid, 429 "
        "APIRateLimitExceeded; reference notes sections 4-6.",
        _error_answers,
    ),
)
