"""The Zendesk adapter: zenpy over one requests session, errors translated, retries by policy."""

from adapters.zendesk.client import ZendeskClient

__all__ = ["ZendeskClient"]
