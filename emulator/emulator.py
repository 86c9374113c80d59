"""The Emulator: a stateful fake Zendesk served over real HTTP on 127.0.0.1.

Use it as a context manager (it serves from a background thread)::

    with Emulator(Scenario.load(path), port=0) as emu:
        emu.base_url, emu.clock, emu.faults, emu.act(...), emu.snapshot()

zenpy is pointed at it with ``ZENPY_FORCE_SCHEME=http`` and
``ZENPY_FORCE_NETLOC=127.0.0.1:PORT`` [reference notes section 13]; every URL it answers
with (``after_url``, ``links.next``, ``url``) is absolute and points back at it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from types import TracebackType
from typing import Any

import orjson

from emulator import control
from emulator.account_routes import AccountRoutes
from emulator.auth import Authenticator
from emulator.clock import EmulatorClock
from emulator.directory_export import DirectoryExportRoutes
from emulator.directory_routes import DirectoryRoutes
from emulator.errors import EmulatorError
from emulator.faults import FaultBook
from emulator.jobs import JobBook
from emulator.ratelimit import RateLimiter, RateLimits
from emulator.replay import populate
from emulator.routing import Route, Router
from emulator.scenario_values import Where
from emulator.server import Application, EmulatorHTTPServer, LoggedRequest
from emulator.snapshot import snapshot
from emulator.specs import Credential, ScenarioData
from emulator.ticket_routes import TicketRoutes
from emulator.tickets_format import TicketReader
from emulator.world import World


def api_routes(world: World, jobs: JobBook) -> list[Route]:
    """Every Zendesk endpoint the emulator serves (docs/emulator.md, "What is emulated")."""
    return [
        *TicketRoutes(world, jobs).routes(),
        *DirectoryRoutes(world).routes(),
        *DirectoryExportRoutes(world).routes(),
        *AccountRoutes(world).routes(),
    ]


class Emulator:
    """A running fake Zendesk. ``start()``/``close()`` or ``with``."""

    def __init__(
        self,
        scenario: ScenarioData,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: RateLimits | None = None,
        frozen: bool | None = None,
        start: datetime | None = None,
        public_url: str | None = None,
    ) -> None:
        self.scenario = scenario
        #: The origin written into absolute URLs (pagination links, ``url`` keys); by
        #: default the bound address, with a wildcard (0.0.0.0) read as this machine.
        self.public_url = public_url.rstrip("/") if public_url else None
        self.host = host
        self.port = port
        self.rate_limits = rate_limits if rate_limits is not None else RateLimits()
        self.clock = EmulatorClock(
            start if start is not None else scenario.start,
            frozen=scenario.frozen if frozen is None else frozen,
        )
        self.faults = FaultBook()
        self._world: World | None = None
        self._jobs: JobBook | None = None
        self._authenticator: Authenticator | None = None
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Emulator:
        """Build the world from the scenario, bind the port and serve."""
        if self._server is not None:
            raise EmulatorError("emulator already started")
        world = World(self.scenario, self.clock, base_url="")
        populate(world, self.scenario)
        jobs = JobBook(world)
        self.clock.on_change(lambda now: _catch_up(world, jobs, now))
        routes = api_routes(world, jobs)
        self._authenticator = Authenticator(self.scenario.credentials, world.directory)
        application = Application(
            router=Router(routes),
            authenticator=self._authenticator,
            limiter=RateLimiter(self.rate_limits),
            faults=self.faults,
            before_each=lambda: _catch_up(world, jobs),
            control=control.handler(self),
        )
        server = EmulatorHTTPServer((self.host, self.port), application)
        host, port = server.socket.getsockname()[:2]
        world.base_url = application.base_url = self.public_url or _origin(host, port)
        self._world, self._jobs, self._server = world, jobs, server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # close() returns within one poll
            name=f"zendesk-emulator-{port}",
            daemon=True,
        )
        self._thread.start()
        # Pre-serialise every ticket in the background, so even the first pass through
        # the export serves cached documents; pages asked for earlier render on demand.
        threading.Thread(
            target=world.prerender,
            args=(application.stopping,),
            name=f"zendesk-emulator-{port}-prerender",
            daemon=True,
        ).start()
        return self

    def close(self) -> None:
        """Stop serving and drop open connections (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.application.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- what tests and developers use -----------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, or the ``public_url``."""
        return self._running().application.base_url

    @property
    def bound_port(self) -> int:
        """The port it listens on (``port=0`` picks one), whatever ``public_url`` says."""
        port: int = self._running().socket.getsockname()[1]
        return port

    @property
    def world(self) -> World:
        """The state behind the API (for assertions that have no API equivalent)."""
        if self._world is None:
            raise EmulatorError("the emulator is not started")
        return self._world

    @property
    def credentials(self) -> tuple[Credential, ...]:
        return self.scenario.credentials

    def revoke_token(self, token: str) -> None:
        """Every request with this API or OAuth token is a 401 from now on (an admin deleted
        it); ``restore_token`` makes it good again. EmulatorError for an unknown token."""
        self._auth().revoke(token)

    def restore_token(self, token: str) -> None:
        self._auth().restore(token)

    @property
    def revoked_tokens(self) -> list[str]:
        return self._auth().revoked

    def _auth(self) -> Authenticator:
        if self._authenticator is None:
            raise EmulatorError("the emulator is not started")
        return self._authenticator

    def act(self, ticket_id: int, *, by: int, **changes: Any) -> dict[str, Any] | None:
        """An agent edits a ticket now, through the web channel, e.g.
        ``act(7, by=201, status="pending", note="Waiting for the customer")``. Keys are
        those of a scenario edit (docs/emulator.md). Returns the audit, or None when the
        edit changed nothing. Raises ApiError when Zendesk would refuse the edit."""
        world = self.world
        reader = TicketReader(
            tuple(world.directory.users.values()),
            tuple(world.directory.fields.values()),
            tuple(world.directory.statuses.values()),
        )
        edit = reader.edit({"at": 0, "by": by, **changes}, Where("act"))
        with world.lock:
            world.run_due()
            audit = world.apply_edit(ticket_id, edit, world.clock.timestamp())
            if audit is None or not audit.id:
                return None
            # A copy: the caller must not be able to change the recorded audit.
            copied: dict[str, Any] = orjson.loads(orjson.dumps(audit.document()))
            return copied

    def snapshot(self) -> dict[str, Any]:
        """Canonical, JSON-able end state (see :mod:`emulator.snapshot`), after
        whatever the clock has made due (script entries, jobs)."""
        if self._jobs is not None:
            _catch_up(self.world, self._jobs)
        return snapshot(self.world)

    @property
    def request_log(self) -> list[LoggedRequest]:
        """(method, path, query, status) of every API request served, oldest first."""
        application = self._running().application
        with application.log_lock:
            return list(application.request_log)

    def stats(self) -> dict[str, int]:
        """Requests per endpoint (``"GET /api/v2/tickets/{ticket_id}"``; ``"unknown"``
        for paths no endpoint serves)."""
        application = self._running().application
        with application.log_lock:
            return dict(application.endpoint_counts)

    def _running(self) -> EmulatorHTTPServer:
        if self._server is None:
            raise EmulatorError("the emulator is not running (use start() or a with block)")
        return self._server


def _origin(host: str, port: int) -> str:
    """``http://HOST:PORT`` for a bound address; a wildcard address cannot be connected to,
    so the links name this machine's loopback (``--public-url`` names anything else)."""
    if host in {"0.0.0.0", ""}:
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _catch_up(world: World, jobs: JobBook, now: datetime | None = None) -> None:
    """Let time's effects happen: scripted agent activity and background jobs."""
    world.run_due(now)
    jobs.finish_due()
