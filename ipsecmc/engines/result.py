"""Results every engine returns: verdict, statistics and, for violations, the path."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ipsecmc.model.semantics import Label
from ipsecmc.model.state import State


class Verdict(StrEnum):
    """``HOLDS`` is a proof; ``HOLDS_UP_TO`` is bounded; ``INCONCLUSIVE`` hit a budget."""

    HOLDS = "HOLDS"
    VIOLATED = "VIOLATED"
    HOLDS_UP_TO = "HOLDS_UP_TO"
    INCONCLUSIVE = "INCONCLUSIVE"


@dataclass(frozen=True, slots=True)
class Plan:
    """A property prepared for an engine: its kind, the state predicate and the bound."""

    name: str
    kind: str  # invariant | bounded | reachable | recoverable | temporal
    predicate: Callable[[State], bool]
    bound: int | None = None
    #: Names of the atoms the predicate reads (``up``, ``blackhole``, ...); ``None`` when
    #: unknown. The explicit engine drops state fields no read atom depends on (see
    #: ``fast_successors``) only when this is given.
    reads: frozenset[str] | None = None
    #: ``temporal`` plans: the obligation the monitor tracks (``predicate`` is its goal)
    obligation: Obligation | None = None


@dataclass(frozen=True, slots=True)
class Obligation:
    """What the monitor of a ``temporal`` plan tracks (``properties.syntax.Temporal``):
    an obligation to reach ``goal`` (the plan's predicate), opened in the initial state
    (``trigger`` None: ``until``, ``within``) or in every state where ``trigger`` holds
    (``leads-to``), while ``hold`` must hold in every state it stays open (``until``).
    The plan's ``bound``, if any, is how many seconds it may stay open."""

    trigger: Callable[[State], bool] | None = None
    hold: Callable[[State], bool] | None = None


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of one search; hitting one gives INCONCLUSIVE, never a crash.

    ``timeout_seconds`` is wall-clock time; ``cpu_seconds`` is CPU time of the process
    running the search, so the same budget goes as far on a loaded machine as on an
    idle one (a test or a CI job that must not flake uses it). ``solver_rlimit`` bounds
    each z3 query in z3's own deterministic resource units (the same answer on every
    machine); the other engines ignore it. ``cpu_deadline`` is set by :meth:`begun` when
    a check starts, so that every search of that check shares one CPU budget."""

    max_states: int = 2_000_000
    timeout_seconds: float | None = None
    cpu_seconds: float | None = None
    solver_rlimit: int | None = None
    cpu_deadline: float | None = field(default=None, compare=False)

    def begun(self) -> Budget:
        """This budget with its CPU time counted from now (unchanged if already begun)."""
        if self.cpu_seconds is None or self.cpu_deadline is not None:
            return self
        return replace(self, cpu_deadline=time.process_time() + self.cpu_seconds)

    def cpu_spent(self) -> str | None:
        """Why to stop when the CPU budget is used up, else None."""
        if self.cpu_deadline is not None and time.process_time() >= self.cpu_deadline:
            return f"CPU budget of {self.cpu_seconds:g} s reached"
        return None


@dataclass(frozen=True, slots=True)
class Stats:
    states: int = 0
    transitions: int = 0
    stored_nodes: int = 0
    depth: int = 0
    seconds: float = 0.0
    simulated_seconds: int = 0  # model time covered by the longest explored path
    #: What is being searched ("tunnel: property"), for progress lines; not in reports.
    task: str = ""

    def as_dict(self) -> dict[str, float | int]:
        return {
            "states": self.states,
            "transitions": self.transitions,
            "stored_nodes": self.stored_nodes,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class Path:
    """Labels from the initial state; ``loop_start`` indexes the first label of the
    repeating part of a lasso (``None`` for a finite counterexample)."""

    labels: tuple[Label, ...]
    loop_start: int | None = None


@dataclass(frozen=True, slots=True)
class EngineResult:
    verdict: Verdict
    stats: Stats
    path: Path | None = None  # counterexample (VIOLATED) or witness (reachable HOLDS)
    bound: int | None = None  # T for bounded properties; k for HOLDS_UP_TO
    reason: str = ""
    facts: dict[str, object] = field(default_factory=dict)
    #: For a bounded property that holds: the most seconds its formula held without a
    #: break in any reachable state the search saw (its monitor's maximum), and whether
    #: that is exact (every reachable state, no more) or only an upper bound (hulls).
    monitor_max: int | None = None
    monitor_exact: bool = False
