"""Statistics and budget checks shared by the explicit searches (``explicit._Search``,
``stretch_graph._Explorer``): one definition of "how far are we" and "when to stop"."""

from __future__ import annotations

import time
from collections.abc import Callable, Sized

from ipsecmc.engines.result import Budget, Stats


class BudgetedSearch:
    """Mixin: the subclass sets these attributes in its ``__init__`` and stores nodes in
    ``keys``/``depth``; ``_over_budget`` is asked once per expanded node."""

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
            seconds=time.perf_counter() - self.started,
        )

    def _over_budget(self) -> str | None:
        """Why to stop (state or time budget), else None; reports progress every second."""
        if self._full():
            return f"state budget of {self.budget.max_states} stored states reached"
        now = time.perf_counter()
        if self.progress is not None and now - self.last_report >= 1.0:
            self.last_report = now
            self.progress(self._stats())
        timeout = self.budget.timeout_seconds
        if timeout is not None and now - self.started >= timeout:
            return f"time budget of {timeout:g} s reached"
        return None
