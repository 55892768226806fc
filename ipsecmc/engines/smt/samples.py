"""Concrete states to guess invariants from (``houdini``): a bounded sample of what the
model reaches, with the plan's monitor value.

The sample only proposes candidates; nothing it says is trusted. ``houdini`` keeps a
candidate only once z3 has shown it inductive against the z3 step relation, so a sample
that misses states (it is cut at ``limit``) or even holds a state z3 cannot reach costs
precision, never soundness.

Two sources, both run on ``TransitionSystem`` (the one semantics):

* breadth-first from the initial state over one-second successors *and* the maximal
  delay (``Semantics.max_delay``), so a small system is covered exhaustively and a large
  one (real 43,200 s keylives) still reaches its far timers within a few steps;
* when the breadth-first part is cut, the families of ``cover`` (steady stretches and
  repeated rounds of a cycle as one family each): on a system with few branch points
  they stand for every reachable state however long its timers;
* else random walks (fixed seed: the sample and so the engine's answer are
  deterministic) that take the maximal delay half of the time, for depth the
  breadth-first part cannot afford.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from random import Random

from ipsecmc.engines.monitor import Monitor
from ipsecmc.engines.result import Plan
from ipsecmc.engines.smt.cover import WALK_LIMIT, Family, Point, cover
from ipsecmc.model.semantics import Label
from ipsecmc.model.system import TransitionSystem


@dataclass(frozen=True)
class Sample:
    """What a sampling run saw; ``complete``: breadth-first search ended before its
    limit, so ``points`` are every (state, monitor) pair the one-second model with
    maximal delays reaches (not past a hit)."""

    points: tuple[Point, ...]
    complete: bool
    #: a sampled point is a counterexample (or a witness): "not bad" cannot be proved
    hit: bool
    #: when not empty, what ``complete`` refers to: every reachable point is in one of
    #: these (``cover``), and ``points`` are only their corners
    families: tuple[Family, ...] = ()


def _steps(system: TransitionSystem, monitor: Monitor, point: Point) -> list[Point]:
    """The one-second successors of ``point``."""
    state, c = point
    return [(s2, monitor.step(c, label, state, s2)) for label, s2 in system.successors(state)]


def _delay(system: TransitionSystem, monitor: Monitor, point: Point) -> Point | None:
    """``point`` after the longest delay from it (None: no delay over one second)."""
    state, c = point
    longest = system.max_delay(state)
    cap = monitor.jump_cap(state, c)
    if cap is not None:
        longest = min(longest, cap)
    if longest <= 1:
        return None
    s2 = system.delay(state, longest)
    return s2, monitor.step(c, Label("delay", -1, longest), state, s2)


def _moves(system: TransitionSystem, monitor: Monitor, point: Point) -> list[Point]:
    """Each one-second successor and the maximal delay."""
    jump = _delay(system, monitor, point)
    return _steps(system, monitor, point) + ([] if jump is None else [jump])


def sample(
    system: TransitionSystem,
    plan: Plan,
    limit: int = 4_000,
    walks: int = 40,
    walk_length: int = 150,
    seed: int = 0,
    cover_limit: int = WALK_LIMIT,
) -> Sample:
    """Up to ``limit`` points breadth-first, then the families of ``cover`` (at most
    ``cover_limit`` steps), then ``walks`` random walks of ``walk_length`` moves (each
    only when the one before gave no complete answer)."""
    monitor = Monitor(plan)
    start = system.initial()
    first = (start, monitor.initial(start))
    seen: dict[Point, None] = {first: None}
    queue = deque([first])
    hit = False
    while queue and len(seen) < limit:
        point = queue.popleft()
        if monitor.hit(*point):
            hit = True
            continue
        for nxt in _moves(system, monitor, point):
            if nxt not in seen:
                seen[nxt] = None
                queue.append(nxt)
    complete = not queue
    if not complete and not hit:
        found = cover(system, plan, cover_limit)
        if found.complete or found.hit:
            corners = (p for f in found.families for p in f.corners())
            return Sample(tuple(dict.fromkeys(corners)), found.complete, found.hit, found.families)
    if not complete:
        rng = Random(seed)
        for _ in range(walks):
            point = first
            for _ in range(walk_length):
                if monitor.hit(*point):
                    hit = True
                    break
                jump = _delay(system, monitor, point)
                if jump is not None and rng.random() < 0.5:
                    point = jump
                else:
                    point = rng.choice(_steps(system, monitor, point))
                seen.setdefault(point, None)
    return Sample(tuple(seen), complete, hit)


__all__ = ["Point", "Sample", "sample"]
