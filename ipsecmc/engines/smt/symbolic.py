"""Symbolic execution of plain Python code over z3 terms: "decide or fork".

Why: the gateway's behaviour is written once, as ordinary Python over ints and bools
(``ipsecmc.model.semantics``). The z3 engine needs the same behaviour as formulas. Rather
than transcribing the handlers by hand (a second copy that drifts: issue 13), the z3
engine *runs the reference handlers themselves* on values that stand for z3 terms.

How: ``SymInt``/``SymBool`` wrap a z3 term. Arithmetic on them builds terms. Anything
that needs a concrete Python answer asks the ``Explorer``:

* a truth value (``if``, ``and``/``or``/``not``, ``min``, ``x in (a, b)``) is
  ``Explorer.decide``;
* a concrete integer (a list index ``sends[n]``, a dict key ``names[req]``) is
  ``Explorer.choose``, which enumerates the values the term can take.

If the path condition (together with the *domain*: the value ranges every state of
interest satisfies) settles the question, the run goes on without a trace of it.
Otherwise it is a fork: the run takes the first alternative and the Explorer runs the
whole function again later for each other one (a depth-first walk over the decision
tree, replaying the decisions of the prefix). Each complete run is a *path*: the
conjunction of its forked conditions and the function's result, whose values are terms.

The paths of a function partition the domain (every point of the domain satisfies the
condition of exactly one path, because every fork splits the current path's set into
disjoint, exhaustive parts and infeasible parts are dropped), so "the result is the
result of the path whose condition holds" is the function, as a formula, on the domain.

Limits (checked, not assumed): the code under execution must be deterministic given
its decisions (no randomness, no global state it mutates), must not hash or index with
a term whose feasible values are more than ``MAX_VALUES``, and must not compare terms
for identity (``is``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, z3
from ipsecmc.errors import InternalError

R = TypeVar("R")
S = TypeVar("S")

#: Most values ``choose`` enumerates for one term (an index or key is a small enum).
MAX_VALUES = 64


@dataclass
class _Fork:
    """One branching point of the run in progress: its feasible alternatives (each a
    condition and the Python value the code gets) and which one this run takes."""

    alternatives: list[tuple[BoolT, Any]]
    taken: int = 0


@dataclass(frozen=True)
class SymPath(Generic[R]):
    """One path of a function: the condition under which it is taken, and its result.
    ``decisions``: the forked conditions in the order they were taken (their
    conjunction is ``condition``), for ``merge_paths``."""

    condition: BoolT
    result: R
    decisions: tuple[BoolT, ...] = ()

    def map(self, f: Callable[[R], S]) -> SymPath[S]:
        """The same path with ``f`` of its result."""
        return SymPath(self.condition, f(self.result), self.decisions)


def merge_paths(paths: list[SymPath[R]], ite: Callable[[BoolT, R, R], R]) -> R:
    """One value equal to each path's result under its condition, for paths of one
    ``Explorer.paths`` run (in its order), as a decision tree: one ``ite`` per fork,
    on the forked condition alone, instead of one per path on its whole condition (a
    chain of ``If(c1 & c2 & ..., r1, If(c1 & not c2 & ..., r2, ...))``)."""

    def tree(group: list[SymPath[R]], depth: int) -> R:
        if len(group) == 1:
            return group[0].result
        head = group[0].decisions[depth]
        same = [p for p in group if p.decisions[depth].eq(head)]
        rest = group[len(same) :]
        inner = tree(same, depth + 1)
        return inner if not rest else ite(head, inner, tree(rest, depth))

    return tree(paths, 0)


class Explorer:
    """Runs a function once per feasible path (module doc)."""

    #: ``SymBool.select`` builds an ``If`` term (the concolic explorer decides instead).
    resolves_selects = False

    def __init__(self, domain: BoolT, int_value: Callable[[int], IntT]) -> None:
        """``int_value``: the term of a Python int in the integer sort in use."""
        self.int_value = int_value
        self.solver = z3.Solver()
        self.solver.add(domain)
        self.trail: list[_Fork] = []
        self.depth = 0
        self.path: list[BoolT] = []
        self.checks = 0

    # ------------------------------------------------------------------ driving
    def paths(self, run: Callable[[], R]) -> list[SymPath[R]]:
        """Every path of ``run()``, in depth-first order (first alternatives first)."""
        out: list[SymPath[R]] = []
        self.trail = []
        while True:
            self.depth = 0
            self.path = []
            result = run()
            if self.depth != len(self.trail):
                raise InternalError("symbolic execution: the code took fewer decisions on replay")
            condition = z3.And(self.path) if self.path else z3.BoolVal(True)
            out.append(SymPath(condition, result, tuple(self.path)))
            while self.trail and self.trail[-1].taken == len(self.trail[-1].alternatives) - 1:
                self.trail.pop()
            if not self.trail:
                return out
            self.trail[-1].taken += 1

    def _branch(self, alternatives: Callable[[], list[tuple[BoolT, Any]]]) -> Any:
        if self.depth < len(self.trail):
            fork = self.trail[self.depth]
        else:
            fork = _Fork(alternatives())
            if not fork.alternatives:
                raise InternalError("symbolic execution: no feasible alternative (empty domain?)")
            self.trail.append(fork)
        self.depth += 1
        condition, value = fork.alternatives[fork.taken]
        if len(fork.alternatives) > 1:
            self.path.append(condition)
        return value

    def _feasible(self, condition: BoolT) -> bool:
        simple = z3.simplify(condition)
        if z3.is_false(simple):
            return False
        self.checks += 1
        answer = self.solver.check(*self.path, simple)
        if answer == z3.unknown:  # pragma: no cover - tiny quantifier-free queries
            raise InternalError("symbolic execution: z3 could not decide a branch")
        return bool(answer == z3.sat)

    # ------------------------------------------------------------------ questions
    def decide(self, condition: BoolT) -> bool:
        """The truth value of ``condition`` on this path (forking if both are possible)."""

        def alternatives() -> list[tuple[BoolT, Any]]:
            simple = z3.simplify(condition)
            if z3.is_true(simple):
                return [(simple, True)]
            if z3.is_false(simple):
                return [(simple, False)]
            negated = z3.Not(simple)
            if not self._feasible(simple):
                return [(negated, False)]  # the path is feasible, so its negation is
            if not self._feasible(negated):
                return [(simple, True)]
            return [(simple, True), (negated, False)]

        return bool(self._branch(alternatives))

    def choose(self, term: IntT) -> int:
        """A concrete value of ``term`` on this path (forking over all feasible values)."""

        def alternatives() -> list[tuple[BoolT, Any]]:
            simple = z3.simplify(term)
            if _is_value(simple):
                return [(z3.BoolVal(True), _int_of(simple))]
            values: list[int] = []
            while True:
                self.checks += 1
                excluded = [simple != v for v in values]
                if self.solver.check(*self.path, *excluded) != z3.sat:
                    break
                values.append(_int_of(self.solver.model().eval(simple, model_completion=True)))
                if len(values) > MAX_VALUES:
                    raise InternalError(f"symbolic execution: {term} takes too many values")
            return [(simple == v, v) for v in sorted(values)]

        return int(self._branch(alternatives))


def _is_value(t: Term) -> bool:
    return bool(z3.is_int_value(t) or z3.is_bv_value(t))


def _int_of(t: Term) -> int:
    return int(t.as_long()) if z3.is_int_value(t) else int(t.as_signed_long())


# ---------------------------------------------------------------------- values
def term_of(value: object, int_value: Callable[[int], IntT]) -> Term:
    """The z3 term of a value the code produced: a wrapped term, a bool or an int."""
    if isinstance(value, (SymInt, SymBool)):
        return value.t
    if isinstance(value, bool):
        return z3.BoolVal(value)
    if isinstance(value, int):
        return int_value(value)
    raise InternalError(f"symbolic execution: cannot turn {type(value).__name__} into a term")


def _t(value: object) -> Any:
    """An operand for a z3 operator: wrapped terms unwrap, Python ints stay ints."""
    if isinstance(value, (SymInt, SymBool)):
        return value.t
    return value


class SymBool:
    """A z3 Boolean term the code can branch on."""

    __slots__ = ("t", "x")

    def __init__(self, t: BoolT, x: Explorer) -> None:
        self.t = t
        self.x = x

    def __bool__(self) -> bool:
        return self.x.decide(self.t)

    def select(self, then: object, otherwise: object) -> SymInt | SymBool:
        """``ipsecmc.model.choice.when`` on a symbolic condition: one ``If`` term, or, for
        an explorer that answers every question at one point (``resolves_selects``:
        ``ipsecmc.engines.smt.concolic``), the value of the branch taken there."""
        if self.x.resolves_selects:
            return then if bool(self) else otherwise  # type: ignore[return-value]
        yes = term_of(then, self.x.int_value)
        no = term_of(otherwise, self.x.int_value)
        term = yes if yes.eq(no) else z3.If(self.t, yes, no)
        if z3.is_bool(term):
            return SymBool(term, self.x)
        return SymInt(term, self.x)

    def __and__(self, other: object) -> SymBool:
        return SymBool(z3.And(self.t, _t(other)), self.x)

    __rand__ = __and__

    def __or__(self, other: object) -> SymBool:
        return SymBool(z3.Or(self.t, _t(other)), self.x)

    __ror__ = __or__

    def __eq__(self, other: object) -> SymBool:  # type: ignore[override]
        return SymBool(self.t == _t(other), self.x)

    def __ne__(self, other: object) -> SymBool:  # type: ignore[override]
        return SymBool(self.t != _t(other), self.x)

    def __hash__(self) -> int:
        return hash(self.x.decide(self.t))

    def __format__(self, spec: str) -> str:
        return "<symbolic>"

    def __repr__(self) -> str:
        return f"SymBool({self.t})"


class SymInt:
    """A z3 integer (or bit-vector) term that behaves like an ``int`` to the code."""

    __slots__ = ("t", "x")

    def __init__(self, t: IntT, x: Explorer) -> None:
        self.t = t
        self.x = x

    def _new(self, t: IntT) -> SymInt:
        return SymInt(t, self.x)

    def __add__(self, other: object) -> SymInt:
        return self._new(self.t + _t(other))

    def __radd__(self, other: object) -> SymInt:
        return self._new(_t(other) + self.t)

    def __sub__(self, other: object) -> SymInt:
        return self._new(self.t - _t(other))

    def __rsub__(self, other: object) -> SymInt:
        return self._new(_t(other) - self.t)

    def __neg__(self) -> SymInt:
        return self._new(-self.t)

    def __mul__(self, other: object) -> SymInt:
        """Only by a plain int: the terms stay linear (``dpd-retrycount`` times a symbolic
        ``dpd-retryinterval`` in ``EndParams.dpd_detection_seconds``)."""
        if not isinstance(other, int) or isinstance(other, bool):
            raise InternalError("symbolic execution: only multiplication by an int is linear")
        return self._new(self.t * other)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> SymBool:  # type: ignore[override]
        return SymBool(self.t == _t(other), self.x)

    def __ne__(self, other: object) -> SymBool:  # type: ignore[override]
        return SymBool(self.t != _t(other), self.x)

    def __lt__(self, other: object) -> SymBool:
        return SymBool(self.t < _t(other), self.x)

    def __le__(self, other: object) -> SymBool:
        return SymBool(self.t <= _t(other), self.x)

    def __gt__(self, other: object) -> SymBool:
        return SymBool(self.t > _t(other), self.x)

    def __ge__(self, other: object) -> SymBool:
        return SymBool(self.t >= _t(other), self.x)

    def __bool__(self) -> bool:
        return self.x.decide(self.t != 0)

    def __index__(self) -> int:
        return self.x.choose(self.t)

    def __hash__(self) -> int:
        return hash(self.x.choose(self.t))

    def __format__(self, spec: str) -> str:
        return "<symbolic>"

    def __repr__(self) -> str:
        return f"SymInt({self.t})"


__all__ = ["MAX_VALUES", "Explorer", "SymBool", "SymInt", "SymPath", "term_of"]
