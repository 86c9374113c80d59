"""Usage errors the parser cannot see (a name that only the configuration knows) and the
argument types that let argparse refuse bad values itself; both end with exit code 2."""

from __future__ import annotations

import argparse


class UsageError(Exception):
    """The command line asks for something that cannot be: exit code 2, like argparse's."""


def non_negative_int(text: str) -> int:
    """An ``int`` of 0 or more (``--limit 0`` means no limit)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def port_number(text: str) -> int:
    """A TCP port, 0 (any free port) to 65535."""
    value = _int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 0 to 65535, got {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
