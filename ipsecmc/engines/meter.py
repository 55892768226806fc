"""Statistics and budget checks shared by the explicit searches (``explicit.search._Search``,
``explicit.stretch_graph._Explorer``): one definition of "how far are we" and "when to stop"."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sized
from contextlib import contextmanager

from ipsecmc.engines.result import Budget, Stats

#: The cyclic garbage collector's first threshold during a search (Python's default: 700).
_GC_THRESHOLD = 20_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often (and restore its thresholds after).

    A search allocates container objects (keys, zones, parents) that it keeps to the end,
    so each collection walks more survivors and none is freed: with the default
    thresholds about a sixth of a zone search's CPU time went to collections that freed
    almost nothing (``seed-intended`` IKEv2 on-demand, every default property: 1.0-1.7 s
    of 6.6 s, 1,565 collections freeing 646 objects). Collections still run, so cyclic
    garbage stays bounded; only their frequency changes, and with it nothing but time."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], _GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def clock() -> float:
    """Seconds on the clock every search's time budget reads (a test may replace it with
    a fake one: ``tests/test_budgets.py``)."""
    return time.perf_counter()


class BudgetedSearch:
    """Mixin: the subclass sets these attributes in its ``__init__`` and stores nodes in
    ``keys``/``depth``; ``_over_budget`` is asked every few expanded nodes (every node of
    the zone search, every 8 of the one-second search) and every few dozen steps of a
    deterministic chain: cheap enough (one reading of ``clock``) that a tiny ``--timeout``
    stops a search after a handful of nodes."""

    keys: Sized
    depth: list[int]
    visited: int
    transitions: int
    started: float
    last_report: float
    budget: Budget
    progress: Callable[[Stats], None] | None

    def _full(self) -> bool:
        """Whether the state budget is used up: asked at every stored node, so a search
        never stores more than ``max_states``."""
        return len(self.keys) >= self.budget.max_states

    def _stats(self) -> Stats:
        return Stats(
            states=self.visited,
            transitions=self.transitions,
            stored_nodes=len(self.keys),
            depth=max(self.depth, default=0),
            seconds=clock() - self.started,
        )

    def _over_budget(self) -> str | None:
        """Why to stop (state or time budget), else None; reports progress every second."""
        if self._full():
            return f"state budget of {self.budget.max_states} stored states reached"
        now = clock()
        if self.progress is not None and now - self.last_report >= 1.0:
            self.last_report = now
            self.progress(self._stats())
        timeout = self.budget.timeout_seconds
        if timeout is not None and now - self.started >= timeout:
            return f"time budget of {timeout:g} s reached"
        return self.budget.cpu_spent()
