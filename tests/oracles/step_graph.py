"""The z3 engine's step relation, explicitly, in plain Python (no z3): a test oracle.

Why it exists: the z3 engine (``engines/smt/engine.py`` over ``encoding.transition``) does not
search the one-second model of ``Semantics`` but a *step relation* of its own: a step is
one urgent event, or, when nothing is due, a single tick or a maximal *delay* of
``jump_length`` seconds. Its counterexamples are shortest in those steps, a measure the
explicit engine (which minimises stored branch points) has no notion of. This module is
an independent explicit-state twin of that relation, built on ``ipsecmc.model`` only,
so that ``tests/test_differential.py`` can

* compare the z3 successor set of a state with :meth:`StepGraph.successors`, and
* compare the number of steps of the z3 counterexample with the shortest one found here
  by breadth-first search (:func:`shortest_counterexample`).

What is shared with the z3 side and what is not. The *decisions* of the relation are
transcribed: when a jump is possible (``Encoding.delay``: the phase does not end within
2 s, nothing is due before or after the first tick, no session is 1 s from expiry after
it; in a one-choice phase the jump then replaces the tick, in a phase with several
choices it is offered next to it, the ``leap`` bit) and how long it is
(:meth:`StepGraph.jump_length`, a twin of ``Encoding.jump_length``). The *effect* of a
delay is not: it is executed as that many real ticks of ``Semantics.successors`` with the
step's traffic (in a one-choice phase each the only successor of its state), and the
property and its monitor are evaluated after every one
of them (as the explicit engine does). So the twin checks the z3 side's ``shift``, its
guard and its shortcut for the monitor over a delay, instead of repeating them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ipsecmc.engines.result import Plan
from ipsecmc.engines.smt.encoding import jump_cap
from ipsecmc.errors import InternalError
from ipsecmc.model.params import DpdMode
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import NO_TIMER, UP, State
from ipsecmc.model.system import TransitionSystem

#: One step: its labels (a delay is its ticks) and the state after each label.
Step = tuple[tuple[Label, ...], tuple[State, ...]]


class StepGraph:
    """Successors of the z3 step relation of one system (``cap`` as in ``transition``)."""

    def __init__(self, system: TransitionSystem, cap: int) -> None:
        self.system = system
        self.sem = system.semantics
        self.ends = system.params.ends
        self.phases = system.params.traffic.phases
        self.cap = cap

    # ------------------------------------------------------------------ the decisions
    def _no_due(self, s: State) -> bool:
        return self.sem.due(s, 0) is None and self.sem.due(s, 1) is None

    def jump_length(self, s: State, s1: State, ab: bool, ba: bool) -> int:
        """Twin of ``Encoding.jump_length``: the first second from ``s`` where a threshold
        can be crossed (``s1`` is the state after the first tick), else ``cap``."""
        flows = (ab, ba)
        candidates: list[int] = []
        if s.phase_left != NO_TIMER:
            candidates.append(s.phase_left - 1)
        for i in (0, 1):
            e, p = s1.end(i), self.ends[i]
            if e.sess > 0:
                candidates.append(e.sess)
            candidates += [t + 1 for t in (e.p1_life, e.p2_life, e.req_timer, e.dpd_timer) if t > 0]
            if p.dpd is not DpdMode.DISABLE:
                receives = flows[1 - i] and s1.end(1 - i).p2 == UP and e.p2 == UP
                if (
                    e.quiet != NO_TIMER
                    and e.p1 == UP
                    and not receives
                    and e.quiet < p.dpd_retryinterval
                ):
                    candidates.append(p.dpd_retryinterval - e.quiet + 1)
        return min(candidates) if candidates else self.cap

    def _guard(self, s: State, s1: State, d: int, before_last: State) -> bool:
        """``Encoding.guard`` for a delay of ``d`` from ``s`` (the traffic choice is one
        the phase allows: the caller took it from ``Semantics.successors``)."""
        return (
            d >= 2
            and (s.phase_left == NO_TIMER or s.phase_left > d)
            and self._no_due(s)
            and self._no_due(before_last)
            and all(s1.end(i).sess <= 0 or s1.end(i).sess > d - 1 for i in (0, 1))
        )

    def jump_possible(self, s: State, s1: State) -> bool:
        """``Encoding.delay``'s first answer: a delay of 2 s from ``s`` would be allowed
        (``s1`` is the state after the first tick)."""
        return self._guard(s, s1, 2, s1)

    # ------------------------------------------------------------------ steps
    def steps(self, s: State) -> list[Step]:
        """Every step from ``s`` with the states along it (see ``successors``)."""
        nxt = self.sem.successors(s)
        if not self._no_due(s):
            return [((label,), (s2,)) for label, s2 in nxt]
        if len(nxt) == 1:  # one traffic choice, no fault: the jump, where possible, is forced
            ((label, s1),) = nxt
            if not self.jump_possible(s, s1):
                return [((label,), (s1,))]
            jump = self._jump(s, label, s1)
            return [] if jump is None else [jump]  # None: a deadlock, as in the z3 relation
        out: list[Step] = []
        for label, s1 in nxt:  # free traffic: each choice's tick, and its jump (``leap``)
            out.append(((label,), (s1,)))
            faulted = label.arg >> 2 != 0  # a second a fault starts is no part of a delay
            if not faulted and self.jump_possible(s, s1):
                jump = self._jump(s, label, s1)
                if jump is not None:
                    out.append(jump)
        return out

    def _jump(self, s: State, label: Label, s1: State) -> Step | None:
        """The maximal delay from ``s`` holding the traffic of tick ``label`` (``s1`` is
        the state after it), executed tick by tick; None where its guard fails."""
        d = self.jump_length(s, s1, bool(label.arg & 1), bool(label.arg & 2))
        along = [s1]
        while len(along) < d:
            cur = along[-1]
            after = dict(self.sem.successors(cur))
            if not self._no_due(cur) or label not in after:
                raise InternalError(
                    f"delay of {d} s from {s}: second {len(along) + 1} cannot tick "
                    f"{label} (from {cur})"
                )
            along.append(after[label])
        if not self._guard(s, s1, d, along[-2] if d >= 2 else s1):
            return None
        return ((label,) * d, tuple(along))

    def successors(self, s: State) -> list[tuple[tuple[Label, ...], State]]:
        """Steps from ``s``: each urgent event outcome when something is due (both ends'
        when both are: the z3 ``order`` bit), else per traffic choice a maximal delay
        (its ticks, as the z3 decoder labels them) when a jump is possible, or one tick."""
        return [(labels, states[-1]) for labels, states in self.steps(s)]


def steps_spelling(graph: StepGraph, labels: tuple[Label, ...]) -> int:
    """The fewest steps of the step relation that spell ``labels`` from the initial state
    (the last step may be cut short); under free traffic a run of ticks is spelled by
    ticks or by a jump. Breadth-first over (state, labels consumed)."""
    layer: set[tuple[State, int]] = {(graph.system.initial(), 0)}
    seen = set(layer)
    steps = 0
    while layer:
        if any(at >= len(labels) for _, at in layer):
            return steps
        nxt: set[tuple[State, int]] = set()
        for state, at in layer:
            rest = labels[at:]
            for step_labels, end in graph.successors(state):
                n = len(step_labels)
                if rest[:n] == step_labels or (len(rest) < n and step_labels[: len(rest)] == rest):
                    nxt.add((end, at + n))
        layer, steps = nxt - seen, steps + 1
        seen |= layer
    raise AssertionError(f"labels {labels[:3]}... are no path of steps")


# ---------------------------------------------------------------------- shortest paths
@dataclass(frozen=True, slots=True)
class Shortest:
    """A shortest counterexample in steps: its step count, labels (cut at the first
    violating second, as ``smt._Search._replay_and_cut``) and states explored."""

    steps: int
    labels: tuple[Label, ...]
    explored: int


class StateBudgetExceeded(Exception):
    """The search stored more (state, monitor) pairs than its budget allows."""


def shortest_counterexample(
    system: TransitionSystem, plan: Plan, max_states: int = 200_000
) -> Shortest | None:
    """Breadth-first search of the step relation times the plan's monitor.

    ``invariant``: a state violating the predicate; ``bounded``: the monitor (seconds the
    predicate has held without a break, capped at T+1, advanced tick by tick as in
    ``engines.monitor.Monitor``) above T. Returns None when no counterexample is
    reachable (exhaustive), raises ``StateBudgetExceeded`` past ``max_states``.
    """
    if plan.kind not in ("invariant", "bounded"):
        raise ValueError(f"{plan.kind}: only invariant and bounded plans")
    graph = StepGraph(system, jump_cap(system.params, plan))
    bounded = plan.kind == "bounded"
    limit = plan.bound if plan.bound is not None else 0
    memo: dict[State, bool] = {}

    def pred(s: State) -> bool:
        if s not in memo:
            memo[s] = plan.predicate(s)
        return memo[s]

    def hit(s: State, c: int) -> bool:
        return c > limit if bounded else not pred(s)

    key = (system.initial(), 0)
    if hit(*key):
        return Shortest(0, (), 1)
    parent: dict[tuple[State, int], tuple[tuple[State, int], tuple[Label, ...]] | None] = {
        key: None
    }
    queue: deque[tuple[tuple[State, int], int]] = deque([(key, 0)])
    while queue:
        (s, c0), depth = queue.popleft()
        for labels, states in graph.steps(s):
            cur, c = s, c0
            for n, (label, s2) in enumerate(zip(labels, states, strict=True)):
                if bounded:
                    if label.kind == "tick":
                        c = min(c + 1, limit + 1) if pred(cur) else 0
                    c = c if pred(s2) else 0
                cur = s2
                if hit(cur, c):
                    return Shortest(
                        depth + 1,
                        _path(parent, (s, c0)) + labels[: n + 1],
                        len(parent),
                    )
            nxt = (cur, c)
            if nxt not in parent:
                if len(parent) >= max_states:
                    raise StateBudgetExceeded(f"more than {max_states} (state, monitor) pairs")
                parent[nxt] = ((s, c0), labels)
                queue.append((nxt, depth + 1))
    return None


def _path(
    parent: dict[tuple[State, int], tuple[tuple[State, int], tuple[Label, ...]] | None],
    key: tuple[State, int],
) -> tuple[Label, ...]:
    """Labels from the initial key to ``key``."""
    chunks: list[tuple[Label, ...]] = []
    link = parent[key]
    while link is not None:
        key, labels = link
        chunks.append(labels)
        link = parent[key]
    return tuple(label for chunk in reversed(chunks) for label in chunk)


__all__ = [
    "Shortest",
    "StateBudgetExceeded",
    "StepGraph",
    "jump_cap",
    "shortest_counterexample",
    "steps_spelling",
]
