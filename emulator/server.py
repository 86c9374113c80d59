"""The HTTP side: a threading HTTP/1.1 server (keep-alive) and the pipeline every API
request goes through.

Pipeline: control endpoints (``/_emulator/...``) are answered directly. For the API:
due scripted activity and jobs run first; a fault rule may fire (``status``, ``reset``,
``slow`` and ``hang`` act before anything is applied); then authentication (401), routing
(404), rate limits (429), the endpoint itself; then faults that spoil the answer or withhold it
after the change was applied. Every API request is logged with the status sent (0 when
none was), before the answer leaves, so a client that has its answer finds it logged.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import orjson

from emulator import errors, tampering
from emulator.auth import Authenticator
from emulator.exchange import Request, Response
from emulator.faults import BEFORE_HANDLING, FaultBook, FaultKind, FaultRule
from emulator.ratelimit import RateLimiter
from emulator.routing import Router, dispatch

log = logging.getLogger(__name__)
CONTROL_PREFIX = "/_emulator/"
FAULT_BODIES = {
    500: {"error": "InternalServerError", "description": "Something went wrong"},
    502: {"error": "BadGateway", "description": "Bad gateway"},
    503: {"error": "ServiceUnavailable", "description": "Service temporarily unavailable"},
    429: {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed API requests per minute exceeded",
    },
}
NON_JSON_PAGE = b"<html><head><title>Zendesk</title></head><body>Maintenance</body></html>"


class LoggedRequest(NamedTuple):
    method: str
    path: str
    query: str
    status: int


class LogEntry:
    """One API request's line in the request log, written the moment its answer (or the
    dropped connection) leaves: a client that has seen the answer finds the request
    logged, with no race against the thread that served it."""

    def __init__(self, application: Application, request: LoggedRequest) -> None:
        self._application = application
        self._request = request
        self._index: int | None = None

    def sent(self, status: int, *, overrule: bool = False) -> None:
        """Logs the request with ``status``, once. A later call changes the logged status
        only with ``overrule`` (a client gone mid-answer got no answer: status 0)."""
        with self._application.log_lock:
            request_log = self._application.request_log
            if self._index is None:
                self._index = len(request_log)
                request_log.append(self._request._replace(status=status))
            elif overrule:
                request_log[self._index] = self._request._replace(status=status)


class Application:
    """Everything a request needs, shared by the server threads."""

    def __init__(
        self,
        *,
        router: Router,
        authenticator: Authenticator,
        limiter: RateLimiter,
        faults: FaultBook,
        before_each: Callable[[], None],
        control: Callable[[str, str, dict[str, list[str]], bytes], Response],
    ) -> None:
        self.router = router
        self.authenticator = authenticator
        self.limiter = limiter
        self.faults = faults
        self.before_each = before_each
        self.control = control
        self.base_url = ""
        self.stopping = threading.Event()
        self.request_log: list[LoggedRequest] = []
        self.endpoint_counts: Counter[str] = Counter()
        self.log_lock = threading.Lock()

    def serve(self, handler: Handler) -> None:
        url = urlsplit(handler.path)
        query = parse_qs(url.query, keep_blank_values=True)
        body = _read_body(handler)
        handler.entry = None
        if url.path.startswith(CONTROL_PREFIX):
            _write(handler, self.control(handler.command, url.path, query, body))
            return
        logged = LoggedRequest(handler.command, url.path, url.query, 0)
        entry = handler.entry = LogEntry(self, logged)
        path = url.path[:-5] if url.path.endswith(".json") else url.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request = Request(handler.command, path, query, headers, body, self.base_url)
        try:
            self._serve_api(handler, request)
        except (ConnectionError, TimeoutError):
            entry.sent(0, overrule=True)  # the client went away mid-answer
        except Exception:
            # An emulator bug must look like a server error to the client, not hang it.
            log.exception("emulator: %s %s failed", handler.command, url.path)
            _write(handler, Response.of(500, FAULT_BODIES[500]))
        entry.sent(0)  # a no-op when an answer (or its absence) was already logged

    def _serve_api(self, handler: Handler, request: Request) -> None:
        self.before_each()
        fault = self.faults.pick(request.method, request.path)
        before = fault is not None and fault.kind in BEFORE_HANDLING
        if fault is not None and before and self._fault_before(handler, fault):
            return
        response = self._answer(request)
        if fault is not None and not before:
            self._fault_after(handler, fault, request, response)
            return
        _write(handler, response)

    def _answer(self, request: Request) -> Response:
        try:
            user = request.user = self.authenticator.user(request.header("authorization"))
        except errors.ApiError as exc:
            return Response.error(exc)
        found = self.router.find(request.method, request.path)
        self._count(found[0].name if found else "unknown")
        update = None
        if found is not None and found[0].ticket_update:
            update = (user.id, int(found[1]["ticket_id"]))
        admission = self.limiter.admit(
            export=found is not None and found[0].export, ticket_update=update
        )
        if admission.rejection is not None:
            return Response.error(admission.rejection)
        try:
            if found is None:
                raise errors.invalid_endpoint()
            _check_content_type(request)
            response = dispatch(found, request)
        except errors.ApiError as exc:
            response = Response.error(exc)
        response.headers.update(admission.headers)
        return response

    def _count(self, name: str) -> None:
        with self.log_lock:
            self.endpoint_counts[name] += 1

    def _fault_before(self, handler: Handler, fault: FaultRule) -> bool:
        """Acts out a fault that strikes before handling; True when it ended the request."""
        if fault.kind is FaultKind.RESET:
            _reset(handler)
            return True
        if fault.kind is FaultKind.SLOW:
            self.stopping.wait(fault.delay)
            return False
        if fault.kind is FaultKind.HANG:
            # No answer ever: the client's timeout is what ends its wait.
            self.stopping.wait(fault.delay or None)
            _reset(handler)
            return True
        _write(handler, _fault_response(fault))
        return True

    def _fault_after(
        self, handler: Handler, fault: FaultRule, request: Request, response: Response
    ) -> None:
        if fault.kind is FaultKind.TIMEOUT_AFTER_APPLY:
            self.stopping.wait(fault.delay)
            _reset(handler)
            return
        if fault.kind is FaultKind.NON_JSON:
            response = Response(
                200, NON_JSON_PAGE, dict(response.headers), "text/html; charset=utf-8"
            )
        elif fault.kind is FaultKind.TRUNCATED:
            _write(handler, response, truncate=True)
            return
        elif 200 <= response.status < 300:
            response.body = orjson.dumps(self._spoil(fault, request, orjson.loads(response.body)))
        _write(handler, response)

    def _spoil(self, fault: FaultRule, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if fault.kind is FaultKind.REPEAT_CURSOR:
            return tampering.repeat_cursor(body, request.param("cursor"), self.base_url)
        if fault.kind is FaultKind.REPEAT_PAGE:
            return tampering.repeat_page(body, request)
        if fault.kind is FaultKind.MISSING_FIELDS:
            return tampering.missing_fields(body, fault.fields, fault.ticket)
        if fault.kind is FaultKind.UNKNOWN_STATUS:
            return tampering.unknown_status(body, fault.ticket)
        return tampering.unknown_event(body, fault.ticket)


def _fault_response(fault: FaultRule) -> Response:
    if isinstance(fault.body, str):
        response = Response(fault.status, fault.body.encode(), {}, "text/plain; charset=utf-8")
    else:
        default = FAULT_BODIES.get(fault.status, {"error": "InjectedFault"})
        response = Response.of(fault.status, default if fault.body is None else fault.body)
    if fault.status == 429 or fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after or 1)
    return response


def _check_content_type(request: Request) -> None:
    if request.method in {"PUT", "POST"} and request.body:
        kind = (request.header("content-type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise errors.ApiError(
                415,
                {
                    "error": "UnsupportedMediaType",
                    "description": "Send Content-Type: application/json",
                },
            )


def _read_body(handler: Handler) -> bytes:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


def _write(handler: Handler, response: Response, *, truncate: bool = False) -> None:
    if handler.entry is not None:
        handler.entry.sent(response.status)
    handler.send_response(response.status)
    handler.send_header("Content-Type", response.content_type)
    handler.send_header("Content-Length", str(len(response.body)))
    for name, value in response.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(response.body[: len(response.body) // 2] if truncate else response.body)
    if truncate:
        _reset(handler)


def _reset(handler: Handler) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), no answer."""
    if handler.entry is not None:
        handler.entry.sent(0)
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
    except OSError:
        log.debug("connection already gone")


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 so clients keep connections alive."""

    protocol_version = "HTTP/1.1"
    server_version = "zendesk-emulator"
    sys_version = ""
    server: EmulatorHTTPServer
    #: The request being served, when it is an API request (control requests are not logged).
    entry: LogEntry | None = None
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 120

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self.server.application.serve(self)

    def do_PUT(self) -> None:
        self.server.application.serve(self)

    def do_POST(self) -> None:
        self.server.application.serve(self)

    def do_DELETE(self) -> None:
        self.server.application.serve(self)

    def do_PATCH(self) -> None:
        self.server.application.serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator: " + format, *args)


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many clients (benchmarks, concurrent tests) connect at once.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], application: Application) -> None:
        super().__init__(address, Handler)
        self.application = application
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("socket already closed")
