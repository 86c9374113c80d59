"""The note texts the worker writes by default, and the placeholders each may use.

Every note starts with ``[zdsync: <rule>]`` so an agent sees at a glance which rule acted,
and quotes the seed document it enforces. The configuration may replace any text
(``rules.<rule>.note``); ``rules.config`` checks its placeholders against these sets.
"""

from __future__ import annotations

HAND_BACK_PLACEHOLDERS = frozenset(
    {"partner", "group", "agent", "assigner", "since", "duration", "minutes", "limit"}
    | {"tracked", "reason"}
)
SUBMIT_AS_OPEN_PLACEHOLDERS = frozenset({"user", "partner", "old", "new", "exempt_tag"})
TIME_NOTE_PLACEHOLDERS = frozenset({"user", "partner", "minutes", "seconds", "audit", "tag"})
FOLLOW_UP_PLACEHOLDERS = frozenset({"ticket", "subject", "kind", "label", "group", "marked_by"})
FOLLOW_UP_NOTE_PLACEHOLDERS = FOLLOW_UP_PLACEHOLDERS | {"new_ticket"}

SEED_SUBMIT_AS_OPEN = "only use 'Submit as Open' unless instructed otherwise"

DEFAULT_HAND_BACK_NOTE = (
    "[zdsync: hand back] {partner} had this ticket for {duration} (since {since}, "
    "assigned by {assigner}); {reason}. The partner agreement returns a ticket to ISPnext "
    'once resolving it takes more than {limit}: "ISPnext will then consult with the '
    'partner and customer to determine the next steps." Assigned to {agent}.'
)
DEFAULT_SUBMIT_AS_OPEN_NOTE = (
    "[zdsync: Submit as Open] {user} ({partner}) changed the status from {old} to {new}; "
    "it is set back to Open. Partners " + SEED_SUBMIT_AS_OPEN + ". To allow a status "
    "change on this ticket, ISPnext adds the tag {exempt_tag}."
)
DEFAULT_TIME_NOTE = (
    "[zdsync: time entry] {user} ({partner}) recorded {minutes} min in update {audit} "
    'without an internal note. "There is no option to submit notes related to the time '
    'registration, alle notes related to this should be entered in an internal note": '
    "please add an internal note that says what the time was spent on."
)
DEFAULT_FOLLOW_UP_SUBJECT = "{label} for #{ticket}: {subject}"
DEFAULT_FOLLOW_UP_BODY = (
    "[zdsync: follow-up] Ticket #{ticket} ({subject}) was marked as {label} by {marked_by}. "
    '"If a support ticket results in Maintenance or a Change Request (CR), a new ticket '
    'must be created." This is that ticket for ISPnext; the original is #{ticket}.'
)
DEFAULT_FOLLOW_UP_NOTE = (
    "[zdsync: follow-up] Marked as {label}: ticket #{new_ticket} was created for ISPnext."
)
