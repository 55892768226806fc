"""Explicit-state engine: breadth-first search over the reachable states of one tunnel.

How it stays fast at real timer values without changing any verdict: **chain
compression**. Most seconds of a run are deterministic (one successor: the only traffic
choice of a pinned profile, timers counting down). The engine still computes and checks
every one of those states, but it *stores* only states where the run branches, where a
chain ends in a known state, or where a chain loops. Every state of the unreduced
one-second model is visited and every property is evaluated in each of them, so the set
of reachable states, and hence every verdict, is exactly that of plain BFS; only
memory and bookkeeping shrink. (Counterexamples are shortest in the number of stored
branch points, which for deterministic stretches equals shortest in time.)

Properties (``Plan.kind``):

* ``invariant``: a reachable state violating the predicate is a counterexample.
* ``bounded``: the product with a monitor counting the seconds the predicate has held
  without a break (capped at T+1); a count above T is a counterexample.
* ``reachable``: a state satisfying the predicate is a witness (HOLDS); none after
  exhaustive search is VIOLATED (this is the vacuity check).
* ``recoverable`` (AG EF p): after exhaustive search, the stored graph's nodes from which
  no p-state is reachable are found by backward search; the earliest is extended to a
  lasso (prefix + a cycle that never reaches p).

Budgets (states, wall time) end a search with INCONCLUSIVE and its statistics.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from ipsecmc.engines import meter
from ipsecmc.engines.explicit.cycles import CycleJumps, replay_chain
from ipsecmc.engines.explicit.fast_successors import FastSuccessors
from ipsecmc.engines.meter import BudgetedSearch, fewer_collections
from ipsecmc.engines.monitor import Monitor, confirm_path, seconds
from ipsecmc.engines.result import Budget, EngineResult, Path, Plan, Stats, Verdict
from ipsecmc.engines.zones import engine as zone_search
from ipsecmc.engines.zones.model import Lifter
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import State
from ipsecmc.model.system import TransitionSystem
from ipsecmc.model.traffic import parse_profile

Key = tuple[State, int]  # model state x monitor value
ProgressFn = Callable[[Stats], None]

#: Expanded nodes between two budget checks (a check reads the clock: well under a
#: microsecond, against several for a node), and steps of a deterministic chain between two.
_CHECK_EVERY = 8
_CHAIN_CHECK_EVERY = 64


class _Edge(NamedTuple):
    """A stored edge: the hop to replay it and, for recoverable, its goal timing."""

    target: int
    first_goal: int | None  # seconds from the source to the first goal state on the way
    succ: int
    chain: int
    secs: int
    inner_worst: int  # longest wait for the goal that starts and ends inside the chain
    open_since: int | None  # start of a final stretch without the goal (None: ends in goal)


class _Segments:
    """Tracks stretches of non-goal states along a chain (seconds from its source)."""

    __slots__ = ("inner_worst", "open_since")

    def __init__(self) -> None:
        self.inner_worst = 0
        self.open_since: int | None = None

    def see(self, goal: bool, at: int) -> None:
        if goal:
            if self.open_since is not None:
                self.inner_worst = max(self.inner_worst, at - self.open_since)
                self.open_since = None
        elif self.open_since is None:
            self.open_since = at

    def jumped(self, round_start: int, seconds: int) -> None:
        """The walk jumped ``seconds`` ahead over repetitions of the round that began at
        ``round_start`` (``cycles``): a stretch that began inside it moves along."""
        if self.open_since is not None and self.open_since > round_start:
            self.open_since += seconds


#: Zone nodes after which the zone search gives way to the one-second search, on a system
#: whose timers are all short (``SHORT_TIMER`` seconds or less). Zones pay off with real
#: timers (the seeds need 27-1,600 nodes at any TTL, DPD interval and keylife, and up to
#: 60,000 to find a counterexample through rekeys, which the one-second search cannot);
#: with timers of a few seconds they stay thin, a zone node costs about 50 one-second
#: states, and the one-second search is faster (benchmarks/README.md, "Zone search").
#: 20,000 nodes are 3-5 s of zone search.
ZONE_CAP = 20_000
#: Nodes of exact zones tried before the convex-hull search (``_zone_searches``).
EXACT_FIRST = 3_000
#: Expansions of a discrete state after which its hull is widened when it grows again.
WIDEN_AFTER = 3
SHORT_TIMER = 60


def _short_timers(system: TransitionSystem, plan: Plan) -> bool:
    """Whether every timer of the system and the property's bound is short enough that
    the one-second state space stays small (``ZONE_CAP``)."""
    values = [plan.bound or 0]
    for e in system.params.ends:
        times = (*e.request_sends, e.request_giveup)
        values += [e.session_ttl or 0, e.dpd_retryinterval]
        values += [b - a for a, b in itertools.pairwise(times)]  # request countdowns
        values += [e.p1_keylife or 0, e.p2_keylife or 0]
    values += [p.duration or 0 for p in system.params.traffic.phases]
    return max(values) <= SHORT_TIMER


class ExplicitEngine:
    """Breadth-first explicit-state checker with chain compression and budgets."""

    name = "explicit"

    def __init__(
        self,
        budget: Budget | None = None,
        progress: ProgressFn | None = None,
        accelerate: bool = True,
        compiled: bool = True,
        keylife_prefix: bool = True,
        zones: bool = True,
        zone_cap: int | None = ZONE_CAP,
        cycles: bool = True,
    ) -> None:
        """``accelerate``, ``compiled``, ``keylife_prefix``, ``zones`` and ``cycles``
        switch the reductions (time jumps, memoized successors with the sent-quotient,
        keylife-free search first, timers as symbolic clocks under free traffic, jumps
        over cycles that only wear keylives down); each keeps verdicts, and tests
        compare them on and off. ``zone_cap``: nodes after which the zone
        search gives way to the one-second search when all timers are short
        (``ZONE_CAP``)."""
        self.budget = budget or Budget()
        self.progress = progress
        self.accelerate = accelerate
        self.compiled = compiled
        self.keylife_prefix = keylife_prefix
        self.zones = zones
        self.zone_cap = zone_cap
        self.cycles = cycles

    def check(self, system: TransitionSystem, plan: Plan) -> EngineResult:
        with fewer_collections():
            return self._check(system, plan)

    def _check(self, system: TransitionSystem, plan: Plan) -> EngineResult:
        started = meter.clock()  # one time budget for both searches
        budget = self.budget.begun()  # and one CPU budget
        spent = Stats()
        if self.keylife_prefix and plan.kind in _EARLY_HIT_KINDS:
            early, spent = self._keylife_free_hit(system, plan, started, budget)
            if early is not None:
                return early
        result = self._search(system, plan, started, budget)
        return replace(result, stats=_plus(result.stats, spent))

    def _search(
        self, system: TransitionSystem, plan: Plan, started: float, budget: Budget
    ) -> EngineResult:
        """The zone search where it applies and lifts the model, else the one-second one
        (after a try on the free-traffic superset, see ``_free_traffic_proof``)."""
        if self.zones and zone_search.applicable(system, plan):
            found = self._zone_searches(system, plan, started, budget)
            if found is not None:
                return found
        elif self.zones:
            proof = self._free_traffic_proof(system, plan, started, budget)
            if proof is not None:
                return proof
        search = _Search(
            system,
            plan,
            budget,
            self.progress,
            self.accelerate,
            self.compiled,
            started,
            self.cycles and self.accelerate,
        )
        return search.run()

    def _free_traffic_proof(
        self, system: TransitionSystem, plan: Plan, started: float, budget: Budget
    ) -> EngineResult | None:
        """HOLDS for a pinned traffic profile with faults, proved on free traffic.

        Why: a reboot or flush may start any second, so the one-second search cannot
        jump over time before the fault (43,200 s keylives: out of budget), and the zone
        search needs a traffic-free second in every phase. Every run of a profile is a run
        of ``any`` (the same choices each second; no atom reads the phase), so an invariant
        or bounded property that holds under ``any`` holds under the profile: the zone
        search of the free-traffic system is a proof. Its violations need not be runs of
        the profile, so anything but HOLDS falls through to the profile's own search."""
        if plan.kind not in ("invariant", "bounded") or not system.params.faults.tick_faults:
            return None
        free_traffic = parse_profile("any", *system.names)
        free = system.with_params(replace(system.params, traffic=free_traffic))
        if not zone_search.applicable(free, plan):
            return None
        found = self._zone_searches(free, plan, started, budget)
        if found is None or found.verdict is not Verdict.HOLDS:
            return None
        reason = (
            f"{found.reason}, under free traffic ('any'), which has every run of the "
            f"profile {system.params.traffic.text!r}"
        )
        return replace(found, reason=reason)

    def _zone_searches(
        self, system: TransitionSystem, plan: Plan, started: float, budget: Budget
    ) -> EngineResult | None:
        """The zone searches in turn, each only if the one before gave no answer: exact
        zones up to ``EXACT_FIRST`` nodes (counterexamples are usually near); then one
        convex hull per discrete state, whose "holds" is a proof (it explores a superset of
        the reachable states) and whose counterexamples count only once replayed, first
        with hulls that keep growing widened (a larger superset, reached in a few rounds
        instead of one per timer cycle), then without; then exact zones without a cap.
        With short timers only the first, capped at ``zone_cap`` (the one-second search is
        faster there)."""
        lifter = zone_search.lifter_for(system, plan)  # the lifted steps, shared
        if _short_timers(system, plan):
            return self._zone_search(system, plan, started, budget, lifter, self.zone_cap)
        exact = self._zone_search(system, plan, started, budget, lifter, EXACT_FIRST)
        if exact is not None:
            return exact
        for widen in (WIDEN_AFTER, None):
            over = self._zone_search(system, plan, started, budget, lifter, None, True, widen)
            if over is not None:
                return over
        return self._zone_search(system, plan, started, budget, lifter, None)

    def _zone_search(
        self,
        system: TransitionSystem,
        plan: Plan,
        started: float,
        budget: Budget,
        lifter: Lifter,
        cap: int | None,
        hull: bool = False,
        widen_after: int | None = None,
    ) -> EngineResult | None:
        search = zone_search.ZoneSearch(
            system, plan, budget, self.progress, started, cap, hull, lifter, widen_after
        )
        return search.run()

    def _keylife_free_hit(
        self, system: TransitionSystem, plan: Plan, started: float, budget: Budget
    ) -> tuple[EngineResult | None, Stats]:
        """Look for a counterexample (or witness) that ends before any keylife can expire.

        Soundness: a keylife countdown starts at its full value (``p1_keylife``,
        ``p2_keylife``) when an SA is established, at time >= 0, and only its reaching 0
        makes anything happen (``Semantics.due``: p1/p2_keylife); it is read nowhere else
        in the transition relation and by no atom. So a run of the model *without*
        keylife timers (``--no-rekey``) that lasts D < min keylife seconds is, label for
        label, a run of the model with them, with the same values of every other field:
        no countdown reaches 0 within D seconds. That search is much smaller (the long
        countdowns multiply the states by their values). Its path is then replayed
        through the real model with the property's monitor, which confirms it step by
        step; if it is not confirmed (longer than the horizon, or a predicate that does
        read keylives) or none is found, the full search decides, so the verdict is
        always the full model's. With the one-second search, counterexamples found this
        way are shortest among the runs shorter than the horizon, as the full search's
        would be: below the horizon both searches explore the same runs. (The zone
        search, used under free traffic, does not promise shortest counterexamples.)
        """
        lives = [
            v for e in system.params.ends for v in (e.p1_keylife, e.p2_keylife) if v is not None
        ]
        if not lives:
            return None, Stats()
        a, b = (replace(e, p1_keylife=None, p2_keylife=None) for e in system.params.ends)
        free_params = replace(system.params, ends=(a, b), rekey=False)
        free = system.with_params(free_params)
        result = self._search(free, plan, started, budget)
        if result.path is None or result.verdict is Verdict.INCONCLUSIVE:
            return None, result.stats
        if not confirm_path(system, plan, result.path, budget, started, min(lives)):
            return None, result.stats
        return result, result.stats


