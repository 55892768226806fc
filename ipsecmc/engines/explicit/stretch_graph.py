"""The whole reachable graph of one tunnel, with where a state predicate holds along it.

``ipsecmc measure`` needs more than a verdict: the longest stretch of time during which
a predicate (``disagree``) holds, over every reachable run. That is a longest-path
question on the reachable graph, so this module explores and *keeps* that graph.

It uses the explicit engine's exact reductions (``ipsecmc.engines.explicit.search``):

* **chain compression**: only branch points, chain ends and chain loops are stored;
  each stored edge is a deterministic chain of states, walked in full;
* **time jumps**: inside a chain, a steady stretch of one-second ticks is one
  ``delay`` step (``TransitionSystem.max_delay``: every skipped state has the same
  discrete fields, hence the same atom values, so no stretch starts or ends inside a
  jump and its seconds are simply added);
* **cycle jumps** (``cycles``): rounds of a deterministic cycle that only wear the
  keylives down are skipped; they repeat the round walked, stretches included.

Each edge records what the predicate does along its chain (``Edge``), in seconds from
the edge's source, so the analysis never has to walk a chain again. There is no
monitor and no early exit: the search is exhaustive unless a budget runs out, in which
case ``Graph.complete`` is False and the nodes from ``Graph.expanded`` on have no edges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ipsecmc.engines import meter
from ipsecmc.engines.explicit.cycles import ChainStep, CycleJumps, Key, replay_chain
from ipsecmc.engines.meter import BudgetedSearch
from ipsecmc.engines.monitor import seconds
from ipsecmc.engines.result import Budget, Stats
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem

Predicate = Callable[[State], bool]
ProgressFn = Callable[[Stats], None]
Hop = tuple[int, int]  # (successor index at the source, chain steps after it)

_CHECK_EVERY = 8
_CHAIN_CHECK_EVERY = 1024


def chain_step(system: TransitionSystem, state: State) -> tuple[Label, State] | None:
    """The only step from ``state`` (a steady run of ticks as one jump); None if it branches."""
    nxt = system.successors(state)
    if len(nxt) != 1:
        return None
    label, after = nxt[0]
    if label.kind == "tick":
        d = system.max_delay(state)
        if d >= 2:
            return Label("delay", -1, d), system.delay(state, d)
    return label, after


def _keyed_step(system: TransitionSystem) -> ChainStep:
    """``chain_step`` on the keys of ``cycles`` (a state and a monitor, here always 0)."""

    def step(key: Key) -> tuple[Label, Key] | None:
        found = chain_step(system, key[0])
        return None if found is None else (found[0], (found[1], 0))

    return step


def replay_hops(
    system: TransitionSystem, state: State, hops: list[Hop]
) -> tuple[list[Label], State]:
    """Labels of a path given as hops from ``state``, and the state it ends in (rounds
    of a wearing cycle jumped as in the search: ``cycles.replay_chain``)."""
    labels: list[Label] = []
    step = _keyed_step(system)
    for succ, chain in hops:
        label, state = system.successors(state)[succ]
        labels.append(label)
        state = replay_chain(step, (state, 0), chain, labels)[0]
    return labels, state


class Edge(NamedTuple):
    """A stored edge (a chain) and the predicate's stretches along it.

    Times are seconds from the source. A *stretch* is a maximal block of consecutive
    states satisfying the predicate; it ends at the first state after it that does not.
    """

    target: int
    succ: int
    chain: int
    secs: int
    #: The source satisfies the predicate: when its stretch ends on this chain (None:
    #: the predicate holds in every state of the chain, the target included).
    first_break: int | None
    #: Longest stretch that starts after the source and ends on the chain (None: none).
    inner: int | None
    #: Start of a stretch that began after the source and still runs at the target.
    open_since: int | None

    def through(self, source_holds: bool) -> bool:
        """Whether the source's stretch runs along the whole chain into the target."""
        return source_holds and self.first_break is None


class _Stretches:
    """Follows the predicate along one chain (the fields of ``Edge``)."""

    __slots__ = ("first_break", "holds", "inner", "since")

    def __init__(self, source_holds: bool) -> None:
        self.holds = source_holds
        self.since: int | None = None
        self.first_break: int | None = None
        self.inner: int | None = None

    def see(self, holds: bool, at: int) -> None:
        if holds == self.holds:
            return
        self.holds = holds
        if holds:
            self.since = at
        elif self.since is None:
            self.first_break = at  # only the source's stretch has no start on the chain
        else:
            length = at - self.since
            if self.inner is None or length > self.inner:
                self.inner = length
            self.since = None

    def jumped(self, round_start: int, seconds: int) -> None:
        """The walk jumped ``seconds`` ahead over repetitions of the round that began at
        ``round_start`` (``cycles``): a stretch that began inside it moves along; one
        that began before it (or the source's) spans the rounds, which have no break."""
        if self.since is not None and self.since > round_start:
            self.since += seconds


