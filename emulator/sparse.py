"""Some documents leave out keys the spec does not require, as real Zendesk answers may.

The official spec marks almost no key of a ticket, user, group, membership, organization,
ticket field or custom status required, and real answers do not always carry them all
(users/show_many's own example lists users with just ``id`` and ``name``). A client built
against an emulator that always sends every key would come to need them: so a fixed third
of the records of each kind (chosen by a hash of kind and id, the same in every run) leave
out their unset keys: a null value, or the value Zendesk means when the key is absent
(``role`` end-user, ``default``/``deleted`` false). What such a record means is unchanged.
Keys the conformance suite holds every recorded answer to carry stay (tickets' ``id``,
``status``, ``subject``, ``tags``, ``custom_fields``, ... and ``custom_status_id``, which
every recorded ticket has).
"""

from __future__ import annotations

import zlib
from typing import Any

#: Per kind: the keys a sparse record leaves out, and the values it leaves them out at
#: (None: when null).
_ABSENT = object()
LEFT_OUT: dict[str, dict[str, Any]] = {
    "ticket": {"assignee_id": None, "group_id": None, "organization_id": None, "due_at": None},
    "user": {
        "role": "end-user", "role_type": None, "custom_role_id": None, "default_group_id": None,
        "organization_id": None, "phone": None, "photo": None, "shared_phone_number": None,
        "external_id": None, "last_login_at": None, "two_factor_auth_enabled": None,
        "ticket_restriction": None,
    },
    "group": {"default": False, "deleted": False},
    "membership": {"default": False},
    "organization": {"external_id": None, "group_id": None},
    "ticket_field": {
        "regexp_for_validation": None, "tag": None, "agent_description": None,
        "creator_app_name": None,
    },
    "custom_status": {"default": False},
}  # fmt: skip
#: One record in this many of each kind is sparse.
EVERY = 3


def is_sparse(kind: str, record_id: int) -> bool:
    return zlib.crc32(f"{kind}:{record_id}".encode()) % EVERY == 0


def sparse(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (changed in place and returned) without its unset keys, if its record
    is one of the sparse ones."""
    if not is_sparse(kind, document["id"]):
        return document
    for key, unset in LEFT_OUT[kind].items():
        value = document.get(key, _ABSENT)
        if value is not _ABSENT and value == unset and type(value) is type(unset):
            del document[key]
    return document
