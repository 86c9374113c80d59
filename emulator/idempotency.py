"""Idempotency keys of ``POST /api/v2/tickets.json``.

Zendesk's ticket-create endpoint honours an ``Idempotency-Key`` header: the first
request answers normally with ``x-idempotency-lookup: miss``; a repeat with the same key
and the same body gets the stored answer again with ``x-idempotency-lookup: hit`` and
creates nothing; the same key with a different body is refused (400
``IdempotentRequestError``). Keys expire after two hours (of emulator clock time).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from emulator import errors

KEY_LIFETIME_SECONDS = 2 * 3600


@dataclass(frozen=True, slots=True)
class Stored:
    fingerprint: str
    status: int
    body: bytes
    at: int


class IdempotencyBook:
    """Answers stored by key. Callers hold the world lock around lookup + store, so two
    concurrent requests with one key still create one ticket."""

    def __init__(self) -> None:
        self._answers: dict[str, Stored] = {}

    @staticmethod
    def fingerprint(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()

    def lookup(self, key: str, fingerprint: str, now: int) -> Stored | None:
        stored = self._answers.get(key)
        if stored is None or now - stored.at >= KEY_LIFETIME_SECONDS:
            return None
        if stored.fingerprint != fingerprint:
            raise errors.bad_request(
                "IdempotentRequestError",
                "Idempotency key was used with a different request payload",
            )
        return stored

    def store(self, key: str, stored: Stored) -> None:
        self._answers[key] = stored
