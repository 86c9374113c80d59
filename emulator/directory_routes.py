"""Directory endpoints: users (with role filters), the current user, groups, group
memberships (all, per group, per user), organizations, ticket fields (system fields
first, then custom ones) and custom statuses (not paginated, as in Zendesk)."""

from __future__ import annotations

from collections.abc import Callable

from emulator import documents, errors
from emulator.directory import Membership
from emulator.exchange import Request, Response
from emulator.listing import paginate
from emulator.routing import Route, route
from emulator.world import World

#: The account's objects are dated a year before the scenario clock's start.
ACCOUNT_AGE_SECONDS = 365 * 86400
MAX_MANY = 100


class DirectoryRoutes:
    def __init__(self, world: World) -> None:
        self.world = world
        self.since = int(world.clock.start.timestamp()) - ACCOUNT_AGE_SECONDS

    def routes(self) -> list[Route]:
        return [
            route("GET", "/api/v2/users", self.users),
            route("GET", "/api/v2/users/me", self.me),
            route("GET", "/api/v2/users/show_many", self.users_many),
            route("GET", "/api/v2/users/{user_id}", self.user),
            route("GET", "/api/v2/users/{user_id}/group_memberships", self.user_memberships),
            route("GET", "/api/v2/groups", self.groups),
            route("GET", "/api/v2/groups/{group_id}", self.group),
            route("GET", "/api/v2/groups/{group_id}/memberships", self.group_memberships),
            route("GET", "/api/v2/group_memberships", self.memberships),
            route("GET", "/api/v2/organizations", self.organizations),
            route("GET", "/api/v2/ticket_fields", self.ticket_fields),
            route("GET", "/api/v2/custom_statuses", self.custom_statuses),
        ]

    def _user(self, user_id: int) -> dict[str, object]:
        directory = self.world.directory
        return documents.user(directory.users[user_id], self.world.base_url, self.since, directory)

    def users(self, request: Request) -> Response:
        roles = set(request.query.get("role[]", [])) | set(request.query.get("role", []))
        with self.world.lock:
            chosen = sorted(
                uid for uid, u in self.world.directory.users.items() if not roles or u.role in roles
            )
            return Response.of(200, paginate(request, "users", [self._user(uid) for uid in chosen]))

    def me(self, request: Request) -> Response:
        return Response.of(200, {"user": self._user(request.acting_user.id)})

    def user(self, request: Request, user_id: int) -> Response:
        if user_id not in self.world.directory.users:
            raise errors.record_not_found()
        return Response.of(200, {"user": self._user(user_id)})

    def users_many(self, request: Request) -> Response:
        ids = [int(p) for p in (request.param("ids") or "").split(",") if p.strip().isdigit()]
        if len(ids) > MAX_MANY:
            raise errors.too_many_values("ids")
        known = [uid for uid in ids if uid in self.world.directory.users]
        return Response.of(200, {"users": [self._user(uid) for uid in known]})

    def groups(self, request: Request) -> Response:
        items = [
            documents.group(g, self.world.base_url, self.since)
            for _, g in sorted(self.world.directory.groups.items())
        ]
        return Response.of(200, paginate(request, "groups", items))

    def group(self, request: Request, group_id: int) -> Response:
        found = self.world.directory.groups.get(group_id)
        if found is None:
            raise errors.record_not_found()
        return Response.of(200, {"group": documents.group(found, self.world.base_url, self.since)})

    def memberships(self, request: Request) -> Response:
        return self._memberships(request, lambda m: True)

    def group_memberships(self, request: Request, group_id: int) -> Response:
        if group_id not in self.world.directory.groups:
            raise errors.record_not_found()
        return self._memberships(request, lambda m: m.group_id == group_id)

    def user_memberships(self, request: Request, user_id: int) -> Response:
        if user_id not in self.world.directory.users:
            raise errors.record_not_found()
        return self._memberships(request, lambda m: m.user_id == user_id)

    def _memberships(self, request: Request, keep: Callable[[Membership], bool]) -> Response:
        items = [
            documents.membership(m, self.world.base_url, self.since)
            for m in self.world.directory.memberships
            if keep(m)
        ]
        return Response.of(200, paginate(request, "group_memberships", items))

    def organizations(self, request: Request) -> Response:
        items = [
            documents.organization(o, self.world.base_url, self.since)
            for _, o in sorted(self.world.directory.organizations.items())
        ]
        return Response.of(200, paginate(request, "organizations", items))

    def ticket_fields(self, request: Request) -> Response:
        base, since = self.world.base_url, self.since
        items = documents.system_fields(base, since)
        fields = sorted(self.world.directory.fields.values(), key=lambda f: f.id)
        items += [
            documents.ticket_field(f, base, since, position)
            for position, f in enumerate(fields, start=len(items) + 1)
        ]
        return Response.of(200, paginate(request, "ticket_fields", items))

    def custom_statuses(self, request: Request) -> Response:
        items = [
            documents.custom_status(s, self.world.base_url, self.since)
            for _, s in sorted(self.world.directory.statuses.items())
        ]
        return Response.of(200, {"custom_statuses": items})
