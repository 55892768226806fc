"""``recoverable`` (AG EF goal) over the zone graph, exactly: a backward fixpoint of zones.

The forward zone search (``zones.search``) stores nodes (discrete state, zone) whose integer
points are exactly the reachable one-second states, and, for this property, every step
between them (``ZoneExplorer.edges``: parent, target, how). A step's target may be a node
whose zone *includes* the successor zone (inclusion subsumption) rather than the successor
itself; that is harmless here, because the backward pass asks, of each step, which states
of the parent the step takes into a given set of the target's states.

**Backward pass.** For every node ``N`` we compute ``W[N]``: the states of ``N``'s zone
from which a goal state is reachable, as a union of zones (a federation). Initially
``W[N]`` is ``N``'s whole zone if ``N``'s discrete state satisfies the goal (the goal
formula reads only discrete fields), else empty. Then, until nothing changes, the new
part of ``W[T]`` is pulled back along each step ``P -> T``: the step's exact inverse
image (below), intersected with ``P``'s zone, minus what ``W[P]`` already holds, is
added to ``W[P]``. Every operation is exact on integer points (``dbm``), every clock is
bounded inside a node, so ``W`` grows by integer points only and the pass ends.
AG EF goal holds iff every node's zone lies in its ``W``.

**Inverse images** (forward steps as in ``zones.search``):

* urgent event: clocks kept, reset to a constant, or stopped. Inverse: a reset clock
  must have that constant in the target (then it is free again: its old value is any);
  kept clocks are unchanged; stopped clocks are free in the target already.
* one second with traffic (or, after ESP went out, without): the same clock ops, then
  every running clock one second later, then normalisation at the ceilings. Inverse:
  undo the normalisation (a clock taken out at its ceiling had exactly that value; the
  traffic phase clock was reset to the next phase's length), move back one second,
  undo the clock ops.
* ``loop``: one or more repetitions of a second that leaves the discrete state as it is
  (``ZoneExplorer._repeat``): inverse of the last second as above, then the past of the
  points below the ceilings.
* time passing without traffic (closure of a fresh node): inverse is undoing the
  normalisation and taking the *past* (``Zone.down``) of the running clocks: a state
  of the parent reaches a target state by a delay iff the target state is in its
  future, and the closure zone is cut at the ceilings, so no ceiling is crossed on the
  way.
* "cover": a stored node dropped because a later node's zone includes it has the same
  ``W`` as the later node's, restricted to its own zone.

**Result.** HOLDS if every zone is in its ``W`` (a proof: the zones hold every reachable
state). Otherwise a state outside ``W`` is a reachable state from which the goal is never
reached: the search walks back to it (``ZoneExplorer.path_to``), and then runs the
one-second model forward from it, taking the first successor each second, until a state
repeats; every state on that way also cannot reach the goal (a successor of such a state
is one), so this is a lasso whose loop never reaches the goal. Both parts are replayed
through ``Semantics`` before they are reported, and a loop that reached the goal would be
an internal error, never a verdict.

What this does not give: the worst-case recovery time that the one-second search
reports for a holding ``recoverable`` (``worst_recovery_seconds``): that needs shortest
times over zones, which this pass does not compute.
"""

from __future__ import annotations

from collections import deque

from ipsecmc.engines.result import EngineResult, Path, Plan, Verdict
from ipsecmc.engines.zones.dbm import Zone, minus_all, point_zone
from ipsecmc.engines.zones.model import DIM, PHASE_CLOCK, Undecided
from ipsecmc.engines.zones.search import _NO_TRAFFIC, ZoneExplorer, _Deriv
from ipsecmc.engines.zones.waiting import all_won
from ipsecmc.errors import InternalError
from ipsecmc.model.semantics import Label
from ipsecmc.model.state import State

#: One-second steps the lasso's loop may take before a state repeats (far beyond any
#: timer: a state repeats within the longest keylife plus the retransmit schedule).
LOOP_LIMIT = 2_000_000


def recoverable(search: ZoneExplorer) -> EngineResult:
    """AG EF goal on ``search``'s finished zone graph (module doc); whole nodes first
    (``zones.waiting``), which proves in one pass what the exact pass needs a round per
    timer cycle for."""
    if all_won(search):
        return EngineResult(
            Verdict.HOLDS,
            search._stats(),
            reason="every reachable state can reach the goal again "
            "(exhaustive search, timers as symbolic clocks, waiting out timer cycles)",
        )
    dead = _dead_end(search)
    if dead is not None:
        return dead
    try:
        bad = _unrecoverable(search)
    except _OutOfBudget as exc:
        return EngineResult(
            Verdict.INCONCLUSIVE,
            search._stats(),
            reason=f"{exc} while working back from the goal "
            "(the tunnel recovers only after many timer cycles)",
        )
    stats = search._stats()
    if bad is None:
        return EngineResult(
            Verdict.HOLDS,
            stats,
            reason="every reachable state can reach the goal again "
            "(exhaustive search, timers as symbolic clocks)",
        )
    return _violated(search, *bad)


