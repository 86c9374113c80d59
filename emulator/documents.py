"""JSON documents of directory objects, shaped like the spec's UserObject, GroupObject,
GroupMembershipObject, OrganizationObject, TicketFieldObject and CustomStatusObject and
the recorded answers [reference notes section 9]. ``since`` is when the account's
objects were made (a fixed instant before the scenario's tickets)."""

from __future__ import annotations

from typing import Any

from emulator.directory import Directory, Membership
from emulator.sparse import sparse
from emulator.specs import (
    FieldSpec,
    GroupSpec,
    OrganizationSpec,
    StatusSpec,
    UserSpec,
)
from emulator.tickets import iso

#: Custom role ids of the roles the emulator knows (Zendesk gives each role an id).
ROLE_IDS = {0: 360000000010, 1: 360000000011, 4: 360000000014}
#: System ticket fields every account has, listed before the custom ones.
SYSTEM_FIELDS = (
    (360000000101, "subject", "Subject"),
    (360000000102, "description", "Description"),
    (360000000103, "status", "Status"),
    (360000000104, "custom_status", "Ticket status"),
    (360000000105, "tickettype", "Type"),
    (360000000106, "priority", "Priority"),
    (360000000107, "group", "Group"),
    (360000000108, "assignee", "Assignee"),
)


def user(spec: UserSpec, base_url: str, since: int, directory: Directory) -> dict[str, Any]:
    since = directory.joined_at.get(spec.id, since)  # an end user made by a new ticket
    agent = spec.role in {"agent", "admin"}
    document = {
        "id": spec.id,
        "url": f"{base_url}/api/v2/users/{spec.id}.json",
        "name": spec.name,
        "email": spec.email,
        "created_at": iso(since),
        "updated_at": iso(since),
        "time_zone": "Amsterdam",
        "iana_time_zone": "Europe/Amsterdam",
        "phone": None,
        "shared_phone_number": None,
        "photo": None,
        "locale_id": 1,
        "locale": "en-US",
        "organization_id": spec.organization,
        "role": spec.role,
        "verified": True,
        "external_id": None,
        "tags": [],
        "alias": "",
        "active": spec.active,
        "shared": False,
        "shared_agent": False,
        "last_login_at": iso(since) if agent else None,
        "two_factor_auth_enabled": None,
        "signature": "",
        "details": "",
        "notes": "",
        "role_type": spec.role_type,
        "custom_role_id": ROLE_IDS.get(spec.role_type) if spec.role_type is not None else None,
        "moderator": agent,
        "ticket_restriction": None if agent else "requested",
        "only_private_comments": spec.is_light_agent,
        "restricted_agent": spec.is_light_agent,
        "suspended": spec.suspended,
        "default_group_id": directory.default_group_of(spec.id) if agent else None,
        "report_csv": spec.role == "admin",
        # Every declared field, null when the user has no value [spec UserObject].
        "user_fields": {f.key: dict(spec.fields).get(f.key) for f in directory.user_fields},
    }
    return sparse("user", document)


def group(spec: GroupSpec, base_url: str, since: int) -> dict[str, Any]:
    document = {
        "url": f"{base_url}/api/v2/groups/{spec.id}.json",
        "id": spec.id,
        "is_public": True,
        "name": spec.name,
        "description": spec.description,
        "default": False,
        "deleted": False,
        "created_at": iso(since),
        "updated_at": iso(since),
    }
    return sparse("group", document)


def membership(spec: Membership, base_url: str, since: int) -> dict[str, Any]:
    document = {
        "url": f"{base_url}/api/v2/group_memberships/{spec.id}.json",
        "id": spec.id,
        "user_id": spec.user_id,
        "group_id": spec.group_id,
        "default": spec.default,
        "created_at": iso(since),
        "updated_at": iso(since),
    }
    return sparse("membership", document)


def organization(spec: OrganizationSpec, base_url: str, since: int) -> dict[str, Any]:
    document = {
        "url": f"{base_url}/api/v2/organizations/{spec.id}.json",
        "id": spec.id,
        "name": spec.name,
        "shared_tickets": False,
        "shared_comments": False,
        "external_id": None,
        "created_at": iso(since),
        "updated_at": iso(since),
        "domain_names": [],
        "details": "",
        "notes": "",
        "group_id": None,
        "tags": list(spec.tags),
        # Only the values set: the spec types them string or number, never null.
        "organization_fields": dict(spec.fields),
    }
    return sparse("organization", document)


def ticket_field(spec: FieldSpec, base_url: str, since: int, position: int) -> dict[str, Any]:
    document = _field_base(
        spec.id, spec.type, spec.title, base_url=base_url, since=since, position=position
    )
    document.update(
        active=spec.active,
        removable=True,
        creator_app_name=spec.creator_app_name,
        agent_description=None,
    )
    if spec.type == "tagger":
        document["custom_field_options"] = [
            {
                "id": spec.id * 1000 + n,
                "name": option.name,
                "raw_name": option.name,
                "value": option.value,
                "default": False,
            }
            for n, option in enumerate(spec.options, start=1)
        ]
    return sparse("ticket_field", document)


def system_fields(base_url: str, since: int) -> list[dict[str, Any]]:
    return [
        sparse(
            "ticket_field",
            {
                **_field_base(fid, kind, title, base_url=base_url, since=since, position=n),
                "active": True,
                "removable": False,
            },
        )
        for n, (fid, kind, title) in enumerate(SYSTEM_FIELDS, start=1)
    ]


def _field_base(
    field_id: int, kind: str, title: str, *, base_url: str, since: int, position: int
) -> dict[str, Any]:
    return {
        "url": f"{base_url}/api/v2/ticket_fields/{field_id}.json",
        "id": field_id,
        "type": kind,
        "title": title,
        "raw_title": title,
        "description": "",
        "raw_description": "",
        "position": position,
        "required": False,
        "collapsed_for_agents": False,
        "regexp_for_validation": None,
        "title_in_portal": title,
        "raw_title_in_portal": title,
        "visible_in_portal": False,
        "editable_in_portal": False,
        "required_in_portal": False,
        "tag": None,
        "created_at": iso(since),
        "updated_at": iso(since),
    }


def custom_status(spec: StatusSpec, base_url: str, since: int) -> dict[str, Any]:
    document = {
        "url": f"{base_url}/api/v2/custom_statuses/{spec.id}.json",
        "id": spec.id,
        "status_category": spec.category,
        "agent_label": spec.label,
        "raw_agent_label": spec.label,
        "end_user_label": spec.label,
        "raw_end_user_label": spec.label,
        "description": "",
        "raw_description": "",
        "end_user_description": "",
        "raw_end_user_description": "",
        "active": spec.active,
        "default": spec.default,
        "created_at": iso(since),
        "updated_at": iso(since),
    }
    return sparse("custom_status", document)
