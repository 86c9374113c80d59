"""When to try a Zendesk request again, and how long to wait first: one tenacity policy.

- ``ZendeskRateLimited`` (429): wait exactly its Retry-After.
- other ``ZendeskUnavailable`` (connection, timeout, 5xx, garbled body): exponential backoff
  with jitter.
- a write that may have been applied (``maybe_applied``) is never re-sent blindly: the
  caller must first check whether it landed (issue 4), so it is not retried here, unless
  the caller says sending it again is safe (``resend_lost``: a creation under the same
  ``Idempotency-Key``, a note-less tag change).
- deterministic failures are never retried: the same request would fail the same way,
  so six attempts would only spend requests and backoff. They are ``ZendeskRejected``
  (a 4xx other than 429: the session raises it) and ``PaginationLoop`` (a listing that
  repeats a page or a cursor: the listings raise it). Only ``ZendeskUnavailable`` is
  retried.

``RequestPacer`` keeps a client-side budget such as the incremental export's 10 requests per
minute by sleeping exactly until the oldest request leaves the window: no busy-waiting, no
429 in the normal case.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from functools import partial

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from sync.errors import ZendeskRateLimited, ZendeskUnavailable
from sync.ports import ApiObserver

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]

_backoff = wait_exponential_jitter(multiplier=0.5, max=30.0, jitter=0.5)


def is_retryable(exc: BaseException, *, resend_lost: bool = False) -> bool:
    """What may go better by itself: an outage, a timeout, throttling; nothing else."""
    return isinstance(exc, ZendeskUnavailable) and (resend_lost or not exc.maybe_applied)


def wait_before_retry(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, ZendeskRateLimited):
        return exc.retry_after
    return _backoff(state)


def _before_retry(observer: ApiObserver | None, state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("attempt %d failed (%s); retrying in %.1fs", state.attempt_number, exc, wait,
                extra={"error": type(exc).__name__, "attempt": state.attempt_number,
                       "wait_s": round(wait, 3)})  # fmt: skip
    if observer is not None:
        reason = "rate_limited" if isinstance(exc, ZendeskRateLimited) else "unavailable"
        observer.api_retry(reason, wait)


def retrying(
    max_attempts: int,
    sleep: Sleep = time.sleep,
    *,
    resend_lost: bool = False,
    observer: ApiObserver | None = None,
) -> Retrying:
    """The policy for one request. ``sleep`` is injectable so tests never wait;
    ``resend_lost``: a write whose answer was lost may be sent again (it is idempotent);
    ``observer`` is told of every retry (the metrics)."""
    return Retrying(
        retry=retry_if_exception(partial(is_retryable, resend_lost=resend_lost)),
        wait=wait_before_retry,
        stop=stop_after_attempt(max_attempts),
        sleep=sleep,
        before_sleep=partial(_before_retry, observer),
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
            # A wait of a few milliseconds is pacing, not news: said only with -v.
            log.log(logging.INFO if waited >= 1 else logging.DEBUG,
                    "export budget of %d/min used; waiting %.1fs", self.per_minute, waited,
                    extra={"step": "pull", "wait_s": round(waited, 3)})  # fmt: skip
            self._sleep(waited)
            self._sent.popleft()
            now = self._monotonic()
        self._sent.append(now)
        self.waited += waited
        return waited