_EARLY_HIT_KINDS = ("invariant", "bounded", "reachable", "temporal")


def _cut_after_longest_wait(labels: list[Label], goals: list[bool]) -> list[Label]:
    """Shorten a recovery witness to end at the goal state that ends its longest wait
    (``goals[k]``: whether the state after ``labels[k]`` is a goal state)."""
    now, best, cut = 0, -1, len(labels)
    segments = _Segments()
    for position, (label, goal) in enumerate(zip(labels, goals, strict=True)):
        now += seconds(label)
        since = segments.open_since
        segments.see(goal, now)
        if goal and since is not None and now - since > best:
            best, cut = now - since, position + 1
    return labels[:cut]


def _plus(a: Stats, b: Stats) -> Stats:
    """Statistics of search ``a`` run after ``b`` (``a``'s clock started with ``b``)."""
    return replace(a, states=a.states + b.states, transitions=a.transitions + b.transitions)


class _Search(BudgetedSearch):
    """One search; keeps the stored graph so counterexamples can be rebuilt."""

    def __init__(
        self,
        system: TransitionSystem,
        plan: Plan,
        budget: Budget,
        progress: ProgressFn | None,
        accelerate: bool = True,
        compiled: bool = True,
        started: float | None = None,
        cycles: bool = False,
    ) -> None:
        self.accelerate = accelerate
        self.system = system
        # The sent-quotient (see fast_successors) needs to know the predicate ignores it.
        forget_sent = (
            compiled
            and plan.reads is not None
            and "blackhole" not in plan.reads
            and not system.params.traffic.deterministic
        )
        self.successors: Callable[[State], list[tuple[Label, State]]] = (
            FastSuccessors(system.semantics, forget_sent).successors
            if compiled
            else system.successors
        )
        self.plan = plan
        self.progress = progress
        self._pred_memo: dict[State, bool] = {}
        self._pred_raw = plan.predicate
        self.monitor = Monitor(plan, self.pred)
        self.index: dict[Key, int] = {}
        self.keys: list[Key] = []
        self.parent: list[tuple[int, int, int]] = []  # (parent node, successor index, chain)
        self.depth: list[int] = []
        # for recoverable: (target, seconds to the first goal state on the way or None,
        # successor index, chain length, seconds)
        self.edges: list[list[_Edge]] = []
        self.want_graph = plan.kind == "recoverable"
        self.cycles = cycles
        # Chain states after an urgent event -> (chain end node, steps left, goal on the
        # way): a later chain that reaches one of them has merged and need not be walked.
        # (steps left, seconds left, seconds to the first goal state after it or None)
        self.shortcut: dict[Key, tuple[int, int, int, int | None]] = {}
        self.visited = 0
        self.checked_at = 0  # ``visited`` at the last budget check inside a chain
        self.transitions = 0
        self.started = meter.clock() if started is None else started
        self.last_report = self.started
        self.budget = budget.begun()

    # ------------------------------------------------------------------ monitor
    def pred(self, state: State) -> bool:
        """The plan's predicate, remembered per state (the monitor asks it of every
        state twice: as a successor, then as the source of the next second)."""
        try:
            return self._pred_memo[state]
        except KeyError:
            value = self._pred_memo[state] = self._pred_raw(state)
            return value

    def _goal(self, key: Key) -> bool:
        return self.pred(key[0])

    def _monitor(self, c: int, label: Label, s: State, s2: State) -> int:
        return self.monitor.step(c, label, s, s2)

    def _chain_step(self, key: Key) -> tuple[Label, Key] | None:
        """The only way on from ``key``, jumping over steady seconds; None if it branches.

        A jump never passes the moment the property's monitor would exceed T.
        """
        state, c = key
        nxt = self.successors(state)
        if len(nxt) != 1:
            return None
        label, s2 = nxt[0]
        if self.accelerate and label.kind == "tick":
            d = self.system.max_delay(state)
            cap = self.monitor.jump_cap(state, c)
            if cap is not None:
                d = min(d, cap)
            if d >= 2:
                label = Label("delay", -1, d)
                s2 = self.system.delay(state, d)
        return label, (s2, self._monitor(c, label, state, s2))

    def _hit(self, key: Key) -> bool:
        """Whether ``key`` ends the search early (counterexample or witness)."""
        return self.monitor.hit(*key)

    def _remember_chain(
        self,
        marks: list[tuple[Key, int, int]],
        goals: list[tuple[int, int]],
        end: int,
        chain: int,
        secs: int,
    ) -> None:
        """Record shortcuts from the chain's post-urgent states to its end node."""
        g = 0
        for mark, at, at_secs in marks:
            if mark in self.index:
                continue
            while g < len(goals) and goals[g][0] <= at:
                g += 1
            goal_after = goals[g][1] - at_secs if g < len(goals) else None
            self.shortcut[mark] = (end, chain - at, secs - at_secs, goal_after)

    def _add(self, key: Key, parent: int, succ: int, chain: int) -> int:
        node = len(self.keys)
        self.index[key] = node
        self.keys.append(key)
        self.parent.append((parent, succ, chain))
        self.depth.append(self.depth[parent] + 1 if parent >= 0 else 0)
        if self.want_graph:
            self.edges.append([])
        return node

    # ------------------------------------------------------------------ search
    def run(self) -> EngineResult:
        s0 = self.system.initial()
        start: Key = (s0, self.monitor.initial(s0))
        self.visited = 1
        self._add(start, -1, -1, 0)
        if self._hit(start):
            return self._found(0, None)
        queue: deque[int] = deque([0])
        successors = self.successors
        expanded = 0
        while queue:
            u = queue.popleft()
            expanded += 1
            if expanded % _CHECK_EVERY == 0:
                reason = self._over_budget()
                if reason is not None:
                    return self._inconclusive(reason)
            s, c = self.keys[u]
            for idx, (label, s2) in enumerate(successors(s)):
                key: Key = (s2, self._monitor(c, label, s, s2))
                chain, secs = 0, seconds(label)
                self.visited += 1
                if self._hit(key):
                    return self._found(u, (idx, chain))
                # For recoverable: (step, seconds) of every goal state met on the way.
                goals: list[tuple[int, int]] = []
                segments = _Segments()
                if self.want_graph:
                    goal = self.pred(s2)
                    segments.see(goal, secs)
                    if goal:
                        goals.append((0, secs))
                seen: set[Key] | None = None
                marks: list[tuple[Key, int, int]] = []
                jumps = CycleJumps() if self.cycles else None
                while key not in self.index:
                    short = None if self.want_graph else self.shortcut.get(key)
                    if short is not None:
                        # This chain merged into one already walked: jump to its end.
                        target, steps_left, secs_left, goal_after = short
                        if goal_after is not None:
                            goals.append((chain + 1, secs + goal_after))
                        chain += steps_left
                        secs += secs_left
                        key = self.keys[target]
                        break
                    step = self._chain_step(key)
                    if step is None:
                        break
                    if seen is None:
                        seen = set()
                    elif key in seen:
                        break
                    seen.add(key)
                    if step[0].kind not in ("tick", "delay"):
                        marks.append((key, chain, secs))
                    key = step[1]
                    chain += 1
                    secs += seconds(step[0])
                    self.visited += 1
                    if self.want_graph:
                        goal = self.pred(key[0])
                        segments.see(goal, secs)
                        if goal:
                            goals.append((chain, secs))
                    if self._hit(key):
                        return self._found(u, (idx, chain))
                    if jumps is not None:
                        cycle = jumps.see(key, chain, secs)
                        if cycle is not None:
                            segments.jumped(cycle.start, cycle.rounds * cycle.seconds)
                            key, chain, secs = cycle.skip(key, chain, secs)
                    if self.visited - self.checked_at >= _CHAIN_CHECK_EVERY:
                        self.checked_at = self.visited
                        reason = self._over_budget()
                        if reason is not None:
                            return self._inconclusive(reason)
                self.transitions += chain + 1
                v = self.index.get(key)
                if v is None:
                    v = self._add(key, u, idx, chain)
                    queue.append(v)
                    if self._full():
                        return self._inconclusive(self._over_budget() or "")
                self._remember_chain(marks, goals, v, chain, secs)
                if self.want_graph:
                    first_goal = goals[0][1] if goals else None
                    self.edges[u].append(
                        _Edge(
                            v,
                            first_goal,
                            idx,
                            chain,
                            secs,
                            segments.inner_worst,
                            segments.open_since,
                        )
                    )
        stats = self._stats()
        kind = self.plan.kind
        if kind == "reachable":
            return EngineResult(
                Verdict.VIOLATED,
                stats,
                reason="no reachable state satisfies the formula (exhaustive search)",
            )
        if kind == "recoverable":
            return self._recoverable(stats)
        return EngineResult(
            Verdict.HOLDS,
            stats,
            bound=self.plan.bound,
            reason="exhaustive search of all reachable states",
        )

    # ------------------------------------------------------------------ results
    def _inconclusive(self, reason: str) -> EngineResult:
        return EngineResult(
            Verdict.INCONCLUSIVE, self._stats(), bound=self.plan.bound, reason=reason
        )

    def _labels_to(self, node: int, goals: list[bool] | None = None) -> list[Label]:
        hops: list[tuple[int, int]] = []
        while node > 0:
            parent, succ, chain = self.parent[node]
            hops.append((succ, chain))
            node = parent
        hops.reverse()
        return self._replay_hops(self.keys[0], hops, goals)[0]

    def _replay_hops(
        self, key: Key, hops: list[tuple[int, int]], goals: list[bool] | None = None
    ) -> tuple[list[Label], Key]:
        """Labels of a path given as (successor index, chain length) hops from ``key``;
        with ``goals``, the predicate of the state after each label is appended to it.

        The monitor is carried along because it caps jumps exactly as in the search.
        Rounds of a wearing cycle are jumped as in the search (``cycles.replay_chain``).
        """
        labels: list[Label] = []
        for succ, chain in hops:
            state, c = key
            label, s2 = self.successors(state)[succ]
            labels.append(label)
            key = (s2, self._monitor(c, label, state, s2))
            if goals is not None:
                goals.append(self.pred(s2))
            key = replay_chain(self._chain_step, key, chain, labels, goals, self._goal, self.cycles)
        return labels, key

    def _found(self, node: int, last: tuple[int, int] | None) -> EngineResult:
        labels = self._labels_to(node)
        if last is not None:
            more, _ = self._replay_hops(self.keys[node], [last])
            labels.extend(more)
        verdict = Verdict.HOLDS if self.plan.kind == "reachable" else Verdict.VIOLATED
        return EngineResult(
            verdict,
            self._stats(),
            Path(tuple(labels)),
            bound=self.plan.bound,
            reason="witness found" if verdict is Verdict.HOLDS else "counterexample found",
        )

    def _worst_recovery(self, stats: Stats, dist: list[float], via: list[int]) -> EngineResult:
        """HOLDS, with the slowest recovery among all reachable states as the witness.

        A state inside a chain waits for the next goal state on the chain, or for the
        chain's end plus the end's own distance; stored nodes wait ``dist``.
        """
        worst_wait, worst_node, worst_edge = -1.0, 0, -1
        for u in range(len(self.keys)):
            if dist[u] > worst_wait:
                worst_wait, worst_node, worst_edge = dist[u], u, -1
            for e_index, edge in enumerate(self.edges[u]):
                wait = float(edge.inner_worst)
                if edge.open_since is not None:
                    wait = max(wait, edge.secs - edge.open_since + dist[edge.target])
                if wait > worst_wait:
                    worst_wait, worst_node, worst_edge = wait, u, e_index
        goals: list[bool] = []
        labels = self._labels_to(worst_node, goals)
        key, node = self.keys[worst_node], worst_node
        step = worst_edge if worst_edge >= 0 else via[node]
        while step >= 0:
            edge = self.edges[node][step]
            more, key = self._replay_hops(key, [(edge.succ, edge.chain)], goals)
            labels.extend(more)
            if edge.open_since is None and node != worst_node:
                break
            if node != worst_node and edge.first_goal is not None:
                break
            node = edge.target
            if dist[node] == 0:
                break
            step = via[node]
        labels = _cut_after_longest_wait(labels, goals)
        return EngineResult(
            Verdict.HOLDS,
            stats,
            Path(tuple(labels)),
            reason="every reachable state can reach the goal again (exhaustive search)",
            facts={"worst_recovery_seconds": int(worst_wait)},
        )

    def _recoverable(self, stats: Stats) -> EngineResult:
        """AG EF goal over the stored graph (exact: see the module docstring).

        When it holds, also the worst case: the reachable state whose fastest way back to
        the goal takes longest, with that way as the witness path, so a user sees *how*
        the tunnel recovers (for the seed: only through site2's own phase2 rekey).
        """
        n = len(self.keys)
        inf = float("inf")
        dist: list[float] = [inf] * n
        via: list[int] = [-1] * n  # index into self.edges[u] of the fastest way, -1: goal
        reverse: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        heap: list[tuple[float, int]] = []
        for u in range(n):
            best = 0.0 if self.pred(self.keys[u][0]) else inf
            for e_index, edge in enumerate(self.edges[u]):
                reverse[edge.target].append((u, e_index))
                if best > 0 and edge.first_goal is not None and edge.first_goal < best:
                    best, via[u] = float(edge.first_goal), e_index
            if best < inf:
                dist[u] = best
                heapq.heappush(heap, (best, u))
        while heap:
            d, v = heapq.heappop(heap)
            if d > dist[v]:
                continue
            for u, e_index in reverse[v]:
                cand = d + self.edges[u][e_index].secs
                if cand < dist[u]:
                    dist[u], via[u] = cand, e_index
                    heapq.heappush(heap, (cand, u))
        bad = next((u for u in range(n) if dist[u] == inf), None)
        if bad is None:
            return self._worst_recovery(stats, dist, via)
        prefix = self._labels_to(bad)
        # Every successor of a bad node is bad; follow first edges until a node repeats.
        hops: list[tuple[int, int]] = []
        position = {bad: 0}
        node = bad
        while True:
            target, _, succ, chain = self.edges[node][0][:4]
            hops.append((succ, chain))
            node = target
            if node in position:
                break
            position[node] = len(hops)
        labels = list(prefix)
        key = self.keys[bad]
        loop_start = len(labels)
        for step, hop in enumerate(hops):
            if step == position[node]:
                loop_start = len(labels)
            more, key = self._replay_hops(key, [hop])
            labels.extend(more)
        return EngineResult(
            Verdict.VIOLATED,
            stats,
            Path(tuple(labels), loop_start),
            reason="a reachable state from which the goal is never reached again (lasso)",
        )
