"""Worst case of a duration: the longest time a state predicate holds without a break.

Definition (what ``ipsecmc measure`` reports). A run is ``s0 -l1-> s1 -l2-> ...`` with
model time ``T(sk)`` = the seconds of ``l1..lk`` (a tick 1 s, a time jump its length,
urgent events 0 s). A *stretch* is a maximal block ``sk..sm`` of consecutive states that
satisfy the predicate; its length is ``T(s(m+1)) - T(sk)``: from the moment the predicate
starts to hold to the moment it stops. The measure is the maximum stretch length over
every reachable run, or *unbounded* when a reachable cycle that takes time stays inside
the predicate (the stretch never ends; the witness is a lasso).

How (exact, not a bound): ``stretch_graph.explore`` stores the whole reachable graph
(chain compression and time jumps lose no state and no second). On it:

* the *through* subgraph: nodes where the predicate holds, and edges along which it
  holds all the way (``Edge.through``); a strongly connected component of it with an
  edge that takes time is a reachable cycle inside the predicate: unbounded;
* otherwise its components form a DAG (Tarjan emits them sinks first), and ``rest[v]``,
  the longest time the stretch running at node ``v`` can still last, is a longest path
  to the first break (zero-time components count 0 inside);
* every stretch starts at the initial state, or somewhere on a chain (an edge's
  ``open_since``, then ``rest`` of its target), or starts and ends on one chain
  (``inner``): the maximum over these is the answer.

If a budget runs out, the same computation on the explored part gives a *lower bound*
(a stretch still running at an unexplored node counts up to there), with its trace; an
unbounded lasso found in the explored part is a definite answer even then.

Every witness is replayed through the model and its longest stretch re-measured; a
mismatch with the computed figure is an ``InternalError``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from ipsecmc.engines.explicit.stretch_graph import (
    Graph,
    Hop,
    Predicate,
    ProgressFn,
    explore,
)
from ipsecmc.engines.monitor import seconds
from ipsecmc.engines.result import Budget, Path, Stats
from ipsecmc.errors import InternalError
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem


class Status(StrEnum):
    """``EXACT`` and ``UNBOUNDED`` are definite; ``LOWER_BOUND`` means a budget ran out."""

    EXACT = "exact"
    UNBOUNDED = "unbounded"
    LOWER_BOUND = "lower_bound"


@dataclass(frozen=True, slots=True)
class Measurement:
    """The worst stretch: its length, when it starts and ends, and the run that has it."""

    status: Status
    seconds: int | None  # None when unbounded
    start: int | None  # model time the worst stretch starts (None: the predicate never holds)
    end: int | None  # model time it ends (None: never, or not reached within the budget)
    path: Path | None  # the witness run (a lasso when unbounded)
    stats: Stats
    reason: str
    at_start: State | None = None  # the worst stretch's first state
    at_end: State | None = None  # the first state after it


@dataclass(frozen=True, slots=True)
class Stretch:
    """One stretch found on a replayed path."""

    start: int
    end: int | None  # None: still running where the path ends
    begin: int  # labels up to the stretch's first state
    cut: int  # labels up to the first state after the stretch (all of them when open)
    first: State  # the stretch's first state
    after: State | None  # the first state after it (None: still running)


@dataclass(frozen=True, slots=True)
class Scan:
    """The stretches of one path: the longest (one still running at the end counts up to
    there; ties go to the first), the one running at the end, and the path's duration."""

    longest: Stretch | None
    running: Stretch | None
    duration: int

    def length(self, stretch: Stretch) -> int:
        return (stretch.end if stretch.end is not None else self.duration) - stretch.start


def scan(
    system: TransitionSystem, predicate: Predicate, labels: list[Label] | tuple[Label, ...]
) -> Scan:
    """Replay ``labels`` from the initial state and measure their stretches."""
    state = system.initial()
    now = 0
    since: int | None = 0 if predicate(state) else None
    begin, first = 0, state
    done: list[Stretch] = []
    for position, label in enumerate(labels):
        state = system.replay_step(state, label).state
        now += seconds(label)
        holds = predicate(state)
        if holds and since is None:
            since, begin, first = now, position + 1, state
        elif not holds and since is not None:
            done.append(Stretch(since, now, begin, position + 1, first, state))
            since = None
    running = None if since is None else Stretch(since, None, begin, len(labels), first, None)
    result = Scan(None, running, now)
    candidates = done + ([running] if running is not None else [])
    if not candidates:
        return result
    longest = max(candidates, key=lambda s: (result.length(s), -s.start))
    return Scan(longest, running, now)


