"""What the webhook says, as payloads Slack and Microsoft Teams accept: pure functions of a
cycle's figures.

- a cycle in which rules acted: one message summarising what was applied, per rule;
- a cycle whose push failed: the failures (at most ``MAX_LINES``);
- cycles failing in a row: once when the streak reaches the threshold, once on recovery.
"""

from __future__ import annotations

from typing import Any

from sync.figures import CycleFigures

#: Lines of failures in one message; the rest is counted.
MAX_LINES = 10
#: Tickets named per rule in one message; the rest is counted.
MAX_TICKETS = 20


def actions_text(figures: CycleFigures, ticket_link: TicketLink) -> str | None:
    """The cycle's applied decisions, per rule; None when no rule acted."""
    by_rule = figures.applied_by_rule
    if not by_rule:
        return None
    lines = [f"zdsync applied {len(figures.applied)} decision(s):"]
    for rule, tickets in sorted(by_rule.items()):
        shown = ", ".join(ticket_link(t) for t in tickets[:MAX_TICKETS])
        more = f" and {len(tickets) - MAX_TICKETS} more" if len(tickets) > MAX_TICKETS else ""
        lines.append(f"• {rule}: {shown}{more}")
    return "\n".join(lines)


def push_failure_text(figures: CycleFigures) -> str | None:
    """The cycle's push failures; None when the push went well."""
    if not figures.push_errors:
        return None
    errors = figures.push_errors
    lines = [f"zdsync push failed ({len(errors)} problem(s)):"]
    lines += [f"• {error}" for error in errors[:MAX_LINES]]
    if len(errors) > MAX_LINES:
        lines.append(f"… and {len(errors) - MAX_LINES} more (zdsync status)")
    return "\n".join(lines)


def failing_text(failed_in_a_row: int, last_error: str | None) -> str:
    return (
        f"zdsync: {failed_in_a_row} cycles in a row have failed; the worker is not keeping "
        f"Zendesk in line with the agreement. Last error: {last_error or 'unknown'}"
    )


def recovered_text(failed_in_a_row: int) -> str:
    return f"zdsync: cycles succeed again (after {failed_in_a_row} failed in a row)."


class TicketLink:
    """A ticket's number, linked to its page in the agent interface, in the format's markup."""

    def __init__(self, zendesk_url: str | None, shape: str) -> None:
        self.base = zendesk_url.rstrip("/") if zendesk_url else None
        self.shape = shape

    def __call__(self, ticket_id: int) -> str:
        if self.base is None:
            return f"#{ticket_id}"
        url = f"{self.base}/agent/tickets/{ticket_id}"
        return f"[#{ticket_id}]({url})" if self.shape == "teams" else f"<{url}|#{ticket_id}>"


def payload(text: str, shape: str) -> dict[str, Any]:
    """The JSON body: Slack's (and Mattermost's) ``{"text"}``, or a Teams message card."""
    if shape == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": text.splitlines()[0],
            "text": text.replace("\n", "\n\n"),  # Teams cards need blank lines to break
        }
    return {"text": text}
