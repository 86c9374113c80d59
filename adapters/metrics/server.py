"""A small HTTP endpoint next to the worker: ``GET /metrics`` (Prometheus) and
``GET /healthz`` (200 or 503 with a JSON body).

Served from a daemon thread (``zdsync run --metrics-port``). What it serves comes from two
callables, so this module knows nothing of what is measured or what healthy means.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

Exposition = Callable[[], bytes]
#: (healthy, the JSON body) at the moment of asking.
HealthCheck = Callable[[], tuple[bool, Mapping[str, Any]]]
_TEXT = "text/plain; charset=utf-8"


class MetricsServer:
    def __init__(
        self, exposition: Exposition, health: HealthCheck, *, host: str, port: int
    ) -> None:
        handler = _handler(exposition, health)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/metrics"

    @property
    def health_url(self) -> str:
        return self.url.removesuffix("/metrics") + "/healthz"

    def start(self) -> MetricsServer:
        self._thread.start()
        log.info("metrics at %s, health at %s", self.url, self.health_url)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(exposition: Exposition, health: HealthCheck) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, exposition(), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                healthy, body = health()
                text = json.dumps(body, indent=2) + "\n"
                self._send(200 if healthy else 503, text.encode(), "application/json")
            else:
                self._send(404, b"not found: try /metrics or /healthz\n", _TEXT)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("metrics: " + format, *args)

    return Handler
