"""The environment of a ``python -m sync ...`` process run by a test against an emulator:
none of the caller's own ``ZENDESK_*`` / ``ZDSYNC_*`` variables (a developer's shell must
not steer a test), the emulator's URL and token, the database and the config file."""

from __future__ import annotations

import os
from pathlib import Path

#: The worker's user in every bundled world.
WORKER_EMAIL = "zdsync@ispnext.example"


def worker_env(
    base_url: str, database_url: str, config: Path, *, token: str, log_level: str | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDSYNC_"))}
    env.update(
        ZENDESK_URL=base_url,
        ZENDESK_EMAIL=WORKER_EMAIL,
        ZENDESK_TOKEN=token,
        ZDSYNC_DATABASE_URL=database_url,
        ZDSYNC_CONFIG=str(config),
    )
    if log_level is not None:
        env["ZDSYNC_LOG_LEVEL"] = log_level
    return env