@dataclass
class Graph:
    """The stored graph: node 0 is the initial state; BFS order is node order."""

    system: TransitionSystem
    keys: list[State]
    holds: list[bool]
    parent: list[tuple[int, int, int]]  # (parent node, successor index, chain)
    depth: list[int]
    edges: list[list[Edge]]
    expanded: int  # nodes below this index have all their edges
    complete: bool
    stop_reason: str
    stats: Stats

    def hops_to(self, node: int) -> list[Hop]:
        """The BFS-tree path from the initial state to ``node``."""
        hops: list[Hop] = []
        while node > 0:
            parent, succ, chain = self.parent[node]
            hops.append((succ, chain))
            node = parent
        hops.reverse()
        return hops

    def labels(self, start: int, hops: list[Hop]) -> tuple[list[Label], int]:
        """Labels from the initial state to ``start`` and on along ``hops``; and how many
        of them lead to ``start``."""
        system = self.system
        prefix, state = replay_hops(system, system.initial(), self.hops_to(start))
        more, _ = replay_hops(system, state, hops)
        return prefix + more, len(prefix)


def explore(
    system: TransitionSystem,
    predicate: Predicate,
    budget: Budget,
    progress: ProgressFn | None = None,
) -> Graph:
    """Breadth-first search of every reachable state, storing the compressed graph."""
    return _Explorer(system, predicate, budget, progress).run()


class _Explorer(BudgetedSearch):
    def __init__(
        self,
        system: TransitionSystem,
        predicate: Predicate,
        budget: Budget,
        progress: ProgressFn | None,
    ) -> None:
        self.system = system
        self.pred = predicate
        self.budget = budget.begun()
        self.progress = progress
        self.index: dict[State, int] = {}
        self.keys: list[State] = []
        self.holds: list[bool] = []
        self.parent: list[tuple[int, int, int]] = []
        self.depth: list[int] = []
        self.edges: list[list[Edge]] = []
        self.visited = 0
        self.transitions = 0
        self.started = meter.clock()
        self.last_report = self.started
        self.stop_reason: str | None = None

    def _add(self, state: State, parent: int, succ: int, chain: int) -> int:
        node = len(self.keys)
        self.index[state] = node
        self.keys.append(state)
        self.holds.append(self.pred(state))
        self.parent.append((parent, succ, chain))
        self.depth.append(self.depth[parent] + 1 if parent >= 0 else 0)
        self.edges.append([])
        return node

    def _walk(self, source: int, succ: int, label: Label, state: State) -> Edge:
        """Follow the chain that starts with ``label`` from ``source``; store its end."""
        stretches = _Stretches(self.holds[source])
        secs = seconds(label)
        chain = 0
        stretches.see(self.pred(state), secs)
        self.visited += 1
        seen: set[State] = set()
        jumps = CycleJumps()
        while state not in self.index and state not in seen:
            step = chain_step(self.system, state)
            if step is None:
                break
            seen.add(state)
            label, state = step
            chain += 1
            secs += seconds(label)
            self.visited += 1
            stretches.see(self.pred(state), secs)
            cycle = jumps.see((state, 0), chain, secs)
            if cycle is not None:
                stretches.jumped(cycle.start, cycle.rounds * cycle.seconds)
                (state, _), chain, secs = cycle.skip((state, 0), chain, secs)
            if self.visited % _CHAIN_CHECK_EVERY == 0:
                self.stop_reason = self._over_budget()
                if self.stop_reason is not None:
                    break  # stored as a node; the main loop stops after this node
        self.transitions += chain + 1
        target = self.index.get(state)
        if target is None:
            target = self._add(state, source, succ, chain)
        return Edge(
            target,
            succ,
            chain,
            secs,
            stretches.first_break,
            stretches.inner,
            stretches.since,
        )

    def run(self) -> Graph:
        self.visited = 1
        self._add(self.system.initial(), -1, -1, 0)
        expanded = 0  # nodes are expanded in the order they are found: BFS
        while expanded < len(self.keys) and self.stop_reason is None:
            if expanded % _CHECK_EVERY == 0 or len(self.keys) >= self.budget.max_states:
                self.stop_reason = self._over_budget()
                if self.stop_reason is not None:
                    break
            u = expanded
            for succ, (label, state) in enumerate(self.system.successors(self.keys[u])):
                self.edges[u].append(self._walk(u, succ, label, state))
            expanded += 1
        reason = self.stop_reason
        return Graph(
            system=self.system,
            keys=self.keys,
            holds=self.holds,
            parent=self.parent,
            depth=self.depth,
            edges=self.edges,
            expanded=expanded,
            complete=reason is None,
            stop_reason=reason or "",
            stats=self._stats(),
        )
