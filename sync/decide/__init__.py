"""Decide: local model -> outbox. Step two of the cycle (pull -> decide -> push).

Builds a read-only view of every ticket that changed or came due (``views``), runs the
pure rules of ``rules/`` on it with an explicit ``now``, and queues each decision under its
deterministic key (``step``), so deciding twice queues once. ``explain`` lives here too:
the same evaluation for one ticket, with every rule's facts.
"""
