"""Concolic replay: one counterexample path, re-run with timers as z3 variables.

Why: parameter synthesis (``ipsecmc.workflows.synthesize``) needs, for one violating
event sequence found at one point (session TTL 180 s, DPD interval 20 s), the set of all
timer values for which *the same* sequence is still a path of the model and still ends
in a violation. That set is the path condition of the sequence, with the delays (how
long each jump over time lasts) as existential unknowns.

How: the reference handlers (``ipsecmc.model.semantics``) run once, on an ``EndParams``
whose chosen timers are ``SymInt`` terms over z3 variables, and with every jump of the
path lasting a fresh variable ``d<k>`` seconds. The ``Explorer`` of
``ipsecmc.engines.smt.symbolic`` forks at every question the code asks about a term;
here the question is answered instead by the concrete point the path was found at (the
timers there, the delays the explicit engine took), and the answer is recorded as a
constraint ("decide by the witness, remember why"). Every point satisfying all recorded
constraints makes the code take exactly the same decisions, so replaying the path there
succeeds step by step and the property's monitor ends in the same verdict: the
constraints describe a set of violated points, never more. No handler is transcribed:
the replay validity checks below are those of ``Semantics.replay_step`` (a tick only when
nothing is due, an urgent event only when it is the one due, a jump only up to
``max_delay``), asked of the same ``Semantics``.

``choice.when`` on a symbolic condition is answered the same way (the branch taken at
the point, its condition recorded) instead of building a ``z3.If``, so the constraints
are a conjunction of linear (in)equalities, ready for quantifier elimination.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ipsecmc.engines.monitor import Monitor
from ipsecmc.engines.result import Plan
from ipsecmc.engines.smt.symbolic import Explorer, SymBool, SymInt
from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, z3
from ipsecmc.errors import InternalError
from ipsecmc.model.clocks import FOREVER
from ipsecmc.model.params import EndParams
from ipsecmc.model.semantics import Label, Sink
from ipsecmc.model.state import EndState, State
from ipsecmc.model.system import TransitionSystem


class Witnessed(Explorer):
    """An explorer that answers every question (``decide``, ``choose``, and the choice
    of ``choice.when``) by evaluating it at one concrete point, and records the answer
    as a constraint."""

    resolves_selects = True

    def __init__(self) -> None:
        super().__init__(z3.BoolVal(True), z3.IntVal)
        self.point = z3.Model()
        self.constraints: list[BoolT] = []

    def variable(self, name: str, value: int) -> SymInt:
        """A fresh integer unknown whose value at the witness point is ``value``."""
        var = z3.Int(name)
        self.point.update_value(var, z3.IntVal(value))
        return SymInt(var, self)

    def value(self, term: Term) -> Any:
        """``term`` at the witness point (a Python bool or int)."""
        simple = self.point.eval(term, model_completion=False)
        if z3.is_true(simple):
            return True
        if z3.is_false(simple):
            return False
        if z3.is_int_value(simple):
            return simple.as_long()
        raise InternalError(f"concolic replay: {term} has no value at the witness point")

    def require(self, condition: BoolT) -> None:
        """Record ``condition``, which must hold at the point (else the replay is wrong)."""
        if self.value(condition) is not True:
            raise InternalError(f"concolic replay: {condition} fails at the witness point")
        self.constraints.append(condition)

    def decide(self, condition: BoolT) -> bool:
        simple = z3.simplify(condition)
        if z3.is_true(simple) or z3.is_false(simple):
            return bool(z3.is_true(simple))
        answer = bool(self.value(simple))
        self.constraints.append(simple if answer else z3.Not(simple))
        return answer

    def choose(self, term: IntT) -> int:
        simple = z3.simplify(term)
        if z3.is_int_value(simple):
            return int(simple.as_long())
        answer = int(self.value(simple))
        self.constraints.append(simple == answer)
        return answer

    def wrap(self, value: Any) -> Any:
        """A state field after a step, its term simplified (a jump's ``ttl - d0 - 1``
        stays one sum instead of a growing tree); ints and bools stay."""
        if isinstance(value, SymBool):
            return SymBool(z3.simplify(value.t), self)
        if isinstance(value, SymInt):
            return SymInt(z3.simplify(value.t), self)
        return value


@dataclass(frozen=True)
class PathCondition:
    """What one violating path says about the timers: ``condition`` over ``timers``
    and ``delays`` (one per jump of the path; existential), and the path's length."""

    timers: tuple[Term, ...]
    delays: tuple[Term, ...]
    condition: BoolT
    steps: int


