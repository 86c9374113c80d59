"""The partner agreement as pure rules: standard library only, no I/O, no clock.

- ``rules.model``: what the rules read (``TicketView``, ``Audit``, ``Directory``, ...) and
  ``event_from_zendesk`` / ``normalise_value`` to build it from Zendesk's JSON.
- ``rules.config``: ``RulesConfig`` and ``Account``; ``rules.rules_section``:
  ``parse_rules_config`` (the ``rules:`` section of zdsync.yaml).
- ``rules.engine``: ``decide``, ``explain`` and ``next_due``.
- ``rules.actions`` and ``rules.decision``: what comes out, JSON-able for the outbox.
- One module per rule of the agreement: ``hand_back``, ``submit_as_open``,
  ``time_entry_note`` (with ``reminder_answered``: its tag's removal), ``follow_up``.
- ``rules.notes``: the default note texts, every template's placeholders; a partner may
  have its own texts (``rules.partner_notes``, ``RulesConfig.template``).
"""
