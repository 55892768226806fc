"""A plan's monitor as z3 terms, derived from ``engines.monitor.Monitor`` (issue 13).

The counter's rules are written once, in ``Monitor.step`` and ``Monitor.hit``, which
every search over concrete states reads. The z3 engine needs them as terms over the
unrolled states: here those two methods are run once by symbolic execution
(``symbolic.Explorer``) with the counter, the delay length and the predicate values
(the plan's predicate and a temporal plan's trigger and hold, at the state before and
after a step) as template variables; the paths are merged into one term per kind of
step, and each use substitutes its own terms (``DerivedMonitor.step``/``bad``).

What is *not* the monitor's but the z3 relation's: a z3 delay of ``d`` seconds is a first
tick from ``s`` followed by ``d - 1`` seconds in which the observation stays that of
``s2`` (``Encoding.delay``). So its counter is ``Monitor.step`` of the tick, then
``Monitor.step`` of a ``d - 1`` second delay from ``s2``'s observation to itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from ipsecmc.engines.monitor import Monitor
from ipsecmc.engines.result import Obligation, Plan
from ipsecmc.engines.smt.symbolic import Explorer, SymBool, SymInt, merge_paths, term_of
from ipsecmc.engines.smt.terms import URGENT, Ints
from ipsecmc.engines.smt.z3_api import BoolT, IntT, Term, z3
from ipsecmc.model.semantics import Label

#: The predicates a monitor reads, each at the state before (``s``) and after (``s2``).
_READS = ("pred", "trigger", "hold")
_AT = ("s", "s2")


class _Observed(NamedTuple):
    """Stands for a state in the symbolic run: which of the two it is."""

    at: str


class DerivedMonitor:
    """``Monitor.step`` and ``Monitor.hit`` of one plan as templates over ``ints``."""

    def __init__(self, plan: Plan, ints: Ints) -> None:
        self.plan = plan
        self.ints = ints
        self.c = ints.var("mon.c")
        self.d = ints.var("mon.d")
        self.tick = z3.Bool("mon.tick")
        self.delay = z3.Bool("mon.delay")
        self.reads = {(name, at): z3.Bool(f"mon.{name}.{at}") for name in _READS for at in _AT}
        self._used: dict[int, list[tuple[str, str]]] = {}
        s, s2 = _Observed("s"), _Observed("s2")
        event = Label(URGENT[0], 0, 0)

        def ticked(m: Monitor, c: SymInt) -> object:
            return m.step(c, Label("tick", -1, 0), s, s2)  # type: ignore[arg-type]

        def delayed(m: Monitor, c: SymInt, x: Explorer) -> object:
            first = ticked(m, c)
            rest = Label("delay", -1, SymInt(self.d, x) - 1)  # type: ignore[arg-type]
            return m.step(first, rest, s2, s2)  # type: ignore[arg-type]

        by_tick = self._derive(lambda m, c, x: ticked(m, c))
        by_delay = self._derive(delayed)
        by_event = self._derive(lambda m, c, x: m.step(c, event, s, s2))  # type: ignore[arg-type]
        self._step = z3.If(self.tick, by_tick, z3.If(self.delay, by_delay, by_event))
        self._bad = self._derive(lambda m, c, x: m.hit(s2, c))  # type: ignore[arg-type]

    def _monitor(self, x: Explorer) -> Monitor:
        """The plan's ``Monitor`` whose predicates read the template variables."""

        def reader(name: str) -> Callable[[_Observed], SymBool]:
            return lambda state: SymBool(self.reads[(name, state.at)], x)

        ob = self.plan.obligation
        plan = self.plan
        if ob is not None:
            plan = replace(
                plan,
                obligation=Obligation(
                    trigger=None if ob.trigger is None else reader("trigger"),  # type: ignore[arg-type]
                    hold=None if ob.hold is None else reader("hold"),  # type: ignore[arg-type]
                ),
            )
        return Monitor(plan, reader("pred"))  # type: ignore[arg-type]

    def _derive(self, run: Callable[[Monitor, SymInt, Explorer], object]) -> Term:
        """The term of ``run`` over every input (no domain: it holds for every value)."""
        x = Explorer(z3.BoolVal(True), self.ints.val)
        monitor = self._monitor(x)
        paths = x.paths(lambda: term_of(run(monitor, SymInt(self.c, x), x), self.ints.val))
        merged: Term = z3.simplify(merge_paths(paths, z3.If))
        return merged

    # ------------------------------------------------------------------ instances
    def step(
        self,
        c: IntT,
        tick: BoolT,
        delay: BoolT,
        d: IntT,
        before: Callable[[str], BoolT],
        after: Callable[[str], BoolT],
    ) -> IntT:
        """The counter after a step (a tick, a z3 delay of ``d`` seconds, else a
        zero-time event) from a state whose predicate values are ``before(name)`` to one
        with ``after(name)`` (``pred``, ``trigger``, ``hold``). Only the values the
        template reads are asked for (building a predicate's term is not free)."""
        pairs = [(self.c, c), (self.d, d), (self.tick, tick), (self.delay, delay)]
        values = self._values(self._step, {"s": before, "s2": after})
        return z3.substitute(self._step, *pairs, *values)

    def bad(self, c: IntT, at: Callable[[str], BoolT]) -> BoolT:
        """``Monitor.hit`` of a state with predicate values ``at(name)`` and counter ``c``."""
        return z3.substitute(self._bad, (self.c, c), *self._values(self._bad, {"s2": at}))

    def _values(
        self, template: Term, sources: dict[str, Callable[[str], BoolT]]
    ) -> list[tuple[BoolT, BoolT]]:
        used = self._used.get(template.get_id())
        if used is None:
            used = self._used[template.get_id()] = [
                key for key, var in self.reads.items() if _occurs(var, template)
            ]
        return [(self.reads[(name, at)], sources[at](name)) for name, at in used]


def _occurs(var: Term, term: Term) -> bool:
    """Whether the constant ``var`` occurs in ``term``."""
    seen: set[int] = set()
    stack = [term]
    while stack:
        t = stack.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        if t.eq(var):
            return True
        stack.extend(t.children())
    return False


__all__ = ["DerivedMonitor"]
