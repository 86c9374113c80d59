"""A fixed share of the emulator's records leave out their unset keys (emulator/sparse.py),
as real answers may: the others carry every key, and a sparse record means the same."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from emulator.sparse import LEFT_OUT, is_sparse, sparse
from sync.cli.demo import DEMO_SCENARIO
from tests.emulator.conftest import Api

#: (kind, listing, key of the list) of every kind that has sparse records.
LISTINGS = [
    ("ticket", "/api/v2/tickets/show_many.json?ids=1,2,3,4,5,6,7,8,9,10", "tickets"),
    ("user", "/api/v2/users.json", "users"),
    ("group", "/api/v2/groups.json", "groups"),
    ("membership", "/api/v2/group_memberships.json", "group_memberships"),
    ("organization", "/api/v2/organizations.json", "organizations"),
    ("ticket_field", "/api/v2/ticket_fields.json", "ticket_fields"),
    ("custom_status", "/api/v2/custom_statuses.json", "custom_statuses"),
]


def unset_keys(kind: str, document: dict[str, Any]) -> set[str]:
    """The keys a sparse record would leave out that this one carries."""
    return {
        key
        for key, unset in LEFT_OUT[kind].items()
        if key in document and document[key] == unset and type(document[key]) is type(unset)
    }


@pytest.mark.parametrize(("kind", "path", "key"), LISTINGS, ids=[k for k, _, _ in LISTINGS])
def test_sparse_records_leave_out_their_unset_keys_and_only_those(
    api: Api, kind: str, path: str, key: str
) -> None:
    documents = api.get(path).json()[key]
    sparse = [d for d in documents if is_sparse(kind, d["id"])]
    full = [d for d in documents if not is_sparse(kind, d["id"])]
    assert full
    assert [unset_keys(kind, d) for d in sparse] == [set()] * len(sparse)


def test_sparse_leaves_out_unset_keys_and_keeps_the_rest() -> None:
    full = {"id": 4, "group_id": None, "assignee_id": 7, "organization_id": None,
            "due_at": None, "status": "open", "subject": None}  # fmt: skip
    sparse_id = next(i for i in range(100) if is_sparse("ticket", i))
    full_id = next(i for i in range(100) if not is_sparse("ticket", i))
    assert sparse("ticket", {**full, "id": sparse_id}) == {
        "id": sparse_id, "assignee_id": 7, "status": "open", "subject": None}  # fmt: skip
    assert sparse("ticket", {**full, "id": full_id}) == {**full, "id": full_id}
    # Left out only at the value that means the same: an end user's role, not an agent's.
    sparse_user = next(i for i in range(100) if is_sparse("user", i))
    assert "role" not in sparse("user", {"id": sparse_user, "role": "end-user"})
    assert sparse("user", {"id": sparse_user, "role": "agent"})["role"] == "agent"
    sparse_group = next(i for i in range(100) if is_sparse("group", i))
    assert sparse("group", {"id": sparse_group, "deleted": False}) == {"id": sparse_group}
    assert sparse("group", {"id": sparse_group, "deleted": 0})["deleted"] == 0  # not False


@pytest.mark.parametrize("kind", ["ticket", "user"])
def test_the_demo_world_has_sparse_and_full_records(kind: str) -> None:
    """So the suites that run on it (tests/e2e) meet both shapes."""
    scenario = yaml.safe_load(DEMO_SCENARIO.read_text())
    ids = [entry["id"] for entry in scenario[f"{kind}s"]]
    sparse_ids = [i for i in ids if is_sparse(kind, i)]
    assert 0 < len(sparse_ids) < len(ids)
