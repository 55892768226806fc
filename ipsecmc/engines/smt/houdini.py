"""Inductive invariants for the z3 engine's proofs, guessed from a sample and checked.

Plain k-induction rarely closes on this model: an unreachable state with clocks that
disagree (a keylife running on one end only, a monitor counting in a state where the
predicate cannot have held that long) walks into a bad state in a few steps. The proof
needs the relations between clocks that every reachable state keeps. They are guessed
from concrete states (``samples``) and kept only if z3 proves them (Houdini: Flanagan
and Leino, "Houdini, an annotation assistant for ESC/Java", FME 2001):

* the strongest candidate: the state is one of the sampled ones, when the sample is
  complete (``Sample.complete``: every reachable state of the one-second model, which
  contains every state the z3 relation reaches, since a z3 delay of d seconds is d
  ticks); z3 then checks the enumerated set as an inductive invariant of its own
  relation, usually in one query;
* candidates, per *location* (the discrete part of a state: per end p1, p2, the pending
  request and its count, DPD probes out, want_p2, sent, which timers run, whether a
  session exists; the traffic phase; whether the monitor is at its lowest value): the
  location is one of those sampled, and within a sampled location every clock (and the
  monitor) lies within the bounds sampled there, and so does the sum and difference of
  every two of them (octagons: Miné, "The octagon abstract domain", 2006);
* ``strongest_invariant`` drops, round by round, every candidate that some state
  satisfying all remaining ones violates after one step of the
  z3 relation, until none is violated: what remains holds initially and is preserved by
  every step, so it holds in every reachable state, whatever the sample missed.

The engine adds the result to every state of its k-induction unrolling (and proves the
property outright when "not bad" is among the survivors). A wrong guess costs a round, a
missing one costs the proof, neither costs soundness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations

from ipsecmc.engines.smt.cover import Family, Point
from ipsecmc.engines.smt.samples import Sample
from ipsecmc.engines.smt.terms import Ints, SState
from ipsecmc.engines.smt.z3_api import BoolT, IntT, z3
from ipsecmc.model.state import NO_TIMER

#: Discrete fields of an end, read as they are.
_END_DISCRETE = ("p1", "p2", "req", "req_sent", "dpd_sent", "want_p2", "sent", "faults")
#: Clocks of an end (``NO_TIMER`` when not running; ``sess`` 0 when there is none).
_END_CLOCKS = ("p1_life", "p2_life", "sess", "quiet", "dpd_timer", "req_timer")


@dataclass(frozen=True)
class _Feature:
    """One coordinate of a state, concretely and as a term."""

    concrete: Callable[[Point], int | bool]
    symbolic: Callable[[SState, IntT], BoolT | IntT]


def _field(end: int, name: str) -> _Feature:
    return _Feature(
        lambda p: getattr(p[0].end(end), name),
        lambda s, c: getattr(s.end(end), name),
    )


def _running(end: int, name: str, off: int) -> _Feature:
    return _Feature(
        lambda p: getattr(p[0].end(end), name) != off,
        lambda s, c: getattr(s.end(end), name) != off,
    )


def _features(lowest: int) -> tuple[tuple[_Feature, ...], tuple[_Feature, ...]]:
    """The discrete features (a location) and the numeric ones (bounded per location)."""
    discrete: list[_Feature] = []
    numeric: list[_Feature] = []
    for end in (0, 1):
        discrete += [_field(end, name) for name in _END_DISCRETE]
        discrete += [_running(end, name, 0 if name == "sess" else NO_TIMER) for name in _END_CLOCKS]
        numeric += [_field(end, name) for name in _END_CLOCKS]
    discrete.append(_Feature(lambda p: p[0].phase, lambda s, c: s.phase))
    discrete.append(_Feature(lambda p: p[1] == lowest, lambda s, c: c == lowest))
    numeric.append(_Feature(lambda p: p[0].phase_left, lambda s, c: s.phase_left))
    numeric.append(_Feature(lambda p: p[1], lambda s, c: c))
    return tuple(discrete), tuple(numeric)


@dataclass(frozen=True)
class Bound:
    """A candidate: in location ``location`` (an index into ``Guesses.locations``),
    numeric feature ``left`` (plus ``sign`` times feature ``right``, if any) lies in
    ``low .. high``."""

    location: int
    left: int
    right: int | None
    sign: int
    low: int
    high: int


def _span(values: Iterable[int]) -> tuple[int, int]:
    seen = list(values)
    return min(seen), max(seen)


def _bounds(location: int, points: list[Point], numeric: tuple[_Feature, ...]) -> list[Bound]:
    """What the points of one location suggest: each numeric feature's span and, for
    every two that vary there, the span of their sum and difference."""
    values: list[list[int]] = [[int(f.concrete(p)) for p in points] for f in numeric]
    spans = [_span(v) for v in values]
    out = [Bound(location, i, None, 0, low, high) for i, (low, high) in enumerate(spans)]
    varying = [i for i, (low, high) in enumerate(spans) if low < high]
    for i, j in combinations(varying, 2):
        for sign in (-1, 1):
            low, high = _span(x + sign * y for x, y in zip(values[i], values[j], strict=True))
            out.append(Bound(location, i, j, sign, low, high))
    return out


class Guesses:
    """The candidates a sample suggests (module doc), in ``terms`` order: the exact set
    (false when the sample is partial), the cover ("one of the sampled locations"),
    then every ``Bound``."""

    def __init__(self, sample: Sample, ints: Ints, lowest: int) -> None:
        self.ints = ints
        self.discrete, self.numeric = _features(lowest)
        groups: dict[tuple[int | bool, ...], list[Point]] = {}
        for point in sample.points:
            groups.setdefault(tuple(f.concrete(point) for f in self.discrete), []).append(point)
        self.locations = list(groups)
        #: every point, when the sample holds every reachable one (``Sample.complete``)
        self.exact = (
            [self._vector(p) for p in sample.points]
            if sample.complete and not sample.families
            else None
        )
        #: the same as families of points (``cover``), when the sample is made of them
        self.families = (
            self._families(sample.families) if sample.complete and sample.families else None
        )
        self.bounds = [
            b for n, points in enumerate(groups.values()) for b in _bounds(n, points, self.numeric)
        ]

    def _vector(self, point: Point) -> tuple[int | bool, ...]:
        return tuple(f.concrete(point) for f in self.discrete + self.numeric)

    def _families(self, families: tuple[Family, ...]) -> list[_Linear] | None:
        """``families`` as linear sets of feature vectors (None: one is not linear in
        its counts or changes a discrete feature along them, so there is no exact
        candidate)."""
        out: list[_Linear] = []
        width = len(self.discrete)
        for family in families:
            base = self._vector(family.base)
            directions: list[tuple[tuple[int, ...], int]] = []
            for g in family.generators:
                step, last = self._vector(g.step), self._vector(g.last)
                if step[:width] != base[:width] or last[:width] != base[:width]:
                    return None
                unit = tuple(
                    int(x) - int(y) for x, y in zip(step[width:], base[width:], strict=True)
                )
                ends = zip(last[width:], base[width:], unit, strict=True)
                if any(int(z) != int(y) + g.count * u for z, y, u in ends):
                    return None
                directions.append((unit, g.count))
            out.append(
                _Linear(base[:width], tuple(int(v) for v in base[width:]), tuple(directions))
            )
        return out

    def family_terms(self, s: SState, c: IntT) -> list[BoolT]:
        """Per family (``cover``; none without them): the state ``s`` with monitor ``c``
        is one of its states."""
        discrete = [f.symbolic(s, c) for f in self.discrete]
        numeric: list[IntT] = [f.symbolic(s, c) for f in self.numeric]
        return [
            z3.And(
                *(_equals(self.ints, t, v) for t, v in zip(discrete, f.location, strict=True)),
                _linear_member(self.ints, f, numeric),
            )
            for f in self.families or ()
        ]

    def __len__(self) -> int:
        return 2 + len(self.bounds)

    def terms(self, s: SState, c: IntT) -> list[BoolT]:
        """Every candidate at ``s`` with monitor ``c`` (shared subterms built once)."""
        ints = self.ints
        discrete = [f.symbolic(s, c) for f in self.discrete]
        at = [
            z3.And([_equals(ints, t, v) for t, v in zip(discrete, key, strict=True)])
            for key in self.locations
        ]
        numeric: list[IntT] = [f.symbolic(s, c) for f in self.numeric]
        exact: BoolT = z3.BoolVal(False)
        if self.exact is not None:
            exact = _member(ints, self.exact, discrete + numeric)
        elif self.families is not None:
            exact = _in_families(ints, self.families, discrete, numeric)
        out = [exact, z3.Or(at)]
        for b in self.bounds:
            x = numeric[b.left]
            if b.right is not None:
                x = x + b.sign * numeric[b.right]
            within = (
                x == ints.val(b.low)
                if b.low == b.high
                else z3.And(ints.val(b.low) <= x, x <= ints.val(b.high))
            )
            out.append(z3.Implies(at[b.location], within))
        return out


def _equals(ints: Ints, term: BoolT | IntT, value: int | bool) -> BoolT:
    """``term`` has the concrete ``value``."""
    if isinstance(value, bool):
        return term if value else z3.Not(term)
    return term == ints.val(value)


def _member(
    ints: Ints,
    points: list[tuple[int | bool, ...]],
    terms: list[BoolT | IntT],
    leaf: Callable[[list[tuple[int | bool, ...]]], BoolT] | None = None,
) -> BoolT:
    """``terms`` equal one of ``points``, as a decision tree: one level per term (and,
    with ``leaf``, what ``leaf`` says of the points that equal them)."""

    def tree(group: list[tuple[int | bool, ...]], level: int) -> BoolT:
        if level == len(terms):
            return z3.BoolVal(True) if leaf is None else leaf(group)
        below: dict[int | bool, list[tuple[int | bool, ...]]] = {}
        for point in group:
            below.setdefault(point[level], []).append(point)
        if len(below) == 1:
            ((value, rest),) = below.items()
            return z3.And(_equals(ints, terms[level], value), tree(rest, level + 1))
        return z3.Or(
            [z3.And(_equals(ints, terms[level], v), tree(g, level + 1)) for v, g in below.items()]
        )

    return tree(points, 0)


@dataclass(frozen=True)
class _Linear:
    """A family as feature vectors: the discrete features ``location`` and the numeric
    ones ``base + k1 * d1 + ...`` with ``0 <= k_i <= count_i`` for each ``(d_i, count_i)``
    of ``directions``."""

    location: tuple[int | bool, ...]
    base: tuple[int, ...]
    directions: tuple[tuple[tuple[int, ...], int], ...]


def _in_families(
    ints: Ints, families: list[_Linear], discrete: list[BoolT | IntT], numeric: list[IntT]
) -> BoolT:
    """The terms are the features of a state of one of ``families``: per location (a
    decision tree over the discrete features, as ``_member``), one of its linear sets."""
    by_location: dict[tuple[int | bool, ...], list[_Linear]] = {}
    for family in families:
        by_location.setdefault(family.location, []).append(family)

    def members(group: list[tuple[int | bool, ...]]) -> BoolT:
        return z3.Or([_linear_member(ints, f, numeric) for f in by_location[group[0]]])

    return _member(ints, list(by_location), discrete, members)


def _linear_member(ints: Ints, family: _Linear, x: list[IntT]) -> BoolT:
    """``x`` is ``family.base`` plus some allowed counts of its directions (no
    quantifier: each count is read off a coordinate only its direction moves)."""
    solved: list[tuple[tuple[int, ...], IntT]] = []  # (direction, its count as a term)
    conditions: list[BoolT] = []
    pending = [(unit, count) for unit, count in family.directions if any(unit)]  # 0: no move
    while pending:
        for n, (unit, _) in enumerate(pending):
            others = [d for m, (d, _) in enumerate(pending) if m != n]
            row = next(
                (r for r, u in enumerate(unit) if u != 0 and all(o[r] == 0 for o in others)),
                None,
            )
            if row is not None:
                break
        else:
            return z3.BoolVal(False)  # no coordinate singles a direction out: no candidate
        unit, count = pending.pop(n)
        moved = x[row] - ints.val(family.base[row])
        for direction, k in solved:
            if direction[row] != 0:
                moved = moved - ints.val(direction[row]) * k
        step = abs(unit[row])
        moved = moved if unit[row] > 0 else -moved
        zero, top = ints.val(0), ints.val(step * count)
        conditions += [zero <= moved, moved <= top]
        if step == 1:
            k = moved
        else:
            conditions.append(_remainder(ints, moved, step) == zero)
            k = _quotient(ints, moved, step)
        solved.append((unit, k))
    for r, value in enumerate(family.base):
        term = ints.val(value)
        for direction, k in solved:
            if direction[r] != 0:
                term = term + ints.val(direction[r]) * k
        conditions.append(x[r] == term)
    return z3.And(conditions)


def _remainder(ints: Ints, t: IntT, by: int) -> IntT:
    """``t`` mod ``by`` for ``t >= 0``."""
    return t % by if ints.width is None else z3.URem(t, ints.val(by))


def _quotient(ints: Ints, t: IntT, by: int) -> IntT:
    """``t`` div ``by`` for ``t >= 0``."""
    return t / by if ints.width is None else z3.UDiv(t, ints.val(by))


def strongest_invariant(
    initially: list[BoolT],
    now: list[BoolT],
    after: list[BoolT],
    relation: BoolT,
    check: Callable[..., z3.CheckSatResult],
) -> list[int] | None:
    """The largest set of candidates (indices) that hold initially (``initially``: the
    candidates at the initial state) and that one step of ``relation`` (from the state
    of ``now`` to that of ``after``) preserves.
    ``check(solver, *assumptions)`` runs a query under the caller's budget; None when a
    query ran out of it."""
    if z3.is_true(z3.simplify(z3.And(initially))):
        live = list(range(len(now)))
    else:
        live = [n for n, t in enumerate(initially) if z3.is_true(z3.simplify(t))]
    solver = z3.SolverFor("QF_BV")
    solver.add(relation)
    guards = [z3.Bool(f"houdini.{n}") for n in range(len(now))]
    for n in live:
        solver.add(z3.Implies(guards[n], now[n]))
    rounds = 0
    while live:
        rounds += 1
        broken = z3.Bool(f"houdini.round{rounds}")
        solver.add(z3.Implies(broken, z3.Or([z3.Not(after[n]) for n in live])))
        answer = check(solver, broken, *(guards[n] for n in live))
        if answer == z3.unknown:
            return None
        if answer == z3.unsat:
            break
        model = solver.model()
        live = [n for n in live if z3.is_true(model.eval(after[n], model_completion=True))]
    return live
