"""The note texts the worker writes by default, and the placeholders each may use.

Every note starts with ``[zdsync: <rule>]`` so an agent sees at a glance which rule acted,
and quotes the seed document it enforces. Notes name people by their Zendesk names and
updates by their time (in the configured time zone, labelled with it), never by ids. The
configuration may replace any text (``rules.<rule>.note``), and give a partner its own
(``rules.partner_notes``); ``rules.config`` checks their placeholders against these sets.
"""

from __future__ import annotations

HAND_BACK_PLACEHOLDERS = frozenset(
    {"partner", "group", "agent", "assigner", "since", "duration", "minutes", "limit"}
    | {"tracked", "reason"}
)
SUBMIT_AS_OPEN_PLACEHOLDERS = frozenset({"user", "partner", "old", "new", "exempt_tag"})
#: ``{audit}`` (the update's internal id) stays for older configurations: agents never see it.
TIME_NOTE_PLACEHOLDERS = frozenset(
    {"user", "partner", "time", "duration", "minutes", "seconds", "audit", "tag"}
)
TIME_NOTE_DONE_PLACEHOLDERS = frozenset({"user", "partner", "time", "entry_time", "tag"})
FOLLOW_UP_PLACEHOLDERS = frozenset(
    {"ticket", "subject", "kind", "label", "group", "marked_by", "new_group"}
    | {"requester", "organization", "customer"}
)
FOLLOW_UP_NOTE_PLACEHOLDERS = FOLLOW_UP_PLACEHOLDERS | {"new_ticket"}
#: The words put in a placeholder when there is nobody to name: templates too, so that a
#: partner's Dutch note does not read "Toegewezen aan the group ...".
NO_AGENT_PLACEHOLDERS = frozenset({"group"})
NO_PLACEHOLDERS: frozenset[str] = frozenset()

#: Every note template, by its section and key in ``rules:``, with the placeholders it may
#: use. ``rules.partner_notes`` may give any of them per partner (in its own language).
NOTE_TEMPLATES: dict[str, dict[str, frozenset[str]]] = {
    "hand_back": {"note": HAND_BACK_PLACEHOLDERS, "no_agent": NO_AGENT_PLACEHOLDERS},
    "submit_as_open": {"note": SUBMIT_AS_OPEN_PLACEHOLDERS},
    "time_entry_note": {
        "note": TIME_NOTE_PLACEHOLDERS,
        "tag_removed_note": TIME_NOTE_DONE_PLACEHOLDERS,
    },
    "follow_up": {
        "subject": FOLLOW_UP_PLACEHOLDERS,
        "body": FOLLOW_UP_PLACEHOLDERS,
        "note": FOLLOW_UP_NOTE_PLACEHOLDERS,
        "no_requester": NO_PLACEHOLDERS,
        "no_organization": NO_PLACEHOLDERS,
        "no_marker": NO_PLACEHOLDERS,
    },
}

SEED_SUBMIT_AS_OPEN = "only use 'Submit as Open' unless instructed otherwise"

DEFAULT_HAND_BACK_NOTE = (
    "[zdsync: hand back] {partner} had this ticket for {duration} (since {since}, "
    "assigned by {assigner}); {reason}. The partner agreement returns a ticket to ISPnext "
    'once resolving it takes more than {limit}: "ISPnext will then consult with the '
    'partner and customer to determine the next steps." Assigned to {agent}.'
)
#: ``{agent}`` when the ticket goes back to a group alone (no ISPnext agent to name).
DEFAULT_NO_AGENT = "the group {group}"
DEFAULT_SUBMIT_AS_OPEN_NOTE = (
    "[zdsync: Submit as Open] {user} ({partner}) changed the status from {old} to {new}; "
    "it is set back to Open. Partners " + SEED_SUBMIT_AS_OPEN + ". To allow a status "
    "change on this ticket, ISPnext adds the tag {exempt_tag}."
)
DEFAULT_TIME_NOTE = (
    "[zdsync: time entry] {user} ({partner}) recorded {duration} in the update of {time} "
    'without an internal note. "There is no option to submit notes related to the time '
    'registration, alle notes related to this should be entered in an internal note": '
    "please add an internal note that says what the time was spent on. The tag {tag} "
    "stays on the ticket until you do."
)
DEFAULT_TIME_NOTE_DONE = (
    "[zdsync: time entry] {user} ({partner}) added an internal note at {time}, after the "
    "time entry of {entry_time}: the reminder is answered and the tag {tag} is removed."
)
DEFAULT_FOLLOW_UP_SUBJECT = "{label} for #{ticket}: {subject}"
DEFAULT_FOLLOW_UP_BODY = (
    "[zdsync: follow-up] Ticket #{ticket} ({subject}) of {customer} was marked as {label} by "
    '{marked_by}. "If a support ticket results in Maintenance or a Change Request (CR), a '
    'new ticket must be created." This is that ticket for ISPnext; the original is #{ticket}.'
)
DEFAULT_FOLLOW_UP_NOTE = (
    "[zdsync: follow-up] Marked as {label}: ticket #{new_ticket} was created in {new_group} "
    "for {customer}."
)
#: ``{requester}``, ``{organization}`` and ``{marked_by}`` when there is none to name.
DEFAULT_NO_REQUESTER = "an unknown requester"
DEFAULT_NO_ORGANIZATION = "no organization"
DEFAULT_NO_MARKER = "unknown"
