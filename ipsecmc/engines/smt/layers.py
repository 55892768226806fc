"""Bounded model checking by layers: the reachable (state, monitor) pairs of the z3 step
relation, depth by depth, each pair's successors enumerated by z3.

Why: BMC over an unrolling pays, for every query, propagation over every unrolled step
(about 54,000 clauses per step on the seed: 0.3-1 s per query at depth 41, about 7 s to
reach the seed's counterexample and 3.5 s more to show it has the fewest seconds). But
the search starts in one concrete state, and on a gateway pair the steps branch little:
the seed reaches 42 (state, monitor) pairs within its 41 steps. Enumerating them costs a
few milliseconds per successor, because each query is *one* step of the same relation
(``encoding.transition`` and the monitor, exactly what the unrolling repeats) with its
source state pinned.

What it answers, exactly (each set below is computed, not sampled):

* ``explore``: breadth-first over the relation, so the first depth at which a bad pair is
  reached is the shortest counterexample's length in steps; when no new pair appears,
  every reachable pair has been seen and none is bad (an exhaustive proof over the
  relation, as the explicit engine's); when the pairs outgrow ``cap`` it stops, saying
  up to which depth there is no bad pair, and symbolic BMC goes on from there.
* ``fewest``: the layers of pairs reached in *exactly* j steps, with the fewest seconds to
  each, up to ``longest``; so the fewest seconds of any counterexample of k .. longest
  steps, and for every pair of layer j the fewest seconds from it to a violation
  (``rem``) — what the unrolling's "no counterexample in fewer seconds" query decides.
* ``alternative``: whether some counterexample within those seconds takes given choices
  at step t after the current path's first t steps (the canonical order's question,
  ``engine._Search._canonical``): the successors under those choices, each with its
  ``rem``.

Each edge keeps the z3 model of its step (a ``PathStep``), so the printed path is decoded
exactly as one read from an unrolling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ipsecmc.engines.smt.canonical import PathStep
from ipsecmc.engines.smt.encoding import Step
from ipsecmc.engines.smt.terms import (
    Ints,
    SState,
    flat,
    read_state,
    substitute_all,
    unflat,
)
from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, z3
from ipsecmc.model.state import EndState, State

#: A state of the relation with the plan's monitor value.
Node = tuple[State, int]
#: ``_Search._unroll_step``: one more step of an unrolling (its states, monitors, steps).
Unroll = Callable[[list[SState], list[IntT], list[Step], str], BoolT]
#: ``_Search._check``: one incremental query under the engine's budgets.
Check = Callable[..., z3.CheckSatResult]

#: Pairs ``explore`` may see before it hands the search to symbolic BMC.
LAYER_NODES = 600

_NEVER = 1 << 62  # no violation within ``longest`` steps from here


@dataclass(frozen=True)
class Edge:
    """A step between two pairs: its seconds, whether it ends in a violation, and the z3
    model that chose it (``OneStep.piece`` makes it a ``PathStep``)."""

    source: Node
    target: Node
    seconds: int
    bad: bool  # the pair reached is a violation
    model: z3.ModelRef  # of ``OneStep.successors``' formula for ``source``


@dataclass(frozen=True)
class Explored:
    """What ``explore`` saw: no bad pair at depths 0 .. ``clean``; ``bad_at``: the
    first depth with one; ``exhausted``: every reachable pair seen and none bad."""

    clean: int
    bad_at: int | None
    exhausted: bool
    nodes: int


class _Packing:
    """Terms (booleans and ``width``-bit integers) as one bit-vector: a successor is
    blocked by one constant and read back from one value (the z3 Python API costs
    tens of microseconds per call, and a state has 28 fields)."""

    def __init__(self, terms: Sequence[Term], width: int) -> None:
        self.bools = [z3.is_bool(t) for t in terms]
        self.width = width
        one, zero = z3.BitVecVal(1, 1), z3.BitVecVal(0, 1)
        parts = [z3.If(t, one, zero) if b else t for t, b in zip(terms, self.bools, strict=True)]
        self.term = z3.Concat(*parts)
        self.size = sum(1 if b else width for b in self.bools)

    def unpack(self, packed: int) -> list[int | bool]:
        """The values a packed value holds (integers signed, as ``int_value`` reads)."""
        out: list[int | bool] = []
        for b in reversed(self.bools):
            bits = 1 if b else self.width
            v = packed & ((1 << bits) - 1)
            packed >>= bits
            out.append(bool(v) if b else v - (1 << bits) if v >> (bits - 1) else v)
        return out[::-1]


def _node(values: Sequence[int | bool]) -> Node:
    n = len(EndState._fields)
    a, b = EndState(*values[:n]), EndState(*values[n : 2 * n])  # type: ignore[arg-type]
    return State(a, b, int(values[2 * n]), int(values[2 * n + 1])), int(values[2 * n + 2])


class OneStep:
    """One step of the relation (the monitor included) from a concrete source pair.

    The relation's template with the source's constants substituted simplifies to a
    small formula over the step's choice bits and the successor (the successor is a
    function of the state and the choices, ``encoding.transition``): under a
    millisecond, against several for a query over the whole one-step relation.
    Successors are then enumerated in a small solver by blocking each one found. The
    step of an edge (``piece``) is the step's terms with the same constants
    substituted, so its model reads back as any step of an unrolling does."""

    def __init__(
        self, ints: Ints, unroll: Unroll, bad_of: Callable[[SState, IntT], BoolT], check: Check
    ) -> None:
        if ints.width is None:  # pragma: no cover - the engine's BMC sort is bit-vectors
            raise ValueError("the layered search packs states as bit-vectors")
        self.ints = ints
        self.check = check
        states, mons = [ints.fresh_state("e0")], [ints.var("e0.c")]
        steps: list[Step] = []
        self.relation = unroll(states, mons, steps, "e")
        self.here, self.there = states
        self.mon, self.mon_there = mons
        self.step = steps[0]
        bad_there = bad_of(self.there, self.mon_there)

        def bad(s: SState, c: IntT) -> BoolT:
            return bad_there if s is self.there and c is self.mon_there else bad_of(s, c)

        self.bad_of = bad
        # what a step ends in: the pair, the seconds it took, whether it is bad
        self.outcome = _Packing(
            [*flat(self.there), self.mon_there, self.step.seconds(), bad_there], ints.width
        )
        self._steps: dict[Node, Step] = {}

    def _pairs(self, node: Node) -> list[tuple[Term, Term]]:
        """The source's variables and ``node``'s constants."""
        ints = self.ints
        pairs = list(zip(flat(self.here), flat(ints.const_state(node[0])), strict=True))
        return [*pairs, (self.mon, ints.val(node[1]))]

    def successors(self, node: Node, choices: Sequence[BoolT] = ()) -> list[Edge] | None:
        """The successors of ``node`` whose step satisfies ``choices`` (literals of
        ``self.step``'s choice bits), in the order z3 finds them; None when a query gave
        up."""
        relation, outcome = substitute_all([self.relation, self.outcome.term], self._pairs(node))
        outcome = z3.simplify(outcome)
        solver = z3.SimpleSolver()
        solver.add(z3.simplify(relation))
        out: list[Edge] = []
        while True:
            answer = self.check(solver, *choices)
            if answer == z3.unknown:
                return None
            if answer == z3.unsat:
                return out
            model = solver.model()
            packed = model.eval(outcome, model_completion=True)
            values = self.outcome.unpack(packed.as_long())
            out.append(Edge(node, _node(values[:-2]), int(values[-2]), bool(values[-1]), model))
            solver.add(outcome != packed)

    def piece(self, edge: Edge) -> PathStep:
        """``edge`` as a step of a path: its source's constants, the step's terms over
        them, and the model that chose it."""
        ints, source = self.ints, edge.source
        if source not in self._steps:
            step = self.step
            keys = list(step.events)
            terms = [step.d, step.allowed, *step.events.values(), *flat(step.after)]
            done = substitute_all(terms, self._pairs(source))
            events = dict(zip(keys, done[2 : 2 + len(keys)], strict=True))
            after = unflat(done[2 + len(keys) :])
            self._steps[source] = Step(events, step.choices, done[0], step.order, after, done[1])
        return PathStep(
            edge.model,
            ints.const_state(source[0]),
            ints.val(source[1]),
            self._steps[source],
            self.there,
            self.mon_there,
            self.bad_of,
        )


class Layers:
    """The reachable pairs of the relation from ``root``, their successors memoised."""

    def __init__(self, one: OneStep, root: Node, root_bad: bool) -> None:
        self.one = one
        self.root = root
        self.bad: dict[Node, bool] = {root: root_bad}
        self._edges: dict[Node, list[Edge]] = {}
        # set by ``fewest``: the counterexample's least length, the most steps it may
        # take, its fewest seconds, and per depth j the fewest seconds from a pair of the
        # j-th exact layer to a violation
        self.k = 0
        self.longest = 0
        self.seconds = 0
        self.rem: list[dict[Node, int]] = []

    def edges(self, node: Node) -> list[Edge] | None:
        """The successors of ``node`` (None: a query gave up)."""
        if node not in self._edges:
            found = self.one.successors(node)
            if found is None:
                return None
            for edge in found:
                self.bad.setdefault(edge.target, edge.bad)
            self._edges[node] = found
        return self._edges[node]

    def explore(self, max_depth: int | None, cap: int = LAYER_NODES) -> Explored:
        """Breadth-first up to ``max_depth`` steps (None: until ``cap`` pairs; module
        doc)."""
        if self.bad[self.root]:
            return Explored(-1, 0, False, 1)
        seen = {self.root}
        frontier = [self.root]
        depth = 0
        while max_depth is None or depth < max_depth:
            # every pair first reached within ``depth`` steps is in ``seen``, none bad
            following: list[Node] = []
            for node in frontier:
                edges = self.edges(node)
                if edges is None:
                    return Explored(depth, None, False, len(seen))
                for edge in edges:
                    if edge.target in seen:
                        continue
                    if self.bad[edge.target]:
                        return Explored(depth, depth + 1, False, len(seen) + 1)
                    seen.add(edge.target)
                    following.append(edge.target)
                    if len(seen) > cap:
                        return Explored(depth, None, False, len(seen))
            if not following:
                return Explored(depth, None, True, len(seen))
            frontier = following
            depth += 1
        return Explored(depth, None, False, len(seen))

    def fewest(self, k: int, longest: int) -> list[PathStep] | None:
        """The fewest seconds of a counterexample of ``k`` .. ``longest`` steps (``k``:
        the shortest length, from ``explore``), kept in ``seconds``, and a path taking
        them; None when a query gave up."""
        reached: list[dict[Node, int]] = [{self.root: 0}]  # fewest seconds, exact depth
        for _ in range(longest):
            following: dict[Node, int] = {}
            for node, spent in reached[-1].items():
                edges = self.edges(node)
                if edges is None:
                    return None
                for edge in edges:
                    total = spent + edge.seconds
                    if total < following.get(edge.target, _NEVER):
                        following[edge.target] = total
            reached.append(following)
        self.k, self.longest = k, longest
        self.seconds = min(
            spent for layer in reached[k:] for node, spent in layer.items() if self.bad[node]
        )
        self.rem = [{} for _ in reached]
        for j in range(longest, -1, -1):
            for node in reached[j]:
                self.rem[j][node] = self._rem(node, j)
        return self.follow(self.root, 0)

    def _rem(self, node: Node, j: int) -> int:
        if j >= self.k and self.bad[node]:
            return 0
        if j == self.longest:
            return _NEVER
        edges = self._edges[node]  # every pair of a layer before the last was expanded
        return min((e.seconds + self.rem[j + 1][e.target] for e in edges), default=_NEVER)

    def follow(self, node: Node, j: int) -> list[PathStep]:
        """A fewest-seconds way from ``node`` at depth ``j`` to a violation (``fewest``
        must have run; the first such successor at each step)."""
        pieces: list[PathStep] = []
        while not (j >= self.k and self.bad[node]):
            need = self.rem[j][node]
            edge = next(
                e for e in self._edges[node] if e.seconds + self.rem[j + 1][e.target] == need
            )
            pieces.append(self.one.piece(edge))
            node, j = edge.target, j + 1
        return pieces

    def alternative(
        self, path: list[PathStep], t: int, choices: Callable[[Step], list[BoolT]]
    ) -> list[PathStep] | None:
        """``path``'s first ``t`` steps, then a step taking ``choices`` (literals of a
        step), then the fewest seconds to a violation, if that stays within ``seconds``;
        else None (also when a query gave up: the engine then keeps the path it has)."""
        piece = path[t]
        node = (read_state(piece.model, piece.here), piece.value(piece.mon_here))
        spent = sum(p.seconds for p in path[:t])
        edges = self.one.successors(node, choices(self.one.step))
        if not edges:
            return None
        rem = self.rem[t + 1]
        best = min(edges, key=lambda e: e.seconds + rem.get(e.target, _NEVER))
        if spent + best.seconds + rem.get(best.target, _NEVER) > self.seconds:
            return None
        return [*path[:t], self.one.piece(best), *self.follow(best.target, t + 1)]


__all__ = ["LAYER_NODES", "Edge", "Explored", "Layers", "Node", "OneStep"]
