"""Generated worlds for benchmarks: many tickets, made on demand from a seed.

The directory is small and fixed (one ISPnext group, three partner groups with a full
agent and two light agents each, three other groups, 100 organisations, 2,000
requesters); tickets are spread over the last 30 days. Every ``ratio``-th ticket is a
partner ticket: created in ISPnext's group, assigned to a partner by an ISPnext agent an
hour later, then worked by the partner (replies, internal notes, time entries), one audit
per edit. The worker (user 1, an admin) has an API token and an OAuth token. Ticket
specs are built lazily from (seed, index), so a 100,000-ticket scenario costs no memory
until the emulator replays it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar, overload

from emulator.specs import (
    Credential,
    Edit,
    FieldOption,
    FieldSpec,
    GroupSpec,
    OrganizationSpec,
    ScenarioData,
    TicketSpec,
    UserSpec,
)

ISPNEXT_GROUP = 100
PARTNER_GROUPS = (201, 202, 203)
OTHER_GROUPS = (301, 302, 303)
WORKER = 1
ISPNEXT_AGENTS = (11, 12, 13, 14)
SYSTEM_FIELD, TOTAL_FIELD, LAST_FIELD = 7001, 7002, 7003
SYSTEMS = ("mail", "dns", "hosting", "fiber", "voip", "backup")
FIRST_REQUESTER, REQUESTERS, ORGANIZATIONS = 10_001, 2_000, 100
SPAN_SECONDS = 30 * 86400
STATUSES = ("new", "open", "open", "pending", "hold", "solved", "closed")
_MASK = 2**64 - 1
_DESCRIPTION = {"body": "Generated ticket for benchmarks.", "public": True}
_SYSTEM_VALUES = [[{"id": SYSTEM_FIELD, "value": f"system_{s}"}] for s in SYSTEMS]
_TAGS = [[f"generated_{n}"] for n in range(7)]
_T = TypeVar("_T")


def generate(
    *, tickets: int, partner_tickets: int, audits_per_partner_ticket: int, seed: int
) -> ScenarioData:
    if not 0 <= partner_tickets <= tickets:
        raise ValueError(f"partner_tickets={partner_tickets} must be within 0..{tickets}")
    if audits_per_partner_ticket < 2:
        raise ValueError("a partner ticket has at least 2 audits (creation, hand-over)")
    return ScenarioData(
        name=f"generated-{tickets}-{partner_tickets}-{audits_per_partner_ticket}-{seed}",
        organizations=tuple(
            OrganizationSpec(id=500 + n, name=f"Entity {n:03d} BV") for n in range(ORGANIZATIONS)
        ),
        groups=_groups(),
        users=_users(),
        ticket_fields=_fields(),
        credentials=(
            Credential(user=WORKER, email="zdsync@ispnext.example", token="bench-token"),
            # As the demo scenario has one: clients that authenticate by OAuth work too.
            Credential(user=WORKER, oauth_token="bench-oauth-token"),
        ),
        tickets=GeneratedTickets(tickets, partner_tickets, audits_per_partner_ticket, seed),
        subdomain="bench",
    )


class Picker:
    """Deterministic choices from (seed, index), far cheaper than seeding a
    ``random.Random`` per ticket (a 100,000-ticket world builds in seconds): one
    splitmix64 hash, spent digit by digit in the bases asked for."""

    def __init__(self, seed: int, index: int) -> None:
        self._state = _mix(seed * 0x9E3779B97F4A7C15 + index)

    def randrange(self, n: int) -> int:
        if self._state < n:
            self._state = _mix(self._state + n)
        self._state, digit = divmod(self._state, n)
        return digit

    def choice(self, options: Sequence[_T]) -> _T:
        return options[self.randrange(len(options))]


def _mix(value: int) -> int:
    z = (value + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class GeneratedTickets(Sequence[TicketSpec]):
    """Ticket specs computed from (seed, index) when asked for."""

    def __init__(self, count: int, partners: int, audits: int, seed: int) -> None:
        self.size = count
        self.audits = audits
        self.seed = seed
        self.ratio = count // partners if partners else 0
        self.partners = partners

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> TicketSpec: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[TicketSpec]: ...
    def __getitem__(self, index: int | slice) -> TicketSpec | Sequence[TicketSpec]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if not 0 <= index < self.size:
            raise IndexError(index)
        return self._ticket(index)

    def is_partner(self, index: int) -> bool:
        return bool(self.ratio) and index % self.ratio == 0 and index // self.ratio < self.partners

    def _ticket(self, index: int) -> TicketSpec:
        rng = Picker(self.seed, index)
        created = timedelta(seconds=SPAN_SECONDS * (index / self.size * 0.9 - 1))
        requester = FIRST_REQUESTER + rng.randrange(REQUESTERS)
        system = rng.randrange(len(SYSTEMS))
        # Nested parts are shared between specs: the emulator only reads payloads.
        payload: dict[str, Any] = {
            "subject": f"Ticket {index + 1}: {SYSTEMS[system]} question",
            "comment": _DESCRIPTION,
            "requester_id": requester,
            "organization_id": 500 + requester % ORGANIZATIONS,
            "custom_fields": _SYSTEM_VALUES[system],
            "tags": _TAGS[index % len(_TAGS)],
        }
        if self.is_partner(index):
            payload["group_id"] = ISPNEXT_GROUP
            payload["assignee_id"] = rng.choice(ISPNEXT_AGENTS)
            history = _partner_history(rng, created, self.audits)
        else:
            payload["group_id"] = rng.choice((ISPNEXT_GROUP, *OTHER_GROUPS))
            payload["status"] = rng.choice(STATUSES)
            if payload["status"] != "new":
                payload["assignee_id"] = _agent_of(payload["group_id"], rng)
            history = ()
        return TicketSpec(
            id=index + 1, created=created, by=requester, payload=payload, history=history
        )


def _partner_history(rng: Picker, created: timedelta, audits: int) -> tuple[Edit, ...]:
    group = rng.choice(PARTNER_GROUPS)
    full_agent = group * 100 + 1
    hand_over = Edit(
        at=created + timedelta(hours=1),
        by=rng.choice(ISPNEXT_AGENTS),
        payload={
            "group_id": group,
            "assignee_id": full_agent,
            "comment": {"body": "Please analyse this for the customer.", "public": False},
        },
    )
    edits = [hand_over]
    for n in range(audits - 2):
        author = full_agent if n % 2 == 0 else full_agent + 1 + rng.randrange(2)
        body = "Analysis update." if author != full_agent else "We are looking into it."
        edits.append(
            Edit(
                at=created + timedelta(hours=1, minutes=20 * (n + 1)),
                by=author,
                payload={"comment": {"body": body, "public": author == full_agent}},
                time_spent=600 if author == full_agent else None,
            )
        )
    return tuple(edits)


def _agent_of(group: int, rng: Picker) -> int:
    if group == ISPNEXT_GROUP:
        return rng.choice(ISPNEXT_AGENTS)
    return group * 100 + 1


def _groups() -> tuple[GroupSpec, ...]:
    names = {ISPNEXT_GROUP: "ISPnext Support", 201: "Acme Networks", 202: "Fibernet Partners"}
    names |= {203: "Coax & Co", 301: "Billing", 302: "Sales", 303: "Second Line"}
    return tuple(GroupSpec(id=gid, name=name) for gid, name in names.items())


def _users() -> tuple[UserSpec, ...]:
    worker = UserSpec(
        WORKER, "zdsync worker", "zdsync@ispnext.example", "admin", 4, (ISPNEXT_GROUP,)
    )
    return (worker, *_agents(), *_requesters())


def _agents() -> list[UserSpec]:
    agents = [
        UserSpec(
            uid,
            f"ISPnext agent {uid}",
            f"agent{uid}@ispnext.example",
            "agent",
            0,
            (ISPNEXT_GROUP,),
            ISPNEXT_GROUP,
        )
        for uid in ISPNEXT_AGENTS
    ]
    for group in (*PARTNER_GROUPS, *OTHER_GROUPS):
        agents.append(
            UserSpec(
                group * 100 + 1,
                f"Agent of {group}",
                f"agent@g{group}.example",
                "agent",
                0,
                (group,),
                group,
            )
        )
        if group in PARTNER_GROUPS:
            agents.extend(
                UserSpec(
                    group * 100 + n,
                    f"Light agent {n} of {group}",
                    f"light{n}@g{group}.example",
                    "agent",
                    1,
                    (group,),
                    group,
                )
                for n in (2, 3)
            )
    return agents


def _requesters() -> list[UserSpec]:
    return [
        UserSpec(
            uid,
            f"Requester {uid}",
            f"user{uid}@customer.example",
            "end-user",
            None,
            organization=500 + uid % ORGANIZATIONS,
        )
        for uid in range(FIRST_REQUESTER, FIRST_REQUESTER + REQUESTERS)
    ]


def _fields() -> tuple[FieldSpec, ...]:
    options = tuple(FieldOption(name=s.upper(), value=f"system_{s}") for s in SYSTEMS)
    return (
        FieldSpec(SYSTEM_FIELD, "System", "tagger", options),
        FieldSpec(TOTAL_FIELD, "Total time spent (sec)", "integer", (), "Time Tracking"),
        FieldSpec(LAST_FIELD, "Time spent last update (sec)", "integer", (), "Time Tracking"),
    )
