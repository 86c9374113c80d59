"""Building the real adapters from settings: the one place that does."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from adapters.store import SqlStore, open_store
from adapters.zendesk import ZendeskClient
from sync.config import Settings, load_settings


def settings_from(args: argparse.Namespace, *, need_zendesk: bool) -> Settings:
    path = Path(args.config) if getattr(args, "config", None) else None
    return load_settings(os.environ, config_path=path, need_zendesk=need_zendesk)


def store_for(settings: Settings) -> SqlStore:
    return open_store(settings.database_url)


def zendesk_for(settings: Settings) -> ZendeskClient:
    return ZendeskClient(settings.require_zendesk(), settings.sync)
