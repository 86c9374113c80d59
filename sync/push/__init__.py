"""Push: outbox -> Zendesk. Step three of the cycle (pull -> decide -> push).

For every ticket with queued decisions: re-check them against the mirror and the rules
(``recheck``), create the follow-up tickets exactly once (``follow_ups``), merge the rest
into one change (``merge``), send it as one conflict-safe update (``sending``) and record
every entry's outcome (``outcomes``). ``step`` runs the rounds (a 409 or a lost answer
re-pulls the ticket and decides again).
"""
