"""Zone search: the explicit engine's exhaustive search with timers as symbolic clocks.

Under a free traffic profile (``any``: each second, each direction may or may not carry
traffic) every second branches, so the one-second search stores every combination of
timer values the environment can produce: its states grow linearly with the session TTL
and the DPD interval and multiply by the keylives (issue 5). Here a search node is a
*discrete* state (``zones.model``: the state with every running timer replaced by a
marker) together with a **zone**: a convex set of values of the running timers, as
difference constraints (``dbm.Zone``). One node stands for all the one-second states it
contains, and a node whose zone is included in an already stored node's zone of the same
discrete state is not stored again (inclusion subsumption). The number of nodes depends on
the order in which timers can expire, not on their values.

**Nodes and successors** (the steps of ``Semantics.successors``, on all the node's
valuations at once). A *fresh* node is what a step produced; if an urgent event is due in
it, its successors are that event's outcomes (``Lifter.urgent``), in zero time: each
clock kept, reset to a constant or stopped, as the lifted step says. If nothing is due,
time may pass: every profile phase here allows a second without traffic, so any number
of such seconds is possible, and the fresh zone is *closed* under them: its future
(``Zone.up``) cut at every running clock's ceiling, then normalised. The part that stays
in the same discrete state is stored as a *closed* node; the parts where a clock reached
its ceiling arrive as fresh nodes of their own. A closed node's successors are the
seconds *with* traffic: the lifted traffic step, exactly one second (``Zone.shift``),
normalisation; seconds without traffic are inside it already. Closing zones before
branching on traffic matters: a zone made by one traffic second is a thin slice (one
clock pinned one second after a reset), and without closure every such slice was a node
of its own.

* **Normalisation** splits a zone at each clock's ceiling: the part where the clock has
  reached it becomes a new discrete state (the session expired, the timer is due, the DPD
  clock saturated, the phase moved on); the rest keeps running.
* A bounded property's monitor is one more clock (``MONITOR_CLOCK``), running while the
  predicate holds, with ceiling T + 1: a non-empty part at T + 1 where the predicate holds
  is a counterexample, exactly when the one-second monitor exceeds T.
* A zone included in a stored zone of the same discrete state (and monitor and kind) is
  not stored; a stored zone included in a new one is dropped and not expanded (each step
  is monotone in the zone, so the new node reaches everything the old one would).

**Soundness** (why the verdict equals the one-second search's). Time is whole seconds,
every constant and reset is an integer, so every zone is an integer DBM, and ``Zone``'s
operations are exact on integer points (``dbm`` module doc). By induction over the search,
the integer points of the stored zones of a discrete state are exactly (up to inclusion
subsumption, which drops only points already stored) the one-second states reachable with
that discrete part: (1) a lifted step computes ``Semantics``' own step for every valuation
of the zone at once, because ``Semantics`` reads a running timer only through comparisons
its range decides (``zones.model``) and writes it only by resets; (2) ``k`` seconds without
traffic from a state where nothing is due are the state shifted by ``k`` as long as no clock
reaches its ceiling (``Semantics._age`` moves exactly the running timers by one, and
``due`` and the atoms change only at ceilings), which is ``up`` cut at the ceilings;
(3) a second with traffic is the lifted traffic step followed by the same shift by one;
(4) at a ceiling the one-second model changes the discrete part, which normalisation
does; (5) closing a fresh zone adds exactly the states reachable from it by seconds
without traffic (allowed in every phase, and nothing is due before a ceiling), and it
includes the fresh zone itself (zero seconds), so taking traffic seconds only from closed
nodes misses no state. ``sent`` is not kept (``fast_successors``: states that differ only
in it are bisimilar, and no property handled here reads it). The predicate is evaluated
on the discrete part (the atoms read timers only as ``session`` = ``sess != 0``, decided
by running-ness). So the set of reachable (discrete state, predicate, monitor) values is
the same, hence the verdict. ``tests/model/test_zone_search.py`` checks it against the
unreduced one-second search on random small-timer scenarios.

**Counterexamples** are made concrete by walking back along the stored parents: from an
integer point of the violating zone, each step's inverse (undo normalisation, undo the
shift or find the delay, undo resets) is intersected with the parent's zone to get an
integer point there; the points give the delays, hence a path of one-second labels. That
path is replayed through ``Semantics`` with the monitor before it is reported; a path that
does not replay is never reported (the one-second search runs instead).

**Hulls** (``hull=True``, the driver's second search). Each key keeps one node, whose zone
is the convex hull of every zone that reached it: a superset of the reachable states, so
"no violation" is still a proof, while a counterexample counts only once it replays (the
points of a hull need not be reachable). When a key's hull grows after its node was
expanded, the grown node is expanded again. The search is then a fixpoint iteration
(hull and every step are monotone in the zone), whose result, the least fixpoint, does
not depend on the order in which nodes are expanded; so the hull frontier is ordered for
speed, as a data-flow worklist is: the node whose key was seen first goes first. Keys
seen early are upstream of most others, so they settle before what they feed is
expanded, and a node is expanded again less often than in first-in-first-out order
(seed-intended, IKEv2, keylife 86,400 s, DPD on-demand, ``no-blackhole``: 1.25 expansions
per expanded key instead of 2.4).

A hull can also grow once per turn of a timer cycle: a DPD or session cycle that resets
one clock while the keylives run on moves the keylives a little further each time round,
so seed-fixed's hull grew 4,320 times (86,400 s in 20 s steps) before the keylife
expired. With ``widen_after`` a key whose hull grows after that many expansions gets
the DBM widening instead (``Zone.widen``: each upper or difference bound that grew is
dropped, then the zone is cut below the ceilings as every stored zone is; lower bounds
and the monitor's bounds stay, so clocks stay bounded and a bounded property's monitor
is never widened into a false alarm). That is a larger superset, so "no violation" is
still a proof, and a counterexample still counts only once it replays (the engine runs
the plain hull search if it does not). Two things keep such supersets closed under every
step: each stored zone's successors are computed for all its points (steps are exact on
integer points), and a closed hull node takes its own exits by time (``_expand``), since
a fresh zone inside a hull is not closed again while the hull may hold points that no
closed fresh zone's future holds.

The engine declines (returns None) when a step cannot be lifted (``Undecided``) or when
it reaches its node cap; the explicit engine then runs its one-second search. It handles
``invariant`` and ``bounded`` properties whose atoms do not read ``sent`` (the
``blackhole`` atom), on profiles whose every phase allows a second without traffic.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from ipsecmc.engines.meter import BudgetedSearch
from ipsecmc.engines.monitor import confirm_path
from ipsecmc.engines.result import Budget, EngineResult, Path, Plan, Stats, Verdict
from ipsecmc.engines.zones.dbm import Indices, Matrix, Zone, point_zone
from ipsecmc.engines.zones.model import (
    DIM,
    MONITOR_CLOCK,
    PHASE_CLOCK,
    RUNNING,
    Lifter,
    Op,
    Step,
    Undecided,
)
from ipsecmc.errors import InternalError
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import NO_TIMER, State
from ipsecmc.model.system import TransitionSystem

Key = tuple[State, bool, bool]  # discrete state, monitor running, closed under delays
#: Expanded nodes between two budget checks (a node costs far more than reading the clock).
_CHECK_EVERY = 1
_NO_TRAFFIC = Label("tick", -1, 0)


class _Deriv(NamedTuple):
    """How a node was made from its parent, enough to walk back from one of its points."""

    parent: int
    kind: str  # urgent | tick | loop (repeated ticks: ``_repeat``) | delay | cover
    label: Label
    ops: tuple[Op, ...]
    moved: tuple[int, ...]  # clocks that time moved (tick, delay)
    frozen: tuple[tuple[int, int], ...]  # (clock, ceiling) reached and taken out
    monitor: str  # keep | reset | stop | none


class _Part(NamedTuple):
    discrete: State
    zone: Zone
    frozen: tuple[tuple[int, int], ...]


def applicable(system: TransitionSystem, plan: Plan) -> bool:
    """Whether the zone search handles this property on this system (module doc)."""
    phases = system.params.traffic.phases
    return (
        plan.kind in ("invariant", "bounded", "reachable", "recoverable", "temporal")
        and all((False, False) in phase.choices() for phase in phases)
        and not system.params.traffic.deterministic
    )


def lifter_for(system: TransitionSystem, plan: Plan) -> Lifter:
    """The lifted steps a zone search of ``plan`` on ``system`` uses: ``sent`` stays in
    the discrete part if the property reads it (``blackhole``)."""
    return Lifter(system.semantics, plan.reads is None or "blackhole" in plan.reads)


def _sent(d: State) -> bool:
    """Whether ESP went out in the last second: a second without traffic then changes
    the discrete part (``sent`` becomes False), so such a node is not closed under them."""
    return d.a.sent or d.b.sent


class ZoneExplorer(BudgetedSearch):
    """Breadth-first search over (discrete state, zone) nodes (module doc)."""

    def __init__(
        self,
        system: TransitionSystem,
        plan: Plan,
        budget: Budget,
        progress: Callable[[Stats], None] | None,
        started: float,
        node_cap: int | None = None,
        hull: bool = False,
        lifter: Lifter | None = None,
        widen_after: int | None = None,
    ) -> None:
        """``node_cap``: give up (``run`` returns None) after that many nodes, so that the
        caller can try another search instead (see ``ExplicitEngine``). ``hull``: keep one
        zone per discrete state, the convex hull of all that reach it (module doc,
        "Hulls"). ``lifter``: the ``lifter_for`` this system and plan of an earlier
        search, whose lifted steps this one reuses (they depend on nothing else).
        ``widen_after`` (with ``hull``): widen a key's hull when it grows after that many
        expansions of the key (module doc, "Hulls"; ``WIDEN_AFTER`` in the engine)."""
        self.node_cap = node_cap
        self.hull = hull
        self.hulls: dict[Key, int] = {}
        self.widen_after = widen_after if hull else None
        self.expansions: dict[Key, int] = {}  # per key, with ``widen_after``
        self.system = system
        self.plan = plan
        self.budget = budget.begun()
        self.progress = progress
        self.started = started
        self.last_report = started
        self.lifter = lifter or lifter_for(system, plan)
        self.kind = plan.kind
        self.bounded = plan.kind == "bounded"
        #: For ``recoverable``: every step between stored nodes, (parent, target, how).
        self.want_graph = plan.kind == "recoverable"
        self.edges: list[tuple[int, int, _Deriv]] = []
        self.limit = plan.bound if plan.bound is not None else 0
        self.obligation = plan.obligation if plan.kind == "temporal" else None
        self.timed = plan.bound is not None
        self.ceiling = list(self.lifter.ceiling)
        self.ceiling[MONITOR_CLOCK] = self.limit + 1
        #: whether a running monitor's clock moves with time (not for an ``until``
        #: without a time limit: its obligation is a flag, its clock stays free)
        self.counts = self.bounded or self.timed
        self.phases = system.params.traffic.phases
        self.keys: list[Key] = []
        self.zones: list[Zone] = []
        self.derivs: list[_Deriv | None] = []
        self.depth: list[int] = []
        self.passed: dict[Key, _Passed] = {}
        self.covered: set[int] = set()  # stored nodes whose zone a later one includes
        self.frontier = _Frontier(self.keys, by_key=hull)
        self.visited = 0
        self.transitions = 0
        self.monitor_max = 0
        self._pred: dict[State, bool] = {}
        self._cuts: dict[tuple[tuple[int, ...], int], tuple[Indices, Matrix]] = {}

    # ------------------------------------------------------------------ predicate
    def pred(self, d: State) -> bool:
        try:
            return self._pred[d]
        except KeyError:
            value = self._pred[d] = self.plan.predicate(self.lifter.symbolic(d))
            return value

    # ------------------------------------------------------------------ search
    def run(self) -> EngineResult | None:
        """The verdict, or None if the model cannot be lifted (module doc)."""
        try:
            return self._search()
        except Undecided:
            return None
        except _Full:
            return EngineResult(
                Verdict.INCONCLUSIVE,
                self._stats(),
                bound=self.plan.bound,
                reason=self._over_budget() or "state budget reached",
            )

    def _search(self) -> EngineResult | None:
        s0 = self.system.initial()
        d0, ops = self.lifter.discretize(s0)
        zone = point_zone(DIM, {op.clock: op.value for op in ops if op.value is not None})
        root = _Part(d0, zone, ())
        found = self._finish(-1, "none", _NO_TRAFFIC, (), (), root, monitor_was=False)
        if found is not None:
            return found
        expanded = 0
        while self.frontier:
            u = self.frontier.pop()
            expanded += 1
            if expanded % _CHECK_EVERY == 0:
                reason = self._over_budget()
                if reason is not None:
                    return EngineResult(
                        Verdict.INCONCLUSIVE, self._stats(), bound=self.plan.bound, reason=reason
                    )
            if u in self.covered:
                continue
            if self.node_cap is not None and len(self.keys) >= self.node_cap:
                return None
            found = self._expand(u)
            if found is not None:
                return found
        if self.kind == "reachable":
            return EngineResult(
                Verdict.VIOLATED,
                self._stats(),
                reason="no reachable state satisfies the formula "
                "(exhaustive search, timers as symbolic clocks)",
            )
        if self.kind == "recoverable":
            return self._recover()
        return EngineResult(
            Verdict.HOLDS,
            self._stats(),
            bound=self.plan.bound,
            reason="exhaustive search of all reachable states (timers as symbolic clocks)",
            monitor_max=self.monitor_max if self.bounded else None,
            monitor_exact=not self.hull,
        )

    def _recover(self) -> EngineResult:
        """The verdict of a recoverable plan once every node is stored: the backward
        pass of ``zones.recovery``, which ``zones.engine.ZoneSearch`` plugs in (it reads
        this explorer's graph, so it depends on this module and not the other way)."""
        raise InternalError("recoverable plans run through zones.engine.ZoneSearch")

    def _expand(self, u: int) -> EngineResult | None:
        """Successors of a stored node: its urgent events, or (a node closed under
        seconds without traffic) one second of each traffic choice."""
        d, monitor, closed = self.keys[u]
        zone = self.zones[u]
        if self.widen_after is not None:
            self.expansions[self.keys[u]] = self.expansions.get(self.keys[u], 0) + 1
        if not closed:
            for step in self.lifter.urgent(d):
                moved_zone = self._apply(zone, step.ops)
                found = self._finish(
                    u,
                    "urgent",
                    step.label,
                    step.ops,
                    (),
                    _Part(step.after, moved_zone, ()),
                    monitor,
                )
                if found is not None:
                    return found
            return None
        if (self.want_graph or self.hull) and not _sent(d):
            # A closed zone may hold states of several fresh nodes' futures (subsumption,
            # hulls), so its own exits by time (and the wait inside it) are steps of its
            # own: the backward pass needs every state's ways on, waiting included; and a
            # hull holds points in none of those futures (between them), whose exits no
            # fresh node's closure made, while a fresh zone inside the hull is not closed
            # again (``_finish``), so without this its exits could be missed.
            found = self._close(u)
            if found is not None:
                return found
        mon = (MONITOR_CLOCK,) if monitor and self.counts else ()
        done: list[Step] = []
        seconds = [
            (ab, ba, fault)
            for fault in self.lifter.sem.fault_codes(d)
            for ab, ba in self.phases[d.phase].choices()
        ]
        for ab, ba, fault in seconds:
            bits = (1 if ab else 0) | (2 if ba else 0) | fault << 2
            if bits == 0 and not _sent(d):
                continue  # seconds without traffic are inside the closed zone already
            step = self.lifter.traffic(d, bits)
            if not self.want_graph and any(
                step.after == other.after and step.ops == other.ops for other in done
            ):
                # Another traffic choice's step exactly: the same parts, already finished
                # (a violation among them was reported, the rest is stored or covered).
                # Only the backward pass of ``recoverable`` wants each label's edge.
                continue
            done.append(step)
            moved = (*self.lifter.running(step.after), *mon)
            if step.after == d and _sent(d):
                kind, later = "loop", self._repeat(zone, step.ops, moved)
            else:
                kind, later = "tick", self._apply(zone, step.ops).shift(moved, 1)
            for part in self._normalise(step.after, later, moved):
                found = self._finish(u, kind, step.label, step.ops, moved, part, monitor)
                if found is not None:
                    return found
        return None

    def _repeat(self, zone: Zone, ops: tuple[Op, ...], moved: tuple[int, ...]) -> Zone:
        """Every state that one or more repetitions of a second that leaves the discrete
        state as it is (ESP going out each second, ``sent`` staying True) reach from
        ``zone``: ``k`` such seconds reset the same clocks to the same values and move the
        others by ``k``, so their union over ``k >= 1`` is the step applied once to the
        zone's future, cut where a moving clock would reach its ceiling before the last
        second (normalisation then splits the last second's ceilings off). Without this,
        each run of consecutive traffic seconds was a chain of thin zones, one per second.
        """
        reset = {op.clock for op in ops if op.kind == "reset"}
        cut = [k for k in moved if k not in reset]
        later = zone.up_to(*self._ceilings(cut, -1))
        if later is None:  # pragma: no cover - a normalised zone is below its ceilings
            raise Undecided("empty zone before a repeated second")
        return self._apply(later, ops).shift(moved, 1)

    def _close(self, v: int) -> EngineResult | None:
        """Let time pass without traffic from fresh node ``v`` (nothing due): the part
        that stays in its discrete state is stored closed, the parts where a clock
        reached its ceiling arrive as fresh nodes of their own."""
        d, monitor, _ = self.keys[v]
        moved = (*self.lifter.running(d), *((MONITOR_CLOCK,) if monitor and self.counts else ()))
        later = self.zones[v].up_to(*self._ceilings(moved, 0))
        if later is None:  # pragma: no cover - a normalised zone is below its ceilings
            raise Undecided("empty zone after time passed")
        for part in self._normalise(d, later, moved):
            closed = not part.frozen
            found = self._finish(v, "delay", _NO_TRAFFIC, (), moved, part, monitor, closed)
            if found is not None:
                return found
        return None

    def _apply(self, zone: Zone, ops: tuple[Op, ...]) -> Zone:
        """A step's resets and stops on ``zone`` in one pass (``Zone.apply``; one op per
        clock). (Keeping these arrays per lifted step saved about 2% of the time and cost
        12 MB on seed-intended IKEv2 on-demand: they are made each time.)"""
        resets = np.array([op.clock for op in ops if op.kind == "reset"], dtype=np.intp)
        values = np.array([op.value for op in ops if op.kind == "reset"], dtype=np.float64)
        frees = np.array([op.clock for op in ops if op.kind == "stop"], dtype=np.intp)
        return zone.apply(resets, values, frees)

    def _ceilings(self, clocks: Sequence[int], offset: int) -> tuple[Indices, Matrix]:
        """``clocks`` and their ceilings plus ``offset``, as ``Zone.up_to`` takes them
        (made once per distinct tuple of clocks)."""
        key = (tuple(clocks), offset)
        try:
            return self._cuts[key]
        except KeyError:
            pass
        arrays = self._cuts[key] = (
            np.array(clocks, dtype=np.intp),
            np.array([self.ceiling[k] + offset for k in clocks], dtype=np.float64),
        )
        return arrays

    def _normalise(self, d: State, zone: Zone, moved: tuple[int, ...]) -> list[_Part]:
        """Split ``zone`` at the ceiling of every clock time moved (module doc)."""
        parts = [_Part(d, zone, ())]
        clocks, ceilings = self._ceilings(moved, 0)
        # A part is a subset of ``zone``: a clock below its ceiling in ``zone`` is below
        # it in every part, and splits none (one comparison for all of them).
        for n in np.flatnonzero(zone.m[clocks, 0] >= ceilings).tolist():
            k = moved[n]
            if k == MONITOR_CLOCK:
                continue
            ceiling = self.ceiling[k]
            out: list[_Part] = []
            for part in parts:
                if part.zone.upper(k) < ceiling:
                    out.append(part)
                    continue
                reached, below = part.zone.split(k, ceiling)
                if reached is not None:
                    stopped, stopped_zone = self._stop(part.discrete, k, reached)
                    out.append(_Part(stopped, stopped_zone, (*part.frozen, (k, ceiling))))
                if below is not None:
                    out.append(_Part(part.discrete, below, part.frozen))
            parts = out
        return parts

    def _stop(self, d: State, k: int, zone: Zone) -> tuple[State, Zone]:
        """The discrete state once clock ``k`` reached its ceiling."""
        if k == PHASE_CLOCK:
            phase = d.phase + 1
            duration = self.phases[phase].duration
            if duration is None:
                return d._replace(phase=phase, phase_left=NO_TIMER), zone
            return d._replace(phase=phase, phase_left=RUNNING), zone.reset(k, -duration)
        return self.lifter.expired(d, k), zone

    def _finish(
        self,
        parent: int,
        kind: str,
        label: Label,
        ops: tuple[Op, ...],
        moved: tuple[int, ...],
        part: _Part,
        monitor_was: bool,
        closed: bool = False,
    ) -> EngineResult | None:
        """Apply the monitor to a successor part, detect a violation, store the node
        (closed: the result of letting time pass; fresh: of a step or a ceiling)."""
        d, zone = part.discrete, part.zone
        holds = self.pred(d)
        monitor = False
        action = "none"
        if self.bounded:
            if holds and monitor_was:
                deriv = _Deriv(parent, kind, label, ops, moved, part.frozen, "keep")
                kept = self._within_limit(zone, deriv, (d, True, closed))
                if not isinstance(kept, Zone):
                    return kept  # the counterexample, or None: no part is left
                zone, monitor, action = kept, True, "keep"
            elif holds:
                zone, monitor, action = zone.reset(MONITOR_CLOCK, 0), True, "reset"
            elif monitor_was:
                zone, action = zone.free(MONITOR_CLOCK), "stop"
        elif self.obligation is not None:
            # a temporal plan (``engines.monitor.Monitor``): the monitor runs while an
            # obligation is open; without a time limit its clock stays free
            if monitor_was and holds:
                zone, action = zone.free(MONITOR_CLOCK), "stop"
            elif monitor_was:
                if self.timed:
                    deriv = _Deriv(parent, kind, label, ops, moved, part.frozen, "keep")
                    kept = self._within_limit(zone, deriv, (d, True, closed))
                    if not isinstance(kept, Zone):
                        return kept
                    zone = kept
                monitor, action = True, "keep"
            elif not holds and self._opens(parent, d):
                zone = zone.reset(MONITOR_CLOCK, 0) if self.timed else zone.free(MONITOR_CLOCK)
                monitor, action = True, "reset"
            hold = self.obligation.hold
            if monitor and hold is not None and not hold(d):
                deriv = _Deriv(parent, kind, label, ops, moved, part.frozen, action)
                return self._counterexample(deriv, zone, (d, True, closed))
        deriv = _Deriv(parent, kind, label, ops, moved, part.frozen, action)
        self.visited += 1
        self.transitions += 1
        if (self.kind == "invariant" and not holds) or (self.kind == "reachable" and holds):
            return self._counterexample(deriv, zone, (d, False, closed))
        urgent = not closed and bool(self.lifter.urgent(d))
        if closed or urgent or _sent(d):
            # A node that waits for traffic seconds (closed, or just after ESP went out:
            # then a second without traffic is one of its steps too), or for urgent events.
            self._store((d, monitor, not urgent), zone, deriv)
            return None
        # Fresh and nothing due: time may pass. Covered if a closed zone includes it.
        cover = self._covering((d, monitor, True), zone)
        if cover is not None:
            self._edge(parent, cover, deriv)
            return None
        node = self._record((d, monitor, False), zone, deriv)
        self._edge(parent, node, deriv)
        return self._close(node)

    def _within_limit(self, zone: Zone, deriv: _Deriv, key: Key) -> EngineResult | Zone | None:
        """A running monitor kept to at most T: the counterexample where its clock has
        passed T in ``zone``, else the part of ``zone`` below (None if there is none)."""
        over = zone.at_least(MONITOR_CLOCK, self.limit + 1)
        if over is not None:
            return self._counterexample(deriv, over, key)
        return zone.at_most(MONITOR_CLOCK, self.limit)

    def _opens(self, parent: int, d: State) -> bool:
        """Whether a temporal plan's obligation opens in ``d`` (its goal not holding):
        where the trigger holds (``leads-to``), else only in the initial state."""
        assert self.obligation is not None
        trigger = self.obligation.trigger
        return parent < 0 if trigger is None else trigger(d)

    def _edge(self, parent: int, target: int, deriv: _Deriv) -> None:
        """Remember a step for ``recoverable``'s backward pass (``zones.recovery``)."""
        if self.want_graph and parent >= 0:
            self.edges.append((parent, target, deriv))

    def _record(self, key: Key, zone: Zone, deriv: _Deriv) -> int:
        """Keep a node for walking back; returns its index."""
        if self._full():
            raise _Full
        node = len(self.keys)
        if key[1]:  # the monitor runs: integer DBMs are exact, so its bound is reached
            self.monitor_max = max(self.monitor_max, zone.upper(MONITOR_CLOCK))
        self.keys.append(key)
        self.zones.append(zone)
        self.derivs.append(deriv if deriv.parent >= 0 else None)
        self.depth.append(self.depth[deriv.parent] + 1 if deriv.parent >= 0 else 0)
        return node

    def _covering(self, key: Key, zone: Zone) -> int | None:
        """A stored node of ``key`` whose zone includes ``zone``, if any."""
        if self.hull:
            node = self.hulls.get(key)
            return node if node is not None and self.zones[node].includes(zone) else None
        passed = self.passed.get(key)
        return passed.covering(zone) if passed is not None else None

    def _store(self, key: Key, zone: Zone, deriv: _Deriv) -> None:
        """Store a node to expand, unless a stored zone of the same key includes it."""
        cover = self._covering(key, zone)
        if cover is not None:
            self._edge(deriv.parent, cover, deriv)
            return
        dropped: list[int] = []
        if self.hull:
            old = self.hulls.get(key)
            if old is not None:
                zone, dropped = zone.hull(self.zones[old]), [old]
                if self.widen_after is not None and self.expansions.get(key, 0) >= self.widen_after:
                    zone = self._widened(key[0], self.zones[old], zone)
        node = self._record(key, zone, deriv)
        self._edge(deriv.parent, node, deriv)
        if self.hull:
            self.hulls[key] = node
        else:
            passed = self.passed.get(key)
            if passed is None:
                passed = self.passed[key] = _Passed()
            dropped = passed.add(node, zone)
        self.covered.update(dropped)
        for old in dropped:  # its states are the new node's states
            self._edge(old, node, _Deriv(old, "cover", _NO_TRAFFIC, (), (), (), "none"))
        self.frontier.append(node)

    def _widened(self, d: State, old: Zone, grown: Zone) -> Zone:
        """``old.widen(grown)``, the monitor's bounds kept (a monitor widened to its limit
        would be a false alarm), cut below the ceilings again as every stored zone is."""
        zone: Zone | None = old.widen(grown, (MONITOR_CLOCK,))
        for k in self.lifter.running(d):
            zone = zone.at_most(k, self.ceiling[k] - 1) if zone is not None else None
        if zone is None:  # pragma: no cover - it includes ``grown``, which is below them
            raise Undecided("empty zone after widening")
        return zone

    # ------------------------------------------------------------------ counterexamples
    def _counterexample(self, deriv: _Deriv, zone: Zone, key: Key) -> EngineResult:
        """A concrete path to a point of ``zone`` (module doc): a counterexample, or the
        witness of a ``reachable`` property. A path that does not replay raises
        ``Undecided`` (then the one-second search decides)."""
        path = self.path_to(deriv, zone, key)
        if not self._replays(path):
            raise Undecided("a zone counterexample did not replay")
        if self.kind == "reachable":
            return EngineResult(Verdict.HOLDS, self._stats(), path, reason="witness found")
        return EngineResult(
            Verdict.VIOLATED,
            self._stats(),
            path,
            bound=self.plan.bound,
            reason="counterexample found",
        )

    def path_to(self, deriv: _Deriv, zone: Zone, key: Key) -> Path:
        """One-second labels from the initial state to an integer point of ``zone``, a
        part of the node that ``deriv`` made (walking back through the parents)."""
        _, point = zone.point(self._clocks(key))
        labels: list[Label] = []
        step: _Deriv | None = deriv
        while step is not None and step.parent >= 0:
            parent_point, more = self._back(step, point)
            labels.extend(reversed(more))
            point = parent_point
            step = self.derivs[step.parent] if step.parent >= 0 else None
        labels.reverse()
        return Path(tuple(labels))

    def _clocks(self, key: Key) -> list[int]:
        d, monitor, _ = key
        return self.lifter.running(d) + ([MONITOR_CLOCK] if monitor else [])

    def _back(self, step: _Deriv, point: dict[int, int]) -> tuple[dict[int, int], list[Label]]:
        """A point of the parent's zone that ``step`` takes to ``point``, and the labels."""
        frozen = dict(step.frozen)
        pre = {k: v for k, v in point.items() if k not in frozen and k != MONITOR_CLOCK}
        pre.update(frozen)
        if step.monitor == "keep":
            pre[MONITOR_CLOCK] = point[MONITOR_CLOCK]
        parent = self.zones[step.parent]
        kept = {op.clock for op in step.ops if op.kind == "keep"} | {MONITOR_CLOCK}
        labels = [step.label]
        zone: Zone | None
        if step.kind == "delay":
            zone, delay = _delay_back(parent, pre, step.moved)
            labels = [_NO_TRAFFIC] * delay
        elif step.kind == "loop":
            reset = {op.clock for op in step.ops if op.kind == "reset"}
            before = {k: v - 1 for k, v in pre.items() if k in step.moved and k not in reset}
            zone, delay = _delay_back(parent, before, step.moved)
            labels = [step.label] * (delay + 1)
        else:
            shift = 1 if step.kind == "tick" else 0
            zone = parent
            for k, v in pre.items():
                if k in kept and zone is not None:
                    zone = zone.equal(k, v - shift if k in step.moved else v)
        if zone is None:
            raise Undecided("no point of the parent zone leads to the child")
        _, parent_point = zone.point(self._clocks(self.keys[step.parent]))
        return parent_point, labels

    def _replays(self, path: Path) -> bool:
        """Whether ``path`` replays through ``Semantics`` and ends in a violation (within
        this search's budget)."""
        return confirm_path(self.system, self.plan, path, self.budget, self.started)


class _Full(Exception):
    """The state budget is used up (``BudgetedSearch._full``)."""


class _Frontier:
    """The stored nodes waiting to be expanded: first in, first out (breadth-first, so
    exact zones find short counterexamples), or, with ``by_key`` (hulls), the node whose
    key was seen first before the others (module doc, "Hulls")."""

    __slots__ = ("fifo", "heap", "keys", "rank")

    def __init__(self, keys: list[Key], by_key: bool) -> None:
        self.keys = keys
        self.fifo: deque[int] | None = None if by_key else deque()
        self.heap: list[tuple[int, int]] = []
        self.rank: dict[Key, int] = {}

    def __bool__(self) -> bool:
        return bool(self.heap) if self.fifo is None else bool(self.fifo)

    def append(self, node: int) -> None:
        if self.fifo is not None:
            self.fifo.append(node)
            return
        rank = self.rank.setdefault(self.keys[node], len(self.rank))
        heapq.heappush(self.heap, (rank, node))

    def pop(self) -> int:
        if self.fifo is not None:
            return self.fifo.popleft()
        return heapq.heappop(self.heap)[1]


class _Passed:
    """The stored zones of one discrete state that no later zone includes, as one array
    so that an inclusion test against all of them is a few numpy comparisons. The clock
    bounds (row and column 0) are kept apart as a cheap first filter: a zone includes
    another only if each of its bounds is at least as loose."""

    __slots__ = ("bounds", "count", "matrices", "nodes")

    def __init__(self) -> None:
        self.matrices = np.empty((4, DIM, DIM), dtype=np.float64)
        self.bounds = np.empty((4, 2 * DIM), dtype=np.float64)
        self.nodes: list[int] = []
        self.count = 0

    @staticmethod
    def _bounds(m: Matrix) -> Matrix:
        return np.concatenate((m[:, 0], m[0, :]))

    def covering(self, zone: Zone) -> int | None:
        """A stored node whose zone includes ``zone``, if any."""
        mine = self._bounds(zone.m)
        candidates = np.flatnonzero((mine <= self.bounds[: self.count]).all(axis=1))
        if not len(candidates):
            return None
        inside = (zone.m[None] <= self.matrices[candidates]).all(axis=(1, 2))
        hits = np.flatnonzero(inside)
        return self.nodes[int(candidates[hits[0]])] if len(hits) else None

    def add(self, node: int, zone: Zone) -> list[int]:
        """Store ``zone``; drop and return the stored nodes whose zones it includes
        (everything reachable from them is reachable from the new node: each step is
        monotone in the zone)."""
        mine = self._bounds(zone.m)
        candidates = np.flatnonzero((self.bounds[: self.count] <= mine).all(axis=1))
        if len(candidates):
            inside = (self.matrices[candidates] <= zone.m[None]).all(axis=(1, 2))
            gone = set(candidates[inside].tolist())
        else:
            gone = set()
        dropped = [self.nodes[j] for j in sorted(gone)]
        if dropped:
            keep = [j for j in range(self.count) if j not in gone]
            self.matrices[: len(keep)] = self.matrices[keep]
            self.bounds[: len(keep)] = self.bounds[keep]
            self.nodes = [self.nodes[j] for j in keep]
            self.count = len(keep)
        if self.count == len(self.matrices):
            self.matrices = np.concatenate((self.matrices, np.empty_like(self.matrices)))
            self.bounds = np.concatenate((self.bounds, np.empty_like(self.bounds)))
        self.matrices[self.count] = zone.m
        self.bounds[self.count] = mine
        self.nodes.append(node)
        self.count += 1
        return dropped


def _delay_back(parent: Zone, later: dict[int, int], moved: tuple[int, ...]) -> tuple[Zone, int]:
    """The part of ``parent`` that reaches the valuation ``later`` (of the clocks it
    names among ``moved``) by the shortest delay, and that delay."""
    known = [k for k in moved if k in later]
    if not known:
        return parent, 0
    ref = known[0]
    zone: Zone | None = parent
    for k in known[1:]:
        zone = _fix(zone, k, ref, later[k] - later[ref])
    zone = zone.at_most(ref, later[ref]) if zone is not None else None
    zone = zone.equal(ref, zone.upper(ref)) if zone is not None else None
    if zone is None:
        raise Undecided("no delay leads back into the parent zone")
    return zone, later[ref] - zone.upper(ref)


def _fix(zone: Zone | None, k: int, ref: int, diff: int) -> Zone | None:
    """``zone`` with ``x_k - x_ref == diff``."""
    if zone is None:
        return None
    zone = zone.constrain(k, ref, diff)
    return zone.constrain(ref, k, -diff) if zone is not None else None


__all__ = ["ZoneExplorer", "applicable", "lifter_for"]
