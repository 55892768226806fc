"""The z3 step relation's behaviour, derived from ``Semantics`` (issue 13, item 1).

What is derived: ``due`` (which urgent event an end must take now), every urgent
handler (``Semantics.handle``) and the one-second tick (``Semantics.tick``). Each is the
reference Python code itself, run once by symbolic execution (``symbolic.Explorer``) on a
*template* state whose fields are z3 variables; the paths are merged into one term per
field. The z3 engine then gets a step by substituting its own state variables for the
template's (``Derived.due`` etc.): no term is built in Python per step, and nothing of the
behaviour is written a second time.

The environment's choices stay explicit variables:

* ``pick``: which outcome of an urgent event happens. ``Semantics.handle`` returns a list
  (one entry per local-in outcome of the packets the event sends: the receiver's
  ``admissions`` when it has no session); the derived handler is that list indexed by
  ``pick`` and ``count`` is its length, so ``pick`` is exactly ``Label.arg``.
* ``ab``/``ba``: the host traffic of a tick, as the two Booleans ``Semantics.tick`` takes.

The domain: symbolic execution prunes branches that no state satisfying ``domain`` (the
value ranges of ``Encoding.ranges``) can take. So the derived terms equal the Python
functions on every state of the domain, and are unspecified outside it. That is all the
engine needs: every reachable state is in the domain (``SmtEngine`` checks the ranges
inductive before a proof relies on them; ``tests/test_smt.py`` checks them on random
reachable states), a k-induction step only needs the real transitions between
reachable states to be transitions of the relation, and handlers are merged under the
condition that ``due`` selects them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from ipsecmc.engines.smt.symbolic import (
    Explorer,
    SymBool,
    SymInt,
    SymPath,
    merge_paths,
    term_of,
)
from ipsecmc.engines.smt.terms import (
    BOOL_FIELDS,
    CODE,
    NOTHING_DUE,
    URGENT,
    Ints,
    SEnd,
    SState,
    flat,
    ite,
    substitute_all,
    unflat,
)
from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, z3
from ipsecmc.errors import InternalError
from ipsecmc.model.clocks import Clock
from ipsecmc.model.params import EndParams
from ipsecmc.model.semantics import Semantics, Sink
from ipsecmc.model.state import EndState, State

R = TypeVar("R")

#: The template's variable names start with this (no user-visible name does).
PREFIX = "tpl"


def evaluate(run: Callable[[Explorer], object], ints: Ints) -> Term:
    """The term of ``run``, straight-line code on values wrapped for ``explorer``
    (``wrap_state``, ``SymInt``) that never branches on a term (the clock table's
    conditions and steps)."""
    explorer = Explorer(z3.BoolVal(True), ints.val)
    paths = explorer.paths(lambda: term_of(run(explorer), ints.val))
    if len(paths) != 1:  # pragma: no cover - the clock table has no branches on values
        raise InternalError("a clock-table function branched on a symbolic value")
    return paths[0].result


def wrap_state(s: SState, x: Explorer) -> State:
    """The template as a ``State`` the reference code can run on."""

    def end(e: SEnd) -> EndState:
        values = [
            SymBool(t, x) if name in BOOL_FIELDS else SymInt(t, x)
            for name, t in zip(SEnd._fields, e, strict=True)
        ]
        return EndState(*values)  # type: ignore[arg-type]

    return State(end(s.a), end(s.b), SymInt(s.phase, x), SymInt(s.phase_left, x))  # type: ignore[arg-type]


def _term_state(s: State, ints: Ints) -> SState:
    """A state the reference code returned (ints, bools and wrapped terms) as terms."""

    def end(e: EndState) -> SEnd:
        return SEnd(*(term_of(v, ints.val) for v in e))

    return SState(end(s.a), end(s.b), term_of(s.phase, ints.val), term_of(s.phase_left, ints.val))


def _merge(paths: Sequence[SymPath[SState]]) -> SState:
    """One state term from the paths of one run (``merge_paths``: a decision tree)."""
    return merge_paths(list(paths), ite)


def _merge_int(paths: Sequence[SymPath[int]], ints: Ints) -> IntT:
    merged: IntT = merge_paths([p.map(ints.val) for p in paths], z3.If)
    return merged


def _select(outcomes: Sequence[SState], pick: IntT) -> SState:
    """``outcomes[pick]`` (the last one for any ``pick`` past the end)."""
    out = outcomes[-1]
    for n in range(len(outcomes) - 2, -1, -1):
        out = ite(pick == n, outcomes[n], out)
    return out


class Derived:
    """``due``, the urgent handlers and the tick of one ``Semantics`` as templates.

    Built once per tunnel and integer sort (``ints``); the methods substitute
    a step's variables into them.
    """

    def __init__(self, sem: Semantics, domain: Callable[[SState], BoolT], ints: Ints) -> None:
        self.ints = ints
        self.template = ints.fresh_state(PREFIX)
        self.pick = ints.var(f"{PREFIX}.pick")
        self.ab = z3.Bool(f"{PREFIX}.ab")
        self.ba = z3.Bool(f"{PREFIX}.ba")
        self.variables = flat(self.template)
        self.paths = 0
        self._always_moves: dict[tuple[int, str], bool] = {}
        self.checks = 0
        inside = self.inside = domain(self.template)
        self._due: list[IntT] = []
        self._handlers: dict[tuple[str, int], tuple[SState, IntT]] = {}
        for i in (0, 1):
            dues = self._run(inside, lambda s, _, i=i: sem.due(s, i))  # type: ignore[misc]
            codes = [p.map(lambda kind: CODE[kind] if kind else NOTHING_DUE) for p in dues]
            self._due.append(_merge_int(codes, ints))
            for kind in URGENT:
                when = [p.condition for p in dues if p.result == kind]
                if not when:
                    continue
                guard = z3.And(inside, z3.Or(when))
                outcomes = self._run(
                    guard,
                    lambda s, _, i=i, kind=kind: [  # type: ignore[misc]
                        _term_state(o.state, ints) for o in sem.handle(kind, s, i, Sink(False))
                    ],
                )
                after = _merge([p.map(lambda r: _select(r, self.pick)) for p in outcomes])
                count = _merge_int([p.map(len) for p in outcomes], ints)
                self._handlers[(kind, i)] = (after, count)
        self.fault = ints.var(f"{PREFIX}.fault")
        faulty = bool(sem.params.faults.tick_faults)
        ticks = self._run(
            inside,
            lambda s, x: _term_state(
                sem.tick(
                    s,
                    SymBool(self.ab, x),  # type: ignore[arg-type]
                    SymBool(self.ba, x),  # type: ignore[arg-type]
                    Sink(False),
                    SymInt(self.fault, x) if faulty else 0,  # type: ignore[arg-type]
                ),
                ints,
            ),
        )
        self._tick = _merge(ticks)

    def _run(self, domain: BoolT, run: Callable[[State, Explorer], R]) -> list[SymPath[R]]:
        """Every path of ``run`` on the template (and the explorer, for extra inputs)."""
        explorer = Explorer(domain, self.ints.val)
        state = wrap_state(self.template, explorer)
        paths = explorer.paths(lambda: run(state, explorer))
        self.paths += len(paths)
        self.checks += explorer.checks
        return paths

    # ------------------------------------------------------------------ instances
    def _pairs(self, s: SState, extra: Sequence[tuple[Term, Term]]) -> list[tuple[Term, Term]]:
        return list(zip(self.variables, flat(s), strict=True)) + list(extra)

    def _substitute(self, term: Term, s: SState, extra: Sequence[tuple[Term, Term]] = ()) -> Term:
        return substitute_all([term], self._pairs(s, extra))[0]

    def _substitute_state(
        self, t: SState, s: SState, extra: Sequence[tuple[Term, Term]] = ()
    ) -> SState:
        return unflat(substitute_all(flat(t), self._pairs(s, extra)))

    def due(self, s: SState, i: int) -> IntT:
        """``Semantics.due(s, i)`` as a code (``NOTHING_DUE`` or ``CODE[kind]``)."""
        return self._substitute(self._due[i], s)

    def handler(self, kind: str, s: SState, i: int, pick: IntT) -> SState:
        """Outcome number ``pick`` of urgent event ``kind`` at end ``i`` (when it is due)."""
        if (kind, i) not in self._handlers:
            return s  # never due in the domain: any value will do
        return self._substitute_state(self._handlers[(kind, i)][0], s, [(self.pick, pick)])

    def count(self, kind: str, s: SState, i: int) -> IntT:
        """How many outcomes urgent event ``kind`` at end ``i`` has (when it is due)."""
        if (kind, i) not in self._handlers:
            return self.ints.val(1)
        return self._substitute(self._handlers[(kind, i)][1], s)

    def tick(self, s: SState, ab: BoolT, ba: BoolT, fault: IntT) -> SState:
        """``Semantics.tick(s, ab, ba, fault=fault)``."""
        return self._substitute_state(
            self._tick, s, [(self.ab, ab), (self.ba, ba), (self.fault, fault)]
        )

    def tick_clock(self, s: SState, ab: BoolT, ba: BoolT, i: int, field: str) -> IntT:
        """Clock ``field`` of end ``i`` after ``Semantics.tick(s, ab, ba)``: the part of a
        second tick a delay needs."""
        term = getattr(self._tick.end(i), field)
        no_fault = (self.fault, self.ints.val(0))
        return self._substitute(term, s, [(self.ab, ab), (self.ba, ba), no_fault])

    def ticks_always_move(self, i: int, clock: Clock, p: EndParams) -> bool:
        """Whether every tick from a domain state in which ``clock`` of end ``i`` runs
        moves it by one second (proved on the template, whatever the traffic): then a
        delay needs no second tick to know it moves. ``quiet`` fails this (inbound ESP
        resets it)."""
        key = (i, clock.field)
        if key not in self._always_moves:
            runs = evaluate(
                lambda x: clock.running(p, wrap_state(self.template, x).end(i)), self.ints
            )
            value = getattr(self.template.end(i), clock.field)
            after = getattr(self._tick.end(i), clock.field)
            solver = z3.Solver()
            solver.add(self.inside, runs, after != clock.moved(value, 1), self.fault == 0)
            self._always_moves[key] = solver.check() == z3.unsat
        return self._always_moves[key]


__all__ = ["PREFIX", "Derived", "evaluate", "wrap_state"]
