"""Building the real adapters from settings: the one place that does."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from adapters.notify import WebhookNotifier
from adapters.store import SqlStore, open_store, url_problems
from adapters.zendesk import ZendeskClient
from sync.clock import SystemClock
from sync.config import Settings, load_settings
from sync.ports import ApiObserver, Clock, LockStore
from sync.stopping import Stopping
from sync.worker_lock import worker_lock

log = logging.getLogger("zdsync")


def settings_from(args: argparse.Namespace, *, need_zendesk: bool) -> Settings:
    path = Path(args.config) if getattr(args, "config", None) else None
    return load_settings(
        os.environ, config_path=path, need_zendesk=need_zendesk, database_problems=url_problems
    )


def dry_run(args: argparse.Namespace, settings: Settings) -> bool:
    """``--dry-run``, or ``ZDSYNC_DRY_RUN`` making every run one (said once, on stderr)."""
    if settings.dry_run:
        log.warning("ZDSYNC_DRY_RUN is set: a dry run, nothing is written to Zendesk or the outbox")
    return bool(getattr(args, "dry_run", False)) or settings.dry_run


def store_for(settings: Settings, clock: Clock | None = None) -> SqlStore:
    """The store; ``clock`` stamps what it writes (the command's clock, ``--now``)."""
    return open_store(settings.database_url, clock=clock)


def zendesk_for(
    settings: Settings,
    *,
    observer: ApiObserver | None = None,
    stopping: Stopping | None = None,
) -> ZendeskClient:
    """The client; its waits (retries, pacing) end early when ``stopping`` is asked to."""
    if stopping is None:
        return ZendeskClient(settings.require_zendesk(), settings.sync, observer=observer)
    return ZendeskClient(
        settings.require_zendesk(), settings.sync, observer=observer, sleep=stopping.sleep
    )


@contextmanager
def exclusive(store: LockStore, command: str, *, writes: bool = True) -> Iterator[None]:
    """The worker lock around a command's work (``sync.worker_lock``); a dry run that
    writes nothing anywhere needs none. Raises ``LockHeld`` (exit 3) when it is taken."""
    with worker_lock(store, command, SystemClock()) if writes else nullcontext():
        yield


def notifier_for(settings: Settings) -> WebhookNotifier | None:
    """The webhook notifier, when ``ZDSYNC_WEBHOOK_URL`` is set."""
    if settings.webhook is None:
        return None
    return WebhookNotifier(
        settings.webhook.url,
        shape=settings.webhook.format,
        zendesk_url=settings.zendesk.url if settings.zendesk else None,
        after_failures=settings.sync.notify_after_failed_cycles,
    )
