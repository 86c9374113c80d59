"""Fetching many things one request each, on a few threads, while the caller stores them
in order from its own thread (the store is not shared between threads)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def fetch_in_order(
    fetch: Callable[[int], T], ids: Sequence[int], *, workers: int
) -> Generator[tuple[int, Future[T]], None, None]:
    """``fetch`` each id on ``workers`` threads, yielding (id, finished future) in the order
    of ``ids`` so the caller saves from one thread. At most ``2 * workers`` fetches run
    ahead of the caller; closing the generator cancels the rest."""
    window = 2 * workers
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audits") as pool:
        queued: deque[tuple[int, Future[T]]] = deque()
        upcoming = iter(ids)
        try:
            for ticket_id in islice(upcoming, window):
                queued.append((ticket_id, pool.submit(fetch, ticket_id)))
            while queued:
                ticket_id, future = queued.popleft()
                future.exception()  # wait for it
                yield ticket_id, future
                for next_id in islice(upcoming, 1):
                    queued.append((next_id, pool.submit(fetch, next_id)))
        finally:
            for _, future in queued:
                future.cancel()
