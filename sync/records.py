"""Records of the local mirror: what the Zendesk adapter reads and the store keeps.

They are plain frozen dataclasses so that pull, the store and the tests share one
vocabulary without importing each other. ``raw`` is the object exactly as Zendesk sent
it (parsed JSON); the typed fields are the ones zdsync queries or reasons about.
Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JsonObject = Mapping[str, Any]

#: Ticket statuses Zendesk reports. ``deleted`` only appears in the incremental export.
TICKET_STATUSES = frozenset({"new", "open", "pending", "hold", "solved", "closed", "deleted"})
#: Seed 000's "Ticket Closed" state: "the issue is considered to be resolved".
CLOSED_STATUSES = frozenset({"solved", "closed", "deleted"})


def list_state(status: str) -> str:
    """Seed 000's two states: Open ("still underway") or Closed ("resolved")."""
    return "Closed" if status in CLOSED_STATUSES else "Open"


@dataclass(frozen=True, slots=True)
class TicketRecord:
    id: int
    status: str
    group_id: int | None
    assignee_id: int | None
    requester_id: int | None
    organization_id: int | None
    custom_status_id: int | None
    subject: str | None
    #: Value of the custom field configured as "System" (seed 000's List Mode column).
    system: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    #: Changes on every update, including system updates; the export is ordered by it.
    #: Only the incremental export sends it: a ticket read from any other answer (show,
    #: show_many, an update's or a creation's answer) has None [reference notes, section 1].
    generated_timestamp: int | None
    raw: JsonObject = field(repr=False, compare=False)

    @property
    def deleted(self) -> bool:
        return self.status == "deleted"

    def supersedes(self, stored: TicketRecord) -> bool:
        """Whether this version of the ticket replaces ``stored`` in the mirror.

        The export and the answers to our writes race: an export page read before our
        update may be saved after its answer, and an answer may arrive after an agent's
        newer change was exported. The newer ``updated_at`` wins (it strictly increases
        with every change an update records); at an equal ``updated_at`` a system update
        may still have changed the ticket, which only ``generated_timestamp`` shows, so a
        lower stamp loses when both are known. A deleted ticket's tombstone keeps the last
        ``updated_at``, so it is judged by its stamp alone. ``SqlStore`` says the same in
        SQL (adapters/store/versions.py); the store contract suite checks they agree.
        """
        mine, theirs = self.generated_timestamp, stored.generated_timestamp
        not_older_stamp = mine is None or theirs is None or mine >= theirs
        if self.deleted:
            return not_older_stamp
        if self.updated_at != stored.updated_at:
            return self.updated_at > stored.updated_at
        return not_older_stamp


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event of an audit. Values are kept as the JSON Zendesk sent (ids as strings)."""

    id: int
    audit_id: int
    ticket_id: int
    position: int
    type: str
    field_name: str | None = None
    value: Any = None
    previous_value: Any = None
    #: Comment events only.
    public: bool | None = None
    author_id: int | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    ticket_id: int
    author_id: int | None
    created_at: datetime
    via_channel: str | None
    events: tuple[EventRecord, ...]
    raw: JsonObject = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    email: str | None
    #: "end-user", "agent" or "admin".
    role: str
    #: 0 custom agent, 1 light agent, 2 chat agent, 3 contributor, 4 admin, 5 billing admin.
    role_type: int | None
    active: bool
    suspended: bool
    organization_id: int | None
    default_group_id: int | None
    raw: JsonObject = field(repr=False, compare=False)

    @property
    def is_light_agent(self) -> bool:
        return self.role == "agent" and self.role_type == 1


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    name: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    id: int
    user_id: int
    group_id: int
    default: bool = False


@dataclass(frozen=True, slots=True)
class OrganizationRecord:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class TicketFieldRecord:
    id: int
    title: str
    raw_title: str | None
    type: str
    active: bool
    raw: JsonObject = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class CustomStatusRecord:
    id: int
    #: One of new, open, pending, hold, solved.
    status_category: str
    agent_label: str
    active: bool
    default: bool


@dataclass(frozen=True, slots=True)
class Directory:
    """Everything about the account that is not a ticket, read in one go."""

    users: tuple[UserRecord, ...] = ()
    groups: tuple[GroupRecord, ...] = ()
    memberships: tuple[MembershipRecord, ...] = ()
    organizations: tuple[OrganizationRecord, ...] = ()
    ticket_fields: tuple[TicketFieldRecord, ...] = ()
    custom_statuses: tuple[CustomStatusRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class UnreadableTicket:
    """A ticket Zendesk sent that could not be read (missing fields, an unknown status):
    its id, and why. The pull remembers it and reads it again on its own until it can;
    the store adds since when (``since``), when it was last met unreadable (``last_seen``)
    and how often it was read again on its own and was still unreadable (``tries``)."""

    ticket_id: int
    reason: str
    since: datetime | None = None
    tries: int = 0
    last_seen: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExportPage:
    """One page of the cursor-based incremental export, already parsed.

    ``skipped`` counts the records that could not be parsed (logged by the adapter);
    ``unreadable`` names those of them whose id could be read, with the reason, so the
    cursor never moves past a ticket silently. ``after_cursor`` is where the next request
    resumes, and is present on the last page too (``end_of_stream``).
    """

    tickets: tuple[TicketRecord, ...]
    after_cursor: str | None
    end_of_stream: bool
    skipped: int = 0
    unreadable: tuple[UnreadableTicket, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditBatch:
    """All audits of one ticket, in order; ``skipped`` counts unparseable ones."""

    ticket_id: int
    audits: tuple[AuditRecord, ...]
    skipped: int = 0

    def check(self) -> None:
        """Raise ValueError unless every audit and event is filed under this ticket and the
        audit it names (a store must never mix two tickets' histories)."""
        for audit in self.audits:
            if audit.ticket_id != self.ticket_id:
                raise ValueError(
                    f"audit {audit.id} belongs to ticket {audit.ticket_id}, "
                    f"not to ticket {self.ticket_id}"
                )
            for event in audit.events:
                if (event.audit_id, event.ticket_id) != (audit.id, audit.ticket_id):
                    raise ValueError(
                        f"event {event.id} names audit {event.audit_id} of ticket "
                        f"{event.ticket_id}, but is filed under audit {audit.id} of ticket "
                        f"{audit.ticket_id}"
                    )


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """Filters of the List Mode (``zdsync tickets``)."""

    group_ids: tuple[int, ...] = ()
    #: "open", "closed" or None for both (seed 000's two states).
    state: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """A row of seed 000's List Mode."""

    id: int
    entity: str | None
    system: str | None
    subject: str | None
    created_at: datetime
    updated_at: datetime
    status: str
    group_id: int | None
    group_name: str | None

    @property
    def state(self) -> str:
        return list_state(self.status)


#: What became of a decision: waiting; applied in Zendesk; lost a race with an agent (409,
#: decided again after a re-pull); skipped (closed 422, deleted 404, left the partner group,
#: rule no longer holds); failed after retries.
OUTBOX_STATES = ("pending", "applied", "conflict", "skipped", "failed")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A decision of the rules, stored under its deterministic key until it is pushed.

    ``actions`` and ``facts`` are JSON-able mappings (rules.actions ``to_dict``); the store
    keeps them as JSON. The key is unique: enqueuing the same decision twice keeps one.
    """

    key: str
    ticket_id: int
    rule: str
    actions: tuple[JsonObject, ...]
    facts: JsonObject
    decided_at: datetime
    state: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    #: The audit Zendesk returned for the update that applied it.
    audit_id: int | None = None
    #: The follow-up ticket created for it (Maintenance / Change Request), once known.
    created_ticket_id: int | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TicketBundle:
    """A mirrored ticket with its audits, oldest first: what a ticket view is built from."""

    ticket: TicketRecord
    audits: tuple[AuditRecord, ...]


# -- push (issue 4): what the worker writes back, and what Zendesk answers -------------

#: ``last_error`` of an outbox entry while its follow-up ticket has been asked for and
#: Zendesk's answer (the new ticket's id) is not recorded yet; ``updated_at`` says since when.
FOLLOW_UP_REQUESTED = "follow-up ticket requested; its id is not recorded yet"


@dataclass(frozen=True, slots=True)
class TicketChange:
    """The merged change of one ticket: what one update request sends.

    ``fields`` are Zendesk ticket keys set as given (``group_id``, ``assignee_id``,
    ``status``, ``custom_status_id``, ``tags`` as the full set). ``updated_stamp`` is the
    ticket's ``updated_at`` exactly as Zendesk last sent it: with it the update is a safe
    update, refused (409) when an agent changed the ticket since. ``additional_tags`` and
    ``remove_tags`` are for additive changes sent through update_many, without a stamp.
    """

    ticket_id: int
    fields: JsonObject = field(default_factory=dict)
    #: One internal note (``public: false``) by ``author_id`` (the worker's user).
    note: str | None = None
    author_id: int | None = None
    updated_stamp: str | None = None
    additional_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()

    @property
    def additive(self) -> bool:
        """Sets no field: it adds to what an agent may have changed, never replaces it."""
        return not self.fields


@dataclass(frozen=True, slots=True)
class UpdatedTicket:
    """Zendesk's answer to an update: the ticket as it now is, and the audit our update
    made (None when nothing changed and Zendesk recorded no audit)."""

    ticket: TicketRecord
    audit: AuditRecord | None


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket the worker creates (a Maintenance / Change Request follow-up), on behalf of
    the customer: ``requester_id`` and ``organization_id`` are the original's, the worker is
    the submitter and the author of the first comment.

    ``idempotency_key`` goes out as the ``Idempotency-Key`` header: the same key and body
    again (within Zendesk's two hours) return the ticket created the first time.
    """

    idempotency_key: str
    subject: str
    #: The first comment, internal (the new ticket is for ISPnext, not for the customer).
    body: str
    author_id: int | None
    group_id: int | None
    tags: tuple[str, ...] = ()
    #: Zendesk's external id of the new ticket, to find it by hand (``?external_id=``).
    external_id: str | None = None
    requester_id: int | None = None
    organization_id: int | None = None
    priority: str | None = None
    #: (field id, value) of the custom fields to set, e.g. the original's "System".
    custom_fields: tuple[tuple[int, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class CreatedTicket:
    ticket_id: int
    #: Zendesk answered from its idempotency store: the ticket was created by an earlier
    #: request with the same key (``x-idempotency-lookup: hit``).
    replayed: bool = False
    #: The new ticket and its creation audit as the answer shows them, for the mirror (None
    #: when the answer's are unreadable: the next pull reads them).
    ticket: TicketRecord | None = None
    audit: AuditRecord | None = None


@dataclass(frozen=True, slots=True)
class BulkResult:
    """One ticket's outcome in an update_many job (Zendesk reports failures only there)."""

    ticket_id: int
    success: bool
    #: Zendesk's error and details for a failure, e.g. "RecordNotFound: Not found".
    error: str | None = None
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """What ``zdsync status`` shows of the outbox."""

    #: Entries per state, every state of OUTBOX_STATES present (0 when none).
    counts: Mapping[str, int]
    #: When the oldest pending decision was made (None: nothing pending).
    oldest_pending: datetime | None
    #: The most recently updated entries that carry an error, newest first.
    last_errors: tuple[OutboxEntry, ...] = ()
