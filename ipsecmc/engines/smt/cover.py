"""The reachable set of a system with real timers, as a few hundred *families* of states,
for the z3 engine to check as an inductive invariant (``houdini``).

Why: with real timers (180 s sessions, 43,200 s keylives) the one-second model reaches
hundreds of thousands of states, which no breadth-first sample (``samples``) can list, so
Houdini had only per-location bounds to guess from, and the seeds' proofs were left to
Spacer (10-60 s, erratic). But those states are few *shapes*: a deterministic stretch of
seconds in which nothing happens is one state moved along by time, and a DPD cycle that
repeats until a keylife ends is one round moved along by its wear. This module walks the
model as the explicit engine does (chains of one-successor steps, their steady seconds
jumped, the repeated rounds of a wearing cycle jumped: ``engines.explicit.cycles``) and
records, instead of each state, the family that stands for the states it jumped:

* a point: one state (and its monitor value);
* a delay: the states ``1 .. d - 1`` seconds into a steady stretch of ``d`` seconds
  (``Semantics.max_delay``), as the state one second in plus ``k`` times the change of
  one more second;
* any of those plus a round generator: the same, ``r`` rounds of a wearing cycle later
  (the ``only_at_ceiling`` clocks worn down by ``r`` periods), ``r`` up to the rounds the
  walk jumped.

Nothing here is trusted. ``houdini`` turns the families into one candidate invariant ("the
state is in one of the families") and keeps it only once z3 has proved it inductive
against the z3 relation; a family that is not linear in its counts, or a walk that misses
states, costs the proof, never its soundness.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ipsecmc.engines.explicit.cycles import CycleJumps
from ipsecmc.engines.monitor import Monitor, seconds
from ipsecmc.engines.result import Plan
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem

#: A state and its monitor value.
Point = tuple[State, int]

#: Steps the walk takes (each state whose successors it asks, in chains and at branch
#: points alike) before it gives up: the seeds need 50-110; a system with many branch
#: points (free traffic every second) is left to the other sources. (Branch points were
#: not counted until 2026-12-06: with free traffic the walk then ran for minutes.)
WALK_LIMIT = 3_000


@dataclass(frozen=True)
class Generator:
    """A direction of a family: the change from its base to ``step`` (one unit), taken
    ``0 .. count`` times; ``last`` is the base plus ``count`` units, for ``houdini`` to
    check that the family is linear along it."""

    step: Point
    count: int
    last: Point


@dataclass(frozen=True)
class Family:
    """The states ``base + k1 * g1 + k2 * g2 ...`` for every count ``k_i`` within its
    generator's (module doc); no generator: the point ``base``."""

    base: Point
    generators: tuple[Generator, ...] = ()

    def corners(self) -> list[Point]:
        """The base and each generator's ends (where every linear bound of the family
        is reached, for ``houdini``'s per-location bounds)."""
        return [self.base, *(g.last for g in self.generators)]


@dataclass(frozen=True)
class Cover:
    """What the walk found: ``families`` cover every state it reached (``complete``: it
    reached all of them within its step limit); ``hit``: one is a counterexample."""

    families: tuple[Family, ...]
    complete: bool
    hit: bool


class _Walk:
    """One walk (module doc): breadth-first over branch points, chains in between."""

    def __init__(self, system: TransitionSystem, plan: Plan, limit: int) -> None:
        self.system = system
        self.limit = limit
        self.monitor = Monitor(plan)
        self.families: list[Family] = []
        self.seen: set[Point] = set()
        self.steps = 0
        self.hit = False

    def _point(self, point: Point) -> None:
        self.families.append(Family(point))
        if self.monitor.hit(*point):
            self.hit = True

    def _later(self, point: Point, seconds: int) -> Point:
        """``point`` after ``seconds`` steady seconds, with its monitor value."""
        state, c = point
        later = self.system.delay(state, seconds)
        return later, self.monitor.step(c, Label("delay", -1, seconds), state, later)

    def _steady(self, point: Point) -> tuple[Label, Point] | None:
        """The only step from ``point`` when it is a steady stretch of two seconds or
        more, as one delay (its inner seconds recorded as a family); else None."""
        state, c = point
        d = self.system.max_delay(state)
        cap = self.monitor.jump_cap(state, c)
        if cap is not None:
            d = min(d, cap)
        if d < 2:
            return None
        first = self._later(point, 1)
        if d == 2:
            self._point(first)
        else:
            along = Generator(self._later(point, 2), d - 2, self._later(point, d - 1))
            self.families.append(Family(first, (along,)))
            self.hit = self.hit or self.monitor.hit(*along.last)
        return Label("delay", -1, d), self._later(point, d)

    def _chain(self, point: Point, queue: deque[Point]) -> None:
        """Walk on from ``point`` while it has one successor; queue a branch point."""
        jumps = CycleJumps()
        marks: list[int] = []  # families recorded before each chain step
        done = secs = 0
        while self.steps < self.limit and not self.hit:
            state, c = point
            successors = self.system.successors(state)
            self.steps += 1  # a branch point costs a step of the walk too
            if len(successors) != 1:
                for label, s2 in successors:
                    nxt = (s2, self.monitor.step(c, label, state, s2))
                    if nxt not in self.seen:
                        self.seen.add(nxt)
                        self._point(nxt)
                        queue.append(nxt)
                return
            marks.append(len(self.families))
            label, s2 = successors[0]
            steady = self._steady(point) if label.kind == "tick" else None
            if steady is None:
                point = (s2, self.monitor.step(c, label, state, s2))
            else:
                label, point = steady
            done += 1
            secs += seconds(label)
            if point in self.seen:
                return
            self.seen.add(point)
            self._point(point)
            cycle = jumps.see(point, done, secs)
            if cycle is not None:
                first = marks[len(marks) - cycle.steps]
                for n in range(first, len(self.families)):
                    family = self.families[n]
                    base = family.base
                    along = Generator(
                        cycle.land(base, 1), cycle.rounds, cycle.land(base, cycle.rounds)
                    )
                    self.families[n] = Family(family.base, (*family.generators, along))
                point = cycle.land(point, cycle.rounds)
                done += cycle.rounds * cycle.steps
                secs += cycle.rounds * cycle.seconds
                self.seen.add(point)
                self._point(point)

    def run(self) -> Cover:
        start = self.system.initial()
        first = (start, self.monitor.initial(start))
        self.seen.add(first)
        self._point(first)
        queue = deque([first])
        while queue and self.steps < self.limit and not self.hit:
            self._chain(queue.popleft(), queue)
        return Cover(tuple(self.families), not queue and self.steps < self.limit, self.hit)


def cover(system: TransitionSystem, plan: Plan, limit: int = WALK_LIMIT) -> Cover:
    """The families of states the model reaches (module doc), in at most ``limit``
    steps of the walk."""
    return _Walk(system, plan, limit).run()
