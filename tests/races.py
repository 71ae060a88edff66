"""Run writers at the same moment, each on its own database connection, for race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

TIMEOUT = 20


def at_once(calls: list[Callable[[], Any]], *, start_together: bool = False) -> list[Any]:
    """Each call in a thread of its own; what each returned, or the exception it raised, in
    order. ``start_together``: they wait for each other before starting."""
    outcomes: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls), timeout=TIMEOUT) if start_together else None

    def run(index: int) -> None:
        try:
            if start is not None:
                start.wait()
            outcomes[index] = calls[index]()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
        assert not thread.is_alive(), "a writer hung"
    return outcomes