def _violated(search: ZoneExplorer, node: int, zone: Zone) -> EngineResult:
    """VIOLATED with a lasso through a state of ``zone`` (of ``node``) that cannot reach
    the goal; raises ``Undecided`` if no run reaches that state (hulls)."""
    prefix = search.path_to(_deriv_of(search, node), zone, search.keys[node])
    state = _confirm_bad(search, prefix, node, zone)
    _no_goal_nearby(search, state)
    return EngineResult(
        Verdict.VIOLATED,
        search._stats(),
        _lasso(search, prefix, state),
        reason="a reachable state from which the goal is never reached again (lasso)",
    )


#: Nodes from which no step of the graph leads to the goal tried as counterexamples.
DEAD_TRIES = 20


def _dead_end(search: ZoneExplorer) -> EngineResult | None:
    """VIOLATED if a node from which *no* path of the zone graph leads to a goal node holds
    a reachable state: the steps of the graph cover every successor of every state, so
    none of its states can reach the goal (a cheap, exact special case of the backward
    pass: e.g. a loop of zero-time events that time can never leave)."""
    into: list[list[int]] = [[] for _ in search.keys]
    for parent, target, _ in search.edges:
        into[target].append(parent)
    alive = [search.pred(key[0]) for key in search.keys]
    work = deque(v for v, ok in enumerate(alive) if ok)
    while work:
        for parent in into[work.popleft()]:
            if not alive[parent]:
                alive[parent] = True
                work.append(parent)
    dead = [v for v, ok in enumerate(alive) if not ok and v not in search.covered]
    for node in dead[:DEAD_TRIES]:
        try:
            return _violated(search, node, search.zones[node])
        except Undecided:
            continue  # a hull point no run reaches: try the next
    if dead and search.hull:
        return _reach_dead(search, {search.keys[v][0] for v in dead})
    return None


def _reach_dead(search: ZoneExplorer, dead: set[State]) -> EngineResult | None:
    """On hulls, a dead node's zone may hold points no run reaches, but every reachable
    state of its discrete state lies in it (one hull per discrete state). So a run to
    *any* state with one of these discrete states, found by the exact zone search as a
    witness, reaches a state that cannot recover."""
    lifter = search.lifter

    def is_dead(state: State) -> bool:
        return lifter.discretize(state)[0] in dead

    plan = Plan("reaches a dead end", "reachable", is_dead, None, frozenset({"up"}))
    finder = ZoneExplorer(
        search.system, plan, search.budget, search.progress, search.started, search.node_cap
    )
    found = finder.run()
    if found is None or found.verdict is not Verdict.HOLDS or found.path is None:
        return None
    state = _end_state(search, found.path)
    _no_goal_nearby(search, state)
    return EngineResult(
        Verdict.VIOLATED,
        search._stats(),
        _lasso(search, found.path, state),
        reason="a reachable state from which the goal is never reached again (lasso)",
    )


class _OutOfBudget(Exception):
    """The backward pass ran out of the search's time budget."""


def _confirm_bad(search: ZoneExplorer, prefix: Path, node: int, zone: Zone) -> State:
    """The state ``prefix`` replays to; raises ``Undecided`` unless it is in ``zone`` of
    ``node``: with convex hulls a zone may hold states no run reaches, and walking back
    from one of them gives a path to some other state."""
    try:
        state = _end_state(search, prefix)
    except ValueError as exc:
        raise Undecided(f"the path to an unrecoverable state does not replay: {exc}") from exc
    d, ops = search.lifter.discretize(state)
    values = {op.clock: op.value for op in ops if op.kind == "reset" and op.value is not None}
    if d != search.keys[node][0] or not zone.includes(point_zone(DIM, values)):
        raise Undecided("the path does not reach the unrecoverable state")
    return state


#: One-second states a breadth-first search from an unrecoverable state may visit to
#: check that it really cannot reach the goal (beyond that, the backward pass decides).
NEARBY = 50_000


def _no_goal_nearby(search: ZoneExplorer, start: State) -> None:
    """A second opinion on an unrecoverable state: the one-second model's states around it
    (breadth-first, up to ``NEARBY``) must not include a goal state. Finding one means
    the backward pass lost a way back: an internal error, never a VIOLATED verdict."""
    seen = {start}
    queue = deque([start])
    while queue and len(seen) < NEARBY:
        state = queue.popleft()
        if search.plan.predicate(state):
            raise InternalError(
                "zone recovery: a state it found unrecoverable reaches the goal "
                "(one-second search); please report this"
            )
        for _, after in search.system.successors(state):
            if after not in seen:
                seen.add(after)
                queue.append(after)


def _deriv_of(search: ZoneExplorer, node: int) -> _Deriv:
    deriv = search.derivs[node]
    return deriv if deriv is not None else _Deriv(-1, "none", _NO_TRAFFIC, (), (), (), "none")


