"""Notifications: a chat webhook told when rules act, when a push fails and when cycles
keep failing (``WebhookNotifier``, a ``sync.ports.CycleObserver``)."""

from adapters.notify.webhook import WebhookNotifier

__all__ = ["WebhookNotifier"]
