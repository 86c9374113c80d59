"""Account configuration a client reads at discovery: custom user and organization
fields, ticket forms and tags.

- ``GET /api/v2/user_fields``, ``/organization_fields``: the custom fields the scenario
  declares (``CustomFieldObject``: key, title, type, dropdown options; an empty list when
  it declares none), in declaration order, paginated like every list (offset: ``count``,
  ``next_page``, ``previous_page``; cursor with ``page[...]``). Their values are on the
  users and organizations (``user_fields`` / ``organization_fields``).
- ``GET /api/v2/ticket_forms``: one form, the account's default (``TicketFormObject``),
  the ``ticket_form_id`` every ticket carries, holding every ticket field (system fields,
  then the scenario's). Not paginated, as in the spec; ``active=false`` and
  ``end_user_visible=false`` answer an empty list (the form is active and visible),
  other parameters are ignored.
- ``GET /api/v2/tags``: the tags of the tickets changed in the last 60 days (deleted ones
  left out), each with the number of tickets carrying it, most used first (then by
  name) [spec ListTags: "the most popular tags in the last 60 days, in decreasing
  popularity"]; paginated, a cursor holding the position in that order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from emulator.directory_routes import ACCOUNT_AGE_SECONDS
from emulator.documents import SYSTEM_FIELDS
from emulator.exchange import Request, Response
from emulator.listing import paginate
from emulator.routing import Route, route
from emulator.specs import CustomFieldSpec
from emulator.tickets import TICKET_FORM_ID, iso
from emulator.world import World

TAG_WINDOW_SECONDS = 60 * 86400
DEFAULT_FORM_NAME = "Default Ticket Form"


class AccountRoutes:
    def __init__(self, world: World) -> None:
        self.world = world
        self.since = int(world.clock.start.timestamp()) - ACCOUNT_AGE_SECONDS

    def routes(self) -> list[Route]:
        return [
            route("GET", "/api/v2/user_fields", self.user_fields),
            route("GET", "/api/v2/organization_fields", self.organization_fields),
            route("GET", "/api/v2/ticket_forms", self.ticket_forms),
            route("GET", "/api/v2/tags", self.tags),
        ]

    def user_fields(self, request: Request) -> Response:
        return self._custom_fields(request, "user_fields", self.world.directory.user_fields)

    def organization_fields(self, request: Request) -> Response:
        fields = self.world.directory.organization_fields
        return self._custom_fields(request, "organization_fields", fields)

    def _custom_fields(
        self, request: Request, kind: str, fields: Sequence[CustomFieldSpec]
    ) -> Response:
        items = [self._custom_field(kind, f, n) for n, f in enumerate(fields, start=1)]
        # In the account's order (the declaration's); cursors hold the position in it.
        order = {item["id"]: n for n, item in enumerate(items, start=1)}
        return Response.of(200, paginate(request, kind, items, lambda item: order[item["id"]]))

    def _custom_field(self, kind: str, spec: CustomFieldSpec, position: int) -> dict[str, Any]:
        base = f"{self.world.base_url}/api/v2/{kind}/{spec.id}"
        document: dict[str, Any] = {
            "url": f"{base}.json",
            "id": spec.id,
            "type": spec.type,
            "key": spec.key,
            "title": spec.title,
            "raw_title": spec.title,
            "description": "",
            "raw_description": "",
            "position": position,
            "active": spec.active,
            "system": False,
            "regexp_for_validation": None,
            "created_at": iso(self.since),
            "updated_at": iso(self.since),
        }
        if spec.type == "dropdown":
            document["custom_field_options"] = [
                {
                    "id": spec.id * 1000 + n,
                    "name": option.name,
                    "raw_name": option.name,
                    "value": option.value,
                    "position": n - 1,
                    "url": f"{base}/options/{spec.id * 1000 + n}.json",
                }
                for n, option in enumerate(spec.options, start=1)
            ]
        return document

    def ticket_forms(self, request: Request) -> Response:
        if _false(request.param("active")) or _false(request.param("end_user_visible")):
            return Response.of(200, {"ticket_forms": []})
        return Response.of(200, {"ticket_forms": [self._default_form()]})

    def _default_form(self) -> dict[str, Any]:
        field_ids = [fid for fid, _, _ in SYSTEM_FIELDS]
        field_ids += sorted(self.world.directory.fields)
        return {
            "url": f"{self.world.base_url}/api/v2/ticket_forms/{TICKET_FORM_ID}.json",
            "id": TICKET_FORM_ID,
            "name": DEFAULT_FORM_NAME,
            "raw_name": DEFAULT_FORM_NAME,
            "display_name": DEFAULT_FORM_NAME,
            "raw_display_name": DEFAULT_FORM_NAME,
            "position": 1,
            "active": True,
            "default": True,
            "end_user_visible": True,
            "in_all_brands": True,
            "restricted_brand_ids": [],
            "ticket_field_ids": field_ids,
            "agent_conditions": [],
            "end_user_conditions": [],
            "created_at": iso(self.since),
            "updated_at": iso(self.since),
        }

    def tags(self, request: Request) -> Response:
        world = self.world
        with world.lock:
            horizon = world.clock.timestamp() - TAG_WINDOW_SECONDS
            counts = Counter(
                tag
                for ticket in world.tickets.values()
                if not ticket.deleted and ticket.updated_at >= horizon
                for tag in set(ticket.tags)
            )
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        items = [{"name": name, "count": count} for name, count in ranked]
        rank = {name: n for n, (name, _) in enumerate(ranked, start=1)}
        return Response.of(200, paginate(request, "tags", items, lambda item: rank[item["name"]]))


def _false(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "false"