def measure(
    system: TransitionSystem,
    predicate: Predicate,
    budget: Budget | None = None,
    progress: ProgressFn | None = None,
) -> Measurement:
    """The longest time ``predicate`` can hold without a break, over every reachable run."""
    graph = explore(system, predicate, budget or Budget(), progress)
    return _Analysis(graph, predicate).run()


_OPEN = -1  # "edge index" of a stretch that is still running at an unexplored node


class _Analysis:
    """Longest stretch on a stored graph (see the module docstring)."""

    def __init__(self, graph: Graph, predicate: Predicate) -> None:
        self.g = graph
        self.pred = predicate
        n = len(graph.keys)
        self.comp = [-1] * n
        self.members: list[list[int]] = []
        self.rest = [0] * n
        # per component: (member, edge index or _OPEN) of its longest way on
        self.choice: list[tuple[int, int]] = []

    # ------------------------------------------------------------------ graph
    def _through(self, u: int) -> list[int]:
        """Targets of the edges of ``u`` along which the stretch at ``u`` continues."""
        g = self.g
        if not g.holds[u] or u >= g.expanded:
            return []
        return [e.target for e in g.edges[u] if e.first_break is None]

    def _components(self) -> None:
        """Tarjan's SCC algorithm (iterative) on the through subgraph, sinks first."""
        g = self.g
        n = len(g.keys)
        index = [-1] * n
        low = [0] * n
        on_stack = [False] * n
        stack: list[int] = []
        counter = 0
        for root in range(n):
            if not g.holds[root] or index[root] >= 0:
                continue
            work: list[tuple[int, list[int], int]] = [(root, self._through(root), 0)]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack[root] = True
            while work:
                v, succs, i = work[-1]
                if i < len(succs):
                    work[-1] = (v, succs, i + 1)
                    w = succs[i]
                    if index[w] < 0:
                        index[w] = low[w] = counter
                        counter += 1
                        stack.append(w)
                        on_stack[w] = True
                        work.append((w, self._through(w), 0))
                    elif on_stack[w]:
                        low[v] = min(low[v], index[w])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    members: list[int] = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        self.comp[w] = len(self.members)
                        members.append(w)
                        if w == v:
                            break
                    self.members.append(members)

    def _timed_cycle(self) -> tuple[int, int] | None:
        """An edge (node, edge index) that takes time inside a through component."""
        g = self.g
        found: tuple[int, int] | None = None
        for c, members in enumerate(self.members):
            for u in members:
                if u >= g.expanded:
                    continue
                for k, e in enumerate(g.edges[u]):
                    inside = e.first_break is None and self.comp[e.target] == c
                    if inside and e.secs > 0 and (found is None or g.depth[u] < g.depth[found[0]]):
                        found = (u, k)
        return found

    def _rests(self) -> None:
        """``rest`` of every node where the predicate holds, components sinks first."""
        g = self.g
        for c, members in enumerate(self.members):
            best, choice = -1, (members[0], _OPEN)
            for u in members:
                if u >= g.expanded or not g.edges[u]:
                    value, k = 0, _OPEN
                    if value > best:
                        best, choice = value, (u, k)
                    continue
                for k, e in enumerate(g.edges[u]):
                    if e.first_break is not None:
                        value = e.first_break
                    elif self.comp[e.target] == c:
                        continue  # zero time (timed cycles were ruled out)
                    else:
                        value = e.secs + self.rest[e.target]
                    if value > best:
                        best, choice = value, (u, k)
            for u in members:
                self.rest[u] = best
            self.choice.append(choice)

    # ------------------------------------------------------------------ witnesses
    def _path_inside(self, src: int, dst: int) -> list[Hop]:
        """Hops from ``src`` to ``dst`` along through edges of one component (BFS)."""
        g = self.g
        c = self.comp[src]
        back: dict[int, tuple[int, Hop]] = {src: (-1, (-1, -1))}
        queue = deque([src])
        while queue and dst not in back:
            u = queue.popleft()
            for e in g.edges[u] if u < g.expanded else []:
                if e.first_break is None and self.comp[e.target] == c and e.target not in back:
                    back[e.target] = (u, (e.succ, e.chain))
                    queue.append(e.target)
        if dst not in back:
            raise InternalError("measure: component members do not reach each other")
        hops: list[Hop] = []
        node = dst
        while node != src:
            node, hop = back[node]
            hops.append(hop)
        hops.reverse()
        return hops

    def _follow(self, node: int) -> list[Hop]:
        """Hops from ``node`` along the longest way of its stretch to the break."""
        g = self.g
        hops: list[Hop] = []
        while True:
            member, k = self.choice[self.comp[node]]
            hops.extend(self._path_inside(node, member))
            if k == _OPEN:
                return hops
            e = g.edges[member][k]
            hops.append((e.succ, e.chain))
            if e.first_break is not None:
                return hops
            node = e.target

    def _best_start(self) -> tuple[int, int, list[Hop]]:
        """(length, start node, hops from it) of the longest stretch."""
        g = self.g
        best = -1
        where: tuple[int, int, int] = (0, _OPEN, 0)  # (node, edge index, kind)
        if g.holds[0]:
            best, where = self.rest[0], (0, _OPEN, 0)
        for u in range(g.expanded):
            for k, e in enumerate(g.edges[u]):
                if e.inner is not None and e.inner > best:
                    best, where = e.inner, (u, k, 1)
                if e.open_since is not None:
                    value = e.secs - e.open_since + self.rest[e.target]
                    if value > best:
                        best, where = value, (u, k, 2)
        node, k, kind = where
        if best < 0:
            return best, 0, []
        if kind == 0:
            return best, 0, self._follow(0)
        e = g.edges[node][k]
        hops = [(e.succ, e.chain)]
        if kind == 2:
            hops.extend(self._follow(e.target))
        return best, node, hops

    # ------------------------------------------------------------------ result
    def run(self) -> Measurement:
        g = self.g
        self._components()
        cycle = self._timed_cycle()
        if cycle is not None:
            return self._unbounded(*cycle)
        self._rests()
        best, node, hops = self._best_start()
        status = Status.EXACT if g.complete else Status.LOWER_BOUND
        how = self._how()
        if best < 0:
            return Measurement(
                status, 0, None, None, None, g.stats, f"the formula never holds ({how})"
            )
        labels, _ = g.labels(node, hops)
        found = scan(g.system, self.pred, labels)
        stretch = found.longest
        if stretch is None or found.length(stretch) != best:
            got = None if stretch is None else found.length(stretch)
            raise InternalError(f"measure: witness replays to {got} s, computed {best} s")
        return Measurement(
            status,
            best,
            stretch.start,
            stretch.end,
            Path(tuple(labels[: stretch.cut])),
            g.stats,
            how,
            stretch.first,
            stretch.after,
        )

    def _how(self) -> str:
        g = self.g
        if g.complete:
            return (
                f"exact: exhaustive explicit search over {g.stats.states:,} states "
                f"({g.stats.stored_nodes:,} stored)"
            )
        return (
            f"lower bound: {g.stop_reason} after {g.stats.states:,} states; "
            "the explored part has this stretch, longer ones may exist"
        )

    def _unbounded(self, u: int, k: int) -> Measurement:
        """A lasso: to ``u``, then around a timed cycle that never leaves the predicate."""
        g = self.g
        e = g.edges[u][k]
        loop = [(e.succ, e.chain), *self._path_inside(e.target, u)]
        labels, loop_start = g.labels(u, loop)
        found = scan(g.system, self.pred, labels[:loop_start])
        if found.running is None:
            raise InternalError("measure: lasso does not start inside the predicate")
        start = found.running.start
        reason = (
            f"unbounded: a reachable cycle of {_duration(labels) - found.duration} s "
            "during which the formula holds throughout (lasso); "
            + (
                f"exhaustive explicit search over {g.stats.states:,} states"
                if g.complete
                else f"found before the search stopped ({g.stop_reason})"
            )
        )
        return Measurement(
            Status.UNBOUNDED,
            None,
            start,
            None,
            Path(tuple(labels), loop_start),
            g.stats,
            reason,
            found.running.first,
        )


def _duration(labels: list[Label]) -> int:
    return sum(seconds(label) for label in labels)
