"""Where Zendesk's official OpenAPI spec is wrong or silent, and what we validate instead.

Every entry says what it changes, why, and where the real shape comes from. Source tags
as in ../shared/reference/zendesk-api.md ("the reference notes"): [rec] a recorded real
answer, [doc] a developer.zendesk.com page, [spec] the spec contradicting itself, [3p] a
real answer quoted by a third party. An override exists only because an answer or request
of ours needs it, or because without it a broken answer would pass (the "tightening"
ones): tests/conformance/test_overrides.py shows, for each, a sample the spec gets wrong
without it (a real shape rejected, or a broken one accepted) and right with it.

Known faults of the spec that need no override here, because nothing we serve or send
touches them: the item schema of the incremental ticket *events* export points at metric
events (the emulator does not serve that endpoint; see docs/emulator.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.conformance.patches import (
    TICKET_NULLS,
    Document,
    audit_event_values,
    bulk_tag_keys,
    cursor_export_parameters,
    custom_field_values,
    custom_field_writes,
    deleted_status,
    error_answers,
    export_include,
    export_sideloads,
    job_results,
    membership_paths,
    nullable,
    recorded_keys,
    ticket_bodies,
    unresolved_path_parameters,
    user_nulls,
)


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


OVERRIDES: tuple[Override, ...] = (
    Override(
        "recorded-keys",
        "Tightening, not a fault: the spec requires (almost) no key of the answers we "
        "depend on, so an answer without end_of_stream or a ticket without id would pass. "
        "The keys every recorded answer carries are required.",
        "[rec] zenpy cassettes TicketsIncrementalTest.* (the six export keys, before_* "
        "null), TestTicketAudits.*, ...update-many.json (job_status keys); reference notes "
        "sections 1, 3 and 5.",
        recorded_keys,
    ),
    Override(
        "unresolved-path-parameters",
        "Some operations declare path parameters their path has no template for (e.g. "
        "ListGroupMemberships declares group_id and user_id on /api/v2/group_memberships), "
        "so no request could satisfy them. Dropped where the path has no such template.",
        "[spec] ../shared/README.md (known faults: unresolved path parameters).",
        unresolved_path_parameters,
    ),
    Override(
        "membership-paths",
        "List Memberships is also served per group and per user; the spec has only "
        "/api/v2/group_memberships. Added as copies of that operation.",
        "[spec] ListGroupMemberships' group_id/user_id path parameters; reference notes "
        "section 9 (/groups/{id}/memberships.json, /users/{id}/group_memberships.json).",
        membership_paths,
    ),
    Override(
        "cursor-export-parameters",
        "The cursor exports (tickets, users) mark start_time required, but later pages send "
        "cursor instead (start_time and cursor are alternatives); the ticket export does not "
        "declare per_page although Zendesk honours it and echoes it in after_url.",
        "[spec] the IncrementalCursor parameter's own text; [rec] zenpy cassette "
        "TicketsIncrementalTest.test_pagination.json (after_url ...&per_page=1); reference "
        "notes section 1.",
        cursor_export_parameters,
    ),
    Override(
        "export-include",
        "The ticket export's text says it takes the Tickets sideloads (include=, e.g. "
        "metric_sets), but the operation declares no include parameter, so a client "
        "asking for a sideload sends an undeclared parameter.",
        "[spec] IncrementalTicketExportCursor's text ('Sideloading: See Tickets sideloads "
        "... last_audits sideloads aren't supported'); reference notes section 1.",
        export_include,
    ),
    Override(
        "export-sideloads",
        "Tightening, not a fault: the export answer declares no sideloaded key, so "
        "metric_sets of any shape would pass. Its items are the spec's own "
        "TicketMetricObject.",
        "[spec] IncrementalTicketExportCursor's text (Tickets sideloads); [doc] "
        "developer.zendesk.com 'Side-loading' (tickets: metric_sets, as key metric_sets).",
        export_sideloads,
    ),
    Override(
        "deleted-status",
        "The export lists deleted tickets with status 'deleted', which TicketObject's "
        "status enum lacks.",
        "[rec] zenpy cassette TicketsIncrementalTest.test_get_values.json (ticket 4034, "
        "status 'deleted'); [doc] IEG 'Excluding deleted tickets'.",
        deleted_status,
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
        custom_field_values,
    ),
    Override(
        "custom-field-writes",
        "TicketUpdateInput (and so TicketCreateInput) types custom_fields as a list of "
        "CustomFieldObject, the ticket field's definition, whose id is read-only: no "
        "request could set a custom field. Zendesk takes [{id, value}], as its own "
        "description links ('Setting custom field values'); a follow-up ticket sends the "
        "original's System value so (found by test_requests' whole cycle).",
        "[doc] developer.zendesk.com 'Creating and updating tickets: Setting custom field "
        'values\' ({"custom_fields": [{"id": 25356371, "value": "..."}]}); reference '
        "notes section 4 (writable custom_fields:[{id,value}]).",
        custom_field_writes,
    ),
    Override(
        "user-nulls",
        "UserObject is anyOf(UserForAdmin, UserForEndUser): the end-user branch forbids "
        "null phone/photo/shared_phone_number (the admin branch allows them), and neither "
        "branch allows null last_login_at (never signed in) or default_group_id (no group).",
        "[rec] zenpy cassette TestUserMe.test_users_me.json (phone, photo, "
        "shared_phone_number null); [spec] the users examples (photo: null, "
        "shared_phone_number: null); [spec] last_login_at's own text.",
        user_nulls,
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
        audit_event_values,
    ),
    Override(
        "bulk-tag-keys",
        "TicketUpdateInput lacks additional_tags/remove_tags, and update_many declares no "
        "request body at all, although its text documents both forms.",
        "[doc] developer.zendesk.com Update Many Tickets; [spec] TicketsUpdateMany's text "
        "('an array of up to 100 ticket objects, or a comma-separated list of ids'); "
        "../shared/README.md (known faults).",
        bulk_tag_keys,
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
        job_results,
    ),
    Override(
        "ticket-bodies",
        "Tightening, not a fault: the request schemas require nothing, so '{}' passes as "
        "an update and a ticket without its first comment as a creation. Zendesk wants "
        '{"ticket": {...}}, and a new ticket needs a comment (its description).',
        "[doc] developer.zendesk.com Tickets: Create Ticket ('comment' is the one required "
        "property) and 'Creating and updating tickets'; reference notes section 4.",
        ticket_bodies,
    ),
    Override(
        "unassign-by-null",
        "TicketUpdateInput types assignee_id as a non-null integer, so no update could clear "
        "the assignee; the worker's hand-back to the ISPnext group alone sends assignee_id "
        "null (found by test_requests' whole cycle). Not verified against a live account: "
        "confirm before relying on it.",
        "[rec] unassigned tickets carry assignee_id null and audits record null values "
        "(reference notes section 3); [spec] Update Ticket documents no other way to clear "
        "the field; architecture.md rule 1 ('fall back to the group alone').",
        nullable("assignee_id", schemas=("TicketUpdateInput",)),
    ),
    Override(
        "error-answers",
        "The served operations declare no error answers at all. Their 4xx bodies are "
        "Zendesk's classic {error, description[, details][, max_count]}.",
        "[rec] 404 RecordNotFound and 400 TooManyValues (zenpy cassettes); [doc] 401 "
        "security-and-auth; [3p] 409 UpdateConflict, 422 RecordInvalid, 429 "
        "APIRateLimitExceeded; reference notes sections 4-6.",
        error_answers,
    ),
)
