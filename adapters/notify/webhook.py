"""Notifications to a chat webhook (``ZDSYNC_WEBHOOK_URL``): a ``CycleObserver`` that never
blocks or fails the cycle.

``cycle_ended`` only decides what to say and puts the messages on a bounded queue; one
background thread posts them with httpx, each tried ``attempts`` times (tenacity, backoff
between tries) with a short timeout. A message that cannot be delivered is logged and
dropped: the worker's job is Zendesk, not the chat. The URL carries the webhook's
credential, so it is held as a ``Secret`` and appears in no log line; httpx's own request
log (which names the URL at INFO) is kept to warnings. ``close`` delivers what is queued,
within a bound, so ``zdsync once`` says its piece before it exits.

Failing cycles are told once, when ``after_failures`` in a row have failed, and once more
when a cycle succeeds again; the streak is this process's (the daemon's), so a ``zdsync
once`` from cron tells actions and push failures only.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from adapters.notify.messages import (
    TicketLink,
    actions_text,
    failing_text,
    payload,
    push_failure_text,
    recovered_text,
)
from sync.config import Secret
from sync.figures import CycleFigures

log = logging.getLogger(__name__)

#: Messages waiting at most; more are dropped (a chat that is down must not eat memory).
QUEUE_SIZE = 100
_STOP = object()


class WebhookNotifier:
    def __init__(
        self,
        url: Secret,
        *,
        shape: str = "slack",
        zendesk_url: str | None = None,
        after_failures: int = 3,
        attempts: int = 3,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = url
        self._shape = shape
        self._link = TicketLink(zendesk_url, shape)
        self._after_failures = after_failures
        self._failed_in_a_row = 0
        self._last_error: str | None = None
        self._retrying = Retrying(
            retry=retry_if_exception(_worth_retrying),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=1, max=30),
            sleep=sleep,
            reraise=True,
        )
        # httpx logs every request with its URL at INFO; the URL is a secret.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self._client = httpx.Client(timeout=timeout, transport=transport)
        #: Messages delivered and given up on.
        self.sent = 0
        self.dropped = 0
        self._queue: queue.Queue[object] = queue.Queue(QUEUE_SIZE)
        self._thread = threading.Thread(target=self._deliver, name="webhook", daemon=True)
        self._thread.start()

    # -- sync.ports.CycleObserver --------------------------------------------------------

    def cycle_ended(self, figures: CycleFigures) -> None:
        for text in self._texts(figures):
            try:
                self._queue.put_nowait(payload(text, self._shape))
            except queue.Full:
                self.dropped += 1
                log.warning("webhook: %d messages waiting; dropping one", QUEUE_SIZE)

    def _texts(self, figures: CycleFigures) -> list[str]:
        texts = [t for t in (actions_text(figures, self._link), push_failure_text(figures)) if t]
        if figures.failed:
            self._failed_in_a_row += 1
            self._last_error = figures.error
            if self._failed_in_a_row == self._after_failures:
                texts.append(failing_text(self._failed_in_a_row, self._last_error))
        else:
            if self._failed_in_a_row >= self._after_failures:
                texts.append(recovered_text(self._failed_in_a_row))
            self._failed_in_a_row = 0
        return texts

    # -- delivery ------------------------------------------------------------------------

    def close(self, timeout: float = 30.0) -> None:
        """Deliver what is queued (within ``timeout`` seconds), then stop."""
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            log.warning("webhook: could not deliver the queued messages in time")
        self._thread.join(timeout)
        self._client.close()

    def _deliver(self) -> None:
        while True:
            message = self._queue.get()
            if message is _STOP:
                return
            try:
                self._retrying(self._post, message)
            except httpx.HTTPError as exc:
                self.dropped += 1
                log.warning("webhook: message not delivered: %s", _described(exc))
            except Exception:
                # A bug here must not kill the thread and silence every later message.
                self.dropped += 1
                log.exception("webhook: message not delivered")
            else:
                self.sent += 1

    def _post(self, message: Any) -> None:
        response = self._client.post(self._url.reveal(), json=message)
        response.raise_for_status()


def _worth_retrying(exc: BaseException) -> bool:
    """Connection problems, timeouts, 429 and 5xx; never another 4xx (a wrong URL)."""
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return status == 429 or status >= 500
    return isinstance(exc, httpx.TransportError)


def _described(exc: httpx.HTTPError) -> str:
    """What went wrong, without the URL that httpx puts in its messages."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"the webhook answered {exc.response.status_code}"
    return type(exc).__name__
