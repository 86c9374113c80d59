"""Where the database's own exceptions become ``sync.errors.StoreError``.

Only failures of the database itself (unreachable, gone away, locked) are translated;
integrity errors and the like are bugs of the caller and keep their type.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from sync.errors import StoreError


def masked(url: str | URL) -> str:
    """``url`` fit for messages and logs: the password replaced by ``***``."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unparseable database URL>"
    return parsed.render_as_string(hide_password=True)


def cause_of(exc: BaseException, url: str | URL) -> str:
    """The driver's one-line reason for ``exc``, without SQLAlchemy's SQL and links."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    reason = text[0] if text else type(exc).__name__
    password = _password(url)
    return reason.replace(password, "***") if password else reason


@contextmanager
def translated(url: str | URL, doing: str) -> Iterator[None]:
    """Raise ``StoreError`` naming the database and what we were ``doing`` when the
    database fails underneath us."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise StoreError(f"database {masked(url)}: {doing} failed: {cause_of(exc, url)}") from exc


def _password(url: str | URL) -> str | None:
    try:
        return make_url(url).password
    except ArgumentError:
        return None
