"""The LockStore contract: named locks that one process holds at a time, never waited for,
and who holds one. Runs over SqlStore on SQLite and PostgreSQL and over FakeStore (fixture
``backend``); a second lease of the same store stands for a second process (on SQLite a
second open file, on PostgreSQL a second session). Between real processes:
``test_locks.py``."""

from __future__ import annotations

from typing import cast

from sync.ports import LockStore
from tests.store.conftest import Backend


def locks_of(backend: Backend) -> LockStore:
    return cast(LockStore, backend.store)


def test_a_held_lock_is_refused_to_anyone_else_and_names_its_holder(backend: Backend) -> None:
    store = locks_of(backend)
    assert store.lock_holder("worker") is None
    first = store.try_lock("worker", holder="zdsync once (pid 1 on a)")
    assert first is not None and first.held()
    assert store.try_lock("worker", holder="zdsync run (pid 2 on b)") is None
    assert store.lock_holder("worker") == "zdsync once (pid 1 on a)"
    first.release()


def test_a_released_lock_can_be_taken_again(backend: Backend) -> None:
    store = locks_of(backend)
    first = store.try_lock("worker", holder="first")
    assert first is not None
    first.release()
    assert not first.held()
    assert store.lock_holder("worker") is None
    second = store.try_lock("worker", holder="second")
    assert second is not None
    assert store.lock_holder("worker") == "second"
    second.release()
    second.release()  # twice does nothing
    assert store.lock_holder("worker") is None


def test_locks_of_different_names_are_independent(backend: Backend) -> None:
    store = locks_of(backend)
    worker = store.try_lock("worker", holder="w")
    other = store.try_lock("something-else", holder="s")
    assert worker is not None and other is not None
    assert store.lock_holder("something-else") == "s"
    other.release()
    assert store.lock_holder("worker") == "w"
    worker.release()
