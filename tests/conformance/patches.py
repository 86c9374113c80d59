"""The edits the overrides make to Zendesk's spec (a JSON-able dict, changed in place),
and the facts they share: the operations the emulator serves, Zendesk's classic error
body, the keys recordings always carry. Why each edit exists, and on what evidence, is
in :mod:`tests.conformance.overrides`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Document = dict[str, Any]
CURSOR_EXPORT = "/api/v2/incremental/tickets/cursor"
USERS_CURSOR_EXPORT = "/api/v2/incremental/users/cursor"
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
    ("get", "/api/v2/user_fields"),
    ("get", "/api/v2/organization_fields"),
    ("get", "/api/v2/ticket_forms"),
    ("get", "/api/v2/tags"),
    ("get", USERS_CURSOR_EXPORT),
    ("get", "/api/v2/incremental/organizations"),
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


# -- editing verbs ---------------------------------------------------------------------------


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


def unresolved_path_parameters(document: Document) -> None:
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


def membership_paths(document: Document) -> None:
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


def cursor_export_parameters(document: Document) -> None:
    for path in (CURSOR_EXPORT, USERS_CURSOR_EXPORT):
        item = document["paths"][path]
        start_time = resolve(document, item["parameters"][0])
        item["parameters"][0] = {**start_time, "required": False}
    page = {"$ref": "#/components/parameters/IncrementalPage"}
    if page not in document["paths"][CURSOR_EXPORT]["parameters"]:
        document["paths"][CURSOR_EXPORT]["parameters"].append(page)


def export_include(document: Document) -> None:
    document["paths"][CURSOR_EXPORT]["parameters"].append(
        {
            "name": "include",
            "in": "query",
            "description": "Sideloads, comma-separated (Tickets sideloads, e.g. metric_sets)",
            "schema": {"type": "string"},
            "example": "metric_sets",
        }
    )


def export_sideloads(document: Document) -> None:
    page = schema(document, "CursorBasedExportIncrementalTicketsResponse")
    page["properties"]["metric_sets"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/TicketMetricObject"},
    }


def deleted_status(document: Document) -> None:
    status = schema(document, "TicketObject")["properties"]["status"]
    status["enum"] = [*status["enum"], "deleted"]


def custom_field_values(document: Document) -> None:
    value = schema(document, "TicketObject")["properties"]["custom_fields"]["items"]
    allow_null(value["properties"]["value"])


def custom_field_writes(document: Document) -> None:
    fields = schema(document, "TicketUpdateInput")["properties"]["custom_fields"]
    fields["items"] = {
        "type": "object",
        "required": ["id"],
        # A value is text, a list (multi-select), a boolean (checkbox) or null (cleared).
        "properties": {"id": {"type": "integer"}, "value": {}},
    }


def user_nulls(document: Document) -> None:
    nullable("phone", "photo", "shared_phone_number", schemas=("UserForEndUser",))(document)
    nullable("last_login_at", "default_group_id", schemas=("UserForAdmin",))(document)


def audit_event_values(document: Document) -> None:
    events = schema(document, "AuditObject")["properties"]["events"]["items"]
    events["properties"]["value"] = {
        "anyOf": [
            {"type": "string", "nullable": True},
            {"type": "integer"},
            {"type": "array", "items": {"type": "string"}},
        ],
    }


def bulk_tag_keys(document: Document) -> None:
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


def job_results(document: Document) -> None:
    result = schema(document, "JobStatusResultObject")
    result["anyOf"] = result.pop("oneOf")


def ticket_bodies(document: Document) -> None:
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


def recorded_keys(document: Document) -> None:
    for name, keys in RECORDED_KEYS.items():
        target = schema(document, name)
        target["required"] = sorted({*target.get("required", []), *keys})


def error_answers(document: Document) -> None:
    document["components"]["schemas"]["ZendeskError"] = ERROR_SCHEMA
    answer = {
        "description": "Zendesk's classic error body",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ZendeskError"}}},
    }
    for path, method, _, operation in operations(document):
        if (method, path) in SERVED:
            for status in ERROR_STATUSES:
                operation["responses"].setdefault(status, answer)
