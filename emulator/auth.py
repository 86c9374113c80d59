"""Authentication as Zendesk does it [reference notes section 12]:
``Authorization: Basic base64("{email}/token:{api_token}")`` for API tokens, or
``Authorization: Bearer <oauth access token>``. Password basic auth, a missing header or
unknown credentials answer 401 ``{"error": "Couldn't authenticate you"}``; suspended or
inactive users cannot authenticate either. A token can be revoked and restored while the
emulator runs (an admin deleting it in Zendesk's admin center, then a new one): a revoked
token authenticates nobody."""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
from collections.abc import Iterable

from emulator import errors
from emulator.directory import Directory
from emulator.errors import EmulatorError
from emulator.specs import Credential, UserSpec


class Authenticator:
    def __init__(self, credentials: Iterable[Credential], directory: Directory) -> None:
        self._directory = directory
        self._tokens = [(c.email or "", c.token, c.user) for c in credentials if c.token]
        self._oauth = [(c.oauth_token, c.user) for c in credentials if c.oauth_token]
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def revoke(self, token: str) -> None:
        """From now on, ``token`` (an API or OAuth token) authenticates nobody."""
        if token not in self.known_tokens:
            raise EmulatorError(f"no credential has the token {token!r}")
        with self._lock:
            self._revoked.add(token)

    def restore(self, token: str) -> None:
        with self._lock:
            self._revoked.discard(token)

    @property
    def known_tokens(self) -> set[str]:
        return {t for _, t, _ in self._tokens if t} | {t for t, _ in self._oauth if t}

    @property
    def revoked(self) -> list[str]:
        with self._lock:
            return sorted(self._revoked)

    def _valid(self, token: str | None) -> str | None:
        with self._lock:
            return None if token in self._revoked else token

    def user(self, authorization: str | None) -> UserSpec:
        """The user the header authenticates; ApiError 401 otherwise."""
        scheme, _, value = (authorization or "").strip().partition(" ")
        user_id = None
        if scheme.lower() == "basic":
            user_id = self._basic(value.strip())
        elif scheme.lower() == "bearer":
            user_id = next(
                (uid for token, uid in self._oauth if _same(self._valid(token), value.strip())),
                None,
            )
        user = self._directory.users.get(user_id) if user_id is not None else None
        if user is None or not user.active or user.suspended:
            raise errors.unauthorized()
        return user

    def _basic(self, value: str) -> int | None:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        login, _, secret = decoded.partition(":")
        email, marker, _ = login.partition("/token")
        if not marker:
            return None  # password authentication is not accepted
        for known_email, token, user_id in self._tokens:
            if email.lower() == known_email.lower() and _same(self._valid(token), secret):
                return user_id
        return None


def _same(expected: str | None, given: str) -> bool:
    return expected is not None and hmac.compare_digest(expected.encode(), given.encode())
