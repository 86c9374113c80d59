"""When to try a Zendesk request again, and how long to wait first: one tenacity policy.

- ``ZendeskRateLimited`` (429): wait exactly its Retry-After.
- other ``ZendeskUnavailable`` (connection, timeout, 5xx, garbled body): exponential backoff
  with jitter.
- a write that may have been applied (``maybe_applied``) is never re-sent blindly: the
  caller must first check whether it landed (issue 4), so it is not retried here.
- ``ZendeskRejected`` (4xx): never retried; the same request would be refused again.

``RequestPacer`` keeps a client-side budget such as the incremental export's 10 requests per
minute by sleeping exactly until the oldest request leaves the window: no busy-waiting, no
429 in the normal case.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from sync.errors import ZendeskRateLimited, ZendeskUnavailable

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]

_backoff = wait_exponential_jitter(multiplier=0.5, max=30.0, jitter=0.5)


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, ZendeskUnavailable) and not exc.maybe_applied


def wait_before_retry(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, ZendeskRateLimited):
        return exc.retry_after
    return _backoff(state)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("attempt %d failed (%s); retrying in %.1fs", state.attempt_number, exc, wait)


def retrying(max_attempts: int, sleep: Sleep = time.sleep) -> Retrying:
    """The policy for one request. ``sleep`` is injectable so tests never wait."""
    return Retrying(
        retry=retry_if_exception(is_retryable),
        wait=wait_before_retry,
        stop=stop_after_attempt(max_attempts),
        sleep=sleep,
        before_sleep=_log_retry,
        reraise=True,
    )


class RequestPacer:
    """At most ``per_minute`` requests in any sliding 60-second window."""

    WINDOW = 60.0

    def __init__(
        self, per_minute: int, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.per_minute = per_minute
        self._monotonic = monotonic
        self._sleep = sleep
        self._sent: deque[float] = deque()
        #: Total seconds spent waiting, reported by ``zdsync sync``.
        self.waited = 0.0

    def wait_turn(self) -> float:
        """Block until a request may be sent, record it, and return the seconds waited."""
        now = self._monotonic()
        while self._sent and now - self._sent[0] >= self.WINDOW:
            self._sent.popleft()
        waited = 0.0
        if len(self._sent) >= self.per_minute:
            waited = self._sent[0] + self.WINDOW - now
            log.info("export budget of %d/min used; waiting %.1fs", self.per_minute, waited)
            self._sleep(waited)
            self._sent.popleft()
            now = self._monotonic()
        self._sent.append(now)
        self.waited += waited
        return waited
