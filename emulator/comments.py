"""Comments: reading the ``comment`` of a ticket payload and the Comment event it records.

A Comment event carries ``id, type, author_id, body, html_body, plain_body, public,
attachments, audit_id`` [rec, reference notes section 3]. ``public: false`` is an
internal note; light agents can only write internal notes, so their comments are made
private whatever they ask for. ``public`` defaults to true [spec TicketCommentObject].
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from emulator import errors
from emulator.directory import Directory
from emulator.specs import UserSpec

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Comment:
    author_id: int
    body: str
    public: bool
    #: The markup given in the payload; None when the comment was plain text.
    markup: str | None = None

    @property
    def html_body(self) -> str:
        if self.markup is not None:
            return f'<div class="zd-comment" dir="auto">{self.markup}</div>'
        lines = (f"<p>{html.escape(line)}</p>" for line in self.body.split("\n") if line)
        return f'<div class="zd-comment" dir="auto">{"".join(lines)}</div>'

    def event(self, event_id: int, audit_id: int) -> dict[str, Any]:
        return {
            "id": event_id,
            "type": "Comment",
            "author_id": self.author_id,
            "body": self.body,
            "html_body": self.html_body,
            "plain_body": self.body,
            "public": self.public,
            "attachments": [],
            "audit_id": audit_id,
        }


def read_comment(directory: Directory, given: Any, actor: UserSpec) -> Comment | None:
    """The comment of a payload, or None when there is none (or it is empty)."""
    if given is None:
        return None
    if isinstance(given, str):
        given = {"body": given}
    if not isinstance(given, dict):
        raise errors.record_invalid("comment", "Comment: expected an object with a body")
    markup = str(given["html_body"]) if given.get("html_body") else None
    body = _plain(markup) if markup is not None else str(given.get("body") or "")
    if not body.strip():
        return None
    author = actor
    if given.get("author_id") is not None:
        found = directory.users.get(_author_id(given["author_id"]))
        if found is None:
            raise errors.record_invalid("comment", "Comment: author is invalid")
        author = found
    public = given.get("public", True) is not False and not author.is_light_agent
    return Comment(author_id=author.id, body=body, public=public, markup=markup)


def _plain(markup: str) -> str:
    """The text of an html_body, as Zendesk derives ``body`` from it."""
    text = markup.replace("<br>", "\n").replace("</p>", "\n")
    return html.unescape(_TAG.sub("", text)).strip()


def _author_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise errors.record_invalid("comment", f"Comment: author {value!r} is not an id") from exc