def _concrete_atoms(value: Any) -> Any:
    if isinstance(value, SymBool):
        return bool(value)
    if isinstance(value, SymInt):
        return value.x.choose(value.t)
    return value


def path_condition(
    system: TransitionSystem,
    timers: Mapping[str, tuple[str, int]],
    plan_of: Callable[[TransitionSystem, Callable[[Any], Any]], Plan],
    labels: Sequence[Label],
) -> PathCondition:
    """The condition under which ``labels`` is a path of ``system`` ending in a hit of
    its plan, with ``timers`` (``EndParams`` field -> (variable name, value at the
    point the path was found at)) symbolic at both ends.

    ``plan_of(symbolic_system, concrete)`` builds the property's plan on the symbolic
    system; ``concrete`` turns an atom value into a Python value (recording why)."""
    x = Witnessed()
    sym = {field: x.variable(name, value) for field, (name, value) in timers.items()}

    def symbolic_end(p: EndParams) -> EndParams:
        return replace(p, **sym)  # type: ignore[arg-type]

    ends = system.params.ends
    params = replace(system.params, ends=(symbolic_end(ends[0]), symbolic_end(ends[1])))
    sys2 = system.with_params(params)
    sem = sys2.semantics
    plan = plan_of(sys2, _concrete_atoms)
    # The monitor's counter saturates at T + 1 (a finite state space for the search);
    # replayed as it is, each saturation test would pin T to the witness's own value.
    # Counting without the ceiling and judging with the real T is the same hit.
    monitor, judge = Monitor(replace(plan, bound=FOREVER)), Monitor(plan)
    state = sem.initial()
    c: Any = 0
    delays: list[Term] = []
    for label in labels:
        if label.kind == "delay":
            d = x.variable(f"d{len(delays)}", label.arg)
            delays.append(d.t)
            x.require((d >= 1).t)
            limit = sem.max_delay(state)
            x.require((d <= limit).t)
            after = sem.delay(state, d)  # type: ignore[arg-type]
            step = Label("delay", -1, d)  # type: ignore[arg-type]
        elif label.kind == "tick":
            if any(sem.due(state, i) is not None for i in (0, 1)):
                raise InternalError("concolic replay: a tick while an urgent event is due")
            ab, ba, fault = bool(label.arg & 1), bool(label.arg & 2), label.arg >> 2
            if (ab, ba) not in sem.params.traffic.phases[int(state.phase)].choices():
                raise InternalError("concolic replay: traffic the profile does not allow")
            after = sem.tick(state, ab, ba, Sink(False), fault)
            step = label
        else:
            if sem.due(state, label.end) != label.kind:
                raise InternalError(f"concolic replay: {label.kind} is not due")
            outcomes = sem.handle(label.kind, state, label.end, Sink(False))
            after = outcomes[label.arg].state
            step = label
        c = monitor.step(c, step, state, after)
        c = x.wrap(c)
        state = _resolved_state(after, x)
    if not judge.hit(state, c):
        raise InternalError("concolic replay: the path does not end in a violation")
    timer_terms = tuple(v.t for v in sym.values())
    condition = z3.And(x.constraints) if x.constraints else z3.BoolVal(True)
    return PathCondition(timer_terms, tuple(delays), condition, len(labels))


def _resolved_state(s: State, x: Witnessed) -> State:
    def end(e: EndState) -> EndState:
        return EndState(*(x.wrap(v) for v in e))

    return State(end(s.a), end(s.b), x.wrap(s.phase), x.wrap(s.phase_left))


__all__ = ["PathCondition", "Witnessed", "path_condition"]