def _unrecoverable(search: ZoneExplorer) -> tuple[int, Zone] | None:
    """A node and a part of its zone outside ``W`` (module doc), or None."""
    n = len(search.keys)
    zones = search.zones
    into: list[list[tuple[int, _Deriv]]] = [[] for _ in range(n)]
    for parent, target, deriv in search.edges:
        into[target].append((parent, deriv))
    won: list[list[Zone]] = [[] for _ in range(n)]
    fresh: list[list[Zone]] = [[] for _ in range(n)]  # added to won, not yet pulled back
    work: deque[int] = deque()
    for v in range(n):
        if search.pred(search.keys[v][0]):
            won[v] = [zones[v]]
            fresh[v] = [zones[v]]
            work.append(v)
    pulls = 0
    while work:
        pulls += 1
        if pulls % 8 == 0:
            reason = search._over_budget()
            if reason is not None:
                raise _OutOfBudget(reason)
        target = work.popleft()
        pieces, fresh[target] = fresh[target], []
        child = search.keys[target][0]
        for parent, deriv in into[target]:
            if won[parent] and won[parent][0] is zones[parent]:
                continue  # all of it reaches the goal already (``_merged``)
            pulled = [
                z for piece in pieces if (z := _inverse(search, deriv, child, piece)) is not None
            ]
            new = minus_all(pulled, won[parent])
            if new:
                won[parent] = _merged(won[parent], new, zones[parent])
                if not fresh[parent]:
                    work.append(parent)
                fresh[parent].extend(new)
    for v in range(n):
        if v in search.covered:
            continue  # its zone lies in the zone of the node that dropped it
        outside = minus_all([zones[v]], won[v])
        if outside:
            return v, outside[0]
    return None


def _merged(have: list[Zone], new: list[Zone], whole: Zone) -> list[Zone]:
    """``have`` and ``new`` as few zones: the node's whole zone once they cover it, and
    any two whose hull holds nothing else as that hull (the union is the same set; fewer,
    larger zones keep the pass from splitting a set into slivers)."""
    pieces = have + new
    if not minus_all([whole], pieces):
        return [whole]
    merged = True
    while merged:
        merged = False
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces)):
                joined = pieces[i].hull(pieces[j])
                if not minus_all([joined], [pieces[i], pieces[j]]):
                    pieces = [p for k, p in enumerate(pieces) if k not in (i, j)] + [joined]
                    merged = True
                    break
            if merged:
                break
    return pieces


def _inverse(search: ZoneExplorer, deriv: _Deriv, child: State, zone: Zone) -> Zone | None:
    """The states of the parent's zone that ``deriv``'s step takes into ``zone``."""
    parent = search.zones[deriv.parent]
    if deriv.kind == "cover":
        return zone.intersect(parent)
    z: Zone | None = zone
    for k, ceiling in reversed(deriv.frozen):
        if z is not None and k == PHASE_CLOCK:
            duration = search.phases[child.phase].duration
            if duration is not None:
                z = z.equal(k, -duration)
            z = z.free(k) if z is not None else None
        z = z.equal(k, ceiling) if z is not None else None
    if z is None:
        return None
    if deriv.kind in ("tick", "loop"):
        z = z.shift(deriv.moved, -1)
    elif deriv.kind == "delay":
        z = z.down(deriv.moved)
    for op in deriv.ops:
        if op.kind == "reset" and op.value is not None and z is not None:
            z = z.equal(op.clock, op.value)
            z = z.free(op.clock) if z is not None else None
    if deriv.kind == "loop" and z is not None:
        # ``_repeat``: the last of k >= 1 seconds started from a point of the parent's
        # future that no earlier second took to a ceiling.
        reset = {op.clock for op in deriv.ops if op.kind == "reset"}
        for k in deriv.moved:
            if k not in reset and z is not None:
                z = z.at_most(k, search.ceiling[k] - 1)
        z = z.down(deriv.moved) if z is not None else None
    return z.intersect(parent) if z is not None else None


def _end_state(search: ZoneExplorer, path: Path) -> State:
    """The state ``path`` replays to from the initial state (``ValueError`` if a step is
    not enabled)."""
    state = search.system.initial()
    for label in path.labels:
        state = search.system.replay_step(state, label).state
    return state


def _lasso(search: ZoneExplorer, prefix: Path, state: State) -> Path:
    """``prefix`` (to ``state``, which cannot reach the goal) and a loop from it (module
    doc)."""
    system = search.system
    seen: dict[State, int] = {}
    loop: list[Label] = []
    while state not in seen:
        if search.plan.predicate(state) or len(loop) >= LOOP_LIMIT:
            raise InternalError(
                "zone recovery: the state it found reaches the goal or does not repeat"
            )
        seen[state] = len(loop)
        label, state = system.successors(state)[0]
        loop.append(label)
    start = seen[state]
    labels = (*prefix.labels, *loop)
    return Path(labels, len(prefix.labels) + start)


__all__ = ["LOOP_LIMIT", "NEARBY", "recoverable"]
