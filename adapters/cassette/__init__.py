"""Cassettes: a Zendesk session recorded with vcrpy, scrubbed, and replayed offline
(``zdsync record`` and ``zdsync replay``; README "Replaying recorded fixtures").

- ``scrub``: pure functions that take the account and personal data out of an exchange;
- ``yaml_format``: the cassette file, readable and diffable;
- ``tape``: ``recording`` and ``replaying`` a requests session.

Nothing is imported here: vcrpy pulls in httpx and rich (a few tenths of a second), which
only the two commands that use cassettes should pay for.
"""
