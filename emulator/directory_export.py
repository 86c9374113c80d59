"""Incremental exports of the directory: users (cursor-based) and organizations
(time-based, the only kind Zendesk has for them [doc IEG]). Admins only, counted against
the incremental-export rate limit, one-minute lag and ``start_time`` rules as the ticket
export (:mod:`export`). Both walk (``updated_at``, id); directory objects are dated a
year before the clock's start (:mod:`directory_routes`), so a ``start_time`` before that
exports everything and a later one only the end users that new tickets created since.

- ``GET /api/v2/incremental/users/cursor.json`` (``CursorBasedExportIncrementalUsersResponse``):
  ``start_time`` or ``cursor``, ``per_page`` (default and maximum 1000); keys ``users,
  after_url, after_cursor, before_url, before_cursor, end_of_stream``, the ticket
  export's cursor format and last-page behaviour (the cursor is still given).
- ``GET /api/v2/incremental/organizations.json`` (``ExportIncrementalOrganizationsResponse``):
  ``start_time``, ``per_page``; keys ``organizations, count, end_time, next_page,
  end_of_stream``. ``end_time`` is the ``updated_at`` of the page's last organization
  (``start_time`` for an empty page) and ``next_page`` asks from it, on the last page too
  (end_of_stream: fewer than ``per_page`` organizations) [spec example]. As in Zendesk's
  time-based exports, the next page starts *at* ``end_time``: organizations of that
  second come again, and a full page of one second repeats itself [reference notes
  section 1, the time-based ticket export].
"""

from __future__ import annotations

from urllib.parse import urlencode

import orjson

from emulator import documents, errors, export
from emulator.directory_routes import ACCOUNT_AGE_SECONDS
from emulator.exchange import Request, Response
from emulator.routing import Route, route
from emulator.stream import StreamIndex
from emulator.world import World

USERS_PATH = "/api/v2/incremental/users/cursor.json"
ORGANIZATIONS_PATH = "/api/v2/incremental/organizations.json"


class DirectoryExportRoutes:
    def __init__(self, world: World) -> None:
        self.world = world
        self.since = int(world.clock.start.timestamp()) - ACCOUNT_AGE_SECONDS

    def routes(self) -> list[Route]:
        return [
            route("GET", "/api/v2/incremental/users/cursor", self.users, export=True),
            route("GET", "/api/v2/incremental/organizations", self.organizations, export=True),
        ]

    def users(self, request: Request) -> Response:
        if request.acting_user.role != "admin":
            raise errors.forbidden()
        world = self.world
        query = export.read_request(request.params(), world.clock.timestamp(), USERS_PATH)
        with world.lock:
            horizon = world.clock.timestamp() - export.EXPORT_LAG_SECONDS
            stream = StreamIndex()
            joined = world.directory.joined_at
            stream.load((joined.get(uid, self.since), uid) for uid in world.directory.users)
            ids, last, more = stream.page(query.after, horizon, query.per_page)
            users = [
                orjson.dumps(
                    documents.user(
                        world.directory.users[uid], world.base_url, self.since, world.directory
                    )
                )
                for uid in ids
            ]
        body = export.page_body(query, world.base_url, users, last, more, key="users")
        return Response(200, body)

    def organizations(self, request: Request) -> Response:
        if request.acting_user.role != "admin":
            raise errors.forbidden()
        world = self.world
        now = world.clock.timestamp()
        start = export.start_time(request.param("start_time"), now)
        size = export.per_page(request.param("per_page"))
        horizon = now - export.EXPORT_LAG_SECONDS
        with world.lock:
            stamped = sorted((self.since, oid) for oid in world.directory.organizations)
            chosen = [key for key in stamped if start <= key[0] <= horizon][:size]
            page = [
                documents.organization(
                    world.directory.organizations[oid], world.base_url, self.since
                )
                for _, oid in chosen
            ]
        end_time = chosen[-1][0] if chosen else start
        query = {"start_time": str(end_time)}
        if request.param("per_page") is not None:
            query["per_page"] = str(size)
        return Response.of(
            200,
            {
                "organizations": page,
                "count": len(page),
                "end_of_stream": len(page) < size,
                "end_time": end_time,
                "next_page": f"{world.base_url}{ORGANIZATIONS_PATH}?{urlencode(query)}",
            },
        )
